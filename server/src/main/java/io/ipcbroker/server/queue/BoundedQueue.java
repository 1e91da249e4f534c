package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;

/**
 * A named FIFO queue with Python's {@code Queue}/{@code JoinableQueue} semantics, and the state
 * machine that hands its items over without losing any.
 *
 * <p>All state of the queue, and of the consumers and producers bound to it, is guarded by one
 * lock. Every hand-over (an item moving from a putter into the queue, or from the queue into a
 * consumer's unacknowledged set) happens under it, together with the state change of the waiter
 * involved, so a timeout, a revoke or a stream's end either happens before the hand-over (and the
 * item stays) or after it (and the item is the consumer's, to be acked or returned). Answers to
 * clients are collected while the lock is held and sent after it is released, so no client I/O ever
 * runs under the lock.
 *
 * <p>Invariants after every operation: parked getters exist only while no item is queued; parked
 * putters exist only while the queue is full. Items given back by consumers go to the head and may
 * take the queue past {@code maxsize} for a moment; puts then wait until it is below again.
 *
 * @param <T> the item type, opaque to the queue
 */
public final class BoundedQueue<T> {
  private final String name;
  private final String uid;
  private final long maxsize;
  private final boolean joinable;
  private final String ownerSessionId;
  private final Instant createTime;
  final QueueContext context;
  final ToIntFunction<? super T> sizer;

  final ReentrantLock lock = new ReentrantLock();
  // Everything below is guarded by lock.
  final ArrayDeque<Entry<T>> items = new ArrayDeque<>();
  // Insertion-ordered sets: first come, first served, and O(1) removal of a waiter that leaves.
  final LinkedHashSet<QueueConsumer<T>.Pull> takers = new LinkedHashSet<>();
  final LinkedHashSet<QueueProducer<T>.Frame> putters = new LinkedHashSet<>();
  private final LinkedHashSet<Joiner> joiners = new LinkedHashSet<>();
  final LinkedHashSet<QueueConsumer<T>> consumers = new LinkedHashSet<>();
  final LinkedHashSet<QueueProducer<T>> producers = new LinkedHashSet<>();
  long unacked;
  // Bytes of the queued and unacknowledged items, as the byte caps count them.
  long heldBytes;
  private long unfinished;
  private BrokerException closedBy;
  // Totals since creation, for operators (QueueInfo says what each counts).
  long putCount;
  long getCount;
  long redeliveryCount;
  long handOvers;
  double waitSeconds;

  BoundedQueue(
      String name,
      String uid,
      long maxsize,
      boolean joinable,
      String ownerSessionId,
      Instant createTime,
      QueueContext context,
      ToIntFunction<? super T> sizer) {
    this.name = name;
    this.uid = uid;
    this.maxsize = Math.max(0, maxsize);
    this.joinable = joinable;
    this.ownerSessionId = ownerSessionId;
    this.createTime = createTime;
    this.context = context;
    this.sizer = sizer;
  }

  /** The queue's name. */
  public String name() {
    return name;
  }

  /** Identifies this queue among all that ever had its name. */
  public String uid() {
    return uid;
  }

  /** The most items it holds; 0 means unbounded. */
  public long maxsize() {
    return maxsize;
  }

  /** Whether it counts tasks ({@code JoinableQueue}). */
  public boolean joinable() {
    return joinable;
  }

  /** The session whose end deletes the queue, or empty. */
  public String ownerSessionId() {
    return ownerSessionId;
  }

  /** Takes a consistent snapshot of the queue's configuration and figures. */
  public QueueInfo info() {
    lock.lock();
    try {
      Entry<T> head = items.peekFirst();
      return new QueueInfo(
          name,
          uid,
          maxsize,
          joinable,
          ownerSessionId,
          createTime,
          items.size(),
          unfinished,
          unacked,
          takers.size(),
          putters.size() + waitingFramesBehindHeads(),
          joiners.size(),
          heldBytes,
          consumers.size(),
          head == null ? -1 : Math.max(0, context.timer().nanoTime() - head.putNanos),
          putCount,
          getCount,
          redeliveryCount,
          handOvers,
          waitSeconds);
    } finally {
      lock.unlock();
    }
  }

