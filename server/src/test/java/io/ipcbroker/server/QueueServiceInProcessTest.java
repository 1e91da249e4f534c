package io.ipcbroker.server;

import static io.ipcbroker.server.GrpcAssertions.assertError;
import static io.ipcbroker.server.GrpcAssertions.assertFails;
import static io.ipcbroker.server.InProcessBroker.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.GetSessionRequest;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.JoinQueueResponse;
import io.ipcbroker.v1.ListQueuesRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueKind;
import io.ipcbroker.v1.StreamOpen;
import io.ipcbroker.v1.TaskDoneRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Drives the queue service through a real gRPC stack on an in-process transport: the status code
 * and {@code ErrorInfo} of errors; the unary {@code GetItem} (commit once the response is written,
 * hand back when cancelled while parked, an in-band EMPTY before a bare deadline); the acked {@code
 * Consume} stream (ack, nack, revoke, half-close and cancel hand-back); the {@code PutItems}
 * stream; joins; and calls bound to a session that ends.
 */
@Timeout(60)
class QueueServiceInProcessTest {
  private InProcessBroker b;

  @BeforeEach
  void setUp() throws Exception {
    b = new InProcessBroker(BrokerConfig.builder().maxItemBytes(1024).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    b.close();
  }

  private static GetItemRequest get(String queue) {
    return GetItemRequest.newBuilder().setQueue(queue).build();
  }

  private static ConsumeRequest open(String queue) {
    return ConsumeRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue(queue)).build();
  }

  private static ConsumeRequest pull(long id, int max) {
    return ConsumeRequest.newBuilder()
        .setPull(Pull.newBuilder().setPullId(id).setMaxItems(max))
        .build();
  }

  private static PullResult nextResult(StreamRecorder<ConsumeResponse> rec) throws Exception {
    ConsumeResponse r = rec.next();
    assertThat(r.hasPullResult()).as("a pull result: %s", r).isTrue();
    return r.getPullResult();
  }

