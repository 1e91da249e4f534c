package io.ipcbroker.client;

import java.time.Duration;

/**
 * The README's locks, conditions, semaphores, events and barriers example. The lines between the
 * markers are the README's code block, verbatim ({@code IpcSyncTest} checks both: that it runs and
 * prints what the README says, and that the README shows exactly this text).
 */
final class SyncTutorialExample {
  private SyncTutorialExample() {}

  @SuppressWarnings("try") // the lock is held for the block; the body need not name it
  static void run(IpcBroker broker) {
    // README:begin
    IpcNamedLock lock = broker.lock("ledger"); // Manager().Lock(); broker.rlock(...) for RLock()
    try (IpcLock held = lock.acquire()) { // with lock: ...
      System.out.println(lock.fencingToken() > 0); // true: hand it to what the lock guards
    }
    IpcCondition ready = broker.condition("ready", broker.rlock("ready.lock"));
    try (IpcLock held = ready.lock().acquire()) {
      System.out.println(ready.await(Duration.ofMillis(100))); // false: nobody notified
      ready.signalAll(); // notify_all()
    }
    IpcSemaphore slots = broker.boundedSemaphore("slots", 2); // BoundedSemaphore(2)
    slots.acquire();
    System.out.println(slots.value()); // 1
    slots.release(); // one more release: SEMAPHORE_OVER_RELEASED
    IpcEvent done = broker.event("done"); // Event()
    done.set();
    System.out.println(done.await(Duration.ofSeconds(1))); // true
    IpcBarrier start = broker.barrier("start", 1); // Barrier(1)
    System.out.println(start.await()); // 0: this party's index
    // README:end
  }
}
