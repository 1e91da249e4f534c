package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Outbox;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker's side of one producer: put frames applied strictly in the order they arrived.
 *
 * <p>Only the oldest pending frame of a producer competes for room (it is parked among the queue's
 * putters); later frames wait behind it with their own timeouts, so a producer's items keep their
 * order even when some of its frames time out. Each frame is answered exactly once with how many of
 * its items, from the first, were enqueued. State is guarded by the queue's lock.
 */
public final class QueueProducer<T> implements SessionOwned {
  /** Where a producer's answers go; called without the queue's lock held. */
  public interface Sink {
    /** A frame ended; its first {@code accepted} items were enqueued. */
    void putDone(long putId, PutOutcome outcome, int accepted);

    /** The broker ended the producer with {@code e}, after answering every pending frame. */
    void failed(BrokerException e);

    /** After {@link #finish}: every frame has been answered. */
    void drained();
  }

  private final BoundedQueue<T> queue;
  private final Sink sink;
  // Answers in the order they were decided under the queue's lock; see Outbox.
  private final Outbox outbox = new Outbox();
  // Guarded by queue.lock. The head frame may be parked in queue.putters; the rest wait behind it.
  private final ArrayDeque<Frame> pending = new ArrayDeque<>();
  private long lastPutId;
  private boolean closed;
  private boolean finishing;
  private volatile Session session;
  private volatile Runnable onSessionEnded = () -> {};

  QueueProducer(BoundedQueue<T> queue, Sink sink) {
    this.queue = queue;
    this.sink = sink;
  }

  /** The queue this producer puts into. */
  public BoundedQueue<T> queue() {
    return queue;
  }

  /** Records the owning session, and how to detach from it once the producer ended otherwise. */
  public void ownedBy(Session session, Runnable detach) {
    this.session = session;
    this.onSessionEnded = detach;
  }

  /** The owning session, or null. */
  public Session session() {
    return session;
  }

