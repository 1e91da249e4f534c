package io.ipcbroker.server.queue;

import static io.ipcbroker.server.queue.QueueFixture.SECOND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the take side of the queue core: FIFO, pulls that wait and time out on the fake timer,
 * first come first served across consumers, batches of {@code max_items}, revokes, acks, nacks, and
 * what a consumer that ends hands back (in delivery order, to parked takers first).
 */
@Timeout(60)
class QueueConsumerTest {
  private final QueueFixture f = new QueueFixture();

  @Test
  void itemsLeaveInTheOrderTheyEntered() {
    BoundedQueue<String> q = f.queue("fifo", 0);
    f.put(q, "a");
    f.put(q, "b", "c");
    f.put(q, "d");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    for (long id = 1; id <= 4; id++) {
      c.pull(id, 1, Wait.NO_WAIT);
    }
    assertThat(probe.results())
        .extracting(ConsumerProbe.Result::items)
        .containsExactly(List.of("a"), List.of("b"), List.of("c"), List.of("d"));
  }

  @Test
  void deliveryBatchesStopAtTheByteLimitButAlwaysCarryOneItem() {
    // Items of 40 "bytes" each against a 100-byte cap: two per answer, whatever max_items says;
    // an item over the cap on its own still goes, alone.
    QueueRegistry<String> sized =
        new QueueRegistry<>(
            f.timer, f.sessions, new QueueLimits(1024, 1024, 1024, 4096, 100), String::length);
    BoundedQueue<String> q = sized.create("bytes", 0, false, false, null).queue();
    String forty = "x".repeat(40);
    String big = "y".repeat(150);
    f.put(q, forty + "1", forty + "2", forty + "3", big, forty + "4");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    for (long id = 1; id <= 4; id++) {
      c.pull(id, 10, Wait.NO_WAIT);
    }
    assertThat(probe.results()).extracting(r -> r.items().size()).containsExactly(2, 1, 1, 1);
    assertThat(probe.result(3).items()).containsExactly(big);
  }

  @Test
  void pullWhoseDeadlinePassedTakesNothingEvenFromAFullQueue() {
    BoundedQueue<String> q = f.queue("expired", 0);
    f.put(q, "a");
    ConsumerProbe probe = new ConsumerProbe();
    q.newConsumer(probe).pull(1, 1, Wait.EXPIRED);
    assertThat(probe.result(1).outcome()).isEqualTo(PullOutcome.EMPTY);
    assertThat(q.info().size()).isEqualTo(1);
  }

  @Test
  void parkedPullWhoseWaitIsOverGetsNothingWhenItsTimerIsLate() {
    BoundedQueue<String> q = f.queue("late", 0);
    ConsumerProbe late = new ConsumerProbe();
    ConsumerProbe next = new ConsumerProbe();
    q.newConsumer(late).pull(1, 1, Wait.ofNanos(10 * 1_000_000L));
    q.newConsumer(next).pull(1, 1, Wait.FOREVER);
    // The first pull's 10 ms are over, but its timer has not run (the broker is loaded).
    f.timer.advanceClockOnly(11 * 1_000_000L);

    f.put(q, "a");

    assertThat(late.result(1).outcome()).isEqualTo(PullOutcome.EMPTY);
    assertThat(next.result(1).items()).containsExactly("a");
    f.timer.advanceNanos(0); // the late timer finds the pull answered
    assertThat(late.results()).hasSize(1);
  }

  @Test
  void abandonedConsumerIsPassedOverAtHandOver() {
    BoundedQueue<String> q = f.queue("abandoned", 0);
    ConsumerProbe gone =
        new ConsumerProbe() {
          @Override
          public boolean isAbandoned() {
            return true;
          }
        };
    ConsumerProbe next = new ConsumerProbe();
    QueueConsumer<String> goneConsumer = q.newConsumer(gone);
    goneConsumer.pull(1, 1, Wait.FOREVER);
    q.newConsumer(next).pull(1, 1, Wait.FOREVER);

    f.put(q, "a");

    assertThat(gone.results()).isEmpty();
    assertThat(next.result(1).items()).containsExactly("a");
    goneConsumer.close(); // its cancel handler's close finds nothing to hand back
    assertThat(q.info().size()).isZero();
    assertThat(q.info().waitingGetters()).isZero();
  }

