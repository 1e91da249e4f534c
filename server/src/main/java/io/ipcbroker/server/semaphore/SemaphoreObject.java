package io.ipcbroker.server.semaphore;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.RequestRef;
import io.ipcbroker.server.core.SettledRequests;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One named Semaphore or BoundedSemaphore. Each permit taken is held by the session that took it
 * (with the request id that got it), so a session that ends gives its permits back and a client
 * that gives up on an acquire can have exactly that permit back. A release by a session without
 * permits gives back the permit held longest, on its holder's behalf, so {@code value + held} only
 * grows by releases beyond every acquire, which a bounded semaphore refuses past its initial value.
 * All state is guarded by the object's monitor; answers are sent after it is released.
 */
final class SemaphoreObject {
  /** Binds a session that starts holding permits, so that its end gives them back. */
  interface Binder {
    /**
     * Returns what unbinds it.
     *
     * @throws BrokerException {@code SESSION_NOT_FOUND} if the session ended: nothing is granted
     */
    Runnable bind(SemaphoreObject semaphore, String sessionId);

    /**
     * Checks that {@code sessionId} is live, for a grant to a session that holds permits already.
     *
     * @throws BrokerException {@code SESSION_NOT_FOUND} if it ended
     */
    void checkLive(String sessionId);
  }

  /** What an acquire answers. */
  record Grant(boolean acquired, long value, boolean abandoned) {}

  /** What settling a request did. */
  record Reconciled(boolean released, boolean wasWaiting) {}

  /** A description. */
  record Info(String name, long value, long initial, boolean bounded, long held, int waiters) {}

  private static final int SETTLED_CAPACITY = 4096;
  private static final int RECENT_GRANTS = 1024;

  final String name;
  final long initial;
  final boolean bounded;
  private final Timer timer;
  private final Binder binder;

  // Guarded by this.
  private long value;
  private long held;
  private long abandonedPermits; // of value: given back by ended sessions, not granted since
  private final LinkedHashMap<String, Holding> holdings = new LinkedHashMap<>(); // oldest first
  private final ArrayDeque<Acquirer> queue = new ArrayDeque<>();
  private final Map<RequestRef, Acquirer> pending = new HashMap<>();
  private final SettledRequests settled = new SettledRequests(SETTLED_CAPACITY);
  private BrokerException closedWith;

