package io.ipcbroker.server.pool;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code Map} call: its inputs go to the pool in chunks, and its outcomes go to the client in
 * input order (or as they finish), never more than {@code window} inputs unanswered. Guarded by its
 * own monitor; the sink is called outside it, one call at a time.
 *
 * @param <P> the payload type
 */
final class MapJob<P> implements PoolObject.Job<P> {
  private final PoolObject<P> pool;
  private final String function;
  private final int chunksize;
  private final boolean ordered;
  private final int window;
  private final MapSink<P> sink;
  // Guarded by this.
  private long submitted;
  private long emitted; // answered to the client
  private final Map<Long, Outcome<P>> waiting = new HashMap<>(); // ordered: ahead of their turn
  private boolean inputsDone;
  private boolean ended;
  // Serializes calls to the sink: one emitter at a time, in order.
  private final List<Runnable> emits = new ArrayList<>();
  private boolean emitting;

  MapJob(
      PoolObject<P> pool,
      String function,
      int chunksize,
      boolean ordered,
      int window,
      MapSink<P> sink) {
    this.pool = pool;
    this.function = function;
    this.chunksize = chunksize;
    this.ordered = ordered;
    this.window = window;
    this.sink = sink;
  }

  /**
   * More inputs, cut in chunks of their own (a chunk never spans two calls).
   *
   * @throws BrokerException {@code LIMIT_EXCEEDED} past the window, {@code POOL_CLOSED}, {@code
   *     POOL_BROKEN}
   */
  void inputs(List<P> items) {
    long first;
    synchronized (this) {
      if (ended || inputsDone) {
        throw BrokerException.of(
            Reason.STREAM_PROTOCOL_VIOLATION, "inputs after the end of the inputs", "call", "Map");
      }
      if (submitted + items.size() - emitted > window) {
        throw BrokerException.of(
            Reason.LIMIT_EXCEEDED, "more than " + window + " inputs unanswered", "window", window);
      }
      first = submitted;
      submitted += items.size();
    }
    if (!items.isEmpty()) {
      pool.submit(this, function, items, first, chunksize, true);
    }
  }

  /** The client sent every input. */
  void inputsDone() {
    synchronized (this) {
      inputsDone = true;
      queueLocked(List.of(), List.of());
    }
    pool.jobClosed(this);
    drain();
  }

  @Override
  public void finished(PoolObject.Chunk<P> chunk, List<Outcome<P>> outcomes) {
    synchronized (this) {
      if (ended) {
        return;
      }
      List<Long> indices = new ArrayList<>();
      List<Outcome<P>> out = new ArrayList<>();
      for (int i = 0; i < outcomes.size(); i++) {
        long index = chunk.firstIndex + i;
        if (!ordered) {
          indices.add(index);
          out.add(outcomes.get(i));
        } else {
          waiting.put(index, outcomes.get(i));
        }
      }
      if (ordered) {
        long next = emitted;
        Outcome<P> o;
        while ((o = waiting.remove(next)) != null) {
          indices.add(next);
          out.add(o);
          next++;
        }
      }
      emitted += indices.size();
      // Queued in the same step that counts them, so that no later outcome (nor the end) can
      // overtake them on the way to the sink.
      queueLocked(indices, out);
    }
    drain();
  }

  /** Queues outcomes, and the end once everything is answered. */
  private void queueLocked(List<Long> indices, List<Outcome<P>> outcomes) {
    if (!indices.isEmpty()) {
      emits.add(() -> sink.outcomes(indices, outcomes));
    }
    if (inputsDone && !ended && emitted == submitted) {
      ended = true;
      long count = submitted;
      emits.add(() -> sink.done(count));
      pool.mapEnded(this);
    }
  }

  /** Sends what is queued, in order, one sender at a time. */
  private void drain() {
    synchronized (this) {
      if (emitting) {
        return; // the thread that sends now sends these too, in order
      }
      emitting = true;
    }
    while (true) {
      List<Runnable> batch;
      synchronized (this) {
        if (emits.isEmpty()) {
          emitting = false;
          return;
        }
        batch = new ArrayList<>(emits);
        emits.clear();
      }
      batch.forEach(Runnable::run);
    }
  }

  /** The client went away: queued chunks are withdrawn, later outcomes dropped. */
  void cancel() {
    synchronized (this) {
      ended = true;
      waiting.clear();
    }
    pool.withdraw(this);
    pool.mapEnded(this);
  }

  /** Ends the call with {@code e} (its session ended, the pool was deleted, shutdown). */
  void fail(BrokerException e) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      waiting.clear();
    }
    pool.withdraw(this);
    pool.mapEnded(this);
    sink.fail(e);
  }
}
