package io.ipcbroker.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A named typed value on the broker, shared by every program that opens the same name: Python's
 * {@code multiprocessing.Value} (and {@code RawValue}).
 *
 * <pre>{@code
 * IpcValue counter = broker.value("counter", TypeCode.INT, 0);
 * counter.addAndGet(1);                        // atomic on its own
 * try (IpcLock held = counter.lock().acquire()) {
 *   counter.set(counter.getLong() * 2);        // several steps under Python's get_lock()
 * }
 * }</pre>
 *
 * <p>The value keeps its type's real width. A write that does not fit the type fails {@code
 * OUT_OF_RANGE}/{@code VALUE_OUT_OF_RANGE} and changes nothing (where ctypes truncates silently); a
 * float for an integer type fails {@code INVALID_ARGUMENT}/{@code TYPE_MISMATCH}; a float32 value
 * keeps the nearest float32. {@link TypeCode} says which Java type {@link #get()} returns.
 *
 * <p>Numbers: {@code getLong()} and {@code getDouble()} are {@code get().longValue()} and {@code
 * get().doubleValue()}; so a {@code L} or {@code Q} value above {@link Long#MAX_VALUE} reads as its
 * two's-complement bits from {@code getLong()} (as {@link java.math.BigInteger#longValue()} gives
 * them) and exactly from {@code get()}. Writes never reinterpret bits: {@code set(-1)} on {@code Q}
 * is out of range; write values above {@code Long.MAX_VALUE} as a {@link java.math.BigInteger}. An
 * integer written to {@code f} or {@code d} is stored as that float, as in Python.
 *
 * <p>{@code c} holds one byte: write a {@link Byte} or any integer from -128 to 255 (so {@code
 * set('x')} and {@code set((byte) 0xE9)} work); {@code get()} returns a {@link Byte}.
 *
 * <p>Locking: the value's lock ({@link #lock()}) holds off other owners' reads and writes while it
 * is held, as Python's accessors take it. So a read or write waits while another owner (another
 * client, or another thread of this one) holds the lock, as long as it holds it; a view from {@link
 * #withTimeout(Duration)} waits at most its timeout and then fails {@code DEADLINE_EXCEEDED}/{@code
 * LOCK_TIMEOUT}, changing nothing. An interrupted wait fails {@code CANCELLED}/{@code INTERRUPTED}.
 * Every single call is atomic, including {@link #addAndGet(long)} and {@link #compareAndSet(Number,
 * Number)}; only updates of several steps need the lock.
 *
 * <p>A handle names the value, not one incarnation of it: after a delete and a re-create under the
 * same name, it reaches the new value. Handles are thread-safe and hold nothing to close.
 */
public interface IpcValue {
  /** The value's name. */
  String name();

  /** The value's type. */
  TypeCode type();

  /** Whether the value has a lock (false for a {@link IpcBroker#rawValue raw value}). */
  boolean hasLock();

  /**
   * The value, as the Java type {@link TypeCode} names for its type.
   *
   * @throws IpcBrokerException {@code NOT_FOUND}/{@code VALUE_NOT_FOUND} once it was deleted;
   *     {@code DEADLINE_EXCEEDED}/{@code LOCK_TIMEOUT} (see {@link #withTimeout(Duration)})
   */
  Number get();

  /** {@code get().longValue()}: truncated for floats, the bits for {@code L}/{@code Q}. */
  long getLong();

  /** {@code get().doubleValue()}. */
  double getDouble();

  /**
   * Writes {@code value}.
   *
   * @throws IpcBrokerException {@code OUT_OF_RANGE}/{@code VALUE_OUT_OF_RANGE} if it does not fit
   *     the type, {@code INVALID_ARGUMENT}/{@code TYPE_MISMATCH} if it is of the wrong kind; the
   *     value then is unchanged
   */
  void set(Number value);

  /** As {@link #set(Number)}. */
  void set(long value);

  /** As {@link #set(Number)}. */
  void set(double value);

  /**
   * Adds {@code delta} atomically and returns the result, as {@link #getLong()} reads it.
   *
   * @throws IpcBrokerException {@code OUT_OF_RANGE}/{@code VALUE_OUT_OF_RANGE} if the result does
   *     not fit the type (nothing changes); {@code INVALID_ARGUMENT}/{@code TYPE_MISMATCH} on
   *     {@code c}
   */
  long addAndGet(long delta);

  /**
   * Adds {@code delta} atomically and returns the result ({@code f} and {@code d}).
   *
   * @throws IpcBrokerException {@code INVALID_ARGUMENT}/{@code TYPE_MISMATCH} on an integer type
   */
  double addAndGet(double delta);

  /**
   * As {@link #addAndGet(long)}, without waiting for the answer: many adds can be in flight at once
   * (over one connection, without a thread each), which is how a counter keeps up with a broker
   * across the network. On an integer type, the adds a thread makes while one of its adds is in
   * flight go out together as one add of their sum (deltas of one sign only), and each future
   * completes with the value after its own add. Each add is applied exactly once and atomically;
   * adds in flight together are applied in an unspecified order, so each result is the value after
   * that add, not a count of the caller's own adds. The future completes on the client's callback
   * executor and fails with the {@link IpcBrokerException} the blocking form throws; a lock held by
   * another owner makes the add wait on the broker (a {@link #withTimeout(Duration)} view bounds
   * that wait). Cancelling the future before the answer gives the add up; it may still have been
   * applied.
   */
  CompletableFuture<Long> addAndGetAsync(long delta);

  /** As {@link #addAndGetAsync(long)}, for {@code f} and {@code d}. */
  CompletableFuture<Double> addAndGetAsync(double delta);

  /**
   * Sets the value to {@code newValue} if it equals {@code expected}, atomically. Floats compare by
   * value: {@code -0.0} equals {@code 0.0} and NaN equals nothing.
   *
   * @return whether the value was set
   */
  boolean compareAndSet(Number expected, Number newValue);

  /**
   * The value's lock: Python's {@code get_lock()}. For a raw value its calls fail {@code
   * FAILED_PRECONDITION}/{@code NO_LOCK}.
   */
  IpcLock lock();

  /**
   * A view of this value whose reads and writes wait at most {@code timeout} for a lock that
   * another owner holds (zero: not at all), then fail {@code DEADLINE_EXCEEDED}/{@code
   * LOCK_TIMEOUT} and change nothing.
   *
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  IpcValue withTimeout(Duration timeout);
}
