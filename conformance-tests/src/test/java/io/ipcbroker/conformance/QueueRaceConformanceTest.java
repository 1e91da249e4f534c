package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races on the queue's hand-over: many short timeouts, revokes, cancellations and SIGKILLed client
 * processes against puts from several clients, then every item accounted for.
 *
 * <p>The acknowledged {@code Consume} stream, the path SDKs use for a blocking get, must lose
 * nothing and give no item twice to live clients: every item put is acked exactly once by a live
 * consumer, or printed by a child process that was then killed (and redelivered, flagged, only
 * then), or still queued at the end. The unary {@code GetItem} long-poll is best-effort by
 * contract: its loss and duplicate rates under the same kind of races are reported, and asserted
 * only against a gross sanity bound, while a control group without races must lose nothing.
 *
 * <p>The method follows {@code reference/handover-prototype.md} (race driver, section 5 items
 * 12-13). Only stubs and the network are used, so it runs against any broker given with {@code
 * -Dipcbroker.target}; the system property {@code ipcbroker.race.seed} fixes the random choices
 * (not the timing).
 */
@Timeout(240)
class QueueRaceConformanceTest {
  private static final Duration STREAM_PHASE = Duration.ofSeconds(35);
  private static final long STREAM_MAX_ITEMS = 150_000;
  private static final int STREAM_PRODUCERS = 3;
  private static final int STREAM_CONSUMERS = 4;
  private static final int CHILD_SLOTS = 2;

  private static final Duration UNARY_PHASE = Duration.ofSeconds(12);
  private static final Duration UNARY_CONTROL_PHASE = Duration.ofSeconds(4);
  private static final long UNARY_MAX_ITEMS = 60_000;
  private static final int UNARY_PRODUCERS = 2;
  private static final int UNARY_GETTERS = 6;
  // Unary gets are slower than stream gets; slower puts keep the queue nearly empty for them.
  private static final long UNARY_MAX_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(6_000);
  // Only catches gross bugs. The raced rate depends on the machine's load: with this mix it was
  // 4-19% of the items put at load averages of 10-18 on two cores (cancelled gets alone lost 21%
  // at 10), far above the prototype's 1%, so 5% would make the test flaky.
  private static final double UNARY_LOSS_SANITY_BOUND = 0.5;

  private static final long MAX_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(2_000);
  private static final long JOIN_MILLIS = 60_000;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
  private final List<String> queues = new ArrayList<>();

  @AfterEach
  void cleanUp() throws InterruptedException {
    for (Thread t : threads) {
      if (t.isAlive()) {
        t.interrupt();
        t.join(10_000);
      }
    }
    ManagedChannel admin = ConformanceTarget.newChannel();
    try {
      for (String q : queues) {
        QueueServiceGrpc.newBlockingStub(admin)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .deleteQueue(
                DeleteQueueRequest.newBuilder()
                    .setName(q)
                    .setForce(true)
                    .setAllowMissing(true)
                    .build());
      }
    } finally {
      ConformanceTarget.close(admin);
      channels.forEach(ConformanceTarget::close);
    }
  }

