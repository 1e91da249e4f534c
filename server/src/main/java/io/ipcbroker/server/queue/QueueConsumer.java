package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Outbox;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The broker's side of one consumer: pulls that wait for items, and the deliveries it holds until
 * it acks them.
 *
 * <p>An item leaves the broker only on {@link #ack}. Whatever the consumer holds when it ends
 * ({@link #close}, {@link #finish}, its session ending) goes back to the head of the queue in
 * delivery order, so a timeout, a revoke, a cancellation or a crash can delay an item but never
 * lose it. State is guarded by the queue's lock.
 */
public final class QueueConsumer<T> implements SessionOwned {
  /** Where a consumer's answers go; called without the queue's lock held. */
  public interface Sink<T> {
    /** A pull ended. {@code deliveries} is empty unless the outcome is {@code DELIVERED}. */
    void pullDone(long pullId, PullOutcome outcome, List<Delivery<T>> deliveries);

    /** The broker ended the consumer with {@code e}; nothing more will be sent. */
    void failed(BrokerException e);

    /**
     * Whether the client is known to be gone (its call was cancelled) even though the consumer has
     * not been closed yet; such a consumer is passed over at hand-over time.
     */
    default boolean isAbandoned() {
      return false;
    }
  }

  private final BoundedQueue<T> queue;
  private final Sink<T> sink;
  // Answers in the order they were decided under the queue's lock; see Outbox.
  private final Outbox outbox = new Outbox();
  // Guarded by queue.lock. Both in arrival order.
  private final LinkedHashMap<Long, Entry<T>> unacked = new LinkedHashMap<>();
  private final LinkedHashMap<Long, Pull> pending = new LinkedHashMap<>();
  private long lastPullId;
  private boolean closed;
  private volatile Session session;
  private volatile Runnable onSessionEnded = () -> {};

  QueueConsumer(BoundedQueue<T> queue, Sink<T> sink) {
    this.queue = queue;
    this.sink = sink;
  }

  /** The queue this consumer takes from. */
  public BoundedQueue<T> queue() {
    return queue;
  }

  /**
   * Records the session that owns this consumer; {@code detach} forgets the consumer in that
   * session once the consumer ended by other means.
   */
  public void ownedBy(Session session, Runnable detach) {
    this.session = session;
    this.onSessionEnded = detach;
  }

  /** The owning session, or null. */
  public Session session() {
    return session;
  }

  /**
   * Decides, at hand-over time, whether parked {@code pull} may receive items now. A pull whose
   * session ended (its release may be handing items back right now) or whose client is gone is
   * passed over and left to its own release; a pull whose wait is over (its timer is late under
   * load) is answered {@code EMPTY}. Called by the dispatch loop.
   */
  boolean mayReceiveLocked(Pull pull, long now, List<Runnable> done) {
    Session s = session;
    if ((s != null && s.isEnded()) || sink.isAbandoned()) {
      queue.takers.remove(pull);
      return false;
    }
    if (pull.deadline != Long.MAX_VALUE && now - pull.deadline >= 0) {
      endPullLocked(pull, PullOutcome.EMPTY, done);
      return false;
    }
    return true;
  }

  /**
   * Asks for up to {@code maxItems} items, waiting per {@code wait}. Answers exactly once through
   * the sink, possibly before returning.
   *
   * @throws BrokerException {@link Reason#STREAM_PROTOCOL_VIOLATION} for a pull id that is not
   *     increasing, {@link Reason#LIMIT_EXCEEDED} past the window; the consumer is unchanged
   */
  public void pull(long pullId, int maxItems, Wait wait) {
    QueueLimits limits = queue.context.limits();
    if (maxItems < 1 || maxItems > limits.maxPullItems()) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "max_items must be within [0, " + limits.maxPullItems() + "]",
          "field",
          "max_items",
          "value",
          maxItems);
    }
    List<Runnable> done = new ArrayList<>(1);
    queue.lock.lock();
    try {
      checkUsableLocked();
      Session owner = session;
      if (owner != null && owner.isEnded()) {
        // Its session is ending and its release has not reached this consumer yet: nothing is
        // granted to an ended session (it may be handing items back right now).
        throw BrokerException.of(
            Reason.SESSION_NOT_FOUND, "session " + owner.id() + " ended", "session", owner.id());
      }
      if (pullId <= lastPullId) {
        throw BrokerException.of(
            Reason.STREAM_PROTOCOL_VIOLATION,
            "pull_id must be larger than the previous pull's (" + lastPullId + ")",
            "detail",
            "pull_id " + pullId + " after " + lastPullId);
      }
      if (pending.size() >= limits.maxPendingPulls()) {
        throw BrokerException.of(
            Reason.LIMIT_EXCEEDED,
            "a consumer may have at most " + limits.maxPendingPulls() + " pulls pending",
            "limit",
            limits.maxPendingPulls());
      }
      lastPullId = pullId;
      Timer timer = queue.context.timer();
      long deadline = wait.isForever() ? Long.MAX_VALUE : timer.nanoTime() + wait.nanos();
      Pull pull = new Pull(pullId, maxItems, deadline);
      // Parked getters exist only while the queue is empty, so a pull that finds items is first in
      // line.
      if (wait.isExpired()) {
        // The client's deadline passed: an item handed over now would be lost with the call.
        post(() -> sink.pullDone(pullId, PullOutcome.EMPTY, List.of()), done);
      } else if (!queue.items.isEmpty()) {
        deliverLocked(pull, done);
        // The items taken made room: parked putters move in now, or they would stay parked
        // (and later getters would park) with room in the queue.
        queue.dispatchLocked(done);
      } else if (wait.isNoWait()) {
        post(() -> sink.pullDone(pullId, PullOutcome.EMPTY, List.of()), done);
      } else {
        pending.put(pullId, pull);
        queue.takers.add(pull);
        if (!wait.isForever()) {
          pull.timeout = timer.schedule(() -> timedOut(pull), wait.nanos());
        }
      }
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  /**
   * Revokes a pending pull: it is answered {@code REVOKED}. Does nothing if the pull was already
   * answered (its answer, maybe a delivery, is on its way) or never existed.
   */
  public void revoke(long pullId) {
    List<Runnable> done = new ArrayList<>(1);
    queue.lock.lock();
    try {
      Pull pull = pending.get(pullId);
      if (pull != null) {
        endPullLocked(pull, PullOutcome.REVOKED, done);
      }
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  private void timedOut(Pull pull) {
    List<Runnable> done = new ArrayList<>(1);
    queue.lock.lock();
    try {
      if (pending.get(pull.id) == pull) {
        endPullLocked(pull, PullOutcome.EMPTY, done);
      }
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  private void endPullLocked(Pull pull, PullOutcome outcome, List<Runnable> done) {
    pending.remove(pull.id);
    queue.takers.remove(pull);
    pull.timeout.cancel();
    post(() -> sink.pullDone(pull.id, outcome, List.of()), done);
  }

  /**
   * Acknowledges deliveries: the items leave the broker for good. Applies the ids in order and
   * stops at the first one this consumer does not hold.
   *
   * @throws BrokerException {@link Reason#DELIVERY_NOT_FOUND}
   */
  public void ack(List<Long> deliveryIds) {
    if (deliveryIds.isEmpty()) {
      return;
    }
    List<Runnable> done = new ArrayList<>();
    try {
      queue.lock.lock();
      try {
        checkUsableLocked();
        try {
          for (Long id : deliveryIds) {
            Entry<T> e = unacked.remove(id);
            if (e == null) {
              throw deliveryNotFound(id);
            }
            queue.unacked--;
            queue.getCount++;
            queue.releaseLocked(e.bytes);
          }
        } finally {
          // The bytes the acked items held may be what parked puts wait for; the acks before an
          // unknown id stand, so their room is handed over even then.
          queue.dispatchLocked(done);
        }
      } finally {
        queue.lock.unlock();
      }
    } finally {
      BoundedQueue.run(done);
    }
  }

  /**
   * Gives deliveries back: they return to the head of the queue in the given order, without the
   * {@code redelivered} mark (the consumer says it did not use them).
   *
   * @throws BrokerException {@link Reason#DELIVERY_NOT_FOUND}; nothing is given back then
   */
  public void nack(List<Long> deliveryIds) {
    if (deliveryIds.isEmpty()) {
      return;
    }
    List<Runnable> done = new ArrayList<>();
    queue.lock.lock();
    try {
      checkUsableLocked();
      for (Long id : deliveryIds) {
        if (!unacked.containsKey(id)) {
          throw deliveryNotFound(id);
        }
      }
      List<Entry<T>> back = new ArrayList<>(deliveryIds.size());
      for (Long id : deliveryIds) {
        Entry<T> e = unacked.remove(id);
        if (e != null) { // a repeated id in one nack counts once
          back.add(e);
        }
      }
      returnToHeadLocked(back, false);
      queue.dispatchLocked(done);
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  /**
   * Commits every delivery this consumer holds and closes it. The unary get calls this once its
   * response was written.
   */
  public void ackAllAndClose() {
    List<Runnable> done = new ArrayList<>();
    queue.lock.lock();
    try {
      if (closed) {
        return;
      }
      queue.getCount += unacked.size(); // committed: the response was written
      discardUnackedLocked();
      closeLocked(false, done);
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
    detachSession();
  }

  /**
   * Ends the consumer because its client went away (a cancel, a dropped connection): pending pulls
   * are dropped without an answer and every unacknowledged delivery goes back to the head of the
   * queue, marked {@code redelivered}.
   */
  public void close() {
    List<Runnable> done = new ArrayList<>();
    queue.lock.lock();
    try {
      if (closed) {
        return;
      }
      closeLocked(false, done);
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
    detachSession();
  }

  /**
   * Ends the consumer because its client half-closed: pending pulls are answered {@code REVOKED}
   * and unacknowledged deliveries go back as in {@link #close}.
   */
  public void finish() {
    List<Runnable> done = new ArrayList<>();
    queue.lock.lock();
    try {
      if (closed) {
        return;
      }
      closeLocked(true, done);
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
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

  /** Ends the consumer with {@code e} (for example a protocol violation), as {@link #close}. */
  public void fail(BrokerException e) {
    List<Runnable> done = new ArrayList<>();
    queue.lock.lock();
    try {
      failLocked(e, false, done); // also detaches the session, once answered
    } finally {
      queue.lock.unlock();
    }
    BoundedQueue.run(done);
  }

  @Override
  public void sessionEnded(Session session) {
    // The session is already gone; nothing to detach.
    this.onSessionEnded = () -> {};
    fail(
        BrokerException.of(
            Reason.SESSION_NOT_FOUND,
            "session " + session.id() + " ended",
            "session",
            session.id()));
  }

  void failLocked(BrokerException e, boolean discardUnacked, List<Runnable> done) {
    if (closed) {
      return;
    }
    if (discardUnacked) {
      discardUnackedLocked();
    }
    closeLocked(false, done);
    post(() -> sink.failed(e), done);
    // Also when the queue ends it (delete, shutdown): the session must not keep a dead consumer.
    done.add(this::detachSession);
  }

  /** The unacknowledged items leave the broker (committed, or discarded with their queue). */
  private void discardUnackedLocked() {
    long bytes = 0;
    for (Entry<T> e : unacked.values()) {
      bytes += e.bytes;
    }
    queue.unacked -= unacked.size();
    unacked.clear();
    queue.releaseLocked(bytes);
  }

  private void closeLocked(boolean answerPending, List<Runnable> done) {
    closed = true;
    for (Pull pull : pending.values()) {
      queue.takers.remove(pull);
      pull.timeout.cancel();
      if (answerPending) {
        post(() -> sink.pullDone(pull.id, PullOutcome.REVOKED, List.of()), done);
      }
    }
    pending.clear();
    List<Entry<T>> back = new ArrayList<>(unacked.values());
    unacked.clear();
    returnToHeadLocked(back, true);
    queue.consumers.remove(this);
    queue.dispatchLocked(done);
  }

  private void returnToHeadLocked(List<Entry<T>> back, boolean redelivered) {
    queue.unacked -= back.size();
    if (redelivered) {
      queue.redeliveryCount += back.size();
    }
    long now = back.isEmpty() ? 0 : queue.context.timer().nanoTime();
    for (int i = back.size() - 1; i >= 0; i--) {
      Entry<T> e = back.get(i);
      e.redelivered |= redelivered;
      e.queuedNanos = now; // a new stay in the queue begins
      queue.items.addFirst(e);
    }
  }

  /** Hands queued items to {@code pull}, which is first in line. */
  void deliverLocked(Pull pull, List<Runnable> done) {
    int n = Math.min(pull.maxItems, queue.items.size());
    List<Delivery<T>> out = new ArrayList<>(n);
    long maxBytes = queue.context.limits().maxDeliveryBytes();
    long bytes = 0;
    long now = queue.context.timer().nanoTime();
    for (int i = 0; i < n; i++) {
      bytes += queue.sizer.applyAsInt(queue.items.peekFirst().item);
      if (i > 0 && bytes > maxBytes) {
        n = i; // the rest waits for the next pull; the first item always goes
        break;
      }
      Entry<T> e = queue.items.pollFirst();
      e.deliveryCount++;
      queue.waitSeconds += Math.max(0, now - e.queuedNanos) / 1e9;
      long id = queue.context.nextDeliveryId();
      unacked.put(id, e);
      out.add(new Delivery<>(id, e.item, e.redelivered, e.deliveryCount));
    }
    queue.unacked += n;
    queue.handOvers += n;
    if (pending.remove(pull.id) != null) {
      queue.takers.remove(pull);
      pull.timeout.cancel();
    }
    List<Delivery<T>> delivered = Collections.unmodifiableList(out);
    post(() -> sink.pullDone(pull.id, PullOutcome.DELIVERED, delivered), done);
    // Room opened: parked putters move in via the caller's dispatch loop.
  }

  private void checkUsableLocked() {
    queue.checkOpenLocked();
    if (closed) {
      throw BrokerException.of(
          Reason.STREAM_PROTOCOL_VIOLATION, "the consumer has ended", "detail", "consumer ended");
    }
  }

  private void detachSession() {
    Runnable r = onSessionEnded;
    onSessionEnded = () -> {};
    r.run();
  }

  private static BrokerException deliveryNotFound(long id) {
    return BrokerException.of(
        Reason.DELIVERY_NOT_FOUND,
        "this stream holds no delivery " + id + " (never delivered here, or already acked)",
        "deliveryId",
        id);
  }

  /** How many deliveries the consumer holds unacknowledged. */
  public int unackedCount() {
    queue.lock.lock();
    try {
      return unacked.size();
    } finally {
      queue.lock.unlock();
    }
  }

  /** Snapshot of the unacknowledged delivery ids, oldest first (for tests and introspection). */
  public List<Long> unackedIds() {
    queue.lock.lock();
    try {
      return new ArrayList<>(unacked.keySet());
    } finally {
      queue.lock.unlock();
    }
  }

  /** A pull waiting for items. */
  final class Pull {
    final long id;
    final int maxItems;
    // On the timer's clock; Long.MAX_VALUE for no limit.
    final long deadline;
    Timer.Timeout timeout = Timer.NONE;

    Pull(long id, int maxItems, long deadline) {
      this.id = id;
      this.maxItems = maxItems;
      this.deadline = deadline;
    }

    QueueConsumer<T> owner() {
      return QueueConsumer.this;
    }
  }

  /** Queues an answer (under the queue's lock) and makes {@code done} send it after unlocking. */
  private void post(Runnable answer, List<Runnable> done) {
    outbox.add(answer);
    done.add(outbox::drain);
  }

  @Override
  public String toString() {
    return "QueueConsumer[" + queue.name() + "]";
  }
}
