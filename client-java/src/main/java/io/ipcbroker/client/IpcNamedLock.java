package io.ipcbroker.client;

import java.util.concurrent.locks.Lock;

/**
 * A named lock on the broker, shared by every client that opens the name: Python's manager {@code
 * Lock} ({@link IpcBroker#lock}) or {@code RLock} ({@link IpcBroker#rlock}).
 *
 * <pre>{@code
 * IpcNamedLock lock = broker.lock("ledger");
 * try (IpcLock held = lock.acquire()) {
 *   long token = lock.fencingToken(); // hand it to the store that the lock protects
 *   ...
 * }
 * }</pre>
 *
 * <p>The owner is this client's session plus the calling Java thread, as Python's locks belong to a
 * thread. Only the owner may release. An RLock counts its owner's acquires; a Lock does not, and
 * its owner's second acquire waits like anyone's (give it a timeout). When the client closes, or
 * its session is lost (the process died, the network went away for longer than the session TTL),
 * the broker releases everything it held, and the next owner's {@link #wasAbandoned()} says so.
 * Each new hold carries a {@link #fencingToken()} larger than every earlier one.
 *
 * <p>If an acquire is given up (interrupted, or the broker's answer is lost), the SDK settles it
 * with the broker before it throws, so the thread never ends up holding a lock it was told it did
 * not get. It also implements {@link Lock}: {@link #lock()} waits without being interruptible,
 * {@link #unlock()} throws {@link IllegalMonitorStateException} when the calling thread does not
 * hold the lock, and {@link #newCondition()} is not supported (use {@link IpcBroker#condition}).
 */
public interface IpcNamedLock extends IpcLock, Lock {
  /** The lock's name. */
  String name();

  /** Whether it is an RLock. */
  boolean isReentrant();

  /**
   * The fencing token of the calling thread's hold, as the broker gave it; 0 if it holds none.
   * Tokens only grow, so a resource that remembers the largest token it saw can refuse a stale
   * holder's writes.
   */
  long fencingToken();

  /**
   * Whether the calling thread's hold began right after the previous owner's session ended while it
   * held the lock: what the lock guards may be half-updated.
   */
  boolean wasAbandoned();
}
