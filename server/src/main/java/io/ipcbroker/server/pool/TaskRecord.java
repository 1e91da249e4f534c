package io.ipcbroker.server.pool;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayList;
import java.util.List;

/**
 * One submitted task (Python's {@code apply_async}): its outcome once known, and the calls waiting
 * for it. Guarded by its own monitor; answers are sent after it is released.
 *
 * @param <P> the payload type
 */
final class TaskRecord<P> implements PoolObject.Job<P> {
  /** What a result call answers: the outcome, or null when not ready. */
  record Result<P>(Outcome<P> outcome) {
    boolean ready() {
      return outcome != null;
    }
  }

  final String id;
  final String sessionId;
  private final Timer timer;
  private final Runnable forget;
  // Guarded by this.
  private Outcome<P> outcome;
  private final List<Getter> getters = new ArrayList<>();
  private BrokerException closedWith;

  /**
   * @param forget removes the record from its registry (after a read with {@code forget})
   */
  TaskRecord(String id, String sessionId, Timer timer, Runnable forget) {
    this.id = id;
    this.sessionId = sessionId;
    this.timer = timer;
    this.forget = forget;
  }

  @Override
  public void finished(PoolObject.Chunk<P> chunk, List<Outcome<P>> outcomes) {
    List<Getter> ready;
    synchronized (this) {
      if (outcome != null || closedWith != null) {
        return;
      }
      outcome = outcomes.get(0);
      ready = new ArrayList<>(getters);
      getters.clear();
    }
    Result<P> r = new Result<>(outcomes.get(0));
    boolean forgotten = false;
    for (Getter g : ready) {
      g.timeout.cancel();
      g.reply.ok(r);
      forgotten |= g.forget;
    }
    if (forgotten) {
      forget.run();
    }
  }

  /** Answers the outcome when ready, or not ready when the wait ends first. */
  Parked get(Wait wait, boolean forgetAfter, Reply<Result<P>> reply) {
    Result<P> now;
    synchronized (this) {
      if (closedWith != null) {
        throw closedWith;
      }
      if (outcome == null && !wait.isNoWait() && !wait.isExpired()) {
        Getter g = new Getter(reply, forgetAfter);
        getters.add(g);
        if (!wait.isForever()) {
          g.timeout = timer.schedule(g::end, wait.nanos());
        }
        return g;
      }
      now = new Result<>(outcome);
    }
    reply.ok(now);
    if (now.ready() && forgetAfter) {
      forget.run();
    }
    return Parked.NONE;
  }

  /** Fails waiting calls with {@code e} and refuses later ones (forgotten, session ended). */
  void close(BrokerException e) {
    List<Getter> failed;
    synchronized (this) {
      if (closedWith != null) {
        return;
      }
      closedWith = e;
      failed = new ArrayList<>(getters);
      getters.clear();
    }
    for (Getter g : failed) {
      g.timeout.cancel();
      g.reply.fail(e);
    }
  }

  private final class Getter implements Parked {
    final Reply<Result<P>> reply;
    final boolean forget;
    Timer.Timeout timeout = Timer.NONE;

    Getter(Reply<Result<P>> reply, boolean forget) {
      this.reply = reply;
      this.forget = forget;
    }

    void end() {
      synchronized (TaskRecord.this) {
        if (!getters.remove(this)) {
          return;
        }
      }
      reply.ok(new Result<>(null));
    }

    @Override
    public void cancel() {
      synchronized (TaskRecord.this) {
        getters.remove(this);
      }
      timeout.cancel();
    }

    @Override
    public void fail(BrokerException e) {
      boolean mine;
      synchronized (TaskRecord.this) {
        mine = getters.remove(this);
      }
      if (mine) {
        timeout.cancel();
        reply.fail(e);
      }
    }
  }
}