  @Test
  void nowaitPullOnEmptyQueueAnswersEmptyAndDoesNotPark() {
    BoundedQueue<String> q = f.queue("empty", 0);
    ConsumerProbe probe = new ConsumerProbe();
    q.newConsumer(probe).pull(1, 1, Wait.NO_WAIT);
    assertThat(probe.result(1).outcome()).isEqualTo(PullOutcome.EMPTY);
    assertThat(probe.result(1).deliveries()).isEmpty();
    assertThat(q.info().waitingGetters()).isZero();
    // A later put is not taken by the answered pull.
    f.put(q, "a");
    assertThat(q.info().size()).isEqualTo(1);
  }

  @Test
  void parkedPullsAreServedFirstComeFirstServedAcrossConsumers() {
    BoundedQueue<String> q = f.queue("fcfs", 0);
    ConsumerProbe p1 = new ConsumerProbe();
    ConsumerProbe p2 = new ConsumerProbe();
    ConsumerProbe p3 = new ConsumerProbe();
    QueueConsumer<String> c1 = q.newConsumer(p1);
    QueueConsumer<String> c2 = q.newConsumer(p2);
    QueueConsumer<String> c3 = q.newConsumer(p3);
    c1.pull(1, 1, Wait.FOREVER);
    c2.pull(1, 1, Wait.FOREVER);
    c1.pull(2, 1, Wait.FOREVER);
    c3.pull(1, 1, Wait.FOREVER);
    assertThat(q.info().waitingGetters()).isEqualTo(4);

    f.put(q, "a", "b", "c");
    assertThat(p1.result(1).items()).containsExactly("a");
    assertThat(p2.result(1).items()).containsExactly("b");
    assertThat(p1.result(2).items()).containsExactly("c");
    assertThat(p3.result(1)).isNull();
    assertThat(q.info().waitingGetters()).isEqualTo(1);

    f.put(q, "d");
    assertThat(p3.result(1).items()).containsExactly("d");
    assertThat(q.info().waitingGetters()).isZero();
  }

  @Test
  void pullDeliversUpToMaxItemsOfWhatIsAvailableAtOnce() {
    BoundedQueue<String> q = f.queue("batch", 0);
    f.put(q, "a", "b", "c");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 2, Wait.NO_WAIT);
    c.pull(2, 5, Wait.FOREVER);
    assertThat(probe.result(1).items()).containsExactly("a", "b");
    // Only one is available: it is delivered at once rather than waiting for five.
    assertThat(probe.result(2).items()).containsExactly("c");

