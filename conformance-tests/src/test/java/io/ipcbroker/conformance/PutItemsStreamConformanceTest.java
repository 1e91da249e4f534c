package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code PutItems} stream's protocol: multi-item frames and their accepted prefix, order across
 * frames, {@code nowait} behind a waiting frame, revokes, half-close, and the errors that end the
 * stream after answering every pending frame.
 */
@Timeout(60)
class PutItemsStreamConformanceTest {
  private final TestBroker broker = new TestBroker();

  @AfterEach
  void cleanUp() {
    broker.close();
  }

  private PutClient producer(String queue) {
    return PutClient.open(broker.newChannel(), queue);
  }

  private static void assertResult(PutResult r, PutOutcome outcome, int accepted) {
    assertThat(r.getOutcome()).as("outcome").isEqualTo(outcome);
    assertThat(r.getAccepted()).as("accepted").isEqualTo(accepted);
  }

  private static String result(long id, PutOutcome outcome, int accepted) {
    return "result:" + id + ":" + outcome + ":" + accepted;
  }

  @Test
  void multiItemFrameWithTimeoutAnswersFullWithTheRoomThereWasAndKeepsTheFirstItems() {
    String name = broker.createQueue("put-prefix", 3);
    broker.put(name, "x");
    PutClient p = producer(name);

    long t0 = Timing.start();
    PutResult r = p.awaitResult(p.put(Items.texts("a", "b", "c", "d"), 0.3, false));
    Timing.assertWaited(t0, Duration.ofMillis(300));
    assertResult(r, PutOutcome.PUT_OUTCOME_FULL, 2);
    assertThat(broker.take(name, 3)).containsExactly("x", "a", "b");
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void nowaitMultiItemFrameTakesWhatFitsAndAnswersFullAtOnce() {
    String name = broker.createQueue("put-prefix-nowait", 3);
    broker.put(name, "x");
    PutClient p = producer(name);

    long t0 = Timing.start();
    PutResult r = p.awaitResult(p.put(Items.texts("a", "b", "c", "d"), null, true));
    Timing.assertImmediate(t0);
    assertResult(r, PutOutcome.PUT_OUTCOME_FULL, 2);
    assertThat(broker.take(name, 3)).containsExactly("x", "a", "b");
  }

  @Test
  void waitingFrameFillsAsRoomAppearsUntilAllItemsAreIn() {
    String name = broker.createQueue("put-fill", 2);
    PutClient p = producer(name);
    long frame = p.put(Items.texts("a", "b", "c", "d", "e"), null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 1 && q.getSize() == 2);

    ConsumeClient c = ConsumeClient.open(broker.newChannel(), name);
    assertThat(c.take(5)).containsExactly("a", "b", "c", "d", "e");
    assertResult(p.awaitResult(frame), PutOutcome.PUT_OUTCOME_OK, 5);
  }

  @Test
  void framesOfOneStreamAreAppliedAndAnsweredInOrder() {
    String name = broker.createQueue("put-order", 1);
    broker.put(name, "x");
    PutClient p = producer(name);
    long f1 = p.put(Items.texts("a"), null, false);
    long f2 = p.put(Items.texts("b", "c"), null, false);
    long f3 = p.put(Items.texts("d"), null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 3);

    ConsumeClient c = ConsumeClient.open(broker.newChannel(), name);
    assertThat(c.take(5)).containsExactly("x", "a", "b", "c", "d");
    p.awaitResult(f3);
    assertThat(p.events())
        .containsExactly(
            "opened",
            result(f1, PutOutcome.PUT_OUTCOME_OK, 1),
            result(f2, PutOutcome.PUT_OUTCOME_OK, 2),
            result(f3, PutOutcome.PUT_OUTCOME_OK, 1));
  }

  @Test
  void frameBehindATimedOutFrameStillWaitsItsTurn() {
    String name = broker.createQueue("put-order-timeout", 2);
    broker.put(name, "x");
    PutClient p = producer(name);
    long f1 = p.put(Items.texts("a", "b"), 0.3, false);
    long f2 = p.put(Items.texts("c"), null, false);

    assertResult(p.awaitResult(f1), PutOutcome.PUT_OUTCOME_FULL, 1);
    assertThat(p.result(f2)).isNotDone();
    ConsumeClient c = ConsumeClient.open(broker.newChannel(), name);
    assertThat(c.take(3)).containsExactly("x", "a", "c");
    assertResult(p.awaitResult(f2), PutOutcome.PUT_OUTCOME_OK, 1);
  }

  @Test
  void nowaitFrameBehindAWaitingFrameAnswersFullWithNothingAccepted() {
    String name = broker.createQueue("put-nowait-behind", 1);
    broker.put(name, "x");
    PutClient p = producer(name);
    long waiting = p.put(Items.texts("a"), null, false);
    long nowait = p.put(Items.texts("b"), null, true);
    long zero = p.put(Items.texts("c"), 0.0, false);

    // Answered at once, ahead of the frame they could not overtake.
    assertResult(p.awaitResult(nowait), PutOutcome.PUT_OUTCOME_FULL, 0);
    assertResult(p.awaitResult(zero), PutOutcome.PUT_OUTCOME_FULL, 0);
    assertThat(p.result(waiting)).isNotDone();

    ConsumeClient c = ConsumeClient.open(broker.newChannel(), name);
    assertThat(c.take(2)).containsExactly("x", "a");
    assertResult(p.awaitResult(waiting), PutOutcome.PUT_OUTCOME_OK, 1);
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void halfCloseCompletesTheStreamOnlyAfterEveryFrameIsAnswered() {
    String name = broker.createQueue("put-halfclose", 1);
    broker.put(name, "x");
    PutClient p = producer(name);
    long timed = p.put(Items.texts("a"), 0.3, false);

    long t0 = Timing.start();
    p.halfCloseAndAwait();
    Timing.assertWaited(t0, Duration.ofMillis(300));
    assertThat(p.events())
        .containsExactly("opened", result(timed, PutOutcome.PUT_OUTCOME_FULL, 0), "completed");
  }

  @Test
  void halfCloseWaitsForAFrameThatCompletesWhenRoomAppears() {
    String name = broker.createQueue("put-halfclose-room", 1);
    broker.put(name, "x");
    PutClient p = producer(name);
    long frame = p.put(Items.texts("a"), null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 1);
    p.halfClose();

    ConsumeClient c = ConsumeClient.open(broker.newChannel(), name);
    assertThat(c.take(1)).containsExactly("x");
    Futures.get(p.ended(), Duration.ofSeconds(10));
    assertThat(p.events())
        .containsExactly("opened", result(frame, PutOutcome.PUT_OUTCOME_OK, 1), "completed");
    assertThat(c.take(1)).containsExactly("a");
  }

  @Test
  void revokeOfAWaitingFrameAnswersRevokedWithWhatItEnqueued() {
    String name = broker.createQueue("put-revoke", 2);
    broker.put(name, "x");
    PutClient p = producer(name);
    long head = p.put(Items.texts("a", "b"), null, false);
    long behind = p.put(Items.texts("c"), null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 2);

    p.send(PutItemsRequest.newBuilder().setRevokePutId(behind).build());
    assertResult(p.awaitResult(behind), PutOutcome.PUT_OUTCOME_REVOKED, 0);
    p.send(PutItemsRequest.newBuilder().setRevokePutId(head).build());
    assertResult(p.awaitResult(head), PutOutcome.PUT_OUTCOME_REVOKED, 1);

    Queue q = broker.getQueue(name);
    assertThat(q.getWaitingPutters()).isZero();
    assertThat(broker.take(name, 2)).containsExactly("x", "a");
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void revokeOfAnAnsweredOrUnknownFrameDoesNothing() {
    String name = broker.createQueue("put-revoke-late", 0);
    PutClient p = producer(name);
    long answered = p.put(Items.texts("a"), null, false);
    assertResult(p.awaitResult(answered), PutOutcome.PUT_OUTCOME_OK, 1);

    long next = p.nextPutId();
    p.send(
        PutItemsRequest.newBuilder()
            .setRevokePutId(answered)
            .setPutId(next)
            .addItems(Items.text("b"))
            .build());
    assertResult(p.awaitResult(next), PutOutcome.PUT_OUTCOME_OK, 1);
    p.send(PutItemsRequest.newBuilder().setRevokePutId(999_999).build());
    p.halfCloseAndAwait();
    assertThat(p.events())
        .containsExactly(
            "opened",
            result(answered, PutOutcome.PUT_OUTCOME_OK, 1),
            result(next, PutOutcome.PUT_OUTCOME_OK, 1),
            "completed");
    assertThat(broker.take(name, 2)).containsExactly("a", "b");
  }

  @Test
  void frameWithoutItemsEndsTheStreamWithFieldRequiredAfterAbortingPendingFrames() {
    String name = broker.createQueue("put-empty-frame", 2);
    broker.put(name, "x");
    PutClient p = producer(name);
    long waiting = p.put(Items.texts("a", "b"), null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 1);

    p.send(PutItemsRequest.newBuilder().setPutId(p.nextPutId()).build());
    Rpc.assertStatus(p.awaitError(), Code.INVALID_ARGUMENT, "FIELD_REQUIRED");
    assertThat(p.events())
        .containsExactly(
            "opened", result(waiting, PutOutcome.PUT_OUTCOME_ABORTED, 1), "error:INVALID_ARGUMENT");
    assertThat(broker.take(name, 2)).containsExactly("x", "a");
    assertThat(broker.getQueue(name).getWaitingPutters()).isZero();
  }

  @Test
  void firstFrameWithoutOpenEndsTheStreamWithStreamProtocolViolation() {
    String name = broker.createQueue("put-noopen", 0);
    PutClient p = PutClient.connect(QueueServiceGrpc.newStub(broker.channel()));
    p.send(PutItemsRequest.newBuilder().setPutId(1).addItems(Items.text("a")).build());
    Rpc.assertStatus(p.awaitError(), Code.INVALID_ARGUMENT, "STREAM_PROTOCOL_VIOLATION");
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  static Stream<Arguments> badFrames() {
    return Stream.of(
        Arguments.of(
            "a second open",
            PutItemsRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue("x")).build()),
        Arguments.of(
            "items with put_id 0",
            PutItemsRequest.newBuilder().setPutId(0).addItems(Items.text("z")).build()),
        Arguments.of(
            "put_id repeated",
            PutItemsRequest.newBuilder().setPutId(5).addItems(Items.text("z")).build()),
        Arguments.of(
            "put_id smaller",
            PutItemsRequest.newBuilder().setPutId(4).addItems(Items.text("z")).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFrames")
  void protocolViolationEndsTheStreamAfterAbortingPendingFrames(
      String what, PutItemsRequest frame) {
    String name = broker.createQueue("put-violation", 1);
    PutClient p = producer(name);
    p.send(PutItemsRequest.newBuilder().setPutId(5).addItems(Items.text("a")).build());
    p.send(PutItemsRequest.newBuilder().setPutId(6).addItems(Items.text("b")).build());
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 1);

    p.send(frame);
    Rpc.assertStatus(p.awaitError(), Code.INVALID_ARGUMENT, "STREAM_PROTOCOL_VIOLATION");
    assertThat(p.events())
        .containsExactly(
            "opened",
            result(5, PutOutcome.PUT_OUTCOME_OK, 1),
            result(6, PutOutcome.PUT_OUTCOME_ABORTED, 0),
            "error:INVALID_ARGUMENT");
    assertThat(broker.take(name, 1)).containsExactly("a");
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void frameOf4096ItemsIsAcceptedAndOneOf4097EndsTheStreamWithLimitExceeded() {
    String name = broker.createQueue("put-frame-limit", 0);
    PutClient p = producer(name);
    List<Payload> items =
        IntStream.range(0, 4097).mapToObj(i -> Items.text(Integer.toString(i))).toList();
    assertResult(
        p.awaitResult(p.put(items.subList(0, 4096), null, true)), PutOutcome.PUT_OUTCOME_OK, 4096);

    p.put(items, null, true);
    Rpc.assertStatus(p.awaitError(), Code.RESOURCE_EXHAUSTED, "LIMIT_EXCEEDED");
    assertThat(broker.getQueue(name).getSize()).isEqualTo(4096);
  }

  @Test
  void moreThan1024PendingFramesEndTheStreamWithLimitExceeded() {
    String name = broker.createQueue("put-window", 1);
    broker.put(name, "x");
    PutClient p = producer(name);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 1025; i++) {
      ids.add(p.put(Items.texts("f" + i), null, false));
    }
    Rpc.assertStatus(p.awaitError(), Code.RESOURCE_EXHAUSTED, "LIMIT_EXCEEDED");
    // The 1024 frames that were pending are each answered ABORTED before the status.
    List<String> aborted =
        ids.subList(0, 1024).stream()
            .map(id -> result(id, PutOutcome.PUT_OUTCOME_ABORTED, 0))
            .toList();
    List<String> events = p.events();
    assertThat(events.subList(1, events.size() - 1)).isEqualTo(aborted);
    assertThat(broker.getQueue(name).getWaitingPutters()).isZero();
    assertThat(Collections.frequency(events, "error:RESOURCE_EXHAUSTED")).isEqualTo(1);
  }
}