  /** The permits one session holds: the request id of each, oldest first. */
  private static final class Holding {
    final ArrayDeque<Long> permits = new ArrayDeque<>();
    // Requests granted lately. Permits are interchangeable, so a release by another thread of the
    // session may give back the permit of a request whose answer was lost; settling that request
    // then gives back another of the session's permits instead (the one that thread meant).
    final Set<Long> recent =
        Collections.newSetFromMap(
            new LinkedHashMap<>() {
              @Override
              protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > RECENT_GRANTS;
              }
            });
    Runnable unbind = () -> {};
  }

  SemaphoreObject(String name, long initial, boolean bounded, Timer timer, Binder binder) {
    this.name = name;
    this.initial = initial;
    this.bounded = bounded;
    this.value = initial;
    this.timer = timer;
    this.binder = binder;
  }

  synchronized Info info() {
    return new Info(name, value, initial, bounded, held, queue.size());
  }

  /**
   * Takes a permit for {@code sessionId}: at once if one is free and nobody waits, else in turn.
   */
  Parked acquire(String sessionId, long requestId, Wait wait, Reply<Grant> reply) {
    RequestRef ref = RequestRef.of(sessionId, requestId);
    Grant grant;
    synchronized (this) {
      checkOpen();
      if (wait.isExpired() || settled.contains(ref)) {
        grant = new Grant(false, value, false);
      } else if (value > 0 && queue.isEmpty()) {
        grant = grantLocked(sessionId, requestId);
      } else if (wait.isNoWait()) {
        grant = new Grant(false, value, false);
      } else {
        Acquirer a = new Acquirer(sessionId, ref, requestId, reply);
        queue.add(a);
        if (ref != null) {
          pending.put(ref, a);
        }
        if (!wait.isForever()) {
          a.timeout = timer.schedule(() -> timedOut(a), wait.nanos());
        }
        return a;
      }
    }
    reply.ok(grant);
    return Parked.NONE;
  }

  /**
   * Gives back {@code n} permits: first {@code sessionId}'s own, then, on their holders' behalf,
   * those held longest, then new ones.
   *
   * @param sessionId the caller's session, or null
   * @return the value after waiters were served
   * @throws BrokerException {@code SEMAPHORE_OVER_RELEASED} for a bounded semaphore that would pass
   *     its initial value; nothing changes
   */
  long release(String sessionId, int n) {
    List<Runnable> after = new ArrayList<>();
    long result;
    synchronized (this) {
      checkOpen();
      long fromHolders = Math.min(n, held);
      long beyond = n - fromHolders;
      if (bounded && value + held + beyond > initial) {
        throw BrokerException.of(
            Reason.SEMAPHORE_OVER_RELEASED,
            "semaphore " + name + " released too many times",
            "semaphore",
            name,
            "value",
            value);
      }
      long left = fromHolders;
      Holding own = sessionId == null ? null : holdings.get(sessionId);
      if (own != null) {
        left -= takePermits(sessionId, own, left, after);
      }
      Iterator<Map.Entry<String, Holding>> it = holdings.entrySet().iterator();
      while (left > 0) {
        Map.Entry<String, Holding> oldest = it.next();
        long taken = Math.min(left, oldest.getValue().permits.size());
        for (long i = 0; i < taken; i++) {
          oldest.getValue().permits.removeFirst();
        }
        left -= taken;
        if (oldest.getValue().permits.isEmpty()) {
          it.remove();
          after.add(oldest.getValue().unbind);
        }
      }
      held -= fromHolders;
      value += n;
      serveLocked(after);
      result = value;
    }
    after.forEach(Runnable::run);
    return result;
  }

  /** Takes up to {@code max} of {@code h}'s permits, newest first; answers how many. */
  private long takePermits(String sessionId, Holding h, long max, List<Runnable> after) {
    long taken = Math.min(max, h.permits.size());
    for (long i = 0; i < taken; i++) {
      h.permits.removeLast();
    }
    if (h.permits.isEmpty()) {
      holdings.remove(sessionId);
      after.add(h.unbind);
    }
    return taken;
  }

  /** Settles a request that its client gave up on (see {@code ReconcileSemaphore}). */
  Reconciled reconcile(RequestRef ref) {
    List<Runnable> after = new ArrayList<>();
    Reconciled result;
    synchronized (this) {
      checkOpen();
      settled.add(ref);
      Acquirer waiting = pending.remove(ref);
      if (waiting != null) {
        queue.remove(waiting);
        waiting.timeout.cancel();
        after.add(() -> waiting.reply.ok(new Grant(false, 0, false)));
        result = new Reconciled(false, true);
      } else {
        result = new Reconciled(givePermitBackLocked(ref.sessionId(), ref.id(), after), false);
      }
    }
    after.forEach(Runnable::run);
    return result;
  }

  /** Takes back a permit granted to a call whose answer could not be sent. */
  void undoAcquire(String sessionId, long requestId) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closedWith != null) {
        return;
      }
      givePermitBackLocked(sessionId, requestId, after);
    }
    after.forEach(Runnable::run);
  }

  private boolean givePermitBackLocked(String sessionId, long requestId, List<Runnable> after) {
    Holding h = holdings.get(sessionId);
    if (h == null) {
      return false;
    }
    boolean granted = h.recent.remove(requestId);
    if (!h.permits.removeLastOccurrence(requestId)) {
      if (!granted) {
        return false;
      }
      // Granted, but its permit went back under another request's id: that one's goes now.
      h.permits.removeLast();
    }
    if (h.permits.isEmpty()) {
      holdings.remove(sessionId);
      after.add(h.unbind);
    }
    held--;
    value++;
    serveLocked(after);
    return true;
  }

  /** Gives back what {@code sessionId} holds: it ended. The grants that take them are told. */
  void sessionEnded(String sessionId) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      settled.forgetSession(sessionId);
      Holding h = holdings.remove(sessionId);
      if (closedWith != null || h == null) {
        return;
      }
      int k = h.permits.size();
      held -= k;
      value += k;
      abandonedPermits += k;
      serveLocked(after);
    }
    after.forEach(Runnable::run);
  }

  /** Fails every parked call with {@code e} and refuses new ones (deleted, shutdown). */
  void close(BrokerException e) {
    List<Acquirer> failed;
    List<Runnable> unbinds = new ArrayList<>();
    synchronized (this) {
      if (closedWith != null) {
        return;
      }
      closedWith = e;
      failed = new ArrayList<>(queue);
      queue.clear();
      pending.clear();
      holdings.values().forEach(h -> unbinds.add(h.unbind));
      holdings.clear();
    }
    unbinds.forEach(Runnable::run);
    for (Acquirer a : failed) {
      a.timeout.cancel();
      a.reply.fail(e);
    }
  }

  // ---- internals ----

  private void checkOpen() {
    if (closedWith != null) {
      throw closedWith;
    }
  }

  private Grant grantLocked(String sessionId, long requestId) {
    Holding h = holdings.get(sessionId);
    if (h != null) {
      binder.checkLive(sessionId); // its end may not have reached this semaphore yet
    } else {
      Runnable unbind = binder.bind(this, sessionId);
      h = new Holding();
      h.unbind = unbind;
      holdings.put(sessionId, h);
    }
    h.permits.add(requestId);
    if (requestId != 0) {
      h.recent.add(requestId);
    }
    value--;
    held++;
    boolean abandoned = abandonedPermits > 0;
    if (abandoned) {
      abandonedPermits--;
    }
    return new Grant(true, value, abandoned);
  }

  private void serveLocked(List<Runnable> after) {
    while (value > 0 && !queue.isEmpty()) {
      Acquirer a = queue.poll();
      a.timeout.cancel();
      if (a.ref != null) {
        pending.remove(a.ref);
      }
      try {
        Grant g = grantLocked(a.sessionId, a.requestId);
        after.add(() -> a.reply.ok(g));
      } catch (BrokerException e) {
        // Its session ended while it waited: nothing is granted, the next is served.
        after.add(() -> a.reply.fail(e));
      }
    }
  }

  private void timedOut(Acquirer a) {
    long now;
    synchronized (this) {
      if (!queue.remove(a)) {
        return;
      }
      if (a.ref != null) {
        pending.remove(a.ref);
      }
      now = value;
    }
    a.reply.ok(new Grant(false, now, false));
  }

  private synchronized boolean withdraw(Acquirer a) {
    if (!queue.remove(a)) {
      return false;
    }
    a.timeout.cancel();
    if (a.ref != null) {
      pending.remove(a.ref);
    }
    return true;
  }

  private final class Acquirer implements Parked {
    final String sessionId;
    final RequestRef ref;
    final long requestId;
    final Reply<Grant> reply;
    Timer.Timeout timeout = Timer.NONE;

    Acquirer(String sessionId, RequestRef ref, long requestId, Reply<Grant> reply) {
      this.sessionId = sessionId;
      this.ref = ref;
      this.requestId = requestId;
      this.reply = reply;
    }

    @Override
    public void cancel() {
      withdraw(this);
    }

    @Override
    public void fail(BrokerException e) {
      if (withdraw(this)) {
        reply.fail(e);
      }
    }
  }
}
