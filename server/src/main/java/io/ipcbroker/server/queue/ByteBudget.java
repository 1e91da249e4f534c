package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.Timer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all queues of one broker hold, against a cap: past it every queue counts as full, so
 * puts wait (or answer {@code FULL} when their wait ends) exactly as on a full queue, and the
 * broker never runs out of memory for items. The cap is soft by at most one item per queue being
 * filled at that moment, since each queue checks it before each item under its own lock.
 *
 * <p>A queue whose putters wait only for the budget registers as starved; a release that brings the
 * total under the cap wakes every starved queue on the timer's thread (never inline: the releasing
 * queue's lock is held, and taking another queue's lock there could deadlock). A queue registers
 * before it checks again, and a release subtracts before it looks for starved queues, so one of the
 * two always sees the other.
 */
final class ByteBudget {
  private final long max;
  private final Timer timer;
  private final AtomicLong held = new AtomicLong();
  private final Set<BoundedQueue<?>> starved = ConcurrentHashMap.newKeySet();

  /** A budget of {@code max} bytes (0 for none). */
  ByteBudget(long max, Timer timer) {
    this.max = max;
    this.timer = timer;
  }

  /** Whether {@code q} may take another item; if not, {@code q} is woken once one may. */
  boolean hasRoomFor(BoundedQueue<?> q) {
    if (max == 0 || held.get() < max) {
      return true;
    }
    starved.add(q);
    return held.get() < max;
  }

  /** {@code q} ended: it waits for no room any more. */
  void forget(BoundedQueue<?> q) {
    starved.remove(q);
  }

  void charge(long bytes) {
    held.addAndGet(bytes);
  }

  void release(long bytes) {
    if (bytes == 0) {
      return;
    }
    long now = held.addAndGet(-bytes);
    if ((max == 0 || now < max) && !starved.isEmpty()) {
      for (BoundedQueue<?> q : starved) {
        if (starved.remove(q)) {
          timer.schedule(q::redispatch, 0);
        }
      }
    }
  }

  /** The bytes held now. */
  long held() {
    return held.get();
  }
}