  @Test
  void errorsCarryTheirCodeAndReasonInTheBrokersDomain() throws Exception {
    ErrorInfo missing =
        assertFails(
            () -> b.queues.getQueue(GetQueueRequest.newBuilder().setName("nope").build()),
            Status.Code.NOT_FOUND,
            Reason.QUEUE_NOT_FOUND);
    assertThat(missing.getMetadataMap()).containsEntry("queue", "nope");

    assertFails(() -> b.create("bad name", 0), Status.Code.INVALID_ARGUMENT, Reason.INVALID_NAME);
    b.create("jobs", 5);
    assertFails(() -> b.create("jobs", 5), Status.Code.ALREADY_EXISTS, Reason.QUEUE_ALREADY_EXISTS);
    assertFails(
        () ->
            b.queues.createQueue(
                CreateQueueRequest.newBuilder()
                    .setName("jobs")
                    .setMaxsize(6)
                    .setAllowExisting(true)
                    .build()),
        Status.Code.FAILED_PRECONDITION,
        Reason.CONFIG_MISMATCH);
    assertFails(
        () ->
            b.queues.createQueue(
                CreateQueueRequest.newBuilder().setName("eph").setEphemeral(true).build()),
        Status.Code.INVALID_ARGUMENT,
        Reason.FIELD_REQUIRED);
    assertFails(
        () -> b.queues.getItem(get("jobs").toBuilder().setTimeoutSeconds(-1).build()),
        Status.Code.INVALID_ARGUMENT,
        Reason.INVALID_TIMEOUT);
    assertFails(
        () ->
            b.queues.putItem(
                PutItemRequest.newBuilder()
                    .setQueue("jobs")
                    .setItem(Payload.newBuilder().setData(ByteString.copyFrom(new byte[1025])))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        Reason.ITEM_TOO_LARGE);
    assertFails(
        () -> b.queues.taskDone(TaskDoneRequest.newBuilder().setQueue("jobs").build()),
        Status.Code.FAILED_PRECONDITION,
        Reason.QUEUE_NOT_JOINABLE);
    assertFails(
        () -> b.queues.listQueues(ListQueuesRequest.newBuilder().setPageToken("x!").build()),
        Status.Code.INVALID_ARGUMENT,
        Reason.INVALID_FIELD_VALUE);
    assertFails(
        () ->
            b.sessions.createSession(CreateSessionRequest.newBuilder().setTtlSeconds(0.1).build()),
        Status.Code.INVALID_ARGUMENT,
        Reason.INVALID_FIELD_VALUE);
    assertFails(
        () -> b.sessions.getSession(GetSessionRequest.newBuilder().setSessionId("nope").build()),
        Status.Code.NOT_FOUND,
        Reason.SESSION_NOT_FOUND);
    b.put("jobs", "a");
    assertFails(
        () -> b.queues.deleteQueue(DeleteQueueRequest.newBuilder().setName("jobs").build()),
        Status.Code.FAILED_PRECONDITION,
        Reason.QUEUE_NOT_EMPTY);
    // None of the refusals changed the queue.
    assertThat(b.queue("jobs").getSize()).isEqualTo(1);
  }

  @Test
  void streamProtocolErrorsEndTheStream() throws Exception {
    b.create("jobs", 0);
    StreamRecorder<ConsumeResponse> noOpen = new StreamRecorder<>();
    b.queuesAsync.consume(noOpen).onNext(pull(1, 1));
    assertError(
        noOpen.awaitError(), Status.Code.INVALID_ARGUMENT, Reason.STREAM_PROTOCOL_VIOLATION);

    StreamRecorder<ConsumeResponse> badAck = new StreamRecorder<>();
    StreamObserver<ConsumeRequest> req = b.queuesAsync.consume(badAck);
    req.onNext(open("jobs"));
    req.onNext(ConsumeRequest.newBuilder().addAckIds(12345).build());
    ErrorInfo info =
        assertError(badAck.awaitError(), Status.Code.NOT_FOUND, Reason.DELIVERY_NOT_FOUND);
    assertThat(info.getMetadataMap()).containsEntry("deliveryId", "12345");

    StreamRecorder<ConsumeResponse> tooMany = new StreamRecorder<>();
    StreamObserver<ConsumeRequest> req2 = b.queuesAsync.consume(tooMany);
    req2.onNext(open("jobs"));
    req2.onNext(pull(1, 5000));
    assertError(tooMany.awaitError(), Status.Code.INVALID_ARGUMENT, Reason.INVALID_FIELD_VALUE);

    StreamRecorder<PutItemsResponse> emptyFrame = new StreamRecorder<>();
    StreamObserver<PutItemsRequest> put = b.queuesAsync.putItems(emptyFrame);
    put.onNext(
        PutItemsRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue("jobs")).build());
    put.onNext(PutItemsRequest.newBuilder().setPutId(1).build());
    assertError(emptyFrame.awaitError(), Status.Code.INVALID_ARGUMENT, Reason.FIELD_REQUIRED);
  }

