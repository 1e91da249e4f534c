package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.grpc.Status;
import io.grpc.Status.Code;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code Consume} stream's protocol: acks, nacks, revokes, half-close and cancel, multi-item
 * pulls, combined frames, and the errors that end the stream while handing back what it held.
 */
@Timeout(60)
class ConsumeStreamConformanceTest {
  private final TestBroker broker = new TestBroker();

  @AfterEach
  void cleanUp() {
    broker.close();
  }

  private ConsumeClient consumer(String queue) {
    return ConsumeClient.open(broker.newChannel(), queue);
  }

  private static PullResult delivered(PullResult r, String... texts) {
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    assertThat(Items.texts(r)).containsExactly(texts);
    return r;
  }

  @Test
  void openAnswersTheQueueFirst() {
    String name = broker.createQueue("consume-open", 7);
    broker.put(name, "x");
    Queue opened = consumer(name).awaitOpened();
    assertThat(opened.getName()).isEqualTo(name);
    assertThat(opened.getUid()).isEqualTo(broker.getQueue(name).getUid());
    assertThat(opened.getMaxsize()).isEqualTo(7);
    assertThat(opened.getSize()).isEqualTo(1);
  }

  @Test
  void openAndPullMayShareTheFirstFrame() {
    String name = broker.createQueue("consume-openpull", 0);
    broker.put(name, "x");
    ConsumeClient c = ConsumeClient.connect(QueueServiceGrpc.newStub(broker.channel()));
    c.send(
        ConsumeRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue(name))
            .setPull(Pull.newBuilder().setPullId(1).setNowait(true))
            .build());
    delivered(c.awaitResult(1), "x");
    assertThat(c.events()).containsExactly("opened", "result:1:PULL_OUTCOME_DELIVERED");
  }

  @Test
  void ackedItemIsGoneForGood() {
    String name = broker.createQueue("consume-ack", 0);
    broker.put(name, "a");
    ConsumeClient c = consumer(name);
    PullResult r = delivered(c.getNowait(), "a");
    Delivery d = r.getDeliveries(0);
    assertThat(d.getDeliveryId()).isNotZero();
    assertThat(d.getRedelivered()).isFalse();
    assertThat(d.getDeliveryCount()).isEqualTo(1);
    assertThat(d.getPayload()).isEqualTo(Items.text("a"));

    // Ack and a pull in one frame: the pull's answer tells that the ack was applied.
    Pull.Builder pull = c.newPull(1, null, true);
    c.send(ConsumeRequest.newBuilder().addAckIds(d.getDeliveryId()).setPull(pull).build());
    assertThat(c.awaitResult(pull.getPullId()).getOutcome())
        .isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    Queue q = broker.getQueue(name);
    assertThat(q.getSize()).isZero();
    assertThat(q.getUnacked()).isZero();

    c.halfCloseAndAwait();
    assertThat(broker.getQueue(name).getSize()).as("nothing comes back after the end").isZero();
  }

  @Test
  void nackedItemGoesBackToTheHeadUnmarked() {
    String name = broker.createQueue("consume-nack", 0);
    broker.put(name, "a", "b");
    ConsumeClient c = consumer(name);
    Delivery first = delivered(c.getNowait(), "a").getDeliveries(0);

    Pull.Builder pull = c.newPull(1, null, true);
    c.send(ConsumeRequest.newBuilder().addNackIds(first.getDeliveryId()).setPull(pull).build());
    Delivery again = delivered(c.awaitResult(pull.getPullId()), "a").getDeliveries(0);
    assertThat(again.getRedelivered()).as("a nack says the item was not used").isFalse();
    assertThat(again.getDeliveryCount()).isEqualTo(2);
    assertThat(again.getDeliveryId()).isNotEqualTo(first.getDeliveryId());

    assertThat(c.take(1)).containsExactly("b");
  }

  @Test
  void nackedItemsGoBackInTheGivenOrderAheadOfTheQueue() {
    String name = broker.createQueue("consume-nack-order", 0);
    broker.put(name, "a", "b", "c");
    ConsumeClient c = consumer(name);
    PullResult ab = delivered(c.awaitResult(c.pull(2, null, true)), "a", "b");

    Pull.Builder pull = c.newPull(3, null, true);
    c.send(
        ConsumeRequest.newBuilder()
            .addNackIds(ab.getDeliveries(1).getDeliveryId())
            .addNackIds(ab.getDeliveries(0).getDeliveryId())
            .setPull(pull)
            .build());
    delivered(c.awaitResult(pull.getPullId()), "b", "a", "c");
  }

  @Test
  void nackedItemServesAGetterParkedOnAnotherStream() {
    String name = broker.createQueue("consume-nack-wake", 0);
    broker.put(name, "a");
    ConsumeClient holder = consumer(name);
    Delivery d = delivered(holder.getNowait(), "a").getDeliveries(0);
    ConsumeClient waiter = consumer(name);
    long parked = waiter.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 1);

    holder.nack(d.getDeliveryId());
    Delivery handed = delivered(waiter.awaitResult(parked), "a").getDeliveries(0);
    assertThat(handed.getRedelivered()).isFalse();
    assertThat(handed.getDeliveryCount()).isEqualTo(2);
  }

  @Test
  void pullsOfOneStreamAreServedInTheOrderTheyArrived() {
    String name = broker.createQueue("consume-pull-order", 0);
    ConsumeClient c = consumer(name);
    long p1 = c.pull(1, null, false);
    long p2 = c.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 2);

    broker.put(name, "x", "y");
    delivered(c.awaitResult(p1), "x");
    delivered(c.awaitResult(p2), "y");
  }

  @Test
  void revokeOfAParkedPullAnswersRevokedAndTakesNothing() {
    String name = broker.createQueue("consume-revoke", 0);
    ConsumeClient c = consumer(name);
    long parked = c.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 1);

    c.revoke(parked);
    PullResult r = c.awaitResult(parked);
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_REVOKED);
    assertThat(r.getDeliveriesList()).isEmpty();
    assertThat(broker.getQueue(name).getWaitingGetters()).isZero();

    broker.put(name, "x");
    assertThat(broker.getQueue(name).getSize()).isEqualTo(1);
    assertThat(c.take(1)).containsExactly("x");
  }

  @Test
  void revokeOfAnAnsweredOrUnknownPullDoesNothing() {
    String name = broker.createQueue("consume-revoke-late", 0);
    broker.put(name, "a");
    ConsumeClient c = consumer(name);
    long answered = c.pull(1, null, true);
    Delivery d = delivered(c.awaitResult(answered), "a").getDeliveries(0);

    Pull.Builder pull = c.newPull(1, null, true);
    c.send(ConsumeRequest.newBuilder().setRevokePullId(answered).setPull(pull).build());
    assertThat(c.awaitResult(pull.getPullId()).getOutcome())
        .isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    Pull.Builder pull2 = c.newPull(1, null, true);
    c.send(ConsumeRequest.newBuilder().setRevokePullId(999_999).setPull(pull2).build());
    assertThat(c.awaitResult(pull2.getPullId()).getOutcome())
        .isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);

    // One answer per pull, and the delivery of the revoked pull is still the stream's to ack.
    assertThat(c.events().stream().filter(e -> e.startsWith("result:" + answered + ":")))
        .hasSize(1);
    assertThat(broker.getQueue(name).getUnacked()).isEqualTo(1);
    c.ack(d.getDeliveryId());
    c.halfCloseAndAwait();
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void revokeRacingAPutNeitherLosesNorDuplicatesTheItem() {
    String name = broker.createQueue("consume-revoke-race", 0);
    ConsumeClient c = consumer(name);
    PutClient producer = PutClient.open(broker.newChannel(), name);
    int delivered = 0;
    int revoked = 0;
    for (int i = 0; i < 50; i++) {
      String item = "item-" + i;
      // The put (another connection) and the revoke race for the parked pull.
      long pull = c.pull(1, null, false);
      long put = producer.put(Items.texts(item), null, false);
      c.revoke(pull);
      PullResult r = c.awaitResult(pull);
      assertThat(producer.awaitResult(put).getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
      if (r.getOutcome() == PullOutcome.PULL_OUTCOME_DELIVERED) {
        delivered++;
        assertThat(Items.texts(r)).containsExactly(item);
        c.ack(Items.ids(r));
      } else {
        // REVOKED: nothing was handed over, so the item waits in the queue.
        revoked++;
        assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_REVOKED);
        PullResult queued = c.getNowait();
        assertThat(Items.texts(queued)).containsExactly(item);
        c.ack(Items.ids(queued));
      }
    }
    assertThat(delivered + revoked).isEqualTo(50);
    c.halfCloseAndAwait();
    Queue q = broker.getQueue(name);
    assertThat(q.getSize()).isZero();
    assertThat(q.getUnacked()).isZero();
  }

  @Test
  void halfCloseRevokesPendingPullsThenReturnsUnackedItemsMarkedRedelivered() {
    String name = broker.createQueue("consume-halfclose", 0);
    broker.put(name, "a", "b");
    ConsumeClient c = consumer(name);
    delivered(c.awaitResult(c.pull(2, null, true)), "a", "b");
    long pending = c.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 1);

    c.halfCloseAndAwait();
    assertThat(c.events())
        .containsExactly(
            "opened",
            "result:1:PULL_OUTCOME_DELIVERED",
            "result:" + pending + ":PULL_OUTCOME_REVOKED",
            "completed");
    Queue q = broker.getQueue(name);
    assertThat(q.getSize()).isEqualTo(2);
    assertThat(q.getUnacked()).isZero();

    broker.put(name, "c");
    ConsumeClient next = consumer(name);
    PullResult r = delivered(next.awaitResult(next.pull(3, null, true)), "a", "b", "c");
    assertThat(r.getDeliveriesList())
        .extracting(Delivery::getRedelivered, Delivery::getDeliveryCount)
        .containsExactly(tuple(true, 2), tuple(true, 2), tuple(false, 1));
  }

  @Test
  void cancelReturnsUnackedItemsMarkedRedelivered() {
    String name = broker.createQueue("consume-cancel", 0);
    broker.put(name, "a", "b");
    ConsumeClient c = consumer(name);
    delivered(c.getNowait(), "a");

    c.cancel();
    broker.awaitQueue(name, q -> q.getSize() == 2 && q.getUnacked() == 0);
    ConsumeClient next = consumer(name);
    PullResult r = delivered(next.awaitResult(next.pull(2, null, true)), "a", "b");
    assertThat(r.getDeliveries(0).getRedelivered()).isTrue();
    assertThat(r.getDeliveries(0).getDeliveryCount()).isEqualTo(2);
    assertThat(r.getDeliveries(1).getRedelivered()).isFalse();
  }

  @Test
  void endOfTheStreamByItsDeadlineReturnsUnackedItems() {
    String name = broker.createQueue("consume-deadline", 0);
    broker.put(name, "a");
    ConsumeClient c =
        ConsumeClient.start(
            QueueServiceGrpc.newStub(broker.channel())
                .withDeadlineAfter(300, TimeUnit.MILLISECONDS),
            name,
            "",
            "");
    delivered(c.getNowait(), "a");

    assertThat(Status.fromThrowable(c.awaitError()).getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    broker.awaitQueue(name, q -> q.getSize() == 1 && q.getUnacked() == 0);
    ConsumeClient next = consumer(name);
    assertThat(next.getNowait().getDeliveries(0).getRedelivered()).isTrue();
  }

  @Test
  void maxItemsDeliversUpToThatManyAtOnce() {
    String name = broker.createQueue("consume-batch", 0);
    broker.put(name, "1", "2", "3", "4", "5", "6", "7");
    ConsumeClient c = consumer(name);

    delivered(c.awaitResult(c.pull(3, null, true)), "1", "2", "3");
    delivered(c.awaitResult(c.pull(0, null, true)), "4"); // 0 means 1
    delivered(c.awaitResult(c.pull(1024, null, false)), "5", "6", "7");
    assertThat(broker.getQueue(name).getUnacked()).isEqualTo(7);
  }

  @Test
  void largeBatchesAreSplitToFitADefaultClientsReceiveLimit() {
    // Eight items of 700 KiB: one answer with all of them (5.6 MiB) would exceed the 4 MiB that
    // this suite's channels (gRPC's default) accept, and the stream would fail on receipt.
    String name = broker.createQueue("consume-large", 0);
    PutClient p = PutClient.open(broker.channel(), name);
    for (int i = 0; i < 8; i++) {
      String text = Character.toString('a' + i).repeat(700 << 10);
      assertThat(p.awaitResult(p.put(List.of(Items.text(text)), null, true)).getOutcome())
          .isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    }
    p.halfCloseAndAwait();
    ConsumeClient c = consumer(name);

    List<Character> firstLetters = new java.util.ArrayList<>();
    int answers = 0;
    while (firstLetters.size() < 8) {
      PullResult r = c.awaitResult(c.pull(1024, null, true));
      assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
      answers++;
      for (String t : Items.texts(r)) {
        firstLetters.add(t.charAt(0));
      }
      c.ack(r.getDeliveriesList().stream().mapToLong(Delivery::getDeliveryId).toArray());
    }
    assertThat(firstLetters).containsExactly('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
    assertThat(answers).isGreaterThan(1);
    c.halfCloseAndAwait();
  }

  @Test
  void parkedMultiItemPullIsAnsweredWithTheFirstItemsThatArrive() {
    String name = broker.createQueue("consume-batch-parked", 0);
    ConsumeClient c = consumer(name);
    long parked = c.pull(3, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 1);

    broker.put(name, "1", "2", "3", "4", "5");
    PullResult r = c.awaitResult(parked);
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    List<String> got = Items.texts(r);
    assertThat(got).isNotEmpty().hasSizeLessThanOrEqualTo(3);
    assertThat(got).isEqualTo(List.of("1", "2", "3").subList(0, got.size()));
  }

  @Test
  void frameMayCombineAnAckWithAPull() {
    String name = broker.createQueue("consume-combine", 0);
    broker.put(name, "a", "b");
    ConsumeClient c = consumer(name);
    Delivery a = delivered(c.getNowait(), "a").getDeliveries(0);

    Pull.Builder pull = c.newPull(1, null, false);
    c.send(ConsumeRequest.newBuilder().addAckIds(a.getDeliveryId()).setPull(pull).build());
    delivered(c.awaitResult(pull.getPullId()), "b");
    assertThat(broker.getQueue(name).getUnacked()).isEqualTo(1);
  }

  @Test
  void firstFrameWithoutOpenEndsTheStreamWithStreamProtocolViolation() {
    String name = broker.createQueue("consume-noopen", 0);
    broker.put(name, "a");
    ConsumeClient c = ConsumeClient.connect(QueueServiceGrpc.newStub(broker.channel()));
    c.send(Pull.newBuilder().setPullId(1).setNowait(true));
    Rpc.assertStatus(c.awaitError(), Code.INVALID_ARGUMENT, "STREAM_PROTOCOL_VIOLATION");
    assertThat(broker.getQueue(name).getSize()).isEqualTo(1);
  }

  /**
   * Frames that end a stream which holds one delivery (pull id 5): the frame as a function of the
   * held delivery id, and the status it gets.
   */
  static Stream<Arguments> badFrames() {
    return Stream.of(
        bad(
            "a second open",
            Code.INVALID_ARGUMENT,
            "STREAM_PROTOCOL_VIOLATION",
            id -> ConsumeRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue("x"))),
        bad(
            "pull_id 0",
            Code.INVALID_ARGUMENT,
            "STREAM_PROTOCOL_VIOLATION",
            id -> ConsumeRequest.newBuilder().setPull(Pull.newBuilder().setPullId(0))),
        bad(
            "pull_id repeated",
            Code.INVALID_ARGUMENT,
            "STREAM_PROTOCOL_VIOLATION",
            id -> ConsumeRequest.newBuilder().setPull(Pull.newBuilder().setPullId(5))),
        bad(
            "pull_id smaller",
            Code.INVALID_ARGUMENT,
            "STREAM_PROTOCOL_VIOLATION",
            id -> ConsumeRequest.newBuilder().setPull(Pull.newBuilder().setPullId(4))),
        bad(
            "max_items 1025",
            Code.INVALID_ARGUMENT,
            "INVALID_FIELD_VALUE",
            id ->
                ConsumeRequest.newBuilder()
                    .setPull(Pull.newBuilder().setPullId(6).setMaxItems(1025))),
        bad(
            "max_items -1",
            Code.INVALID_ARGUMENT,
            "INVALID_FIELD_VALUE",
            id ->
                ConsumeRequest.newBuilder()
                    .setPull(Pull.newBuilder().setPullId(6).setMaxItems(-1))),
        bad(
            "ack of an unknown delivery",
            Code.NOT_FOUND,
            "DELIVERY_NOT_FOUND",
            id -> ConsumeRequest.newBuilder().addAckIds(id + 1_000_000)),
        bad(
            "nack of an unknown delivery",
            Code.NOT_FOUND,
            "DELIVERY_NOT_FOUND",
            id -> ConsumeRequest.newBuilder().addNackIds(id + 1_000_000)));
  }

  private static Arguments bad(
      String what, Code code, String reason, LongFunction<ConsumeRequest.Builder> frame) {
    return Arguments.of(what, code, reason, frame);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFrames")
  void badFrameEndsTheStreamAndItsUnackedItemsComeBack(
      String what, Code code, String reason, LongFunction<ConsumeRequest.Builder> frame) {
    String name = broker.createQueue("consume-bad", 0);
    broker.put(name, "a", "b");
    ConsumeClient c = consumer(name);
    c.send(Pull.newBuilder().setPullId(5).setNowait(true));
    long held = delivered(c.awaitResult(5), "a").getDeliveries(0).getDeliveryId();

    c.send(frame.apply(held).build());
    Rpc.assertStatus(c.awaitError(), code, reason);

    ConsumeClient next = consumer(name);
    PullResult r = delivered(next.awaitResult(next.pull(2, null, true)), "a", "b");
    assertThat(r.getDeliveries(0).getRedelivered()).isTrue();
  }

  @Test
  void secondAckOfTheSameDeliveryEndsTheStreamWithDeliveryNotFound() {
    String name = broker.createQueue("consume-ack-twice", 0);
    broker.put(name, "a");
    ConsumeClient c = consumer(name);
    long id = delivered(c.getNowait(), "a").getDeliveries(0).getDeliveryId();
    c.ack(id);
    c.ack(id);
    Rpc.assertStatus(c.awaitError(), Code.NOT_FOUND, "DELIVERY_NOT_FOUND");
    assertThat(broker.getQueue(name).getSize()).as("the first ack stands").isZero();
  }

  @Test
  void ackOfADeliveryHeldByAnotherStreamEndsTheStreamWithDeliveryNotFound() {
    String name = broker.createQueue("consume-ack-other", 0);
    broker.put(name, "a");
    ConsumeClient holder = consumer(name);
    long id = delivered(holder.getNowait(), "a").getDeliveries(0).getDeliveryId();
    ConsumeClient other = consumer(name);
    other.ack(id);
    Rpc.assertStatus(other.awaitError(), Code.NOT_FOUND, "DELIVERY_NOT_FOUND");
    assertThat(broker.getQueue(name).getUnacked()).isEqualTo(1);
    holder.ack(id);
    holder.halfCloseAndAwait();
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void moreThan1024PendingPullsEndTheStreamWithLimitExceeded() {
    String name = broker.createQueue("consume-window", 0);
    ConsumeClient c = consumer(name);
    for (int i = 0; i < 1025; i++) {
      c.pull(1, null, false);
    }
    Rpc.assertStatus(c.awaitError(), Code.RESOURCE_EXHAUSTED, "LIMIT_EXCEEDED");
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 0);
  }
}
