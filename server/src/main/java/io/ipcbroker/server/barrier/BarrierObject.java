package io.ipcbroker.server.barrier;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayList;
import java.util.List;

/**
 * One named barrier with Python's semantics: {@code parties} waits released together with distinct
 * indices, then a new generation; a wait that times out or goes away breaks it for all. All state
 * is guarded by the object's monitor; answers are sent after it is released.
 */
final class BarrierObject {
  /** A description. */
  record Info(String name, int parties, int waiting, boolean broken, Double timeoutSeconds) {}

  final String name;
  final int parties;
  final Double timeoutSeconds;
  private final Timer timer;
  // Guarded by this.
  private final List<Waiter> waiting = new ArrayList<>(); // this generation's, in arrival order
  private boolean broken;
  private BrokerException closedWith;

  BarrierObject(String name, int parties, Double timeoutSeconds, Timer timer) {
    this.name = name;
    this.parties = parties;
    this.timeoutSeconds = timeoutSeconds;
    this.timer = timer;
  }

  synchronized Info info() {
    checkOpen();
    return new Info(name, parties, waiting.size(), broken, timeoutSeconds);
  }

  /**
   * The description, or null once deleted: listings take a snapshot of the table, and a delete
   * between the snapshot and this call must leave the object out, not fail the listing.
   */
  synchronized Info infoIfOpen() {
    return closedWith == null
        ? new Info(name, parties, waiting.size(), broken, timeoutSeconds)
        : null;
  }

  /** Python's {@code wait()}: answers the caller's index, or fails {@code BARRIER_BROKEN}. */
  Parked await(Wait wait, Reply<Integer> reply) {
    List<Runnable> answers = new ArrayList<>();
    int index;
    synchronized (this) {
      checkOpen();
      if (broken) {
        throw broken();
      }
      index = waiting.size();
      if (index + 1 == parties) {
        // The last party: everyone goes, and a new generation starts.
        for (Waiter w : waiting) {
          w.timeout.cancel();
          answers.add(() -> w.reply.ok(w.index));
        }
        waiting.clear();
      } else if (wait.isNoWait() || wait.isExpired()) {
        // Python's wait(0) with parties missing: the barrier breaks, for this caller too.
        breakLocked(answers);
        answers.add(() -> reply.fail(broken()));
        index = -1;
      } else {
        Waiter w = new Waiter(index, reply);
        waiting.add(w);
        if (!wait.isForever()) {
          w.timeout = timer.schedule(() -> leave(w, broken()), wait.nanos());
        }
        return w;
      }
    }
    answers.forEach(Runnable::run);
    if (index >= 0) {
      reply.ok(index);
    }
    return Parked.NONE;
  }

  /** Breaks the barrier: current and later waits fail until a reset. */
  void abort() {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      checkOpen();
      breakLocked(answers);
    }
    answers.forEach(Runnable::run);
  }

  /** Fails the current waits and makes the barrier whole and empty again. */
  void reset() {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      checkOpen();
      breakLocked(answers);
      broken = false;
    }
    answers.forEach(Runnable::run);
  }

  /** Fails every parked call with {@code e} and refuses new ones (deleted, shutdown). */
  void close(BrokerException e) {
    List<Waiter> failed;
    synchronized (this) {
      if (closedWith != null) {
        return;
      }
      closedWith = e;
      failed = new ArrayList<>(waiting);
      waiting.clear();
    }
    for (Waiter w : failed) {
      w.timeout.cancel();
      w.reply.fail(e);
    }
  }

  private void breakLocked(List<Runnable> answers) {
    broken = true;
    for (Waiter w : waiting) {
      w.timeout.cancel();
      answers.add(() -> w.reply.fail(broken()));
    }
    waiting.clear();
  }

  /**
   * A waiter leaves before the barrier filled (timeout, cancel, session end): the barrier breaks
   * for everyone, as in Python, and the leaver is answered {@code e} (none if null: it went away).
   */
  private void leave(Waiter w, BrokerException e) {
    List<Runnable> answers = new ArrayList<>();
    synchronized (this) {
      if (!waiting.remove(w)) {
        return;
      }
      w.timeout.cancel();
      breakLocked(answers);
    }
    answers.forEach(Runnable::run);
    if (e != null) {
      w.reply.fail(e);
    }
  }

  private BrokerException broken() {
    return BrokerException.of(
        Reason.BARRIER_BROKEN, "barrier " + name + " is broken", "barrier", name);
  }

  private void checkOpen() {
    if (closedWith != null) {
      throw closedWith;
    }
  }

  private final class Waiter implements Parked {
    final int index;
    final Reply<Integer> reply;
    Timer.Timeout timeout = Timer.NONE;

    Waiter(int index, Reply<Integer> reply) {
      this.index = index;
      this.reply = reply;
    }

    @Override
    public void cancel() {
      leave(this, null);
    }

    @Override
    public void fail(BrokerException e) {
      leave(this, e);
    }
  }
}