  @Test
  void streamGetsLoseNothingToTimeoutsRevokesCancelsAndKilledClients() throws Exception {
    long seed = Long.getLong("ipcbroker.race.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    String queue = createQueue("race-stream", 100);
    RaceLedger ledger = new RaceLedger();
    RaceConsumer.Stats stats = new RaceConsumer.Stats();
    AtomicBoolean stopProducers = new AtomicBoolean();
    AtomicBoolean stopConsumers = new AtomicBoolean();
    AtomicLong nextItem = new AtomicLong(1);
    long start = System.nanoTime();
    long end = start + STREAM_PHASE.toNanos();
    long hardEnd = end + TimeUnit.SECONDS.toNanos(60);
    RaceChildren children =
        new RaceChildren(ConformanceTarget.address(), queue, ledger, random.split());
    System.out.println(
        "RACE stream: seed="
            + seed
            + " queue="
            + queue
            + " child class path: "
            + RaceChildren.classPathInfo());

    QueueSampler sampler = new QueueSampler(channel(), queue);
    List<Thread> producers = new ArrayList<>();
    List<Thread> consumers = new ArrayList<>();
    List<Thread> childSlots = new ArrayList<>();
    try {
      for (int i = 0; i < STREAM_CONSUMERS; i++) {
        String who = "c" + i;
        RaceConsumer consumer =
            new RaceConsumer(
                channel(), queue, liveEvents(ledger, who), stats, random.split(), true);
        consumers.add(spawn(who, () -> consumer.run(stopConsumers::get, hardEnd)));
      }
      for (int i = 0; i < STREAM_PRODUCERS; i++) {
        RaceProducer producer =
            new RaceProducer(
                channel(),
                queue,
                ledger,
                nextItem,
                STREAM_MAX_ITEMS,
                MAX_PAUSE_NANOS,
                sampler::lastSize,
                random.split());
        producers.add(spawn("p" + i, () -> producer.run(stopProducers::get, end)));
      }
      for (int i = 0; i < CHILD_SLOTS; i++) {
        childSlots.add(spawn("children" + i, () -> children.run(end)));
      }

      // Producers stop at the phase's end or its item count, whichever comes first.
      joinAll(producers);
      long producedNanos = System.nanoTime() - start;
      // Live consumers end gracefully first; what the last children held then goes back to the
      // queue when they are killed, and the drain finds it.
      stopConsumers.set(true);
      joinAll(consumers);
      children.stop();
      joinAll(childSlots);
      sampler.stop();
      System.out.printf(Locale.ROOT, "RACE stream: producing took %.1f s%n", producedNanos / 1e9);

      awaitSettled(queue);
      drain(queue, ledger, "drain");
      Queue after = getQueue(queue);
      assertThat(after.getSize()).as("queue size after the drain").isZero();
      assertThat(after.getUnacked()).as("unacked after the drain").isZero();
    } finally {
      stopProducers.set(true);
      stopConsumers.set(true);
      children.stop();
      children.killAll();
      sampler.stop();
    }
    assertThat(children.noneAlive()).as("every child process ended").isTrue();
    assertThat(errors).as("client failures").isEmpty();
    assertThat(children.failures()).as("child process failures").isEmpty();

    RaceLedger.Verdict v = ledger.account();
    System.out.printf(
        Locale.ROOT,
        "RACE stream: put=%d acked_live=%d child_received=%d drained=%d redelivered=%d"
            + " received_more_than_once=%d kills=%d children=%d timeouts=%d revokes=%d"
            + " revoked=%d deliveries_crossing_revoke=%d crossing_nacked=%d gets=%d streams=%d"
            + " half_closes=%d cancels=%d cancels_with_pull=%d piggybacked_acks=%d"
            + " queue_empty=%.0f%% getters_parked=%.0f%% max_size=%d lost=%d dup_live=%d"
            + " live_and_drained=%d bad_dup=%d unflagged_redeliveries=%d unknown=%d%n",
        v.putOk,
        v.liveReceived,
        v.childReceived,
        v.drained,
        v.redelivered,
        v.receivedMoreThanOnce,
        children.kills(),
        children.started(),
        stats.serverTimeouts.sum(),
        stats.localTimeouts.sum(),
        stats.revoked.sum(),
        stats.crossed.sum(),
        stats.crossedNacked.sum(),
        stats.gets.sum(),
        stats.sessions.sum(),
        stats.halfCloses.sum(),
        stats.cancels.sum(),
        stats.cancelsWithPull.sum(),
        stats.piggybackedAcks.sum(),
        sampler.emptyPercent(),
        sampler.parkedPercent(),
        sampler.maxSize(),
        v.lost,
        v.dupLive,
        v.liveAndDrained,
        v.badDuplicates,
        v.unflaggedRedeliveries,
        v.unknown);

    assertThat(v.lostSamples).as("lost items").isEmpty();
    assertThat(v.lost).as("lost").isZero();
    assertThat(v.dupLive).as("items acked twice by live consumers").isZero();
    assertThat(v.liveAndDrained).as("items acked by a live consumer and still queued").isZero();
    assertThat(v.duplicateSamples)
        .as("items received twice other than after a killed child's receipt, or not flagged")
        .isEmpty();
    assertThat(v.unknown).as("items received that were never sent").isZero();
    // The races must really have happened, or the zeros above prove nothing.
    assertThat(v.putOk).as("items put").isPositive();
    assertThat(v.liveReceived).as("items acked by live consumers").isPositive();
    assertThat(children.kills()).as("children SIGKILLed").isGreaterThanOrEqualTo(5);
    assertThat(v.childReceived).as("items printed by children").isPositive();
    assertThat(stats.serverTimeouts.sum()).as("server-side timeouts").isPositive();
    assertThat(stats.revoked.sum()).as("revokes answered REVOKED").isPositive();
  }

  @Test
  void unaryGetItemIsBestEffortUnderRacesAndLosesNothingWithoutThem() throws Exception {
    long seed = Long.getLong("ipcbroker.race.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    System.out.println("RACE unary: seed=" + seed);

    // Raced: deadlines of 1-20 ms, in-band timeouts shorter than the deadline, client cancels.
    UnaryStats raced = new UnaryStats();
    RaceLedger racedLedger = runUnary("race-unary", UNARY_PHASE, true, raced, random);
    RaceLedger.Verdict v = racedLedger.account();
    double lossRate = v.putOk == 0 ? 0 : (double) v.lost / v.putOk;
    double dupRate = v.putOk == 0 ? 0 : (double) v.dup / v.putOk;
    System.out.printf(
        Locale.ROOT,
        "RACE unary: calls=%d delivered=%d lost=%d dup=%d loss_rate=%.3f%% dup_rate=%.3f%%"
            + " (of %d items put; drained=%d ok=%d empty=%d deadline_exceeded=%d cancelled=%d"
            + " cancels_sent=%d not_ok_unread=%d in_band_timeouts=%d queue_empty=%.0f%%"
            + " getters_parked=%.0f%%)%n",
        raced.calls.sum(),
        raced.delivered.sum(),
        v.lost,
        v.dup,
        lossRate * 100,
        dupRate * 100,
        v.putOk,
        v.drained,
        raced.ok.sum(),
        raced.empty.sum(),
        raced.deadlineExceeded.sum(),
        raced.cancelled.sum(),
        raced.cancelsSent.sum(),
        raced.notOkUnread.sum(),
        raced.inBand.sum(),
        raced.emptyPercent,
        raced.parkedPercent);

    // Control: in-band timeouts of 1-20 ms with a deadline 5 s later and no cancels: no races.
    UnaryStats control = new UnaryStats();
    RaceLedger controlLedger =
        runUnary("race-unary-control", UNARY_CONTROL_PHASE, false, control, random);
    RaceLedger.Verdict c = controlLedger.account();
    System.out.printf(
        Locale.ROOT,
        "RACE unary control: calls=%d delivered=%d empty=%d put=%d drained=%d lost=%d dup=%d"
            + " queue_empty=%.0f%% getters_parked=%.0f%%%n",
        control.calls.sum(),
        control.delivered.sum(),
        control.empty.sum(),
        c.putOk,
        c.drained,
        c.lost,
        c.dup,
        control.emptyPercent,
        control.parkedPercent);

    assertThat(errors).as("client failures").isEmpty();
    assertThat(c.lostSamples).as("items lost by unraced unary gets").isEmpty();
    assertThat(c.lost).as("lost without races").isZero();
    assertThat(c.dup).as("duplicated without races").isZero();
    assertThat(c.unknown + v.unknown).as("items received that were never sent").isZero();
    assertThat(control.delivered.sum()).as("control deliveries").isPositive();
    assertThat(raced.delivered.sum()).as("raced deliveries").isPositive();
    // Best-effort by contract, so no zero is claimed; these bounds only catch gross bugs. The
    // contract loses an item only with a call whose client did not read the response: one that
    // ended DEADLINE_EXCEEDED or CANCELLED without a message, and one item per such call at most.
    assertThat(v.lost)
        .as("raced unary losses, at most one per call that ended unread")
        .isLessThanOrEqualTo(raced.notOkUnread.sum());
    assertThat(lossRate).as("raced unary loss rate").isLessThan(UNARY_LOSS_SANITY_BOUND);
  }

  /** One unary phase on a fresh queue; returns its ledger once the queue was drained. */
  private RaceLedger runUnary(
      String prefix, Duration length, boolean raced, UnaryStats stats, SplittableRandom random)
      throws Exception {
    String queue = createQueue(prefix, 100);
    RaceLedger ledger = new RaceLedger();
    AtomicBoolean stopGetters = new AtomicBoolean();
    AtomicLong nextItem = new AtomicLong(1);
    long end = System.nanoTime() + length.toNanos();
    long hardEnd = end + TimeUnit.SECONDS.toNanos(60);
    List<Thread> producers = new ArrayList<>();
    List<Thread> getters = new ArrayList<>();
    QueueSampler sampler = new QueueSampler(channel(), queue);
    try {
      for (int i = 0; i < UNARY_GETTERS; i++) {
        String who = prefix + "-g" + i;
        Channel ch = channel();
        SplittableRandom r = random.split();
        getters.add(
            spawn(
                who,
                () ->
                    unaryGets(ch, queue, ledger, who, raced, stats, r, stopGetters::get, hardEnd)));
      }
      for (int i = 0; i < UNARY_PRODUCERS; i++) {
        RaceProducer producer =
            new RaceProducer(
                channel(),
                queue,
                ledger,
                nextItem,
                UNARY_MAX_ITEMS,
                UNARY_MAX_PAUSE_NANOS,
                sampler::lastSize,
                random.split());
        producers.add(spawn(prefix + "-p" + i, () -> producer.run(() -> false, end)));
      }
      joinAll(producers);
      stopGetters.set(true);
      joinAll(getters);
      sampler.stop();
      stats.emptyPercent = sampler.emptyPercent();
      stats.parkedPercent = sampler.parkedPercent();
      awaitSettled(queue);
      drain(queue, ledger, prefix + "-drain");
    } finally {
      stopGetters.set(true);
      sampler.stop();
    }
    return ledger;
  }

  /** Counters of unary gets. */
  static final class UnaryStats {
    final LongAdder calls = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder empty = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder deadlineExceeded = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final LongAdder cancelsSent = new LongAdder();
    final LongAdder inBand = new LongAdder();
    final LongAdder notOkUnread = new LongAdder();
    volatile double emptyPercent;
    volatile double parkedPercent;
  }

  /**
   * Unary gets on the raw {@code ClientCall} API, one at a time. Raced: 70% wait until a deadline
   * of 1-20 ms, 15% send an in-band timeout shorter than such a deadline, 15% are cancelled by the
   * client 0-10 ms after start (deadline 50 ms). Unraced: an in-band timeout of 1-20 ms with the
   * deadline 5 s later. An item counts as received once {@code onMessage} saw it, whatever the
   * call's status (an async client has it then).
   */
  private static void unaryGets(
      Channel channel,
      String queue,
      RaceLedger ledger,
      String who,
      boolean raced,
      UnaryStats stats,
      SplittableRandom random,
      BooleanSupplier stop,
      long endNanos)
      throws Exception {
    while (!stop.getAsBoolean() && System.nanoTime() - endNanos < 0) {
      GetItemRequest.Builder request = GetItemRequest.newBuilder().setQueue(queue);
      long deadlineMillis;
      long cancelAfterMillis = -1;
      int mode = random.nextInt(100);
      if (!raced) {
        int timeout = 1 + random.nextInt(20);
        request.setTimeoutSeconds(timeout / 1000.0);
        deadlineMillis = timeout + 5_000;
      } else if (mode < 70) {
        deadlineMillis = 1 + random.nextInt(20);
      } else if (mode < 85) {
        deadlineMillis = 2 + random.nextInt(19);
        request.setTimeoutSeconds((1 + random.nextInt((int) deadlineMillis - 1)) / 1000.0);
        stats.inBand.increment();
      } else {
        deadlineMillis = 50;
        cancelAfterMillis = random.nextInt(11);
      }
      ClientCall<GetItemRequest, GetItemResponse> call =
          channel.newCall(
              QueueServiceGrpc.getGetItemMethod(),
              CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
      CompletableFuture<Status> closed = new CompletableFuture<>();
      AtomicBoolean sawMessage = new AtomicBoolean();
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onMessage(GetItemResponse r) {
              sawMessage.set(true);
              if (r.getOutcome() == PullOutcome.PULL_OUTCOME_DELIVERED) {
                ledger.receipt(RaceLedger.By.LIVE, who, r.getDelivery());
                stats.delivered.increment();
              } else {
                stats.empty.increment();
              }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              closed.complete(status);
            }
          },
          new Metadata());
      call.request(1);
      call.sendMessage(request.build());
      call.halfClose();
      stats.calls.increment();
      if (cancelAfterMillis >= 0) {
        try {
          closed.get(cancelAfterMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          call.cancel("the caller gave up", null);
          stats.cancelsSent.increment();
        }
      }
      Status status = closed.get(RaceConsumer.ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      switch (status.getCode()) {
        case OK -> stats.ok.increment();
        case DEADLINE_EXCEEDED -> stats.deadlineExceeded.increment();
        case CANCELLED -> stats.cancelled.increment();
        default -> throw new IllegalStateException("unary get failed: " + status);
      }
      if (!status.isOk() && !sawMessage.get()) {
        stats.notOkUnread.increment();
      }
      if (!raced && !status.isOk()) {
        throw new IllegalStateException("an unraced unary get ended " + status);
      }
    }
  }

  /** Events of an in-JVM consumer: it stays alive, so what it acks is received for good. */
  private static RaceConsumer.Events liveEvents(RaceLedger ledger, String who) {
    return new RaceConsumer.Events() {
      @Override
      public void used(Delivery d) {
        ledger.receipt(RaceLedger.By.LIVE, who, d);
      }

      @Override
      public void unused(Delivery d, boolean nacked) {
        ledger.note(
            RaceLedger.itemId(d),
            (nacked ? "nacked by " : "left on a cancelled stream by ")
                + who
                + "#"
                + d.getDeliveryId());
      }
    };
  }

  /**
   * Waits until nothing is in flight: no unacknowledged delivery (killed children's streams were
   * closed by the broker) and no parked call.
   */
  private void awaitSettled(String queue) {
    await("nothing unacked or parked on " + queue)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              Queue q = getQueue(queue);
              return q.getUnacked() == 0
                  && q.getWaitingGetters() == 0
                  && q.getWaitingPutters() == 0;
            });
  }

  /** Takes every queued item with one consumer, acking all, and records them as drained. */
  private void drain(String queue, RaceLedger ledger, String who) throws Exception {
    CompletableFuture<Void> opened = new CompletableFuture<>();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    ConcurrentLinkedQueue<PullResult> results = new ConcurrentLinkedQueue<>();
    java.util.concurrent.Semaphore answers = new java.util.concurrent.Semaphore(0);
    ClientCallStreamObserver<ConsumeRequest>[] out = newRequestArray();
    QueueServiceGrpc.newStub(channel())
        .consume(
            new ClientResponseObserver<ConsumeRequest, ConsumeResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<ConsumeRequest> s) {
                out[0] = s;
              }

              @Override
              public void onNext(ConsumeResponse r) {
                if (r.hasOpened()) {
                  opened.complete(null);
                } else {
                  results.add(r.getPullResult());
                  answers.release();
                }
              }

              @Override
              public void onError(Throwable t) {
                opened.completeExceptionally(t);
                ended.completeExceptionally(t);
                answers.release(1_000);
              }

              @Override
              public void onCompleted() {
                ended.complete(null);
              }
            });
    out[0].onNext(
        ConsumeRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue(queue)).build());
    Futures.get(opened, Duration.ofSeconds(10));
    List<Long> acks = new ArrayList<>();
    // Bounded: the queue holds at most maxsize items plus those given back, far below this.
    for (long pullId = 1; pullId <= 10_000; pullId++) {
      out[0].onNext(
          ConsumeRequest.newBuilder()
              .addAllAckIds(acks)
              .setPull(Pull.newBuilder().setPullId(pullId).setMaxItems(1024).setNowait(true))
              .build());
      acks.clear();
      assertThat(answers.tryAcquire(10, TimeUnit.SECONDS)).as("drain pull answered").isTrue();
      PullResult r = results.poll();
      assertThat(r).as("drain pull result").isNotNull();
      if (r.getOutcome() == PullOutcome.PULL_OUTCOME_EMPTY) {
        break;
      }
      assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
      for (Delivery d : r.getDeliveriesList()) {
        ledger.receipt(RaceLedger.By.DRAIN, who, d);
        acks.add(d.getDeliveryId());
      }
    }
    out[0].onNext(ConsumeRequest.newBuilder().addAllAckIds(acks).build());
    out[0].onCompleted();
    Futures.get(ended, Duration.ofSeconds(10));
  }

  @SuppressWarnings("unchecked")
  private static ClientCallStreamObserver<ConsumeRequest>[] newRequestArray() {
    return new ClientCallStreamObserver[1];
  }

  private String createQueue(String prefix, long maxsize) {
    String name = Rpc.uniqueName(prefix);
    QueueServiceGrpc.newBlockingStub(channel())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .createQueue(CreateQueueRequest.newBuilder().setName(name).setMaxsize(maxsize).build());
    queues.add(name);
    return name;
  }

  private Queue getQueue(String queue) {
    return QueueServiceGrpc.newBlockingStub(channel())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .getQueue(GetQueueRequest.newBuilder().setName(queue).build())
        .getQueue();
  }

  /** A new channel: each client of the race is its own connection, as separate processes are. */
  private synchronized ManagedChannel channel() {
    ManagedChannel ch = ConformanceTarget.newChannel();
    channels.add(ch);
    return ch;
  }

  /** Work that may throw; failures are collected and fail the test. */
  private interface Work {
    void run() throws Exception;
  }

  private Thread spawn(String name, Work work) {
    Thread t =
        new Thread(
            () -> {
              try {
                work.run();
              } catch (Throwable e) {
                errors.add(new AssertionError(name + " failed", e));
              }
            },
            "race-" + name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
    return t;
  }

  private void joinAll(List<Thread> ts) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
    for (Thread t : ts) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      assertThat(t.isAlive()).as("%s stopped in time", t.getName()).isFalse();
    }
  }

  /**
   * Samples the queue's figures every 20 ms, to show that gets really parked: the hand-over races
   * only happen while the queue is nearly empty.
   */
  private static final class QueueSampler {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final LongAdder samples = new LongAdder();
    private final LongAdder empty = new LongAdder();
    private final LongAdder parked = new LongAdder();
    private final AtomicLong maxSize = new AtomicLong();
    private volatile long lastSize;

    QueueSampler(Channel channel, String queue) {
      QueueServiceGrpc.QueueServiceBlockingStub stub = QueueServiceGrpc.newBlockingStub(channel);
      timer.scheduleAtFixedRate(
          () -> {
            try {
              Queue q =
                  stub.withDeadlineAfter(1, TimeUnit.SECONDS)
                      .getQueue(GetQueueRequest.newBuilder().setName(queue).build())
                      .getQueue();
              samples.increment();
              if (q.getSize() == 0) {
                empty.increment();
              }
              if (q.getWaitingGetters() > 0) {
                parked.increment();
              }
              maxSize.accumulateAndGet(q.getSize(), Math::max);
              lastSize = q.getSize();
            } catch (RuntimeException e) {
              // A missed sample only blurs the figures.
            }
          },
          20,
          20,
          TimeUnit.MILLISECONDS);
    }

    void stop() throws InterruptedException {
      timer.shutdownNow();
      timer.awaitTermination(5, TimeUnit.SECONDS);
    }

    double emptyPercent() {
      return samples.sum() == 0 ? 0 : 100.0 * empty.sum() / samples.sum();
    }

    double parkedPercent() {
      return samples.sum() == 0 ? 0 : 100.0 * parked.sum() / samples.sum();
    }

    long maxSize() {
      return maxSize.get();
    }

    /** The size at the latest sample. */
    long lastSize() {
      return lastSize;
    }
  }
}
