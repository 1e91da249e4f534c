package io.ipcbroker.server.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The byte caps: past a queue's or the broker's cap a queue counts as full, puts wait for room as
 * on a full queue, and room comes back when items leave the broker (acked, or discarded), never
 * when they are merely handed to a consumer. Nothing put is lost or duplicated on the way.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QueueByteCapsTest {
  // Items of 10 characters; each counts 10 + the overhead.
  private static final int ITEM = 10 + QueueLimits.ITEM_OVERHEAD_BYTES;
  private static final long SECOND = 1_000_000_000L;

  private final FakeTimer timer = new FakeTimer();

  private QueueRegistry<String> registry(long perQueue, long total) {
    return new QueueRegistry<>(
        timer,
        new SessionRegistry(timer),
        QueueLimits.DEFAULT.withByteCaps(perQueue, total),
        String::length);
  }

  @Test
  void aQueuePastItsCapIsFullUntilAnAckFreesRoom() {
    BoundedQueue<String> q = registry(3L * ITEM, 0).create("q", 0, false, false, null).queue();
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("item-00001", "item-00002", "item-00003", "item-00004"), Wait.NO_WAIT);
    assertThat(probe.results()).containsExactly(new ProducerProbe.Result(1, PutOutcome.FULL, 3));
    assertThat(q.heldBytes()).isEqualTo(3L * ITEM);

    // A put that waits parks; a delivery does not free the bytes (the item is still held)...
    p.put(2, List.of("item-00004"), Wait.ofNanos(10 * SECOND));
    ConsumerProbe consumed = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(consumed);
    c.pull(1, 1, Wait.NO_WAIT);
    assertThat(consumed.result(1).outcome()).isEqualTo(PullOutcome.DELIVERED);
    assertThat(probe.results()).hasSize(1);
    // ...its ack does, and the parked put goes in at once.
    c.ack(consumed.result(1).ids());
    assertThat(probe.results()).contains(new ProducerProbe.Result(2, PutOutcome.OK, 1));
    assertThat(q.heldBytes()).isEqualTo(3L * ITEM);

    // A nack keeps the bytes held: the item is back at the head.
    c.pull(2, 1, Wait.NO_WAIT);
    c.nack(consumed.result(2).ids());
    assertThat(q.heldBytes()).isEqualTo(3L * ITEM);
    c.close();
    assertThat(new QueueFixture().drain(q))
        .containsExactly("item-00002", "item-00003", "item-00004");
    assertThat(q.heldBytes()).isZero();
  }

  @Test
  void theBrokersCapMakesEveryQueueFullAndAReleaseElsewhereWakesThem() {
    QueueRegistry<String> r = registry(0, 2L * ITEM);
    BoundedQueue<String> a = r.create("a", 0, false, false, null).queue();
    BoundedQueue<String> b = r.create("b", 0, false, false, null).queue();
    ProducerProbe pa = new ProducerProbe();
    a.newProducer(pa).put(1, List.of("aaaaaaaaa1", "aaaaaaaaa2"), Wait.NO_WAIT);
    assertThat(pa.results()).containsExactly(new ProducerProbe.Result(1, PutOutcome.OK, 2));

    ProducerProbe pb = new ProducerProbe();
    QueueProducer<String> producerB = b.newProducer(pb);
    producerB.put(1, List.of("bbbbbbbbb1"), Wait.NO_WAIT);
    assertThat(pb.results()).containsExactly(new ProducerProbe.Result(1, PutOutcome.FULL, 0));
    producerB.put(2, List.of("bbbbbbbbb1"), Wait.ofNanos(10 * SECOND));
    assertThat(pb.results()).hasSize(1);

    // Room made in queue a wakes queue b's put, on the timer's thread.
    assertThat(new QueueFixture().drain(a)).containsExactly("aaaaaaaaa1", "aaaaaaaaa2");
    timer.advanceNanos(0);
    assertThat(pb.results()).contains(new ProducerProbe.Result(2, PutOutcome.OK, 1));
    assertThat(new QueueFixture().drain(b)).containsExactly("bbbbbbbbb1");
    assertThat(a.heldBytes() + b.heldBytes()).isZero();
  }

  @Test
  void aWaitThatEndsOnTheCapAnswersFullWithTheAcceptedPrefix() {
    BoundedQueue<String> q = registry(0, 2L * ITEM).create("q", 0, false, false, null).queue();
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe)
        .put(1, List.of("item-00001", "item-00002", "item-00003"), Wait.ofNanos(SECOND));
    assertThat(probe.results()).isEmpty();
    timer.advanceNanos(SECOND);
    assertThat(probe.results()).containsExactly(new ProducerProbe.Result(1, PutOutcome.FULL, 2));
    assertThat(new QueueFixture().drain(q)).containsExactly("item-00001", "item-00002");
  }

  @Test
  void aUnaryGetCommitsItsItemAndGivesItsBytesBack() {
    BoundedQueue<String> q = registry(0, 1L * ITEM).create("q", 0, false, false, null).queue();
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("item-00001"), Wait.NO_WAIT);
    p.put(2, List.of("item-00002"), Wait.ofNanos(10 * SECOND)); // waits for the budget
    ConsumerProbe got = new ConsumerProbe();
    QueueConsumer<String> unary = q.newConsumer(got);
    unary.pull(1, 1, Wait.NO_WAIT);
    assertThat(got.result(1).outcome()).isEqualTo(PullOutcome.DELIVERED);
    unary.ackAllAndClose(); // the unary get's response was written
    timer.advanceNanos(0);
    assertThat(probe.results()).contains(new ProducerProbe.Result(2, PutOutcome.OK, 1));
    assertThat(new QueueFixture().drain(q)).containsExactly("item-00002");
    assertThat(q.heldBytes()).isZero();
  }

  @Test
  void deletingAQueueGivesItsBytesBack() {
    QueueRegistry<String> r = registry(0, 2L * ITEM);
    BoundedQueue<String> a = r.create("a", 0, false, false, null).queue();
    ProducerProbe pa = new ProducerProbe();
    a.newProducer(pa).put(1, List.of("aaaaaaaaa1"), Wait.NO_WAIT);
    ConsumerProbe held = new ConsumerProbe();
    QueueConsumer<String> c = a.newConsumer(held);
    c.pull(1, 1, Wait.NO_WAIT); // one unacknowledged
    a.newProducer(pa).put(1, List.of("aaaaaaaaa2"), Wait.NO_WAIT); // one queued
    assertThat(a.heldBytes()).isEqualTo(2L * ITEM);

    r.delete("a", "", true, false);
    BoundedQueue<String> b = r.create("b", 0, false, false, null).queue();
    ProducerProbe pb = new ProducerProbe();
    b.newProducer(pb).put(1, List.of("bbbbbbbbb1", "bbbbbbbbb2"), Wait.NO_WAIT);
    assertThat(pb.results()).containsExactly(new ProducerProbe.Result(1, PutOutcome.OK, 2));
  }
}