    // A parked pull takes a whole frame in one delivery.
    c.pull(3, 5, Wait.FOREVER);
    f.put(q, "d", "e", "f");
    assertThat(probe.result(3).outcome()).isEqualTo(PullOutcome.DELIVERED);
    assertThat(probe.result(3).items()).containsExactly("d", "e", "f");
    assertThat(q.info().unacked()).isEqualTo(6);
  }

  @Test
  void deliveriesCarryUniqueIdsAndFirstDeliveryFlags() {
    BoundedQueue<String> q = f.queue("ids", 0);
    f.put(q, "a", "b");
    ConsumerProbe probe = new ConsumerProbe();
    q.newConsumer(probe).pull(1, 2, Wait.NO_WAIT);
    List<Delivery<String>> d = probe.result(1).deliveries();
    assertThat(d).extracting(Delivery::deliveryId).doesNotHaveDuplicates().doesNotContain(0L);
    assertThat(d).extracting(Delivery::redelivered).containsOnly(false);
    assertThat(d).extracting(Delivery::deliveryCount).containsOnly(1);
  }

  @Test
  void pullTimesOutWithEmptyWhenTheTimerFires() {
    BoundedQueue<String> q = f.queue("timeout", 0);
    ConsumerProbe probe = new ConsumerProbe();
    q.newConsumer(probe).pull(1, 1, Wait.ofNanos(SECOND));
    f.timer.advanceNanos(SECOND - 1);
    assertThat(probe.answered(1)).isFalse();
    assertThat(q.info().waitingGetters()).isEqualTo(1);

    f.timer.advanceNanos(1);
    assertThat(probe.result(1).outcome()).isEqualTo(PullOutcome.EMPTY);
    assertThat(q.info().waitingGetters()).isZero();
    // The timed-out pull takes nothing later.
    f.put(q, "a");
    assertThat(q.info().size()).isEqualTo(1);
    assertThat(probe.results()).hasSize(1);
  }

  @Test
  void deliveryCancelsThePullsTimeout() {
    BoundedQueue<String> q = f.queue("cancel-timer", 0);
    ConsumerProbe probe = new ConsumerProbe();
    q.newConsumer(probe).pull(1, 1, Wait.ofNanos(SECOND));
    assertThat(f.timer.pendingTasks()).isEqualTo(1);
    f.put(q, "a");
    assertThat(f.timer.pendingTasks()).isZero();
    f.timer.advanceNanos(2 * SECOND);
    assertThat(probe.results()).hasSize(1);
    assertThat(probe.result(1).outcome()).isEqualTo(PullOutcome.DELIVERED);
  }

  @Test
  void revokeAnswersRevokedAndTheItemStaysForOthers() {
    BoundedQueue<String> q = f.queue("revoke", 0);
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.ofNanos(SECOND));
    c.revoke(1);
    assertThat(probe.result(1).outcome()).isEqualTo(PullOutcome.REVOKED);
    assertThat(probe.result(1).deliveries()).isEmpty();
    assertThat(f.timer.pendingTasks()).isZero();
    assertThat(q.info().waitingGetters()).isZero();

    f.put(q, "a");
    assertThat(q.info().size()).isEqualTo(1);
    assertThat(f.drain(q)).containsExactly("a");
  }

  @Test
  void revokeAfterDeliveryChangesNothing() {
    BoundedQueue<String> q = f.queue("revoke-late", 0);
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.FOREVER);
    f.put(q, "a");
    c.revoke(1);
    c.revoke(99); // never existed
    assertThat(probe.results()).hasSize(1);
    assertThat(probe.result(1).outcome()).isEqualTo(PullOutcome.DELIVERED);
    assertThat(c.unackedCount()).isEqualTo(1);
    assertThat(q.info().unacked()).isEqualTo(1);
  }

  @Test
  void ackRemovesForGood() {
    BoundedQueue<String> q = f.queue("ack", 0);
    f.put(q, "a", "b");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 2, Wait.NO_WAIT);
    List<Long> ids = probe.result(1).ids();
    c.ack(List.of(ids.get(0)));
    assertThat(q.info().unacked()).isEqualTo(1);
    assertThat(c.unackedIds()).containsExactly(ids.get(1));

    BrokerException twice =
        catchThrowableOfType(BrokerException.class, () -> c.ack(List.of(ids.get(0))));
    assertThat(twice.reason()).isEqualTo(Reason.DELIVERY_NOT_FOUND);

    // Ending the consumer returns only the unacked "b".
    c.close();
    assertThat(q.info().unacked()).isZero();
    assertThat(f.drain(q)).containsExactly("b");
  }

  @Test
  void nackReturnsToTheHeadInTheGivenOrderWithoutRedeliveredMark() {
    BoundedQueue<String> q = f.queue("nack", 0);
    f.put(q, "a", "b", "c");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 3, Wait.NO_WAIT);
    List<Long> ids = probe.result(1).ids();
    f.put(q, "d");

    c.nack(List.of(ids.get(2), ids.get(0))); // c, then a
    assertThat(q.info().size()).isEqualTo(3);
    assertThat(q.info().unacked()).isEqualTo(1);
    assertThat(c.unackedIds()).containsExactly(ids.get(1));

    c.pull(2, 3, Wait.NO_WAIT);
    List<Delivery<String>> again = probe.result(2).deliveries();
    assertThat(again).extracting(Delivery::item).containsExactly("c", "a", "d");
    assertThat(again).extracting(Delivery::redelivered).containsExactly(false, false, false);
    assertThat(again).extracting(Delivery::deliveryCount).containsExactly(2, 2, 1);
    // A new hand-over gets a new id.
    assertThat(again.get(0).deliveryId()).isNotIn(ids);
  }

  @Test
  void nackWithAnUnknownIdGivesNothingBack() {
    BoundedQueue<String> q = f.queue("nack-unknown", 0);
    f.put(q, "a");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.NO_WAIT);
    long id = probe.result(1).ids().get(0);
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> c.nack(List.of(id, id + 1000)));
    assertThat(e.reason()).isEqualTo(Reason.DELIVERY_NOT_FOUND);
    assertThat(c.unackedIds()).containsExactly(id);
    assertThat(q.info().size()).isZero();
  }

  @Test
  void nackFeedsAParkedPull() {
    BoundedQueue<String> q = f.queue("nack-feeds", 0);
    f.put(q, "a");
    ConsumerProbe p1 = new ConsumerProbe();
    ConsumerProbe p2 = new ConsumerProbe();
    QueueConsumer<String> c1 = q.newConsumer(p1);
    QueueConsumer<String> c2 = q.newConsumer(p2);
    c1.pull(1, 1, Wait.NO_WAIT);
    c2.pull(1, 1, Wait.FOREVER);
    c1.nack(p1.result(1).ids());
    assertThat(p2.result(1).items()).containsExactly("a");
    assertThat(q.info().size()).isZero();
    assertThat(q.info().waitingGetters()).isZero();
  }

  @Test
  void closeReturnsUnackedInDeliveryOrderMarkedRedeliveredToParkedTakersFirst() {
    BoundedQueue<String> q = f.queue("close", 0);
    f.put(q, "a", "b");
    ConsumerProbe pa = new ConsumerProbe();
    QueueConsumer<String> a = q.newConsumer(pa);
    a.pull(1, 2, Wait.NO_WAIT); // a, b
    f.put(q, "c");
    a.pull(2, 1, Wait.NO_WAIT); // c
    a.pull(3, 1, Wait.FOREVER); // parked; dropped by close without an answer
    assertThat(q.info().unacked()).isEqualTo(3);

    ConsumerProbe pb = new ConsumerProbe();
    ConsumerProbe pc = new ConsumerProbe();
    q.newConsumer(pb).pull(1, 1, Wait.FOREVER);
    q.newConsumer(pc).pull(1, 1, Wait.FOREVER);

    a.close();
    assertThat(pa.answered(3)).isFalse();
    assertThat(pa.failures()).isEmpty();
    Delivery<String> toB = pb.result(1).deliveries().get(0);
    Delivery<String> toC = pc.result(1).deliveries().get(0);
    assertThat(toB.item()).isEqualTo("a");
    assertThat(toC.item()).isEqualTo("b");
    assertThat(toB.redelivered()).isTrue();
    assertThat(toB.deliveryCount()).isEqualTo(2);
    QueueInfo info = q.info();
    assertThat(info.size()).isEqualTo(1);
    assertThat(info.unacked()).isEqualTo(2);
    assertThat(info.waitingGetters()).isZero();

    ConsumerProbe pd = new ConsumerProbe();
    q.newConsumer(pd).pull(1, 5, Wait.NO_WAIT);
    assertThat(pd.result(1).deliveries())
        .extracting(Delivery::item, Delivery::redelivered)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("c", true));

    // A closed consumer refuses further use.
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> a.pull(4, 1, Wait.NO_WAIT));
    assertThat(e.reason()).isEqualTo(Reason.STREAM_PROTOCOL_VIOLATION);
  }

  @Test
  void closeAheadOfQueuedItemsKeepsDeliveryOrder() {
    BoundedQueue<String> q = f.queue("close-order", 0);
    f.put(q, "a", "b", "c", "d");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.NO_WAIT); // a
    c.pull(2, 1, Wait.NO_WAIT); // b
    c.close();
    assertThat(f.drain(q)).containsExactly("a", "b", "c", "d");
  }

  @Test
  void finishAnswersPendingPullsRevokedAndReturnsUnacked() {
    BoundedQueue<String> q = f.queue("finish", 0);
    f.put(q, "a");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.NO_WAIT);
    c.pull(2, 1, Wait.ofNanos(SECOND));
    c.pull(3, 1, Wait.FOREVER);
    c.finish();
    assertThat(probe.result(2).outcome()).isEqualTo(PullOutcome.REVOKED);
    assertThat(probe.result(3).outcome()).isEqualTo(PullOutcome.REVOKED);
    assertThat(probe.failures()).isEmpty();
    assertThat(f.timer.pendingTasks()).isZero();
    assertThat(q.info().waitingGetters()).isZero();
    assertThat(q.info().unacked()).isZero();
    assertThat(f.drain(q)).containsExactly("a");
  }

  @Test
  void ackAllAndCloseCommitsEverythingHeld() {
    BoundedQueue<String> q = f.queue("ack-all", 0);
    f.put(q, "a", "b", "c");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 2, Wait.NO_WAIT);
    c.ackAllAndClose();
    assertThat(q.info().unacked()).isZero();
    assertThat(q.info().size()).isEqualTo(1);
    // Closing again hands nothing back.
    c.close();
    assertThat(f.drain(q)).containsExactly("c");
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> c.pull(2, 1, Wait.NO_WAIT));
    assertThat(e.reason()).isEqualTo(Reason.STREAM_PROTOCOL_VIOLATION);
  }

  @Test
  void pullFromFullQueueLetsAParkedPutterIn() {
    BoundedQueue<String> q = f.queue("room", 1);
    f.put(q, "a");
    ProducerProbe pp = new ProducerProbe();
    q.newProducer(pp).put(1, List.of("b"), Wait.FOREVER);
    assertThat(q.info().waitingPutters()).isEqualTo(1);

    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.NO_WAIT);
    assertThat(probe.result(1).items()).containsExactly("a");
    // The room the pull made is filled at once: the putter must not stay parked behind it.
    assertThat(pp.results()).containsExactly(new ProducerProbe.Result(1, PutOutcome.OK, 1));
    QueueInfo info = q.info();
    assertThat(info.waitingPutters()).isZero();
    assertThat(info.size()).isEqualTo(1);
    c.pull(2, 1, Wait.NO_WAIT);
    assertThat(probe.result(2).items()).containsExactly("b");
  }

  @Test
  void pullIdsMustIncrease() {
    BoundedQueue<String> q = f.queue("pull-ids", 0);
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(5, 1, Wait.NO_WAIT);
    for (long bad : new long[] {5, 4}) {
      BrokerException e =
          catchThrowableOfType(BrokerException.class, () -> c.pull(bad, 1, Wait.NO_WAIT));
      assertThat(e.reason()).isEqualTo(Reason.STREAM_PROTOCOL_VIOLATION);
    }
    assertThat(probe.results()).hasSize(1);
  }

  @Test
  void maxItemsOutsideTheWindowIsInvalid() {
    BoundedQueue<String> q = f.queue("max-items", 0);
    QueueConsumer<String> c = q.newConsumer(new ConsumerProbe());
    for (int bad : new int[] {0, -1, QueueLimits.DEFAULT.maxPullItems() + 1}) {
      BrokerException e =
          catchThrowableOfType(BrokerException.class, () -> c.pull(1, bad, Wait.NO_WAIT));
      assertThat(e.reason()).as("max_items %d", bad).isEqualTo(Reason.INVALID_FIELD_VALUE);
    }
  }

  @Test
  void tooManyPendingPullsIsLimitExceededAndChangesNothing() {
    BoundedQueue<String> q = f.queue("window", 0);
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    int limit = QueueLimits.DEFAULT.maxPendingPulls();
    for (int i = 1; i <= limit; i++) {
      c.pull(i, 1, Wait.FOREVER);
    }
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> c.pull(limit + 1, 1, Wait.FOREVER));
    assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED);
    assertThat(q.info().waitingGetters()).isEqualTo(limit);
    // The rejected id was not consumed: the consumer is unchanged and can still use it later.
    f.put(q, "a");
    c.pull(limit + 1, 1, Wait.FOREVER);
    assertThat(q.info().waitingGetters()).isEqualTo(limit);
  }
}
