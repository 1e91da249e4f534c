package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.ipcbroker.conformance.QueueClient.Api;
import io.ipcbroker.conformance.QueueClient.Got;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.JoinQueueResponse;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The waiting rules: timeouts, one-try waits, {@code nowait}, waits bounded by the call's deadline
 * (answered in band, never {@code DEADLINE_EXCEEDED}), and first come, first served among parked
 * getters and putters.
 */
@Timeout(60)
class QueueWaitingConformanceTest {
  /** A short wait that still stands out from the tolerance. */
  private static final double T = 0.3;

  /** The deadline of calls that test deadline-bounded waits. */
  private static final Duration DEADLINE = Duration.ofMillis(400);

  /** How early the broker may end a wait bounded by {@link #DEADLINE}. */
  private static final Duration MARGIN = Timing.deadlineMargin(DEADLINE);

  private final TestBroker broker = new TestBroker();

  @AfterEach
  void cleanUp() {
    broker.close();
  }

  private static <V> V await(CompletableFuture<V> f) {
    return Futures.get(f, Duration.ofSeconds(10));
  }

  private String fullQueue() {
    String name = broker.createQueue("wait-full", 1);
    broker.put(name, "occupant");
    return name;
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void getWithTimeoutOnAnEmptyQueueAnswersEmptyAfterTheTimeout(Api api) {
    String name = broker.createQueue("wait-get", 0);
    QueueClient q = QueueClient.open(api, broker.channel(), name);

    long t0 = Timing.start();
    Got got = await(q.get(T, false));
    Timing.assertWaited(t0, Timing.seconds(T));
    assertThat(got.outcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    assertThat(broker.getQueue(name).getWaitingGetters()).isZero();
    q.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void putWithTimeoutOnAFullQueueAnswersFullAfterTheTimeout(Api api) {
    String name = fullQueue();
    QueueClient q = QueueClient.open(api, broker.channel(), name);

    long t0 = Timing.start();
    PutOutcome outcome = await(q.put("late", T, false));
    Timing.assertWaited(t0, Timing.seconds(T));
    assertThat(outcome).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    assertThat(broker.getQueue(name).getWaitingPutters()).isZero();
    assertThat(broker.take(name, 1)).containsExactly("occupant");
    assertThat(broker.getQueue(name).getSize()).isZero();
    q.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void timeoutOfZeroMakesOneImmediateTry(Api api) {
    String name = broker.createQueue("wait-zero", 1);
    QueueClient q = QueueClient.open(api, broker.channel(), name);

    long t0 = Timing.start();
    assertThat(await(q.get(0.0, false)).outcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    Timing.assertImmediate(t0);
    t0 = Timing.start();
    assertThat(await(q.put("x", 0.0, false))).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    assertThat(await(q.put("y", 0.0, false))).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    assertThat(await(q.get(0.0, false)))
        .isEqualTo(new Got(PullOutcome.PULL_OUTCOME_DELIVERED, "x"));
    Timing.assertImmediate(t0);
    q.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void nowaitMakesOneTryAndIgnoresTheTimeout(Api api) {
    String name = broker.createQueue("wait-nowait", 1);
    QueueClient q = QueueClient.open(api, broker.channel(), name);

    long t0 = Timing.start();
    assertThat(await(q.get(5.0, true)).outcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    Timing.assertImmediate(t0);
    assertThat(await(q.put("x", 5.0, true))).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    t0 = Timing.start();
    assertThat(await(q.put("y", 5.0, true))).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    Timing.assertImmediate(t0);
    assertThat(await(q.get(5.0, true))).isEqualTo(new Got(PullOutcome.PULL_OUTCOME_DELIVERED, "x"));
    q.close();
  }

  /** A wait bounded by a deadline ends between the broker's margin before it and the deadline. */
  private static void assertEndedJustBeforeTheDeadline(long t0) {
    Duration elapsed = Timing.since(t0);
    assertThat(elapsed)
        .as("answered in band just before the deadline")
        .isGreaterThanOrEqualTo(DEADLINE.minus(MARGIN).minus(Timing.EARLY))
        .isLessThanOrEqualTo(DEADLINE.plus(Timing.LATE));
  }

  private QueueServiceGrpc.QueueServiceBlockingStub deadlineStub() {
    return QueueServiceGrpc.newBlockingStub(broker.channel())
        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void unaryGetItemBoundedOnlyByTheCallDeadlineAnswersEmptyWithStatusOk(boolean longerTimeout) {
    String name = broker.createQueue("wait-deadline-get", 0);
    GetItemRequest.Builder request = GetItemRequest.newBuilder().setQueue(name);
    if (longerTimeout) {
      request.setTimeoutSeconds(5); // a timeout never takes a wait past the deadline
    }

    long t0 = Timing.start();
    GetItemResponse r = deadlineStub().getItem(request.build());
    assertEndedJustBeforeTheDeadline(t0);
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void unaryPutItemOnAFullQueueBoundedOnlyByTheCallDeadlineAnswersFullWithStatusOk(
      boolean longerTimeout) {
    String name = fullQueue();
    PutItemRequest.Builder request =
        PutItemRequest.newBuilder().setQueue(name).setItem(Items.text("late"));
    if (longerTimeout) {
      request.setTimeoutSeconds(5);
    }

    long t0 = Timing.start();
    PutItemResponse r = deadlineStub().putItem(request.build());
    assertEndedJustBeforeTheDeadline(t0);
    assertThat(r.getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    assertThat(broker.getQueue(name).getSize()).isEqualTo(1);
  }

  @Test
  void consumePullWithoutTimeoutOnAStreamWithADeadlineAnswersEmptyBeforeTheDeadline() {
    String name = broker.createQueue("wait-deadline-consume", 0);
    long t0 = Timing.start();
    ConsumeClient consumer =
        ConsumeClient.start(
            QueueServiceGrpc.newStub(broker.channel())
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
            name,
            "",
            "");
    long pull = consumer.pull(1, null, false);

    // An answer received at all came before the deadline: after it the client drops the call.
    PullResult r = consumer.awaitResult(pull);
    assertEndedJustBeforeTheDeadline(t0);
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
  }

  @Test
  void putFrameWithoutTimeoutOnAStreamWithADeadlineAnswersFullBeforeTheDeadline() {
    String name = fullQueue();
    long t0 = Timing.start();
    PutClient producer =
        PutClient.start(
            QueueServiceGrpc.newStub(broker.channel())
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
            name,
            "",
            "");
    long frame = producer.put(Items.texts("late"), null, false);

    PutResult r = producer.awaitResult(frame);
    assertEndedJustBeforeTheDeadline(t0);
    assertThat(r.getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    assertThat(r.getAccepted()).isZero();
  }

  @Test
  void cancelledParkedUnaryCallsLeaveTheQueueAndTakeOrPutNothing() {
    String empty = broker.createQueue("wait-cancel-get", 0);
    String full = fullQueue();
    String joinable = broker.createJoinableQueue("wait-cancel-join", 0);
    broker.put(joinable, "task");
    ManagedChannel channel = broker.newChannel();
    QueueServiceGrpc.QueueServiceStub stub = TestBroker.queuesAsync(channel);
    Context.CancellableContext context = Context.current().withCancellation();
    List<CompletableFuture<?>> calls = new ArrayList<>();
    context.run(
        () -> {
          calls.add(
              Unary.<GetItemResponse>call(
                  o -> stub.getItem(GetItemRequest.newBuilder().setQueue(empty).build(), o)));
          calls.add(
              Unary.<PutItemResponse>call(
                  o ->
                      stub.putItem(
                          PutItemRequest.newBuilder()
                              .setQueue(full)
                              .setItem(Items.text("never"))
                              .build(),
                          o)));
          calls.add(
              Unary.<JoinQueueResponse>call(
                  o ->
                      stub.joinQueue(JoinQueueRequest.newBuilder().setQueue(joinable).build(), o)));
        });
    broker.awaitQueue(empty, q -> q.getWaitingGetters() == 1);
    broker.awaitQueue(full, q -> q.getWaitingPutters() == 1);
    broker.awaitQueue(joinable, q -> q.getWaitingJoiners() == 1);

    context.cancel(null);
    for (CompletableFuture<?> call : calls) {
      assertThat(Status.fromThrowable(Unary.awaitFailure(call)).getCode())
          .isEqualTo(Status.Code.CANCELLED);
    }
    broker.awaitQueue(empty, q -> q.getWaitingGetters() == 0);
    broker.awaitQueue(full, q -> q.getWaitingPutters() == 0);
    broker.awaitQueue(joinable, q -> q.getWaitingJoiners() == 0);

    // The cancelled getter takes nothing that comes later, the cancelled putter put nothing.
    broker.put(empty, "later");
    assertThat(broker.getQueue(empty).getSize()).isEqualTo(1);
    assertThat(broker.take(full, 1)).containsExactly("occupant");
    assertThat(broker.getQueue(full).getSize()).isZero();
  }

  @Test
  void parkedGettersAreServedFirstComeFirstServedAcrossStreamsAndUnaryCalls() {
    String name = broker.createQueue("wait-fcfs-get", 0);
    ConsumeClient a = ConsumeClient.open(broker.newChannel(), name);
    long pullA = a.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 1);
    ManagedChannel channelB = broker.newChannel();
    CompletableFuture<GetItemResponse> b =
        Unary.call(
            o ->
                TestBroker.queuesAsync(channelB)
                    .getItem(GetItemRequest.newBuilder().setQueue(name).build(), o));
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 2);
    ConsumeClient c = ConsumeClient.open(broker.newChannel(), name);
    long pullC = c.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 3);

    for (String item : List.of("1", "2", "3")) {
      PutItemResponse r =
          broker
              .queues()
              .putItem(
                  PutItemRequest.newBuilder().setQueue(name).setItem(Items.text(item)).build());
      assertThat(r.getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    }

    assertThat(Items.texts(a.awaitResult(pullA))).containsExactly("1");
    assertThat(Items.text(Unary.await(b).getDelivery())).isEqualTo("2");
    assertThat(Items.texts(c.awaitResult(pullC))).containsExactly("3");
  }

  @Test
  void parkedPuttersAreServedFirstComeFirstServedAcrossStreamsAndUnaryCalls() {
    String name = fullQueue();
    PutClient a = PutClient.open(broker.newChannel(), name);
    long frameA = a.put(Items.texts("A"), null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 1);
    ManagedChannel channelB = broker.newChannel();
    CompletableFuture<PutItemResponse> b =
        Unary.call(
            o ->
                TestBroker.queuesAsync(channelB)
                    .putItem(
                        PutItemRequest.newBuilder().setQueue(name).setItem(Items.text("B")).build(),
                        o));
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 2);
    PutClient c = PutClient.open(broker.newChannel(), name);
    long frameC = c.put(Items.texts("C"), null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 3);

    // Each get makes room for exactly one parked putter, the one that came first.
    ConsumeClient consumer = ConsumeClient.open(broker.channel(), name);
    assertThat(consumer.take(4)).containsExactly("occupant", "A", "B", "C");
    assertThat(a.awaitResult(frameA).getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    assertThat(Unary.await(b).getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    assertThat(c.awaitResult(frameC).getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    consumer.halfCloseAndAwait();
  }
}
