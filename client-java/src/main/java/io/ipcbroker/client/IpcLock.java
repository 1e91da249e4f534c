package io.ipcbroker.client;

import java.time.Duration;

/**
 * A re-entrant lock on the broker: Python's {@code RLock}, as {@code Value.get_lock()} gives it.
 *
 * <pre>{@code
 * try (IpcLock held = counter.lock().acquire()) {
 *   counter.set(counter.getLong() + 1);
 * }
 * }</pre>
 *
 * <p>The owner is this client's session plus the calling Java thread, so two threads of one client
 * are two owners, as two threads are with Python's {@code RLock}: a thread that holds the lock may
 * acquire it again (its hold count grows), and only the owner may release it. The lock is free when
 * the owner has released it as many times as it acquired it. If the client closes or its session is
 * lost, the broker releases whatever it held; a thread that ends while holding it keeps it until
 * then (as a Python thread that dies holding an {@code RLock} does), so release in a {@code
 * finally} or a try-with-resources.
 *
 * <p>Handles are thread-safe. Calls fail with {@link IpcBrokerException}: {@code
 * FAILED_PRECONDITION}/{@code NO_LOCK} for an object created without a lock ({@link
 * IpcBroker#rawValue}), {@code NOT_FOUND}/{@code VALUE_NOT_FOUND} once it was deleted.
 */
public interface IpcLock extends AutoCloseable {
  /**
   * Acquires the lock, waiting as long as another owner holds it.
   *
   * @return this lock, so that try-with-resources releases it
   * @throws IpcBrokerException {@code CANCELLED}/{@code INTERRUPTED} if the thread was interrupted
   *     while it waited; the lock then is not held (its interrupt flag is set again)
   */
  IpcLock acquire();

  /**
   * Acquires the lock, waiting at most {@code timeout} (zero: one try).
   *
   * @return whether the lock is now held by the calling thread
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  boolean acquire(Duration timeout);

  /** Acquires the lock if no other owner holds it now: Python's {@code acquire(False)}. */
  boolean tryAcquire();

  /**
   * Releases one level of the calling thread's hold; the lock is free when it reaches 0.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code LOCK_NOT_OWNED} if the calling
   *     thread of this client does not hold the lock; nothing changes
   */
  void release();

  /** The calling thread's hold count, as the broker last answered it; 0 if it does not hold it. */
  int holdCount();

  /** Whether the calling thread holds the lock ({@link #holdCount()} above 0). */
  boolean isHeldByCurrentThread();

  /**
   * Releases one level, as {@link #release()}: the end of a try-with-resources on {@link
   * #acquire()}.
   */
  @Override
  void close();
}
