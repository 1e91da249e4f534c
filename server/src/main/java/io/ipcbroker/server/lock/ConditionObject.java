package io.ipcbroker.server.lock;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayDeque;

/**
 * One named condition, bound to a lock. Its state is guarded by the lock's monitor, and the lock
 * does the work, so that releasing the lock and starting to wait is one step.
 */
final class ConditionObject {
  /** A description. */
  record Info(String name, String lock, int waiters) {}

  final String name;
  final LockObject lock;
  // Guarded by lock.
  final ArrayDeque<LockObject.CondWaiter> waiters = new ArrayDeque<>();
  BrokerException closedWith;

  ConditionObject(String name, LockObject lock) {
    this.name = name;
    this.lock = lock;
  }

  Info info() {
    return new Info(name, lock.name, lock.conditionWaiters(this));
  }

  /** Python's {@code wait(timeout)}: see {@link LockObject#conditionWait}. */
  Parked await(Owner owner, long requestId, Wait wait, Reply<LockObject.Waited> reply) {
    return lock.conditionWait(this, owner, requestId, wait, reply);
  }

  /** Python's {@code notify(n)}; answers how many it woke. */
  int notify(Owner owner, int n) {
    return lock.notify(this, owner, n);
  }

  /** Fails the waits for a notify with {@code e} (deleted, shutdown). */
  void close(BrokerException e) {
    lock.closeCondition(this, e);
    lock.removeCondition(this);
  }

  void checkOpen() {
    if (closedWith != null) {
      throw closedWith;
    }
  }
}