  @Test
  void getItemCommitsOnceTheResponseWasWritten() {
    b.create("jobs", 0);
    b.put("jobs", "a");
    GetItemResponse r = b.queues.getItem(get("jobs").toBuilder().setNowait(true).build());
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    assertThat(text(r.getDelivery().getPayload())).isEqualTo("a");
    assertThat(r.getDelivery().getDeliveryCount()).isEqualTo(1);
    assertThat(r.getDelivery().getRedelivered()).isFalse();
    // The close handler commits it: nothing stays unacked and nothing comes back.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Queue q = b.queue("jobs");
              assertThat(q.getUnacked()).isZero();
              assertThat(q.getSize()).isZero();
            });
    assertThat(b.queues.getItem(get("jobs").toBuilder().setNowait(true).build()).getOutcome())
        .isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
  }

  @Test
  void cancelledParkedGetItemDoesNotSwallowTheNextItem() throws Exception {
    b.create("jobs", 0);
    StreamRecorder<GetItemResponse> rec = new StreamRecorder<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(() -> b.queuesAsync.getItem(get("jobs"), rec));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingGetters() == 1);

    ctx.cancel(null);
    assertThat(Status.fromThrowable(rec.awaitError()).getCode()).isEqualTo(Status.Code.CANCELLED);
    // The broker has let go of the waiter once it no longer counts it.
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingGetters() == 0);

    b.put("jobs", "a");
    assertThat(b.queue("jobs").getSize()).isEqualTo(1);
    GetItemResponse r = b.queues.getItem(get("jobs").toBuilder().setNowait(true).build());
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    assertThat(text(r.getDelivery().getPayload())).isEqualTo("a");
    assertThat(r.getDelivery().getDeliveryCount()).isEqualTo(1);
    assertThat(rec.all()).isEmpty();
  }

  @Test
  void getItemWithOnlyADeadlineAnswersEmptyBeforeIt() {
    b.create("jobs", 0);
    long start = System.nanoTime();
    GetItemResponse r = b.queues.withDeadlineAfter(500, TimeUnit.MILLISECONDS).getItem(get("jobs"));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // An in-band answer, not DEADLINE_EXCEEDED, and only after waiting most of the deadline.
    assertThat(r.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    assertThat(r.hasDelivery()).isFalse();
    assertThat(elapsedMs).isBetween(300L, 500L);
    assertThat(b.queue("jobs").getWaitingGetters()).isZero();
  }

  @Test
  void getItemTimeoutAndNowaitAnswerEmpty() {
    b.create("jobs", 0);
    assertThat(b.queues.getItem(get("jobs").toBuilder().setNowait(true).build()).getOutcome())
        .isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    assertThat(
            b.queues.getItem(get("jobs").toBuilder().setTimeoutSeconds(0.05).build()).getOutcome())
        .isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
  }

  @Test
  void parkedGetItemIsServedByALaterPut() throws Exception {
    b.create("jobs", 0);
    StreamRecorder<GetItemResponse> rec = new StreamRecorder<>();
    b.queuesAsync.getItem(get("jobs"), rec);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingGetters() == 1);
    b.put("jobs", "a");
    assertThat(text(rec.next().getDelivery().getPayload())).isEqualTo("a");
    rec.awaitCompleted();
  }

  @Test
  void consumeAcksNacksRevokesAndHandsBackOnHalfClose() throws Exception {
    b.create("jobs", 0);
    StreamRecorder<ConsumeResponse> rec = new StreamRecorder<>();
    StreamObserver<ConsumeRequest> req = b.queuesAsync.consume(rec);
    req.onNext(open("jobs"));
    ConsumeResponse opened = rec.next();
    assertThat(opened.hasOpened()).isTrue();
    assertThat(opened.getOpened().getName()).isEqualTo("jobs");

    b.put("jobs", "a");
    b.put("jobs", "b");
    req.onNext(pull(1, 2));
    PullResult first = nextResult(rec);
    assertThat(first.getPullId()).isEqualTo(1);
    assertThat(first.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    List<Delivery> ds = first.getDeliveriesList();
    assertThat(ds).extracting(d -> text(d.getPayload())).containsExactly("a", "b");

    // Ack a and nack b in one request, then pull again: b comes back, not marked redelivered.
    req.onNext(
        ConsumeRequest.newBuilder()
            .addAckIds(ds.get(0).getDeliveryId())
            .addNackIds(ds.get(1).getDeliveryId())
            .setPull(Pull.newBuilder().setPullId(2))
            .build());
    PullResult second = nextResult(rec);
    assertThat(second.getDeliveriesList()).hasSize(1);
    Delivery again = second.getDeliveries(0);
    assertThat(text(again.getPayload())).isEqualTo("b");
    assertThat(again.getRedelivered()).isFalse();
    assertThat(again.getDeliveryCount()).isEqualTo(2);

    // A pull with a short timeout answers EMPTY; a parked pull that is revoked answers REVOKED.
    req.onNext(
        ConsumeRequest.newBuilder()
            .setPull(Pull.newBuilder().setPullId(3).setTimeoutSeconds(0.05))
            .build());
    assertThat(nextResult(rec).getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    req.onNext(pull(4, 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingGetters() == 1);
    req.onNext(ConsumeRequest.newBuilder().setRevokePullId(4).build());
    PullResult revoked = nextResult(rec);
    assertThat(revoked.getPullId()).isEqualTo(4);
    assertThat(revoked.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_REVOKED);
    assertThat(b.queue("jobs").getUnacked()).isEqualTo(1);

    // Half-close: the broker completes the stream and b goes back, marked redelivered.
    req.onCompleted();
    rec.awaitCompleted();
    Queue q = b.queue("jobs");
    assertThat(q.getUnacked()).isZero();
    assertThat(q.getSize()).isEqualTo(1);
    GetItemResponse r = b.queues.getItem(get("jobs").toBuilder().setNowait(true).build());
    assertThat(text(r.getDelivery().getPayload())).isEqualTo("b");
    assertThat(r.getDelivery().getRedelivered()).isTrue();
    assertThat(r.getDelivery().getDeliveryCount()).isEqualTo(3);
  }

  @Test
  void cancelledConsumeStreamHandsBackWhatItHeld() throws Exception {
    b.create("jobs", 0);
    b.put("jobs", "a");
    StreamRecorder<ConsumeResponse> rec = new StreamRecorder<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    StreamObserver<ConsumeRequest> req = ctx.call(() -> b.queuesAsync.consume(rec));
    req.onNext(open("jobs"));
    req.onNext(pull(1, 1));
    rec.next(); // opened
    assertThat(nextResult(rec).getDeliveriesCount()).isEqualTo(1);
    assertThat(b.queue("jobs").getUnacked()).isEqualTo(1);

    ctx.cancel(null);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Queue q = b.queue("jobs");
              assertThat(q.getUnacked()).isZero();
              assertThat(q.getSize()).isEqualTo(1);
            });
    GetItemResponse r = b.queues.getItem(get("jobs").toBuilder().setNowait(true).build());
    assertThat(text(r.getDelivery().getPayload())).isEqualTo("a");
    assertThat(r.getDelivery().getRedelivered()).isTrue();
  }

  @Test
  void putItemsStreamAnswersEveryFrameWithItsAcceptedPrefix() throws Exception {
    b.create("jobs", 2);
    StreamRecorder<PutItemsResponse> rec = new StreamRecorder<>();
    StreamObserver<PutItemsRequest> req = b.queuesAsync.putItems(rec);
    req.onNext(
        PutItemsRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue("jobs")).build());
    assertThat(rec.next().hasOpened()).isTrue();
    req.onNext(
        PutItemsRequest.newBuilder()
            .setPutId(1)
            .addItems(text("a"))
            .addItems(text("b"))
            .addItems(text("c"))
            .setNowait(true)
            .build());
    PutResult r1 = rec.next().getResult();
    assertThat(r1.getPutId()).isEqualTo(1);
    assertThat(r1.getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    assertThat(r1.getAccepted()).isEqualTo(2);

    req.onNext(
        PutItemsRequest.newBuilder()
            .setPutId(2)
            .addItems(text("d"))
            .setTimeoutSeconds(0.05)
            .build());
    PutResult r2 = rec.next().getResult();
    assertThat(r2.getPutId()).isEqualTo(2);
    assertThat(r2.getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    assertThat(r2.getAccepted()).isZero();

    // A parked frame completes when room opens; half-close then completes the stream.
    req.onNext(PutItemsRequest.newBuilder().setPutId(3).addItems(text("e")).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingPutters() == 1);
    req.onCompleted();
    GetItemResponse got = b.queues.getItem(get("jobs").toBuilder().setNowait(true).build());
    assertThat(text(got.getDelivery().getPayload())).isEqualTo("a");
    PutResult r3 = rec.next().getResult();
    assertThat(r3.getPutId()).isEqualTo(3);
    assertThat(r3.getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    rec.awaitCompleted();
    assertThat(b.queue("jobs").getSize()).isEqualTo(2);
  }

  @Test
  void forceDeleteEndsParkedCallsWithObjectDeleted() throws Exception {
    b.create("jobs", 0);
    StreamRecorder<GetItemResponse> parked = new StreamRecorder<>();
    b.queuesAsync.getItem(get("jobs"), parked);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingGetters() == 1);
    assertFails(
        () -> b.queues.deleteQueue(DeleteQueueRequest.newBuilder().setName("jobs").build()),
        Status.Code.FAILED_PRECONDITION,
        Reason.QUEUE_IN_USE);
    assertThat(
            b.queues
                .deleteQueue(DeleteQueueRequest.newBuilder().setName("jobs").setForce(true).build())
                .getDeleted())
        .isTrue();
    assertError(parked.awaitError(), Status.Code.NOT_FOUND, Reason.OBJECT_DELETED);
  }

  @Test
  void joinQueueReturnsWhenEveryTaskIsDone() throws Exception {
    b.queues.createQueue(
        CreateQueueRequest.newBuilder()
            .setName("tasks")
            .setKind(QueueKind.QUEUE_KIND_JOINABLE)
            .build());
    b.put("tasks", "a");
    JoinQueueResponse timedOut =
        b.queues.joinQueue(
            JoinQueueRequest.newBuilder().setQueue("tasks").setTimeoutSeconds(0.05).build());
    assertThat(timedOut.getDone()).isFalse();
    assertThat(timedOut.getUnfinishedTasks()).isEqualTo(1);

    StreamRecorder<JoinQueueResponse> join = new StreamRecorder<>();
    b.queuesAsync.joinQueue(JoinQueueRequest.newBuilder().setQueue("tasks").build(), join);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("tasks").getWaitingJoiners() == 1);
    assertFails(
        () -> b.queues.taskDone(TaskDoneRequest.newBuilder().setQueue("tasks").setCount(2).build()),
        Status.Code.FAILED_PRECONDITION,
        Reason.TASK_DONE_TOO_MANY_TIMES);
    assertThat(
            b.queues
                .taskDone(TaskDoneRequest.newBuilder().setQueue("tasks").build())
                .getUnfinishedTasks())
        .isZero();
    JoinQueueResponse done = join.next();
    assertThat(done.getDone()).isTrue();
    assertThat(done.getUnfinishedTasks()).isZero();
    join.awaitCompleted();
  }

  @Test
  void callsBoundToASessionEndWithIt() throws Exception {
    String session =
        b.sessions
            .createSession(CreateSessionRequest.getDefaultInstance())
            .getSession()
            .getSessionId();
    b.queues.createQueue(
        CreateQueueRequest.newBuilder()
            .setName("eph")
            .setEphemeral(true)
            .setSessionId(session)
            .build());
    b.create("jobs", 0);
    StreamRecorder<GetItemResponse> parked = new StreamRecorder<>();
    b.queuesAsync.getItem(get("jobs").toBuilder().setSessionId(session).build(), parked);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingGetters() == 1);

    b.sessions.deleteSession(DeleteSessionRequest.newBuilder().setSessionId(session).build());
    assertError(parked.awaitError(), Status.Code.NOT_FOUND, Reason.SESSION_NOT_FOUND);
    assertThat(b.queue("jobs").getWaitingGetters()).isZero();
    assertFails(() -> b.queue("eph"), Status.Code.NOT_FOUND, Reason.QUEUE_NOT_FOUND);
    // Nothing is granted to an ended session.
    assertFails(
        () -> b.queues.getItem(get("jobs").toBuilder().setSessionId(session).build()),
        Status.Code.NOT_FOUND,
        Reason.SESSION_NOT_FOUND);
    assertThat(b.queue("jobs").getWaitingGetters()).isZero();
  }
}
