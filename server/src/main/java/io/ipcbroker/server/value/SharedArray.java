package io.ipcbroker.server.value;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * One named value or array: its elements, and its lock (Python's {@code get_lock()}, an RLock).
 * While the lock is held, the holder's calls go through and everyone else's wait, first come first
 * served, as Python's synchronized wrappers take the same lock for every access. All state is
 * guarded by the object's monitor; answers are sent after it is released.
 */
final class SharedArray {
  /** What the registry does when a lock is granted or given back (session bindings). */
  interface Holders {
    /** Binds the new holder to its session; throws {@code SESSION_NOT_FOUND} if it ended. */
    Runnable bind(SharedArray array, Owner holder);
  }

  final String name;
  final TypeCode type;
  final boolean isArray;
  final boolean hasLock;
  private final Timer timer;
  private final Holders holders;
  private final long[] cells; // guarded by this, as is everything below
  private Owner holder;
  private int count;
  private Runnable unbind = () -> {};
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private BrokerException closedWith;

  SharedArray(
      String name,
      TypeCode type,
      boolean isArray,
      boolean hasLock,
      long[] cells,
      Timer timer,
      Holders holders) {
    this.name = name;
    this.type = type;
    this.isArray = isArray;
    this.hasLock = hasLock;
    this.cells = cells;
    this.timer = timer;
    this.holders = holders;
  }

  int length() {
    return cells.length;
  }

  /** A description: whether the lock is held and how many wait. */
  synchronized ValueInfo info() {
    return new ValueInfo(
        name, type, isArray, cells.length, hasLock, holder != null, waiters.size());
  }

  /**
   * Runs {@code op} on the elements now, or once the lock is free if another owner holds it.
   *
   * @param caller who calls (null: an anonymous caller, never the holder)
   */
  <R> Parked access(Owner caller, Wait wait, Function<long[], R> op, Reply<R> reply) {
    R result;
    synchronized (this) {
      checkOpen();
      if (wait.isExpired()) {
        // The answer could not reach the caller any more; change nothing.
        throw lockTimeout();
      }
      if (mayAccess(caller)) {
        result = op.apply(cells);
      } else if (wait.isNoWait()) {
        throw lockTimeout();
      } else {
        OpWaiter<R> w = new OpWaiter<>(caller, op, reply);
        park(w, wait);
        return w;
      }
    }
    reply.ok(result);
    return Parked.NONE;
  }

  /**
   * Acquires the lock for {@code owner}, at once when it is free or already {@code owner}'s, else
   * when it is released (or never, if the wait ends first: then the reply is 0).
   *
   * @param reply gets the owner's hold count, or 0 if it did not acquire
   */
  Parked acquire(Owner owner, Wait wait, Reply<Integer> reply) {
    int granted;
    synchronized (this) {
      checkOpen();
      checkHasLock();
      if (wait.isExpired()) {
        granted = 0;
      } else if (holder == null) {
        grantLocked(owner);
        granted = count;
      } else if (holder.equals(owner)) {
        granted = ++count;
      } else if (wait.isNoWait()) {
        granted = 0;
      } else {
        AcquireWaiter w = new AcquireWaiter(owner, reply);
        park(w, wait);
        return w;
      }
    }
    reply.ok(granted);
    return Parked.NONE;
  }

  /**
   * Gives back one level of {@code owner}'s hold.
   *
   * @return the count left (0: the lock is free)
   * @throws BrokerException {@code LOCK_NOT_OWNED} unless {@code owner} holds the lock
   */
  int release(Owner owner) {
    List<Runnable> answers = new ArrayList<>();
    int left;
    synchronized (this) {
      checkOpen();
      checkHasLock();
      if (holder == null || !holder.equals(owner)) {
        throw BrokerException.of(
            Reason.LOCK_NOT_OWNED,
            "the lock of " + name + " is not held by this session and owner",
            // The holder's owner id only: its session id would let the caller act as that session.
            "holder",
            holder == null ? "" : Names.abbreviate(holder.owner()));
      }
      left = --count;
      if (left == 0) {
        freeLocked(answers);
      }
    }
    answers.forEach(Runnable::run);
    return left;
  }

  /** Releases every level that {@code owner} holds: its session ended. */
  void releaseAll(Owner owner) {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      if (holder == null || !holder.equals(owner)) {
        return;
      }
      count = 0;
      freeLocked(answers);
    }
    answers.forEach(Runnable::run);
  }

  /** Fails every parked call with {@code e} and refuses new ones (deleted, shutdown). */
  void close(BrokerException e) {
    List<Waiter> failed;
    Runnable release;
    synchronized (this) {
      if (closedWith != null) {
        return;
      }
      closedWith = e;
      failed = new ArrayList<>(waiters);
      waiters.clear();
      release = unbind;
      unbind = () -> {};
      holder = null;
      count = 0;
    }
    release.run();
    for (Waiter w : failed) {
      w.timeout.cancel();
      w.failNow(e);
    }
  }

  // ---- internals ----

  private boolean mayAccess(Owner caller) {
    return !hasLock || holder == null || holder.equals(caller);
  }

  private void grantLocked(Owner owner) {
    unbind = holders.bind(this, owner);
    holder = owner;
    count = 1;
  }

  /** The lock became free: serve the waiters in order until one takes the lock. */
  private void freeLocked(List<Runnable> answers) {
    Runnable release = unbind;
    unbind = () -> {};
    holder = null;
    answers.add(release);
    Iterator<Waiter> it = waiters.iterator();
    while (it.hasNext() && holder == null) {
      Waiter w = it.next();
      it.remove();
      w.timeout.cancel();
      answers.add(w.serveLocked());
    }
  }

  private void park(Waiter w, Wait wait) {
    waiters.add(w);
    if (!wait.isForever()) {
      w.timeout = timer.schedule(() -> timedOut(w), wait.nanos());
    }
  }

  private void timedOut(Waiter w) {
    synchronized (this) {
      if (!waiters.remove(w)) {
        return;
      }
    }
    w.timeOut();
  }

  private synchronized boolean remove(Waiter w) {
    if (waiters.remove(w)) {
      w.timeout.cancel();
      return true;
    }
    return false;
  }

  private void checkOpen() {
    if (closedWith != null) {
      throw closedWith;
    }
  }

  private void checkHasLock() {
    if (!hasLock) {
      throw BrokerException.of(Reason.NO_LOCK, name + " was created without a lock", "value", name);
    }
  }

  private BrokerException lockTimeout() {
    return BrokerException.of(
        Reason.LOCK_TIMEOUT,
        "the lock of " + name + " stayed held by another owner",
        "value",
        name);
  }

  /** A parked call. */
  private abstract class Waiter implements Parked {
    Timer.Timeout timeout = Timer.NONE;

    /** Serves the call now that the lock is free; returns the answer to send after unlock. */
    abstract Runnable serveLocked();

    abstract void timeOut();

    abstract void failNow(BrokerException e);

    @Override
    public void cancel() {
      remove(this);
    }

    @Override
    public void fail(BrokerException e) {
      if (remove(this)) {
        failNow(e);
      }
    }
  }

  private final class OpWaiter<R> extends Waiter {
    private final Owner caller;
    private final Function<long[], R> op;
    private final Reply<R> reply;

    OpWaiter(Owner caller, Function<long[], R> op, Reply<R> reply) {
      this.caller = caller;
      this.op = op;
      this.reply = reply;
    }

    @Override
    Runnable serveLocked() {
      // The lock is free: the call runs, and the lock stays free for the next waiter.
      try {
        R result = op.apply(cells);
        return () -> reply.ok(result);
      } catch (BrokerException e) {
        return () -> reply.fail(e);
      }
    }

    @Override
    void timeOut() {
      reply.fail(lockTimeout());
    }

    @Override
    void failNow(BrokerException e) {
      reply.fail(e);
    }

    @Override
    public String toString() {
      return "op of " + caller;
    }
  }

  private final class AcquireWaiter extends Waiter {
    private final Owner owner;
    private final Reply<Integer> reply;

    AcquireWaiter(Owner owner, Reply<Integer> reply) {
      this.owner = owner;
      this.reply = reply;
    }

    @Override
    Runnable serveLocked() {
      try {
        grantLocked(owner);
        return () -> reply.ok(1);
      } catch (BrokerException e) {
        // The acquirer's session ended while it waited: the next waiter is served.
        return () -> reply.fail(e);
      }
    }

    @Override
    void timeOut() {
      reply.ok(0);
    }

    @Override
    void failNow(BrokerException e) {
      reply.fail(e);
    }
  }
}
