package io.ipcbroker.server.lock;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.RequestRef;
import io.ipcbroker.server.core.SettledRequests;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One named Lock or RLock, and the waits of the conditions bound to it (they share its monitor, so
 * that a condition wait releases the lock and starts waiting in one step).
 *
 * <p>The holder's levels are kept one per grant with the request id that got it, so that a client
 * that gives up on an acquire can have exactly that level taken back. Acquirers and condition
 * waiters that re-acquire queue in one FIFO. All state is guarded by the object's monitor; answers
 * are sent after it is released.
 */
final class LockObject {
  /** Binds a new holder to its session, so that the session's end releases the lock. */
  interface Binder {
    /**
     * Returns what unbinds it.
     *
     * @throws BrokerException {@code SESSION_NOT_FOUND} if the session ended: nothing is granted
     */
    Runnable bind(LockObject lock, Owner holder);

    /**
     * Checks that {@code sessionId} is live, for a grant that needs no new binding (a re-entrant
     * acquire).
     *
     * @throws BrokerException {@code SESSION_NOT_FOUND} if it ended
     */
    void checkLive(String sessionId);
  }

  /** What a grant gave; {@link #NOT_GRANTED} when nothing. */
  record Grant(int holdCount, long fencingToken, boolean abandoned) {
    static final Grant NOT_GRANTED = new Grant(0, 0, false);

    boolean acquired() {
      return holdCount > 0;
    }
  }

  /** What a condition wait answers. */
  record Waited(boolean notified, Grant grant) {}

  /** What settling a request did. */
  record Reconciled(boolean released, boolean wasWaiting, int lostLevels, int holdCount) {}

  /**
   * A description. {@code holderSession} is for the admin service, which names sessions as its
   * {@code ListSessions} does; the lock service never tells a client another client's session id.
   */
  public record Info(
      String name,
      boolean reentrant,
      boolean locked,
      String holderSession,
      String holderOwner,
      int holdCount,
      int waiters,
      long fencingToken) {}

  private static final int SETTLED_CAPACITY = 4096;

  final String name;
  final boolean reentrant;
  private final Timer timer;
  private final Binder binder;
  private final LongSupplier tokens;

  // Guarded by this.
  private Owner holder;
  private final ArrayDeque<Long> levels = new ArrayDeque<>(); // request id per level, 0 if none
  private long token;
  private Runnable unbind = () -> {};
  private boolean abandoned;
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private final Map<RequestRef, Queued> pending = new HashMap<>();
  private final SettledRequests settled = new SettledRequests(SETTLED_CAPACITY);
  private final List<ConditionObject> conditions = new ArrayList<>();
  private BrokerException closedWith;

  /**
   * @param tokens hands out fencing tokens; each larger than the last
   */
  LockObject(String name, boolean reentrant, Timer timer, Binder binder, LongSupplier tokens) {
    this.name = name;
    this.reentrant = reentrant;
    this.timer = timer;
    this.binder = binder;
    this.tokens = tokens;
  }

  synchronized Info info() {
    return new Info(
        name,
        reentrant,
        holder != null,
        holder == null ? "" : holder.sessionId(),
        holder == null ? "" : holder.owner(),
        levels.size(),
        queue.size(),
        holder == null ? 0 : token);
  }

  /**
   * Acquires the lock for {@code owner}: at once if it is free (or an RLock that {@code owner}
   * holds), else in turn, or not at all ({@link Grant#NOT_GRANTED}) if the wait ends first.
   */
  Parked acquire(Owner owner, long requestId, Wait wait, Reply<Grant> reply) {
    RequestRef ref = RequestRef.of(owner.sessionId(), requestId);
    Grant grant;
    synchronized (this) {
      checkOpen();
      if (wait.isExpired() || settled.contains(ref)) {
        // The answer could not reach the caller any more, or the caller gave up on it.
        grant = Grant.NOT_GRANTED;
      } else if (holder == null && queue.isEmpty()) {
        grant = grantLocked(owner, List.of(requestId));
      } else if (reentrant && owner.equals(holder)) {
        binder.checkLive(owner.sessionId()); // its end may not have reached this lock yet
        levels.add(requestId);
        grant = new Grant(levels.size(), token, false);
      } else if (wait.isNoWait()) {
        grant = Grant.NOT_GRANTED;
      } else {
        Acquirer a = new Acquirer(owner, ref, requestId, reply);
        enqueueLocked(a, wait);
        return a;
      }
    }
    reply.ok(grant);
    return Parked.NONE;
  }