  private int waitingFramesBehindHeads() {
    int n = 0;
    for (QueueProducer<T> p : producers) {
      n += p.framesBehindHeadLocked();
    }
    return n;
  }

  /**
   * Binds a new consumer (the server side of one {@code Consume} stream or one unary get) to this
   * queue.
   */
  public QueueConsumer<T> newConsumer(QueueConsumer.Sink<T> sink) {
    lock.lock();
    try {
      checkOpenLocked();
      QueueConsumer<T> consumer = new QueueConsumer<>(this, sink);
      consumers.add(consumer);
      return consumer;
    } finally {
      lock.unlock();
    }
  }

  /** Binds a new producer (one {@code PutItems} stream or one unary put) to this queue. */
  public QueueProducer<T> newProducer(QueueProducer.Sink sink) {
    lock.lock();
    try {
      checkOpenLocked();
      QueueProducer<T> producer = new QueueProducer<>(this, sink);
      producers.add(producer);
      return producer;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Marks {@code count} tasks done; returns the tasks still unfinished.
   *
   * @throws BrokerException {@link Reason#QUEUE_NOT_JOINABLE}, {@link
   *     Reason#TASK_DONE_TOO_MANY_TIMES} (nothing changed)
   */
  public long taskDone(long count) {
    List<Runnable> done = new ArrayList<>();
    long left;
    lock.lock();
    try {
      checkOpenLocked();
      checkJoinable();
      if (count > unfinished) {
        throw BrokerException.of(
            Reason.TASK_DONE_TOO_MANY_TIMES,
            "task_done() called more times than items were put into queue " + name,
            "queue",
            name,
            "unfinished",
            unfinished,
            "count",
            count);
      }
      unfinished -= count;
      left = unfinished;
      if (unfinished == 0) {
        for (Joiner j : joiners) {
          j.timeout.cancel();
          done.add(() -> j.sink.joined(true, 0));
        }
        joiners.clear();
      }
    } finally {
      lock.unlock();
    }
    run(done);
    return left;
  }

  /** Receives the answer of a {@link #join} wait. */
  public interface JoinSink {
    /** The wait ended: {@code done} tells whether all tasks were done. */
    void joined(boolean done, long unfinishedTasks);

    /** The wait was ended by the broker (queue deleted, session ended, shutdown). */
    void failed(BrokerException e);
  }

  /** A parked join, which its caller can cancel. */
  public interface JoinHandle {
    /** Cancels the wait without an answer (the caller went away). */
    void cancel();

    /** Ends the wait with {@code e}, if it is still parked. */
    void fail(BrokerException e);
  }

  /**
   * Waits until every task is done or {@code wait} ends, then answers {@code sink} (possibly before
   * returning).
   */
  public JoinHandle join(Wait wait, JoinSink sink) {
    List<Runnable> done = new ArrayList<>(1);
    Joiner joiner = null;
    lock.lock();
    try {
      checkOpenLocked();
      checkJoinable();
      long left = unfinished;
      if (left == 0 || wait.isNoWait() || wait.isExpired()) {
        done.add(() -> sink.joined(left == 0, left));
      } else {
        Joiner j = new Joiner(sink);
        joiners.add(j);
        if (!wait.isForever()) {
          j.timeout = context.timer().schedule(() -> joinTimedOut(j), wait.nanos());
        }
        joiner = j;
      }
    } finally {
      lock.unlock();
    }
    run(done);
    if (joiner == null) {
      return NO_JOIN;
    }
    Joiner j = joiner;
    return new JoinHandle() {
      @Override
      public void cancel() {
        removeJoiner(j, null);
      }

      @Override
      public void fail(BrokerException e) {
        removeJoiner(j, e);
      }
    };
  }

  private static final JoinHandle NO_JOIN =
      new JoinHandle() {
        @Override
        public void cancel() {}

        @Override
        public void fail(BrokerException e) {}
      };

  private void joinTimedOut(Joiner j) {
    long left;
    lock.lock();
    try {
      if (!joiners.remove(j)) {
        return;
      }
      left = unfinished;
    } finally {
      lock.unlock();
    }
    j.sink.joined(false, left);
  }

  private void removeJoiner(Joiner j, BrokerException e) {
    boolean removed;
    lock.lock();
    try {
      removed = joiners.remove(j);
    } finally {
      lock.unlock();
    }
    if (removed) {
      j.timeout.cancel();
      if (e != null) {
        j.sink.failed(e);
      }
    }
  }

  private void checkJoinable() {
    if (!joinable) {
      throw BrokerException.of(
          Reason.QUEUE_NOT_JOINABLE,
          "queue " + name + " is not joinable; create it with kind JOINABLE",
          "queue",
          name);
    }
  }

  /**
   * Ends the queue's life: every parked call and bound stream is answered {@code cause}, and no
   * item is handed over afterwards.
   *
   * @param discardItems whether the items go too (a delete) or stay until the process ends (a
   *     shutdown, where nothing is handed over any more anyway)
   * @return how many items, queued or unacknowledged, were discarded
   */
  long close(BrokerException cause, boolean discardItems) {
    List<Runnable> answers = new ArrayList<>();
    long discarded = close(cause, discardItems, false, answers);
    run(answers);
    return discarded;
  }

  /**
   * As {@link #close(BrokerException, boolean)}; with {@code requireIdle} (a delete without force)
   * it first checks, under the same hold of the lock, that the queue is idle, and otherwise throws
   * without changing anything. Checking and closing in two lock holds would let a put answered OK
   * in between be discarded.
   *
   * @param answers collects the answers to parked calls and bound streams, which the caller runs
   *     once it holds no lock (a registry deletes under its own monitor)
   * @throws BrokerException {@link Reason#QUEUE_NOT_EMPTY}, {@link Reason#QUEUE_IN_USE}
   */
  long close(
      BrokerException cause, boolean discardItems, boolean requireIdle, List<Runnable> answers) {
    List<Runnable> done = answers;
    long discarded = 0;
    lock.lock();
    try {
      if (requireIdle) {
        checkDeletableLocked();
      }
      if (closedBy != null) {
        return 0;
      }
      closedBy = cause;
      if (discardItems) {
        discarded = items.size() + unacked;
        long bytes = 0;
        for (Entry<T> e : items) {
          bytes += e.bytes;
        }
        items.clear();
        releaseLocked(bytes); // the consumers release their unacknowledged items' bytes
      }
      context.budget().forget(this); // a closed queue waits for no room
      for (QueueConsumer<T> c : new ArrayList<>(consumers)) {
        c.failLocked(cause, discardItems, done);
      }
      for (QueueProducer<T> p : new ArrayList<>(producers)) {
        p.failLocked(cause, done);
      }
      for (Joiner j : joiners) {
        j.timeout.cancel();
        done.add(() -> j.sink.failed(cause));
      }
      joiners.clear();
    } finally {
      lock.unlock();
    }
    return discarded;
  }

  /**
   * Checks that a delete without force may go ahead: the queue holds no items (queued or
   * unacknowledged) and no parked calls.
   */
  private void checkDeletableLocked() {
    checkOpenLocked();
    if (!items.isEmpty() || unacked > 0) {
      throw BrokerException.of(
          Reason.QUEUE_NOT_EMPTY,
          "queue "
              + name
              + " holds "
              + items.size()
              + " items and "
              + unacked
              + " unacknowledged deliveries; delete with force to discard them",
          "queue",
          name,
          "size",
          items.size(),
          "unacked",
          unacked);
    }
    int waiters = takers.size() + putters.size() + joiners.size();
    if (waiters > 0) {
      throw BrokerException.of(
          Reason.QUEUE_IN_USE,
          "queue " + name + " has " + waiters + " parked calls; delete with force to end them",
          "queue",
          name,
          "waiters",
          waiters);
    }
  }

  void checkOpenLocked() {
    if (closedBy != null) {
      throw closedBy;
    }
  }

  /**
   * Whether a put may add an item now: below {@code maxsize}, and below the byte caps of the queue
   * and of the broker (past which the queue counts as full).
   */
  boolean hasRoomLocked() {
    if (maxsize != 0 && items.size() >= maxsize) {
      return false;
    }
    long queueCap = context.limits().maxQueueBytes();
    if (queueCap != 0 && heldBytes >= queueCap) {
      return false; // its own acks and discards make room, and dispatch again
    }
    return context.budget().hasRoomFor(this);
  }

  /** Adds an item that a producer put (not one given back). */
  void enqueueLocked(T item) {
    int bytes = sizer.applyAsInt(item) + QueueLimits.ITEM_OVERHEAD_BYTES;
    items.addLast(new Entry<>(item, bytes, context.timer().nanoTime()));
    putCount++;
    heldBytes += bytes;
    context.budget().charge(bytes);
    if (joinable) {
      unfinished++;
    }
  }

  /** Items of {@code bytes} left the broker (acknowledged, or discarded). */
  void releaseLocked(long bytes) {
    heldBytes -= bytes;
    context.budget().release(bytes);
  }

  /** Hands over what became possible: called when the broker's byte budget has room again. */
  void redispatch() {
    List<Runnable> done = new ArrayList<>();
    lock.lock();
    try {
      dispatchLocked(done);
    } finally {
      lock.unlock();
    }
    run(done);
  }

  /**
   * A copy of the queued items, head first; unacknowledged deliveries are not among them. A closed
   * queue keeps what it held, so this also tells what a shutdown left behind.
   */
  public List<T> queuedItems() {
    lock.lock();
    try {
      List<T> copy = new ArrayList<>(items.size());
      for (Entry<T> e : items) {
        copy.add(e.item);
      }
      return copy;
    } finally {
      lock.unlock();
    }
  }

  /** Bytes held by the queue's queued and unacknowledged items, as the caps count them. */
  public long heldBytes() {
    lock.lock();
    try {
      return heldBytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves items and waiters along until no further hand-over is possible: queued items to parked
   * getters, then parked putters' items into the room that opened, and again.
   */
  void dispatchLocked(List<Runnable> done) {
    if (closedBy != null) {
      // Ended (deleted or shutting down): nothing is handed over any more. Without this, ending
      // the consumers one by one would deliver one consumer's returned items to another's
      // parked pull, and let parked putters fill the room that discarding the items opened.
      return;
    }
    boolean progress = true;
    while (progress) {
      progress = false;
      long now = takers.isEmpty() ? 0 : context.timer().nanoTime();
      while (!items.isEmpty() && !takers.isEmpty()) {
        QueueConsumer<T>.Pull pull = first(takers);
        if (pull.owner().mayReceiveLocked(pull, now, done)) {
          pull.owner().deliverLocked(pull, done);
          progress = true;
        }
      }
      while (!putters.isEmpty() && hasRoomLocked()) {
        QueueProducer<T>.Frame frame = first(putters);
        frame.owner().fillParkedLocked(frame, done);
        progress = true;
      }
    }
  }

  private static <E> E first(LinkedHashSet<E> set) {
    Iterator<E> it = set.iterator();
    return it.next();
  }

  /** Runs the answers collected under the lock, after it was released. */
  static void run(List<Runnable> done) {
    for (int i = 0; i < done.size(); i++) {
      done.get(i).run();
    }
  }

  private static final class Joiner {
    final JoinSink sink;
    Timer.Timeout timeout = Timer.NONE;

    Joiner(JoinSink sink) {
      this.sink = sink;
    }
  }

  @Override
  public String toString() {
    return "BoundedQueue[" + name + ", uid=" + uid + "]";
  }
}
