package io.ipcbroker.client;

import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.SharedValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The SDK's {@link IpcArray} over its {@link ValueCalls}. */
final class ArrayHandle implements IpcArray {
  private final ValueCalls calls;

  ArrayHandle(ValueCalls calls) {
    this.calls = calls;
  }

  @Override
  public String name() {
    return calls.name();
  }

  @Override
  public TypeCode type() {
    return calls.type();
  }

  @Override
  public int length() {
    return calls.length();
  }

  @Override
  public boolean hasLock() {
    return calls.hasLock();
  }

  @Override
  public Number get(int index) {
    return calls.decode(calls.getOne(index));
  }

  @Override
  public long getLong(int index) {
    return get(index).longValue();
  }

  @Override
  public double getDouble(int index) {
    return get(index).doubleValue();
  }

  @Override
  public List<Number> slice(int from, int to) {
    List<Number> out = new ArrayList<>(Math.max(0, to - from));
    for (Scalar s : read(from, to)) {
      out.add(calls.decode(s));
    }
    return out;
  }

  @Override
  public long[] getLongs(int from, int to) {
    List<Scalar> read = read(from, to);
    long[] out = new long[read.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = calls.decode(read.get(i)).longValue();
    }
    return out;
  }

  @Override
  public double[] getDoubles(int from, int to) {
    List<Scalar> read = read(from, to);
    double[] out = new double[read.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = calls.decode(read.get(i)).doubleValue();
    }
    return out;
  }

  private List<Scalar> read(int from, int to) {
    if (from > to) {
      throw new IllegalArgumentException("from " + from + " > to " + to);
    }
    if (from == to) {
      // The wire has no "no elements" (count 0 means "to the end"), so an empty slice is answered
      // here, with the broker's rule for where a slice may start.
      checkStart(from);
      return List.of();
    }
    List<Scalar> values = calls.get(from, to - from);
    if (values.size() != to - from) {
      throw new IllegalStateException(
          "the broker answered " + values.size() + " elements for " + (to - from));
    }
    return values;
  }

  @Override
  public void set(int index, Number value) {
    calls.set(index, List.of(calls.encode(value)));
  }

  @Override
  public void set(int index, long value) {
    set(index, Long.valueOf(value));
  }

  @Override
  public void set(int index, double value) {
    set(index, Double.valueOf(value));
  }

  @Override
  public void setSlice(int from, Number... values) {
    List<Scalar> encoded = new ArrayList<>(values.length);
    for (Number v : values) {
      encoded.add(calls.encode(v));
    }
    write(from, encoded);
  }

  @Override
  public void setSlice(int from, long[] values) {
    List<Scalar> encoded = new ArrayList<>(values.length);
    for (long v : values) {
      encoded.add(calls.encode(v));
    }
    write(from, encoded);
  }

  @Override
  public void setSlice(int from, double[] values) {
    List<Scalar> encoded = new ArrayList<>(values.length);
    for (double v : values) {
      encoded.add(calls.encode(v));
    }
    write(from, encoded);
  }

  private void write(int from, List<Scalar> values) {
    if (values.isEmpty()) {
      // Python's a[i:i] = [] is a no-op; the broker would refuse a write of nothing.
      checkStart(from);
      return;
    }
    calls.set(from, values);
  }

  private void checkStart(int from) {
    if (from < 0 || from > length()) {
      throw Errors.indexOutOfRange(from, length());
    }
  }

  @Override
  public long addAndGet(int index, long delta) {
    return calls.decode(calls.addAndGet(index, calls.encode(delta))).longValue();
  }

  @Override
  public double addAndGet(int index, double delta) {
    return calls.decode(calls.addAndGet(index, calls.encode(delta))).doubleValue();
  }

  @Override
  public boolean compareAndSet(int index, Number expected, Number newValue) {
    return calls.compareAndSet(index, calls.encode(expected), calls.encode(newValue));
  }

  @Override
  public IpcLock lock() {
    return calls.lock();
  }

  @Override
  public IpcArray withTimeout(Duration timeout) {
    return new ArrayHandle(calls.withTimeout(timeout));
  }

  /** The live figures, for tests in this package. */
  SharedValue describeForTests() {
    return calls.describe();
  }

  @Override
  public String toString() {
    return "IpcArray[" + name() + ", '" + type().code() + "', " + length() + "]";
  }
}