  /**
   * Gives back one level of {@code owner}'s hold (the only one of a Lock).
   *
   * @return the levels left
   * @throws BrokerException {@code LOCK_NOT_OWNED} unless {@code owner} holds the lock
   */
  int release(Owner owner) {
    List<Runnable> answers = new ArrayList<>();
    int left;
    synchronized (this) {
      checkOpen();
      checkHolder(owner);
      levels.removeLast();
      left = levels.size();
      if (left == 0) {
        freeLocked(answers);
      }
    }
    answers.forEach(Runnable::run);
    return left;
  }

  /**
   * Takes back one level granted to {@code owner} by a call whose answer could not be sent: the
   * level of {@code requestId} (the newest one of the same hold for an untagged request). A request
   * that its client settled meanwhile was settled by {@link #reconcile}; nothing more is taken.
   */
  void undoAcquire(Owner owner, long requestId, Grant grant) {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      RequestRef ref = RequestRef.of(owner.sessionId(), requestId);
      if (closedWith != null
          || !owner.equals(holder)
          || token != grant.fencingToken()
          || settled.contains(ref)) {
        return;
      }
      boolean removed =
          ref != null ? levels.removeLastOccurrence(requestId) : levels.pollLast() != null;
      if (removed && levels.isEmpty()) {
        freeLocked(answers);
      }
    }
    answers.forEach(Runnable::run);
  }

  /**
   * Takes back a condition wait's re-acquired hold whose answer could not be sent, unless its
   * client settled the wait meanwhile (it was then told it holds the lock).
   */
  void undoWait(Owner owner, long requestId, Grant grant) {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      if (closedWith != null
          || !owner.equals(holder)
          || token != grant.fencingToken()
          || settled.contains(RequestRef.of(owner.sessionId(), requestId))) {
        return;
      }
      levels.clear();
      freeLocked(answers);
    }
    answers.forEach(Runnable::run);
  }

  /** Settles a request that its client gave up on (see {@code ReconcileLock}). */
  Reconciled reconcile(Owner owner, RequestRef ref) {
    List<Runnable> answers = new ArrayList<>();
    Reconciled result;
    synchronized (this) {
      checkOpen();
      settled.add(ref);
      Queued waiting = pending.remove(ref);
      boolean released = false;
      int lost = 0;
      if (waiting != null) {
        waiting.withdrawLocked();
        lost = waiting.heldLevels();
        answers.add(waiting::answerGivenUp);
      } else if (owner.equals(holder) && levels.removeLastOccurrence(ref.id())) {
        released = true;
        if (levels.isEmpty()) {
          freeLocked(answers);
        }
      }
      result =
          new Reconciled(released, waiting != null, lost, owner.equals(holder) ? levels.size() : 0);
    }
    answers.forEach(Runnable::run);
    return result;
  }

  /** Releases every level {@code holder} holds: its session ended. The next grant is told. */
  void sessionEnded(Owner ended) {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      settled.forgetSession(ended.sessionId());
      if (closedWith != null || !ended.equals(holder)) {
        return;
      }
      abandoned = true;
      levels.clear();
      freeLocked(answers);
    }
    answers.forEach(Runnable::run);
  }

  /** Fails every parked call with {@code e} and refuses new ones (deleted, shutdown). */
  void close(BrokerException e) {
    List<Queued> failed;
    Runnable release;
    synchronized (this) {
      if (closedWith != null) {
        return;
      }
      closedWith = e;
      failed = new ArrayList<>(queue);
      queue.clear();
      // The conditions bound to it go with it, and so do their waits for a notify.
      for (ConditionObject c : conditions) {
        if (c.closedWith == null) {
          c.closedWith = e;
        }
        failed.addAll(c.waiters);
        c.waiters.clear();
      }
      conditions.clear();
      pending.clear();
      release = unbind;
      unbind = () -> {};
      holder = null;
      levels.clear();
    }
    release.run();
    for (Queued q : failed) {
      q.stopTimer();
      q.failNow(e);
    }
  }

  // ---- conditions (called by ConditionObject, which has no state of its own but its waiters) ----

  /**
   * Binds {@code condition} to this lock, so that deleting the lock ends the condition's waits.
   *
   * @throws BrokerException the lock's close reason if it was deleted meanwhile
   */
  synchronized void addCondition(ConditionObject condition) {
    checkOpen();
    conditions.add(condition);
  }

  synchronized void removeCondition(ConditionObject condition) {
    conditions.remove(condition);
  }

  /**
   * Starts a condition wait: releases every level of {@code owner}'s hold, parks {@code w} in the
   * condition's set (or straight in the lock's queue for a wait of no time), and answers once it
   * holds the lock again.
   */
  Parked conditionWait(
      ConditionObject condition, Owner owner, long requestId, Wait wait, Reply<Waited> reply) {
    RequestRef ref = RequestRef.of(owner.sessionId(), requestId);
    List<Runnable> answers = new ArrayList<>();
    Parked parked;
    synchronized (this) {
      checkOpen();
      condition.checkOpen();
      checkHolder(owner);
      if (wait.isExpired() || settled.contains(ref)) {
        Waited now = new Waited(false, new Grant(levels.size(), token, false));
        answers.add(() -> reply.ok(now));
        parked = Parked.NONE;
      } else {
        CondWaiter w = new CondWaiter(condition, owner, ref, new ArrayList<>(levels), reply);
        levels.clear();
        freeLocked(answers);
        if (ref != null) {
          pending.put(ref, w);
        }
        if (wait.isNoWait()) {
          enqueueLocked(w, Wait.FOREVER);
          serveLocked(answers);
        } else {
          condition.waiters.add(w);
          if (!wait.isForever()) {
            w.timeout = timer.schedule(() -> conditionTimedOut(w), wait.nanos());
          }
        }
        parked = w;
      }
    }
    answers.forEach(Runnable::run);
    return parked;
  }

  /** Wakes up to {@code n} waiters of {@code condition}; they queue for the lock. */
  synchronized int notify(ConditionObject condition, Owner owner, int n) {
    checkOpen();
    condition.checkOpen();
    checkHolder(owner);
    int woken = 0;
    while (woken < n && !condition.waiters.isEmpty()) {
      CondWaiter w = condition.waiters.poll();
      w.stopTimer();
      w.notified = true;
      enqueueLocked(w, Wait.FOREVER);
      woken++;
    }
    // The notifier holds the lock: the woken ones get it in turn after its release.
    return woken;
  }

  synchronized int conditionWaiters(ConditionObject condition) {
    return condition.waiters.size();
  }

  /** Fails the condition's waiters that wait for a notify (they do not get the lock back). */
  void closeCondition(ConditionObject condition, BrokerException e) {
    List<CondWaiter> failed;
    synchronized (this) {
      if (condition.closedWith != null) {
        return;
      }
      condition.closedWith = e;
      failed = new ArrayList<>(condition.waiters);
      condition.waiters.clear();
      for (CondWaiter w : failed) {
        if (w.ref != null) {
          pending.remove(w.ref);
        }
      }
    }
    for (CondWaiter w : failed) {
      w.stopTimer();
      w.failNow(e);
    }
  }

  private void conditionTimedOut(CondWaiter w) {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      if (closedWith != null || !w.condition.waiters.remove(w)) {
        return;
      }
      enqueueLocked(w, Wait.FOREVER);
      serveLocked(answers);
    }
    answers.forEach(Runnable::run);
  }

  // ---- internals ----

  private void checkOpen() {
    if (closedWith != null) {
      throw closedWith;
    }
  }

  private void checkHolder(Owner owner) {
    if (holder == null || !holder.equals(owner)) {
      throw BrokerException.of(
          Reason.LOCK_NOT_OWNED,
          "lock " + name + " is not held by this session and owner",
          // The holder's owner id only: its session id would let the caller act as that session.
          "holder",
          holder == null ? "" : Names.abbreviate(holder.owner()));
    }
  }

  private Grant grantLocked(Owner owner, List<Long> requestLevels) {
    unbind = binder.bind(this, owner);
    holder = owner;
    levels.clear();
    levels.addAll(requestLevels);
    token = tokens.getAsLong();
    boolean wasAbandoned = abandoned;
    abandoned = false;
    return new Grant(levels.size(), token, wasAbandoned);
  }

  /** The lock became free: unbinds the holder and serves the queue. */
  private void freeLocked(List<Runnable> answers) {
    answers.add(unbind);
    unbind = () -> {};
    holder = null;
    serveLocked(answers);
  }

  /** Grants the lock to the first queued call that can take it, if it is free. */
  private void serveLocked(List<Runnable> answers) {
    while (holder == null && !queue.isEmpty()) {
      Queued q = queue.poll();
      q.stopTimer();
      if (q.ref != null) {
        pending.remove(q.ref);
      }
      answers.add(q.grantLocked());
    }
  }

  private void enqueueLocked(Queued q, Wait wait) {
    queue.add(q);
    if (q.ref != null) {
      pending.put(q.ref, q);
    }
    if (!wait.isForever()) {
      q.timeout = timer.schedule(() -> acquireTimedOut(q), wait.nanos());
    }
  }

  private void acquireTimedOut(Queued q) {
    synchronized (this) {
      if (!queue.remove(q)) {
        return;
      }
      if (q.ref != null) {
        pending.remove(q.ref);
      }
    }
    q.timedOut();
  }

  /** Removes a parked call wherever it waits; false if it is not parked any more. */
  private synchronized boolean withdraw(Queued q) {
    if (q.ref != null && pending.get(q.ref) == q) {
      pending.remove(q.ref);
    }
    return q.withdrawLocked();
  }

  /** A parked call: an acquire, or a condition wait (waiting for a notify or for the lock). */
  private abstract class Queued implements Parked {
    final Owner owner;
    final RequestRef ref;
    Timer.Timeout timeout = Timer.NONE;

    Queued(Owner owner, RequestRef ref) {
      this.owner = owner;
      this.ref = ref;
    }

    void stopTimer() {
      timeout.cancel();
      timeout = Timer.NONE;
    }

    /** Takes this call out of wherever it waits; false if it was not there. */
    boolean withdrawLocked() {
      stopTimer();
      return queue.remove(this);
    }

    /** Levels of the lock this call gave up and has not got back (a condition wait's). */
    int heldLevels() {
      return 0;
    }

    /** Grants the free lock to this call; returns its answer, to send after unlock. */
    abstract Runnable grantLocked();

    /** Its wait for the lock ended. */
    abstract void timedOut();

    /** Its client settled it: answered only if the call is still open. */
    abstract void answerGivenUp();

    abstract void failNow(BrokerException e);

    @Override
    public void cancel() {
      withdraw(this);
    }

    @Override
    public void fail(BrokerException e) {
      if (withdraw(this)) {
        failNow(e);
      }
    }
  }

  private final class Acquirer extends Queued {
    private final long requestId;
    private final Reply<Grant> reply;

    Acquirer(Owner owner, RequestRef ref, long requestId, Reply<Grant> reply) {
      super(owner, ref);
      this.requestId = requestId;
      this.reply = reply;
    }

    @Override
    Runnable grantLocked() {
      try {
        Grant g = LockObject.this.grantLocked(owner, List.of(requestId));
        return () -> reply.ok(g);
      } catch (BrokerException e) {
        // The acquirer's session ended while it waited: nothing is granted, the next is served.
        return () -> reply.fail(e);
      }
    }

    @Override
    void timedOut() {
      reply.ok(Grant.NOT_GRANTED);
    }

    @Override
    void answerGivenUp() {
      reply.ok(Grant.NOT_GRANTED);
    }

    @Override
    void failNow(BrokerException e) {
      reply.fail(e);
    }
  }

  /** A condition wait: first in its condition's set, then (notified or timed out) in the queue. */
  final class CondWaiter extends Queued {
    final ConditionObject condition;
    private final List<Long> savedLevels;
    private final Reply<Waited> reply;
    boolean notified;

    CondWaiter(
        ConditionObject condition,
        Owner owner,
        RequestRef ref,
        List<Long> savedLevels,
        Reply<Waited> reply) {
      super(owner, ref);
      this.condition = condition;
      this.savedLevels = savedLevels;
      this.reply = reply;
    }

    @Override
    boolean withdrawLocked() {
      stopTimer();
      return condition.waiters.remove(this) | queue.remove(this);
    }

    @Override
    int heldLevels() {
      return savedLevels.size();
    }

    @Override
    Runnable grantLocked() {
      try {
        Grant g = LockObject.this.grantLocked(owner, savedLevels);
        Waited w = new Waited(notified, g);
        return () -> reply.ok(w);
      } catch (BrokerException e) {
        return () -> reply.fail(e);
      }
    }

    @Override
    void timedOut() {
      // Never: a condition waiter waits for the lock without a limit.
    }

    @Override
    void answerGivenUp() {
      reply.ok(new Waited(false, Grant.NOT_GRANTED));
    }

    @Override
    void failNow(BrokerException e) {
      reply.fail(e);
    }
  }
}
