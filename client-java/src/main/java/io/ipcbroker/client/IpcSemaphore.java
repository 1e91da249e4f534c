package io.ipcbroker.client;

import java.time.Duration;

/**
 * A named counting semaphore on the broker: Python's manager {@code Semaphore} ({@link
 * IpcBroker#semaphore}) or {@code BoundedSemaphore} ({@link IpcBroker#boundedSemaphore}).
 *
 * <p>A permit taken is held by this client's session until it is released (by anyone: a release by
 * a client that holds none gives back the permit held longest, on its holder's behalf). When the
 * session ends, its permits come back, and the acquires that get them see {@link #wasAbandoned()}.
 * So a semaphore used as a signal (released by a producer, acquired by a consumer that never
 * releases) gives a consumer's permit back if the consumer dies: use a queue for signals that must
 * be consumed exactly once. A bounded semaphore refuses a release above its initial value with
 * {@code FAILED_PRECONDITION}/{@code SEMAPHORE_OVER_RELEASED}. Waiters are served in order.
 */
public interface IpcSemaphore {
  /** The semaphore's name. */
  String name();

  /**
   * Takes a permit, waiting as long as it takes.
   *
   * @throws IpcBrokerException {@code CANCELLED}/{@code INTERRUPTED} if interrupted; no permit is
   *     then held
   */
  void acquire();

  /**
   * Takes a permit, waiting at most {@code timeout} (zero: one try).
   *
   * @return whether it got one
   */
  boolean acquire(Duration timeout);

  /** Takes a permit if one is free now: Python's {@code acquire(False)}. */
  boolean tryAcquire();

  /** Gives one permit back. */
  void release();

  /** Gives {@code n} permits back, all or none. */
  void release(int n);

  /** The permits available now: Python's {@code get_value()}. */
  long value();

  /**
   * Whether the calling thread's last permit came back from a session that ended while holding it.
   */
  boolean wasAbandoned();
}
