package io.ipcbroker.client;

import java.time.Duration;

/**
 * A named barrier on the broker: Python's manager {@code Barrier(parties, timeout=...)}.
 *
 * <p>{@link #await()} returns when {@code parties} callers wait, each with a distinct index (its
 * arrival order). A wait that times out or is interrupted, or a waiter whose client dies, breaks
 * the barrier: every current and later wait fails {@code FAILED_PRECONDITION}/{@code
 * BARRIER_BROKEN} (Python's {@code BrokenBarrierError}) until {@link #reset()}.
 */
public interface IpcBarrier {
  /** The barrier's name. */
  String name();

  /**
   * Waits for the other parties, with the barrier's default timeout (if it has one).
   *
   * @return this caller's index, 0 to {@code parties - 1}
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code BARRIER_BROKEN}
   */
  int await();

  /** As {@link #await()}, waiting at most {@code timeout}. */
  int await(Duration timeout);

  /** Breaks the barrier: current and later waits fail until a reset. */
  void abort();

  /** Fails the current waits and makes the barrier whole and empty again. */
  void reset();

  /** How many callers it waits for. */
  int parties();

  /** How many wait now. */
  int waiting();

  /** Whether it is broken. */
  boolean isBroken();
}
