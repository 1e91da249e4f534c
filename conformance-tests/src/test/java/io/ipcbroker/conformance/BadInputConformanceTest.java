package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.ListQueuesRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueKind;
import io.ipcbroker.v1.TaskDoneRequest;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input on every call: invalid and unknown names, invalid timeouts, oversized items and fields,
 * missing fields. Each gets its documented status and reason (never {@code INTERNAL} or {@code
 * UNKNOWN}), changes nothing, and leaves the broker serving.
 */
@Timeout(60)
class BadInputConformanceTest {
  /**
   * The broker's item limit: the default (4 MiB less 64 KiB) unless {@code
   * -Dipcbroker.maxItemBytes} says the broker under test was started with another {@code
   * --max-item-bytes}.
   */
  private static final int ITEM_LIMIT =
      Integer.getInteger("ipcbroker.maxItemBytes", (4 << 20) - (64 << 10));

  private final TestBroker broker = new TestBroker();

  @AfterEach
  void brokerStillServesThenCleanUp() {
    try {
      String name = broker.createQueue("bad-after", 0);
      broker.put(name, "still serving");
      assertThat(broker.take(name, 1)).containsExactly("still serving");
    } finally {
      broker.close();
    }
  }

  /** Rethrows a stream's end status so that stream calls can be asserted like unary ones. */
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof StatusRuntimeException e) {
      throw e;
    }
    throw new AssertionError("not a status", t);
  }

  /** Every call that takes a queue name, made with that name. */
  enum NamedCall {
    CREATE_QUEUE(
        (b, n) -> b.queues().createQueue(CreateQueueRequest.newBuilder().setName(n).build())),
    GET_QUEUE((b, n) -> b.queues().getQueue(GetQueueRequest.newBuilder().setName(n).build())),
    DELETE_QUEUE(
        (b, n) -> b.queues().deleteQueue(DeleteQueueRequest.newBuilder().setName(n).build())),
    PUT_ITEM(
        (b, n) ->
            b.queues()
                .putItem(
                    PutItemRequest.newBuilder()
                        .setQueue(n)
                        .setItem(Items.text("x"))
                        .setNowait(true)
                        .build())),
    GET_ITEM(
        (b, n) ->
            b.queues().getItem(GetItemRequest.newBuilder().setQueue(n).setNowait(true).build())),
    TASK_DONE((b, n) -> b.queues().taskDone(TaskDoneRequest.newBuilder().setQueue(n).build())),
    JOIN_QUEUE(
        (b, n) ->
            b.queues()
                .joinQueue(JoinQueueRequest.newBuilder().setQueue(n).setNowait(true).build())),
    CONSUME_OPEN((b, n) -> rethrow(ConsumeClient.start(b.channel(), n, "").awaitError())),
    PUT_ITEMS_OPEN((b, n) -> rethrow(PutClient.start(b.channel(), n, "").awaitError()));

    final BiConsumer<TestBroker, String> call;

    NamedCall(BiConsumer<TestBroker, String> call) {
      this.call = call;
    }
  }

  private static final List<String> INVALID_NAMES =
      List.of(
          "",
          "with space",
          "../x",
          "q".repeat(129),
          "-leading-dash",
          ".leading-dot",
          "a/b",
          "naïve",
          "tab\there");

  static Stream<Arguments> invalidNamesOnEveryCall() {
    return Arrays.stream(NamedCall.values())
        .flatMap(c -> INVALID_NAMES.stream().map(n -> Arguments.of(c, n)));
  }

  @ParameterizedTest(name = "{0} with \"{1}\"")
  @MethodSource("invalidNamesOnEveryCall")
  void invalidNameFailsWithInvalidName(NamedCall call, String name) {
    Rpc.assertFails(Code.INVALID_ARGUMENT, "INVALID_NAME", () -> call.call.accept(broker, name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"_x", "9lives", "a.b:c-d_e", "Q"})
  void namesFromTheAllowedAlphabetAreAccepted(String suffix) {
    String name = suffix + Rpc.uniqueName("");
    broker.track(name);
    assertThat(
            broker
                .queues()
                .createQueue(CreateQueueRequest.newBuilder().setName(name).build())
                .getQueue()
                .getName())
        .isEqualTo(name);
  }

  @Test
  void nameOf128CharactersIsAccepted() {
    String name = Rpc.uniqueName("long");
    name = name + "x".repeat(128 - name.length());
    broker.track(name);
    assertThat(broker.createQueue(CreateQueueRequest.newBuilder().setName(name)).getName())
        .hasSize(128);
  }

  @ParameterizedTest
  @EnumSource(value = NamedCall.class, names = "CREATE_QUEUE", mode = EnumSource.Mode.EXCLUDE)
  void unknownQueueFailsWithQueueNotFound(NamedCall call) {
    String name = Rpc.uniqueName("bad-unknown");
    Rpc.assertFails(Code.NOT_FOUND, "QUEUE_NOT_FOUND", () -> call.call.accept(broker, name));
  }

  /** Every call that takes a timeout, made on a joinable queue with that timeout. */
  enum TimedCall {
    GET_ITEM(
        (b, q, t) ->
            b.queues()
                .getItem(GetItemRequest.newBuilder().setQueue(q).setTimeoutSeconds(t).build())),
    PUT_ITEM(
        (b, q, t) ->
            b.queues()
                .putItem(
                    PutItemRequest.newBuilder()
                        .setQueue(q)
                        .setItem(Items.text("refused"))
                        .setTimeoutSeconds(t)
                        .build())),
    JOIN_QUEUE(
        (b, q, t) ->
            b.queues()
                .joinQueue(JoinQueueRequest.newBuilder().setQueue(q).setTimeoutSeconds(t).build())),
    CONSUME_PULL(
        (b, q, t) -> {
          ConsumeClient c = ConsumeClient.open(b.channel(), q);
          c.pull(1, t, false);
          rethrow(c.awaitError());
        }),
    PUT_ITEMS_FRAME(
        (b, q, t) -> {
          PutClient p = PutClient.open(b.channel(), q);
          p.put(Items.texts("refused"), t, false);
          rethrow(p.awaitError());
        });

    final TimedAction call;

    TimedCall(TimedAction call) {
      this.call = call;
    }
  }

  /** A call with a queue name and a timeout. */
  interface TimedAction {
    void call(TestBroker broker, String queue, double timeoutSeconds);
  }

  static Stream<Arguments> invalidTimeoutsOnEveryCall() {
    double[] timeouts = {
      -1, -0.001, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
    };
    return Arrays.stream(TimedCall.values())
        .flatMap(c -> Arrays.stream(timeouts).mapToObj(t -> Arguments.of(c, t)));
  }

  @ParameterizedTest(name = "{0} with timeout {1}")
  @MethodSource("invalidTimeoutsOnEveryCall")
  void invalidTimeoutFailsWithInvalidTimeoutAndChangesNothing(TimedCall call, double timeout) {
    String name = broker.createJoinableQueue("bad-timeout", 0);
    broker.put(name, "task");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "INVALID_TIMEOUT", () -> call.call.call(broker, name, timeout));
    var q = broker.getQueue(name);
    assertThat(q.getSize()).isEqualTo(1);
    assertThat(q.getUnacked()).isZero();
    assertThat(q.getUnfinishedTasks()).isEqualTo(1);
  }

  private static Payload bytes(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(data))
        .setContentType("application/octet-stream")
        .build();
  }

  @Test
  void itemOverTheLimitFailsWithItemTooLargeAndNothingIsEnqueued() {
    String name = broker.createQueue("bad-large", 0);
    Payload tooLarge = bytes(ITEM_LIMIT + 1);

    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "ITEM_TOO_LARGE",
        () ->
            broker
                .queues()
                .putItem(PutItemRequest.newBuilder().setQueue(name).setItem(tooLarge).build()));

    // In a frame, the small item before it is refused with it: nothing of the frame is applied.
    PutClient p = PutClient.open(broker.channel(), name);
    p.put(List.of(Items.text("small"), tooLarge), null, true);
    Rpc.assertStatus(p.awaitError(), Code.INVALID_ARGUMENT, "ITEM_TOO_LARGE");
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void itemOfExactlyTheLimitIsAcceptedAndComesBackUnchanged() {
    String name = broker.createQueue("bad-limit", 0);
    Payload atLimit = bytes(ITEM_LIMIT);
    assertThat(
            broker
                .queues()
                .putItem(PutItemRequest.newBuilder().setQueue(name).setItem(atLimit).build())
                .getOutcome())
        .isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    PutClient p = PutClient.open(broker.channel(), name);
    assertThat(p.awaitResult(p.put(List.of(atLimit), null, true)).getOutcome())
        .isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    p.halfCloseAndAwait();

    GetItemResponse unary =
        broker.queues().getItem(GetItemRequest.newBuilder().setQueue(name).setNowait(true).build());
    assertThat(unary.getDelivery().getPayload()).isEqualTo(atLimit);
    ConsumeClient c = ConsumeClient.open(broker.channel(), name);
    PullResult streamed = c.getNowait();
    assertThat(streamed.getDeliveries(0).getPayload()).isEqualTo(atLimit);
    c.ack(Items.ids(streamed));
    c.halfCloseAndAwait();
  }

  @Test
  void putItemWithoutItemFailsWithFieldRequired() {
    String name = broker.createQueue("bad-noitem", 0);
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () -> broker.queues().putItem(PutItemRequest.newBuilder().setQueue(name).build()));
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void emptyItemIsAValidItem() {
    String name = broker.createQueue("bad-emptyitem", 0);
    assertThat(
            broker
                .queues()
                .putItem(
                    PutItemRequest.newBuilder()
                        .setQueue(name)
                        .setItem(Payload.getDefaultInstance())
                        .build())
                .getOutcome())
        .isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    GetItemResponse r =
        broker.queues().getItem(GetItemRequest.newBuilder().setQueue(name).setNowait(true).build());
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    assertThat(r.getDelivery().getPayload()).isEqualTo(Payload.getDefaultInstance());
  }

  @Test
  void contentTypeOver256CharactersFailsWithInvalidFieldValue() {
    String name = broker.createQueue("bad-ctype", 0);
    Payload ok = Payload.newBuilder().setContentType("t".repeat(256)).build();
    Payload tooLong = Payload.newBuilder().setContentType("t".repeat(257)).build();

    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            broker
                .queues()
                .putItem(PutItemRequest.newBuilder().setQueue(name).setItem(tooLong).build()));
    PutClient p = PutClient.open(broker.channel(), name);
    p.send(PutItemsRequest.newBuilder().setPutId(1).addItems(ok).addItems(tooLong).build());
    Rpc.assertStatus(p.awaitError(), Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE");
    assertThat(broker.getQueue(name).getSize()).isZero();

    assertThat(
            broker
                .queues()
                .putItem(PutItemRequest.newBuilder().setQueue(name).setItem(ok).build())
                .getOutcome())
        .isEqualTo(PutOutcome.PUT_OUTCOME_OK);
  }

  @Test
  void negativePageSizeFailsWithInvalidFieldValue() {
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () -> broker.queues().listQueues(ListQueuesRequest.newBuilder().setPageSize(-1).build()));
    // A page size over the maximum is not an error: at most 1000 come back.
    assertThat(
            broker
                .queues()
                .listQueues(ListQueuesRequest.newBuilder().setPageSize(5000).build())
                .getQueuesCount())
        .isLessThanOrEqualTo(1000);
  }

  @Test
  void unknownQueueKindFailsWithInvalidFieldValue() {
    String name = Rpc.uniqueName("bad-kind");
    broker.track(name);
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            broker
                .queues()
                .createQueue(
                    CreateQueueRequest.newBuilder().setName(name).setKindValue(7).build()));
    Rpc.assertFails(Code.NOT_FOUND, "QUEUE_NOT_FOUND", () -> broker.getQueue(name));
    assertThat(QueueKind.forNumber(7)).isNull();
  }

  @Test
  void clientNameOver128CharactersFailsWithInvalidFieldValue() {
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            broker
                .sessions()
                .createSession(
                    CreateSessionRequest.newBuilder().setClientName("c".repeat(129)).build()));
  }
}
