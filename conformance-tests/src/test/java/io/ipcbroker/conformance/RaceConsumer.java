package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * One consumer that gets items the way an SDK's blocking {@code get(timeout)} must, on raw {@code
 * Consume} streams: a pull of one item with a short server-side timeout, or a pull without one plus
 * a local timer after which it revokes the pull and waits for the pull's single result. An item
 * that crossed the revoke is used or nacked back, at random. Used items are acked at once or with
 * the next request. Each stream serves 1 to 50 items and ends by half-close and waiting for the
 * broker to complete it; some end by an abrupt cancel, but only when no ack can be in flight,
 * because a cancel right after an ack drops the ack.
 *
 * <p>Shared by the race test's in-JVM consumers and by {@link RaceChildConsumer}. Not thread-safe:
 * one thread runs one instance. Every wait is bounded; a broker that breaks the contract (a second
 * result for a pull, an outcome the pull cannot have, a stream that fails) makes {@link #run}
 * throw.
 */
final class RaceConsumer {
  /** The longest wait for an answer the broker owes at once (a revoked pull's result, the end). */
  static final long ANSWER_WAIT_MILLIS = 10_000;

  /** What the consumer does with the items it sees. Called on the consumer's thread. */
  interface Events {
    /** The application takes {@code d}; called before its ack is sent. */
    void used(Delivery d);

    /**
     * {@code d} went back unused: nacked, or left on a stream that was then cancelled (the broker
     * takes it back and marks it redelivered).
     */
    default void unused(Delivery d, boolean nacked) {}
  }

  /** Counters shared by several consumers. */
  static final class Stats {
    final LongAdder sessions = new LongAdder();
    final LongAdder halfCloses = new LongAdder();
    final LongAdder cancels = new LongAdder();
    final LongAdder cancelsWithPull = new LongAdder();
    final LongAdder gets = new LongAdder();
    final LongAdder used = new LongAdder();
    final LongAdder serverTimeouts = new LongAdder();
    final LongAdder localTimeouts = new LongAdder();
    final LongAdder revoked = new LongAdder();
    final LongAdder crossed = new LongAdder();
    final LongAdder crossedNacked = new LongAdder();
    final LongAdder piggybackedAcks = new LongAdder();
  }

  private final QueueServiceGrpc.QueueServiceStub stub;
  private final String queue;
  private final Events events;
  private final Stats stats;
  private final SplittableRandom random;
  private final boolean abruptCancels;

  RaceConsumer(
      Channel channel,
      String queue,
      Events events,
      Stats stats,
      SplittableRandom random,
      boolean abruptCancels) {
    this.stub = QueueServiceGrpc.newStub(channel);
    this.queue = queue;
    this.events = events;
    this.stats = stats;
    this.random = random;
    this.abruptCancels = abruptCancels;
  }

  /** Runs streams one after another until {@code stop} says so or {@code endNanos} passed. */
  void run(BooleanSupplier stop, long endNanos) throws InterruptedException {
    while (!stop.getAsBoolean() && System.nanoTime() - endNanos < 0) {
      runStream(1 + random.nextInt(50), stop, endNanos);
    }
  }

  private void runStream(int items, BooleanSupplier stop, long endNanos)
      throws InterruptedException {
    Stream s = new Stream();
    stub.consume(s);
    s.out.onNext(
        ConsumeRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue(queue)).build());
    try {
      await(s.opened, ANSWER_WAIT_MILLIS, "the stream's opened answer");
      stats.sessions.increment();
      int used = 0;
      while (used < items && !stop.getAsBoolean() && System.nanoTime() - endNanos < 0) {
        if (get(s)) {
          used++;
        }
      }
      end(s);
    } catch (RuntimeException | Error | InterruptedException e) {
      // Whatever the stream holds goes back to the queue; the caller reports the failure.
      s.out.cancel("race consumer failed", e);
      throw e;
    }
  }

  /** One {@code get(timeout)}. Returns whether the application got an item. */
  private boolean get(Stream s) throws InterruptedException {
    long id = ++s.lastPullId;
    int millis = 1 + random.nextInt(20);
    boolean serverTimer = random.nextBoolean();
    Pull.Builder pull = Pull.newBuilder().setPullId(id).setMaxItems(1);
    if (serverTimer) {
      pull.setTimeoutSeconds(millis / 1000.0);
    }
    ConsumeRequest.Builder request = ConsumeRequest.newBuilder().setPull(pull);
    if (!s.pendingAcks.isEmpty()) {
      // Acks ride on the next request, as an SDK batching its acks would send them.
      request.addAllAckIds(s.pendingAcks);
      s.pendingAcks.clear();
      stats.piggybackedAcks.increment();
    }
    CompletableFuture<PullResult> result = s.expect(id);
    s.out.onNext(request.build());
    stats.gets.increment();

    if (serverTimer) {
      PullResult r = s.answered(id, await(result, ANSWER_WAIT_MILLIS, "a timed pull's result"));
      if (r.getOutcome() == PullOutcome.PULL_OUTCOME_EMPTY && r.getDeliveriesCount() == 0) {
        stats.serverTimeouts.increment();
        return false;
      }
      use(s, delivered(r));
      return true;
    }

    PullResult r = awaitOrNull(result, millis);
    if (r != null) {
      use(s, delivered(s.answered(id, r)));
      return true;
    }
    // The caller gave up: revoke, then wait for the pull's one result, which decides.
    stats.localTimeouts.increment();
    s.out.onNext(ConsumeRequest.newBuilder().setRevokePullId(id).build());
    r = s.answered(id, await(result, ANSWER_WAIT_MILLIS, "a revoked pull's result"));
    if (r.getOutcome() == PullOutcome.PULL_OUTCOME_REVOKED && r.getDeliveriesCount() == 0) {
      stats.revoked.increment();
      return false;
    }
    Delivery d = delivered(r);
    stats.crossed.increment();
    if (random.nextBoolean()) {
      s.out.onNext(ConsumeRequest.newBuilder().addNackIds(d.getDeliveryId()).build());
      stats.crossedNacked.increment();
      events.unused(d, true);
      return false;
    }
    use(s, d);
    return true;
  }

  /** The one delivery of a {@code DELIVERED} result; anything else breaks the contract. */
  private static Delivery delivered(PullResult r) {
    if (r.getOutcome() != PullOutcome.PULL_OUTCOME_DELIVERED || r.getDeliveriesCount() != 1) {
      throw new IllegalStateException(
          "pull "
              + r.getPullId()
              + " of one item answered "
              + r.getOutcome()
              + " with "
              + r.getDeliveriesCount()
              + " deliveries");
    }
    return r.getDeliveries(0);
  }

  private void use(Stream s, Delivery d) {
    events.used(d);
    stats.used.increment();
    if (random.nextBoolean()) {
      s.out.onNext(ConsumeRequest.newBuilder().addAckIds(d.getDeliveryId()).build());
    } else {
      s.pendingAcks.add(d.getDeliveryId());
    }
    // Until the broker answers a pull sent after this ack, the ack may still be in flight.
    s.ackUnconfirmedBefore = s.lastPullId + 1;
  }

  /** Ends the stream: half-close and wait, or a cancel once no ack can be in flight. */
  private void end(Stream s) throws InterruptedException {
    s.checkContract();
    if (abruptCancels && random.nextInt(5) == 0) {
      confirmAcks(s);
      if (random.nextBoolean()) {
        // A user cancels while a get waits: an item in flight goes back, marked redelivered.
        long id = ++s.lastPullId;
        CompletableFuture<PullResult> result = s.expect(id);
        s.out.onNext(
            ConsumeRequest.newBuilder()
                .setPull(Pull.newBuilder().setPullId(id).setMaxItems(1))
                .build());
        PullResult r = awaitOrNull(result, random.nextInt(6));
        if (r != null) {
          events.unused(delivered(r), false);
        }
        stats.cancelsWithPull.increment();
      }
      s.out.cancel("race consumer cancels", null);
      stats.cancels.increment();
      try {
        s.ended.get(ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (ExecutionException expected) {
        // CANCELLED, as asked.
      } catch (TimeoutException e) {
        throw new IllegalStateException("a cancelled stream did not end", e);
      }
      s.checkContract();
      return;
    }
    if (!s.pendingAcks.isEmpty()) {
      s.out.onNext(ConsumeRequest.newBuilder().addAllAckIds(s.pendingAcks).build());
      s.pendingAcks.clear();
    }
    s.out.onCompleted();
    await(s.ended, ANSWER_WAIT_MILLIS, "the broker to complete a half-closed stream");
    stats.halfCloses.increment();
  }

  /**
   * Makes sure that the broker applied every ack sent on {@code s}, since a cancel can drop an ack
   * still in flight (its item would come again): a pull sent after them is answered only after they
   * were applied, so send any held acks with a {@code nowait} pull and wait for its result. An item
   * it brings is nacked; should the cancel drop that nack, the item still goes back.
   */
  private void confirmAcks(Stream s) throws InterruptedException {
    if (s.pendingAcks.isEmpty() && s.answeredUpTo >= s.ackUnconfirmedBefore) {
      return;
    }
    long id = ++s.lastPullId;
    ConsumeRequest.Builder request =
        ConsumeRequest.newBuilder()
            .addAllAckIds(s.pendingAcks)
            .setPull(Pull.newBuilder().setPullId(id).setMaxItems(1).setNowait(true));
    s.pendingAcks.clear();
    CompletableFuture<PullResult> result = s.expect(id);
    s.out.onNext(request.build());
    PullResult r = s.answered(id, await(result, ANSWER_WAIT_MILLIS, "a nowait pull's result"));
    if (r.getOutcome() == PullOutcome.PULL_OUTCOME_EMPTY && r.getDeliveriesCount() == 0) {
      return;
    }
    Delivery d = delivered(r);
    s.out.onNext(ConsumeRequest.newBuilder().addNackIds(d.getDeliveryId()).build());
    events.unused(d, true);
  }

  private static <T> T await(CompletableFuture<T> f, long millis, String what)
      throws InterruptedException {
    try {
      return f.get(millis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("failed waiting for " + what, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + millis + " ms: " + what, e);
    }
  }

  private static <T> T awaitOrNull(CompletableFuture<T> f, long millis)
      throws InterruptedException {
    try {
      return f.get(millis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("stream failed", e.getCause());
    } catch (TimeoutException e) {
      return null;
    }
  }

  /** One {@code Consume} stream; its requests are sent from the consumer's thread only. */
  private static final class Stream
      implements ClientResponseObserver<ConsumeRequest, ConsumeResponse> {
    final CompletableFuture<Void> opened = new CompletableFuture<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    final Map<Long, CompletableFuture<PullResult>> results = new ConcurrentHashMap<>();
    final List<Long> pendingAcks = new ArrayList<>();
    ClientCallStreamObserver<ConsumeRequest> out;
    long lastPullId;
    long answeredUpTo;
    long ackUnconfirmedBefore;
    // A contract violation seen on the response stream; checked by the consumer's thread.
    volatile Throwable violation;

    CompletableFuture<PullResult> expect(long pullId) {
      CompletableFuture<PullResult> f = new CompletableFuture<>();
      results.put(pullId, f);
      return f;
    }

    PullResult answered(long pullId, PullResult r) {
      answeredUpTo = Math.max(answeredUpTo, pullId);
      return r;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ConsumeRequest> stream) {
      out = stream;
    }

    @Override
    public void onNext(ConsumeResponse r) {
      if (r.hasOpened()) {
        opened.complete(null);
        return;
      }
      if (!r.hasPullResult()) {
        violated(new IllegalStateException("unexpected response " + r));
        return;
      }
      PullResult result = r.getPullResult();
      CompletableFuture<PullResult> f = results.remove(result.getPullId());
      if (f == null) {
        // Exactly one result per pull: a second one, or one for a pull never sent, is a bug.
        violated(new IllegalStateException("unexpected result for pull " + result.getPullId()));
        return;
      }
      f.complete(result);
    }

    @Override
    public void onError(Throwable t) {
      fail(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
      IllegalStateException e = new IllegalStateException("stream completed with a pull pending");
      opened.completeExceptionally(e);
      results.values().forEach(f -> f.completeExceptionally(e));
    }

    private void violated(Throwable t) {
      violation = t;
      fail(t);
    }

    void checkContract() {
      Throwable t = violation;
      if (t != null) {
        throw new IllegalStateException("the broker broke the Consume contract", t);
      }
    }

    private void fail(Throwable t) {
      opened.completeExceptionally(t);
      ended.completeExceptionally(t);
      results.values().forEach(f -> f.completeExceptionally(t));
    }
  }
}
