package io.ipcbroker.server.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ExecutorTimer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Races the queue core's hand-over machinery on a real {@link ExecutorTimer} with tiny timeouts:
 * producers with pipelined frames that time out and are revoked, consumers whose pulls time out,
 * are revoked, whose deliveries are acked or nacked, and who "crash" ({@code close()} with
 * deliveries held and pulls pending) and come back. Then it drains and accounts: every item that a
 * put frame reported as accepted was acked exactly once or is still queued, nothing else was ever
 * delivered, every pull and frame was answered exactly once, and first deliveries leave in
 * per-producer FIFO order. Bounded by time (about 3 s of racing) and by item count.
 */
@Timeout(120)
class QueueStressTest {
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(3);
  private static final int MAX_ITEMS_PER_PRODUCER = 60_000;
  private static final int PRODUCERS = 3;
  private static final int CONSUMERS = 3;

  private final ExecutorTimer timer = new ExecutorTimer();
  private final SessionRegistry sessions = new SessionRegistry(timer);
  private QueueRegistry<String> registry;
  private final ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS + CONSUMERS);

  // What the run observed, for the accounting at the end.
  private final Set<String> accepted = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> acked = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Delivery<String>> firstDeliveries =
      new ConcurrentLinkedQueue<>();
  private final Set<String> everDelivered = ConcurrentHashMap.newKeySet();
  private final List<String> anomalies = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicLong crashes = new AtomicLong();
  private final AtomicLong revokes = new AtomicLong();
  private final AtomicLong revokesCrossed = new AtomicLong();
  private final AtomicLong nacks = new AtomicLong();
  private final AtomicLong timeouts = new AtomicLong();
  private final AtomicLong redeliveries = new AtomicLong();

  @AfterEach
  void tearDown() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    timer.close();
  }

  /** A producer stream driven from one thread, with up to two frames in flight. */
  private final class ProducerDriver implements QueueProducer.Sink {
    final int index;
    final BoundedQueue<String> queue;
    final QueueProducer<String> producer;
    final Map<Long, List<String>> frames = new ConcurrentHashMap<>();
    final Map<Long, CompletableFuture<Void>> answers = new ConcurrentHashMap<>();
    long nextPutId = 1;
    int nextSeq;

    ProducerDriver(int index, BoundedQueue<String> queue) {
      this.index = index;
      this.queue = queue;
      this.producer = queue.newProducer(this);
    }

    @Override
    public void putDone(long putId, PutOutcome outcome, int count) {
      List<String> items = frames.get(putId);
      CompletableFuture<Void> answer = answers.get(putId);
      if (items == null || answer == null || answer.isDone()) {
        anomalies.add("frame " + index + "/" + putId + " answered twice or unknown");
        return;
      }
      if (count < 0
          || count > items.size()
          || (outcome == PutOutcome.OK) != (count == items.size())) {
        anomalies.add("frame " + putId + " " + outcome + " accepted " + count);
      }
      accepted.addAll(items.subList(0, count));
      answer.complete(null);
    }

    @Override
    public void failed(BrokerException e) {
      anomalies.add("producer failed: " + e.reason());
    }

    @Override
    public void drained() {}

    void run(long endNanos) throws Exception {
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      List<Long> inFlight = new ArrayList<>();
      while (System.nanoTime() < endNanos && nextSeq < MAX_ITEMS_PER_PRODUCER) {
        int n = 1 + rnd.nextInt(8);
        List<String> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add("p" + index + "-" + nextSeq++);
        }
        long id = nextPutId++;
        frames.put(id, items);
        answers.put(id, new CompletableFuture<>());
        int mode = rnd.nextInt(10);
        Wait wait =
            mode == 0
                ? Wait.NO_WAIT
                : mode < 4 ? Wait.ofNanos(rnd.nextLong(50_000, 2_000_000)) : Wait.FOREVER;
        producer.put(id, items, wait);
        inFlight.add(id);
        if (rnd.nextInt(20) == 0) {
          producer.revoke(id); // may cross its answer; either way it is answered once
        }
        // Pipelining: keep at most two frames in flight, waiting for the oldest.
        while (inFlight.size() > 1) {
          answers.get(inFlight.remove(0)).get(20, TimeUnit.SECONDS);
        }
      }
      for (long id : inFlight) {
        answers.get(id).get(20, TimeUnit.SECONDS);
      }
      producer.finish();
    }
  }

  /** A consumer driven from one thread; it crashes now and then and comes back. */
  private final class ConsumerDriver {
    final BoundedQueue<String> queue;
    final AtomicBoolean stop;

    ConsumerDriver(BoundedQueue<String> queue, AtomicBoolean stop) {
      this.queue = queue;
      this.stop = stop;
    }

    /** One consumer's life, until it crashes or the run stops. */
    private final class Life implements QueueConsumer.Sink<String> {
      final Map<Long, CompletableFuture<ConsumerProbe.Result>> pulls = new ConcurrentHashMap<>();
      final QueueConsumer<String> consumer = queue.newConsumer(this);

      @Override
      public void pullDone(long pullId, PullOutcome outcome, List<Delivery<String>> ds) {
        CompletableFuture<ConsumerProbe.Result> f = pulls.get(pullId);
        if (f == null || !f.complete(new ConsumerProbe.Result(pullId, outcome, ds))) {
          anomalies.add("pull " + pullId + " answered twice or unknown");
        }
        if (outcome != PullOutcome.DELIVERED && !ds.isEmpty()) {
          anomalies.add("pull " + pullId + " " + outcome + " with deliveries");
        }
        if (outcome == PullOutcome.DELIVERED && ds.isEmpty()) {
          anomalies.add("pull " + pullId + " delivered nothing");
        }
        for (Delivery<String> d : ds) {
          everDelivered.add(d.item());
          if (d.deliveryCount() == 1) {
            firstDeliveries.add(d);
            if (d.redelivered()) {
              anomalies.add("first delivery marked redelivered: " + d);
            }
          }
          if (d.redelivered()) {
            redeliveries.incrementAndGet();
          }
        }
      }

      @Override
      public void failed(BrokerException e) {
        anomalies.add("consumer failed: " + e.reason());
      }
    }

    void run() throws Exception {
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      Life life = new Life();
      long pullId = 0;
      while (!stop.get()) {
        long id = ++pullId;
        CompletableFuture<ConsumerProbe.Result> answer = new CompletableFuture<>();
        life.pulls.put(id, answer);
        int mode = rnd.nextInt(10);
        Wait wait =
            mode == 0
                ? Wait.NO_WAIT
                : mode < 6 ? Wait.ofNanos(rnd.nextLong(20_000, 1_000_000)) : Wait.FOREVER;
        // FOREVER pulls are revoked below if nothing comes, so no pull outlives the run.
        life.consumer.pull(id, 1 + rnd.nextInt(6), wait);
        boolean revokedAtOnce = rnd.nextInt(8) == 0;
        if (revokedAtOnce) {
          // A revoke right behind the pull: it races with deliveries from producer threads.
          life.consumer.revoke(id);
          revokes.incrementAndGet();
        }
        if (rnd.nextInt(25) == 0) {
          // A crash with a pull pending and deliveries held: the pull is dropped unanswered and
          // everything held goes back. Whatever was on its way is not ours to ack.
          life.consumer.close();
          crashes.incrementAndGet();
          life = new Life();
          pullId = 0;
          continue;
        }
        if (wait.isForever() || rnd.nextInt(8) == 0) {
          if (!answer.isDone()) {
            // Give the producers a moment, then revoke: the revoke races with deliveries.
            try {
              answer.get(rnd.nextInt(500), TimeUnit.MICROSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
              life.consumer.revoke(id);
              revokes.incrementAndGet();
            }
          }
        }
        ConsumerProbe.Result r = answer.get(20, TimeUnit.SECONDS);
        if (revokedAtOnce && r.outcome() == PullOutcome.DELIVERED) {
          revokesCrossed.incrementAndGet(); // the items are ours to ack or nack
        }
        if (r.outcome() == PullOutcome.EMPTY && !wait.isNoWait()) {
          timeouts.incrementAndGet();
        }
        if (r.outcome() != PullOutcome.DELIVERED) {
          continue;
        }
        List<Long> ack = new ArrayList<>();
        List<Long> nack = new ArrayList<>();
        List<String> ackItems = new ArrayList<>();
        for (Delivery<String> d : r.deliveries()) {
          if (rnd.nextInt(12) == 0) {
            nack.add(d.deliveryId());
          } else {
            ack.add(d.deliveryId());
            ackItems.add(d.item());
          }
        }
        if (nack.size() > 1 && rnd.nextBoolean()) {
          java.util.Collections.reverse(nack);
        }
        life.consumer.ack(ack);
        for (String item : ackItems) {
          acked.computeIfAbsent(item, k -> new AtomicInteger()).incrementAndGet();
        }
        if (!nack.isEmpty()) {
          life.consumer.nack(nack);
          nacks.addAndGet(nack.size());
        }
      }
      // Leave without acking anything more: half-close returns what is held, if anything.
      life.consumer.finish();
    }
  }

  /**
   * The queue's room comes from its maxsize of 64, or from a broker byte budget of about 20 items
   * that binds first: then room opens only when acks give bytes back, through the budget's wake-up
   * on the timer thread as well as the ack's own dispatch.
   */
  @ParameterizedTest(name = "byte budget {0}")
  @ValueSource(longs = {0, 20L * (8 + QueueLimits.ITEM_OVERHEAD_BYTES)})
  void noItemIsLostOrAckedTwiceUnderRacingTimeoutsRevokesNacksAndCrashes(long budget)
      throws Exception {
    registry =
        new QueueRegistry<>(
            timer, sessions, QueueLimits.DEFAULT.withByteCaps(0, budget), String::length);
    BoundedQueue<String> q = registry.create("stress", 64, false, false, null).queue();
    AtomicBoolean stopConsumers = new AtomicBoolean();
    long end = System.nanoTime() + RUN_NANOS;

    List<ProducerDriver> producers = new ArrayList<>();
    List<Future<?>> producerRuns = new ArrayList<>();
    for (int i = 0; i < PRODUCERS; i++) {
      ProducerDriver p = new ProducerDriver(i, q);
      producers.add(p);
      producerRuns.add(
          pool.submit(
              () -> {
                p.run(end);
                return null;
              }));
    }
    List<Future<?>> consumerRuns = new ArrayList<>();
    for (int i = 0; i < CONSUMERS; i++) {
      ConsumerDriver c = new ConsumerDriver(q, stopConsumers);
      consumerRuns.add(
          pool.submit(
              () -> {
                c.run();
                return null;
              }));
    }
    // Producers end on their own (time or item bound) once every frame of theirs is answered;
    // consumers keep taking meanwhile so that parked frames drain.
    for (Future<?> f : producerRuns) {
      f.get(60, TimeUnit.SECONDS);
    }
    stopConsumers.set(true);
    for (Future<?> f : consumerRuns) {
      f.get(60, TimeUnit.SECONDS);
    }

    QueueInfo info = q.info();
    assertThat(info.unacked()).as("unacked after every consumer ended").isZero();
    assertThat(info.waitingGetters()).isZero();
    assertThat(info.waitingPutters()).isZero();

    // Drain what is left.
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> drainer = q.newConsumer(probe);
    List<String> left = new ArrayList<>();
    for (long id = 1; ; id++) {
      drainer.pull(id, QueueLimits.DEFAULT.maxPullItems(), Wait.NO_WAIT);
      ConsumerProbe.Result r = probe.result(id);
      if (r.outcome() != PullOutcome.DELIVERED) {
        break;
      }
      for (Delivery<String> d : r.deliveries()) {
        left.add(d.item());
        if (d.deliveryCount() == 1) {
          firstDeliveries.add(d);
        }
      }
      drainer.ack(r.ids());
    }

    assertThat(q.heldBytes()).as("bytes held once everything was acked").isZero();
    long totalPut = producers.stream().mapToLong(p -> p.nextSeq).sum();
    System.out.printf(
        "STRESS items=%d accepted=%d acked=%d left=%d crashes=%d revokes=%d"
            + " revokesCrossedByDelivery=%d nacks=%d emptyPulls=%d redeliveries=%d%n",
        totalPut,
        accepted.size(),
        acked.size(),
        left.size(),
        crashes.get(),
        revokes.get(),
        revokesCrossed.get(),
        nacks.get(),
        timeouts.get(),
        redeliveries.get());

    assertThat(anomalies).isEmpty();
    // The accounting uses plain set operations: AssertJ's iterable assertions compare element by
    // element, which is quadratic on sets of this size.
    List<String> ackedTwice =
        acked.entrySet().stream()
            .filter(e -> e.getValue().get() != 1)
            .map(Map.Entry::getKey)
            .toList();
    assertThat(ackedTwice).as("items acked more than once").isEmpty();
    Set<String> leftSet = new HashSet<>(left);
    assertThat(leftSet.size()).as("items left over twice").isEqualTo(left.size());
    Set<String> ackedAndLeft = new HashSet<>(leftSet);
    ackedAndLeft.retainAll(acked.keySet());
    assertThat(ackedAndLeft).as("acked and still queued").isEmpty();
    Set<String> lost = new HashSet<>(accepted);
    lost.removeAll(acked.keySet());
    lost.removeAll(leftSet);
    assertThat(lost).as("accepted but neither acked nor queued").isEmpty();
    Set<String> invented = new HashSet<>(acked.keySet());
    invented.addAll(leftSet);
    invented.addAll(everDelivered);
    invented.removeAll(accepted);
    assertThat(invented).as("handed over but never accepted").isEmpty();
    // The run did exercise the races it is about.
    assertThat(crashes.get()).isPositive();
    assertThat(revokes.get()).isPositive();
    assertThat(nacks.get()).isPositive();
    assertThat(accepted.size()).isGreaterThan(1000);

    // First deliveries, in the order the queue made them (delivery ids are assigned under the
    // queue lock), keep each producer's order; and each item is first-delivered once.
    List<Delivery<String>> firsts = new ArrayList<>(firstDeliveries);
    firsts.sort(java.util.Comparator.comparingLong(Delivery::deliveryId));
    Map<String, Integer> lastSeq = new HashMap<>();
    Set<String> seenFirst = new HashSet<>();
    List<String> outOfOrder = new ArrayList<>();
    for (Delivery<String> d : firsts) {
      if (!seenFirst.add(d.item())) {
        outOfOrder.add("first-delivered twice: " + d.item());
      }
      String[] parts = d.item().split("-");
      int seq = Integer.parseInt(parts[1]);
      Integer prev = lastSeq.put(parts[0], seq);
      if (prev != null && prev >= seq) {
        outOfOrder.add(d.item() + " after seq " + prev);
      }
    }
    assertThat(outOfOrder).isEmpty();
    assertThat(seenFirst.equals(accepted)).as("every accepted item first-delivered once").isTrue();
  }
}
