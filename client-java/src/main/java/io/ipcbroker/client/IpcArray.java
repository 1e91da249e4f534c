package io.ipcbroker.client;

import java.time.Duration;
import java.util.List;

/**
 * A named typed array of fixed length on the broker, shared by every program that opens the same
 * name: Python's {@code multiprocessing.Array} (and {@code RawArray}).
 *
 * <pre>{@code
 * IpcArray a = broker.array("squares", TypeCode.INT, 10);
 * a.set(3, 9);
 * a.setSlice(0, new long[] {0, 1, 4});
 * long[] firstFour = a.getLongs(0, 4);         // {0, 1, 4, 9}
 * a.addAndGet(9, 81);
 * }</pre>
 *
 * <p>Elements follow {@link IpcValue}'s rules for types, ranges, {@code c}, unsigned 64-bit numbers
 * and the lock. Indexes run from 0 to {@link #length()} - 1; Python's negative indexes are not
 * supported. An index or slice outside the array fails {@code OUT_OF_RANGE}/{@code
 * INDEX_OUT_OF_RANGE}. Every call is atomic, a slice read or write included: a write of several
 * elements writes all or none.
 *
 * <p>A handle names the array, not one incarnation of it. Handles are thread-safe and hold nothing
 * to close.
 */
public interface IpcArray {
  /** The array's name. */
  String name();

  /** The elements' type. */
  TypeCode type();

  /** The number of elements (Python's {@code len}); fixed when the array was created. */
  int length();

  /** Whether the array has a lock (false for a {@link IpcBroker#rawArray raw array}). */
  boolean hasLock();

  /**
   * Element {@code index}, as the Java type {@link TypeCode} names for the type.
   *
   * @throws IpcBrokerException {@code OUT_OF_RANGE}/{@code INDEX_OUT_OF_RANGE}; {@code
   *     NOT_FOUND}/{@code VALUE_NOT_FOUND}; {@code DEADLINE_EXCEEDED}/{@code LOCK_TIMEOUT}
   */
  Number get(int index);

  /** {@code get(index).longValue()}. */
  long getLong(int index);

  /** {@code get(index).doubleValue()}. */
  double getDouble(int index);

  /**
   * Elements {@code from} (inclusive) to {@code to} (exclusive), read atomically: Python's {@code
   * a[from:to]}.
   *
   * @throws IllegalArgumentException if {@code from > to}
   * @throws IpcBrokerException {@code OUT_OF_RANGE}/{@code INDEX_OUT_OF_RANGE} if the slice is not
   *     within the array
   */
  List<Number> slice(int from, int to);

  /** As {@link #slice(int, int)}, each element's {@code longValue()}. */
  long[] getLongs(int from, int to);

  /** As {@link #slice(int, int)}, each element's {@code doubleValue()}. */
  double[] getDoubles(int from, int to);

  /**
   * Writes element {@code index}.
   *
   * @throws IpcBrokerException {@code OUT_OF_RANGE}/{@code INDEX_OUT_OF_RANGE}, {@code
   *     OUT_OF_RANGE}/{@code VALUE_OUT_OF_RANGE}, {@code INVALID_ARGUMENT}/{@code TYPE_MISMATCH};
   *     nothing then changes
   */
  void set(int index, Number value);

  /** As {@link #set(int, Number)}. */
  void set(int index, long value);

  /** As {@link #set(int, Number)}. */
  void set(int index, double value);

  /**
   * Writes {@code values} from element {@code from} on, all or none: Python's {@code
   * a[from:from+len(values)] = values}. No values is a no-op.
   *
   * @throws IpcBrokerException as {@link #set(int, Number)}, for any of the elements
   */
  void setSlice(int from, Number... values);

  /** As {@link #setSlice(int, Number...)}. */
  void setSlice(int from, long[] values);

  /** As {@link #setSlice(int, Number...)}. */
  void setSlice(int from, double[] values);

  /**
   * Adds {@code delta} to element {@code index} atomically; see {@link IpcValue#addAndGet(long)}.
   */
  long addAndGet(int index, long delta);

  /** As {@link IpcValue#addAndGet(double)}, for element {@code index}. */
  double addAndGet(int index, double delta);

  /** As {@link IpcValue#compareAndSet(Number, Number)}, for element {@code index}. */
  boolean compareAndSet(int index, Number expected, Number newValue);

  /** The array's lock: Python's {@code get_lock()}; see {@link IpcValue#lock()}. */
  IpcLock lock();

  /** A view of this array whose reads and writes wait at most {@code timeout} for the lock. */
  IpcArray withTimeout(Duration timeout);
}