  /**
   * Puts {@code items} in order, waiting per {@code wait} for room. Answers exactly once through
   * the sink, possibly before returning.
   *
   * @throws BrokerException {@link Reason#STREAM_PROTOCOL_VIOLATION} for a put id that is not
   *     increasing, {@link Reason#LIMIT_EXCEEDED} past the window; the producer is unchanged
   */
  public void put(long putId, List<T> items, Wait wait) {
    QueueLimits limits = queue.context.limits();
    if (items.size() > limits.maxFrameItems()) {
      throw BrokerException.of(
          Reason.LIMIT_EXCEEDED,
          "a put frame may carry at most " + limits.maxFrameItems() + " items",
          "limit",
          limits.maxFrameItems());
    }
    List<Runnable> done = new ArrayList<>(2);
    queue.lock.lock();
    try {
      queue.checkOpenLocked();
      if (closed || finishing) {
        throw BrokerException.of(
            Reason.STREAM_PROTOCOL_VIOLATION, "the producer has ended", "detail", "put after end");
      }
      if (putId <= lastPutId) {
        throw BrokerException.of(
            Reason.STREAM_PROTOCOL_VIOLATION,
            "put_id must be larger than the previous frame's (" + lastPutId + ")",
            "detail",
            "put_id " + putId + " after " + lastPutId);
      }
      if (pending.size() >= limits.maxPendingFrames()) {
        throw BrokerException.of(
            Reason.LIMIT_EXCEEDED,
            "a producer may have at most " + limits.maxPendingFrames() + " frames pending",
            "limit",
            limits.maxPendingFrames());
      }
      lastPutId = putId;
      Frame frame = new Frame(putId, items, wait.isNoWait());
      if (wait.isExpired()) {
        // The client's deadline passed: enqueueing now would be a put whose answer is lost.
        post(() -> sink.putDone(putId, PutOutcome.FULL, 0), done);
      } else if (pending.isEmpty()) {
        pending.add(frame);
        advanceLocked(done);
      } else if (frame.nowait) {
        // Behind a waiting frame of its own producer, it cannot go in without overtaking it.
        post(() -> sink.putDone(putId, PutOutcome.FULL, 0), done);
      } else {
        pending.add(frame);
      }
      if (frame.isWaiting() && !wait.isForever()) {
        frame.timeout = queue.context.timer().schedule(() -> timedOut(frame), wait.nanos());
      }
      queue.dispatchLocked(done);
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  /**
   * Starts the oldest frames for as long as they complete at once; parks the first one that must
   * wait behind the queue's other putters.
   */
  private void advanceLocked(List<Runnable> done) {
    while (!pending.isEmpty()) {
      Frame head = pending.peekFirst();
      if (head.parked) {
        return;
      }
      // Putters already parked were first; joining them keeps first come, first served.
      if (queue.putters.isEmpty()) {
        fillLocked(head);
      }
      if (head.complete()) {
        pending.removeFirst();
        head.timeout.cancel();
        post(() -> sink.putDone(head.id, PutOutcome.OK, head.accepted), done);
        continue;
      }
      if (head.nowait) {
        pending.removeFirst();
        post(() -> sink.putDone(head.id, PutOutcome.FULL, head.accepted), done);
        continue;
      }
      head.parked = true;
      queue.putters.add(head);
      return;
    }
    maybeDrainedLocked(done);
  }

  private void fillLocked(Frame frame) {
    while (!frame.complete() && queue.hasRoomLocked()) {
      queue.enqueueLocked(frame.items.get(frame.accepted++));
    }
  }

  /** Called by the queue's dispatch loop when {@code frame} is the first putter and room opened. */
  void fillParkedLocked(Frame frame, List<Runnable> done) {
    fillLocked(frame);
    if (frame.complete()) {
      queue.putters.remove(frame);
      frame.parked = false;
      pending.remove(frame);
      frame.timeout.cancel();
      post(() -> sink.putDone(frame.id, PutOutcome.OK, frame.accepted), done);
      advanceLocked(done);
    }
  }

  private void timedOut(Frame frame) {
    end(frame, PutOutcome.FULL);
  }

  /**
   * Revokes a waiting frame: it is answered {@code REVOKED} with what it enqueued so far. Does
   * nothing if the frame was already answered or never existed.
   */
  public void revoke(long putId) {
    Frame frame = null;
    queue.lock.lock();
    try {
      for (Frame f : pending) {
        if (f.id == putId) {
          frame = f;
          break;
        }
      }
    } finally {
      queue.lock.unlock();
    }
    if (frame != null) {
      end(frame, PutOutcome.REVOKED);
    }
  }

  private void end(Frame frame, PutOutcome outcome) {
    List<Runnable> done = new ArrayList<>(2);
    queue.lock.lock();
    try {
      if (!pending.remove(frame)) {
        return;
      }
      frame.timeout.cancel();
      if (frame.parked) {
        queue.putters.remove(frame);
        frame.parked = false;
      }
      post(() -> sink.putDone(frame.id, outcome, frame.accepted), done);
      advanceLocked(done);
      queue.dispatchLocked(done);
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  /** Half-close: no more frames will come; {@link Sink#drained} follows the last answer. */
  public void finish() {
    List<Runnable> done = new ArrayList<>(1);
    queue.lock.lock();
    try {
      if (closed || finishing) {
        return;
      }
      finishing = true;
      maybeDrainedLocked(done);
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  private void maybeDrainedLocked(List<Runnable> done) {
    if (finishing && pending.isEmpty() && !closed) {
      closeLocked();
      post(sink::drained, done);
      done.add(this::detachSession);
    }
  }

  /**
   * Ends the producer because its client went away: waiting frames are dropped without an answer;
   * items already enqueued stay.
   */
  public void close() {
    queue.lock.lock();
    try {
      if (closed) {
        return;
      }
      for (Frame f : pending) {
        f.timeout.cancel();
        if (f.parked) {
          queue.putters.remove(f);
        }
      }
      pending.clear();
      closeLocked();
    } finally {
      queue.lock.unlock();
    }
    detachSession();
  }

  /**
   * Runs {@code action} once every answer decided so far has been sent. A stream that ends with an
   * error of its own must not overtake an answer that another thread decided a moment earlier and
   * has not sent yet: the client would never see it (a frame that went in, a delivery).
   */
  public void afterAnswers(Runnable action) {
    outbox.add(action);
    outbox.drain();
  }

  /** Ends the producer with {@code e}, answering every waiting frame {@code ABORTED} first. */
  public void fail(BrokerException e) {
    List<Runnable> done = new ArrayList<>();
    queue.lock.lock();
    try {
      failLocked(e, done); // also detaches the session, once answered
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  @Override
  public void sessionEnded(Session session) {
    this.onSessionEnded = () -> {};
    fail(
        BrokerException.of(
            Reason.SESSION_NOT_FOUND,
            "session " + session.id() + " ended",
            "session",
            session.id()));
  }

  void failLocked(BrokerException e, List<Runnable> done) {
    if (closed) {
      return;
    }
    for (Frame f : pending) {
      f.timeout.cancel();
      if (f.parked) {
        queue.putters.remove(f);
      }
      post(() -> sink.putDone(f.id, PutOutcome.ABORTED, f.accepted), done);
    }
    pending.clear();
    closeLocked();
    post(() -> sink.failed(e), done);
    // Also when the queue ends it (delete, shutdown): the session must not keep a dead producer.
    done.add(this::detachSession);
  }

  private void closeLocked() {
    closed = true;
    queue.producers.remove(this);
  }

  int framesBehindHeadLocked() {
    Frame head = pending.peekFirst();
    return head == null ? 0 : pending.size() - (head.parked ? 1 : 0);
  }

  private void detachSession() {
    Runnable r = onSessionEnded;
    onSessionEnded = () -> {};
    r.run();
  }

  /** One put frame: items enqueued in order, {@code accepted} of them so far. */
  final class Frame {
    final long id;
    final List<T> items;
    final boolean nowait;
    int accepted;
    boolean parked;
    Timer.Timeout timeout = Timer.NONE;

    Frame(long id, List<T> items, boolean nowait) {
      this.id = id;
      this.items = items;
      this.nowait = nowait;
    }

    boolean complete() {
      return accepted == items.size();
    }

    boolean isWaiting() {
      return pending.contains(this);
    }

    QueueProducer<T> owner() {
      return QueueProducer.this;
    }
  }

  /** Queues an answer (under the queue's lock) and makes {@code done} send it after unlocking. */
  private void post(Runnable answer, List<Runnable> done) {
    outbox.add(answer);
    done.add(outbox::drain);
  }

  @Override
  public String toString() {
    return "QueueProducer[" + queue.name() + "]";
  }
}
