package io.ipcbroker.client;

import io.ipcbroker.v1.SharedValue;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The SDK's {@link IpcValue}: element 0 of its {@link ValueCalls}, never indexed. */
final class ValueHandle implements IpcValue {
  private final ValueCalls calls;

  ValueHandle(ValueCalls calls) {
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
  public boolean hasLock() {
    return calls.hasLock();
  }

  @Override
  public Number get() {
    return calls.decode(calls.getOne(0));
  }

  @Override
  public long getLong() {
    return get().longValue();
  }

  @Override
  public double getDouble() {
    return get().doubleValue();
  }

  @Override
  public void set(Number value) {
    calls.set(0, List.of(calls.encode(value)));
  }

  @Override
  public void set(long value) {
    set(Long.valueOf(value));
  }

  @Override
  public void set(double value) {
    set(Double.valueOf(value));
  }

  @Override
  public long addAndGet(long delta) {
    return calls.decode(calls.addAndGet(0, calls.encode(delta))).longValue();
  }

  @Override
  public double addAndGet(double delta) {
    return calls.decode(calls.addAndGet(0, calls.encode(delta))).doubleValue();
  }

  @Override
  public CompletableFuture<Long> addAndGetAsync(long delta) {
    return calls.addAndGetAsyncCoalesced(delta);
  }

  @Override
  public CompletableFuture<Double> addAndGetAsync(double delta) {
    return calls.addAndGetAsync(0, calls.encode(delta), r -> calls.decode(r).doubleValue());
  }

  @Override
  public boolean compareAndSet(Number expected, Number newValue) {
    return calls.compareAndSet(0, calls.encode(expected), calls.encode(newValue));
  }

  @Override
  public IpcLock lock() {
    return calls.lock();
  }

  @Override
  public IpcValue withTimeout(Duration timeout) {
    return new ValueHandle(calls.withTimeout(timeout));
  }

  /** Add calls sent by the async adds, for tests in this package. */
  long addCallsForTests() {
    return calls.addCallsForTests();
  }

  /** The live figures, for tests in this package. */
  SharedValue describeForTests() {
    return calls.describe();
  }

  @Override
  public String toString() {
    return "IpcValue[" + name() + ", '" + type().code() + "']";
  }
}
