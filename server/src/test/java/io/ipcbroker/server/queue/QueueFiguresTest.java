package io.ipcbroker.server.queue;

import static io.ipcbroker.server.queue.QueueFixture.SECOND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Wait;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The figures operators read about a queue: its bytes and consumers, its head item's age, and the
 * totals of items put, got and redelivered and of the time items waited, on a virtual clock.
 */
@Timeout(30)
class QueueFiguresTest {
  private final QueueFixture f = new QueueFixture();

  @Test
  void aFreshQueueHasNoAgeAndNoTotals() {
    QueueInfo i = f.queue("fresh", 0).info();
    assertThat(i.oldestItemAgeNanos()).isEqualTo(-1);
    assertThat(i.bytes()).isZero();
    assertThat(i.consumers()).isZero();
    assertThat(List.of(i.putCount(), i.getCount(), i.redeliveryCount(), i.handOvers()))
        .containsOnly(0L);
    assertThat(i.waitSeconds()).isZero();
  }

  @Test
  void totalsAndAgesFollowEveryHandOver() {
    BoundedQueue<String> q = f.queue("figures", 0);
    f.put(q, "a");
    f.timer.advanceClockOnly(2 * SECOND);
    f.put(q, "b");
    f.timer.advanceClockOnly(SECOND);

    QueueInfo queued = q.info();
    assertThat(queued.oldestItemAgeNanos()).isEqualTo(3 * SECOND);
    assertThat(queued.putCount()).isEqualTo(2);
    assertThat(queued.bytes()).isEqualTo(q.heldBytes()).isPositive();

    // A consumer takes "a" after it waited 3 s, then dies holding it.
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> dying = q.newConsumer(probe);
    dying.pull(1, 1, Wait.NO_WAIT);
    assertThat(probe.result(1).items()).containsExactly("a");
    QueueInfo taken = q.info();
    assertThat(taken.consumers()).isEqualTo(1);
    assertThat(taken.handOvers()).isEqualTo(1);
    assertThat(taken.waitSeconds()).isEqualTo(3.0);
    assertThat(taken.oldestItemAgeNanos()).isEqualTo(SECOND); // "b" is at the head now
    assertThat(taken.getCount()).isZero(); // not acked: not got yet

    dying.close();
    QueueInfo back = q.info();
    assertThat(back.redeliveryCount()).isEqualTo(1);
    assertThat(back.consumers()).isZero();
    // "a" is at the head again; its age counts from its put, not from its return.
    assertThat(back.oldestItemAgeNanos()).isEqualTo(3 * SECOND);

    // Its second stay lasts 1 s; it is got for good this time.
    f.timer.advanceClockOnly(SECOND);
    ConsumerProbe second = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(second);
    c.pull(1, 1, Wait.NO_WAIT);
    c.ack(second.result(1).ids());
    QueueInfo acked = q.info();
    assertThat(acked.getCount()).isEqualTo(1);
    assertThat(acked.handOvers()).isEqualTo(2);
    assertThat(acked.waitSeconds()).isEqualTo(4.0);

    // A unary get commits what it answered.
    ConsumerProbe unary = new ConsumerProbe();
    QueueConsumer<String> get = q.newConsumer(unary);
    get.pull(1, 1, Wait.NO_WAIT);
    assertThat(unary.result(1).items()).containsExactly("b");
    get.ackAllAndClose();
    QueueInfo empty = q.info();
    assertThat(empty.getCount()).isEqualTo(2);
    assertThat(empty.putCount()).isEqualTo(2);
    assertThat(empty.redeliveryCount()).isEqualTo(1);
    assertThat(empty.handOvers()).isEqualTo(3);
    assertThat(empty.waitSeconds()).isEqualTo(6.0);
    assertThat(empty.oldestItemAgeNanos()).isEqualTo(-1);
    assertThat(empty.bytes()).isZero();
  }

  @Test
  void aNackedItemIsNotARedeliveryButStartsANewStay() {
    BoundedQueue<String> q = f.queue("nacked", 0);
    f.put(q, "a");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.NO_WAIT);
    f.timer.advanceClockOnly(5 * SECOND);
    c.nack(probe.result(1).ids());
    f.timer.advanceClockOnly(SECOND);
    c.pull(2, 1, Wait.NO_WAIT);

    QueueInfo i = q.info();
    assertThat(i.redeliveryCount()).isZero();
    assertThat(i.handOvers()).isEqualTo(2);
    // The 5 s in the consumer's hands are not waiting in the queue.
    assertThat(i.waitSeconds()).isEqualTo(1.0);
  }

  @Test
  void acksBeforeAnUnknownIdCountAndTheRestDoNot() {
    BoundedQueue<String> q = f.queue("partial", 0);
    f.put(q, "a", "b");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 2, Wait.NO_WAIT);
    List<Long> ids = probe.result(1).ids();
    assertThatThrownBy(() -> c.ack(List.of(ids.get(0), 999L, ids.get(1))))
        .isInstanceOf(BrokerException.class);
    assertThat(q.info().getCount()).isEqualTo(1);
    c.ack(List.of(ids.get(1)));
    assertThat(q.info().getCount()).isEqualTo(2);
  }

  @Test
  void itemsDiscardedByADeleteAreNeitherGotNorRedelivered() {
    BoundedQueue<String> q = f.queue("discarded", 0);
    f.put(q, "a", "b");
    ConsumerProbe probe = new ConsumerProbe();
    q.newConsumer(probe).pull(1, 1, Wait.NO_WAIT); // "a" held unacknowledged, "b" queued
    f.registry.delete("discarded", "", true, false);

    QueueInfo i = q.info();
    assertThat(i.putCount()).isEqualTo(2);
    assertThat(i.getCount()).isZero();
    assertThat(i.redeliveryCount()).isZero();
    assertThat(i.bytes()).isZero();
  }
}
