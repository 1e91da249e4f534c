package io.ipcbroker.client;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/**
 * A named condition on the broker, bound to a named lock: Python's manager {@code Condition(lock)}.
 *
 * <pre>{@code
 * IpcNamedLock lock = broker.rlock("jobs.lock");
 * IpcCondition ready = broker.condition("jobs.ready", lock);
 * try (IpcLock held = lock.acquire()) {
 *   ready.waitFor(() -> jobs.size() > 0, Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>The caller must hold the lock: a wait releases every level of its hold on the broker, waits
 * for a notify or the timeout, and gets the lock back (with the same count) before it returns,
 * after a timeout too. If a wait is interrupted, the SDK still gets the lock back before it throws,
 * as {@link Condition#await()} does. Waiting or signalling without the lock fails {@code
 * FAILED_PRECONDITION}/{@code LOCK_NOT_OWNED}. A signal with nobody waiting is lost.
 */
public interface IpcCondition extends Condition {
  /** The condition's name. */
  String name();

  /** The lock it is bound to. */
  IpcNamedLock lock();

  /**
   * Python's {@code wait(timeout)}: waits at most {@code timeout} for a signal (zero: gives the
   * lock up and takes it back at once).
   *
   * @return whether a signal woke it (false: the timeout ended the wait)
   * @throws IpcBrokerException {@code CANCELLED}/{@code INTERRUPTED} if interrupted (the lock is
   *     held again, the thread's interrupt flag set)
   */
  boolean await(Duration timeout);

  /**
   * Python's {@code wait_for(predicate, timeout)}: checks {@code predicate} with the lock held and
   * waits until it is true or {@code timeout} (null: no limit) has passed.
   *
   * @return the predicate's last value
   */
  boolean waitFor(BooleanSupplier predicate, Duration timeout);

  /**
   * Python's {@code notify(n)}: wakes up to {@code n} of the current waiters.
   *
   * @return how many it woke
   */
  int signal(int n);
}
