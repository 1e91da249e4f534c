package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetSessionRequest;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.JoinQueueResponse;
import io.ipcbroker.v1.KeepAliveResponse;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.RefreshSessionRequest;
import io.ipcbroker.v1.Session;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sessions: create, describe, renew (unary and over {@code KeepAlive}), end (delete, expiry, end of
 * the keep-alive stream), and what their end releases: parked calls, streams and their
 * unacknowledged deliveries.
 */
@Timeout(60)
class SessionConformanceTest {
  private final TestBroker broker = new TestBroker();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void cleanUp() {
    scheduler.shutdownNow();
    broker.close();
  }

  private Session get(String id) {
    return broker
        .sessions()
        .getSession(GetSessionRequest.newBuilder().setSessionId(id).build())
        .getSession();
  }

  private void delete(String id) {
    broker.sessions().deleteSession(DeleteSessionRequest.newBuilder().setSessionId(id).build());
  }

  private Session refresh(String id) {
    return broker
        .sessions()
        .refreshSession(RefreshSessionRequest.newBuilder().setSessionId(id).build())
        .getSession();
  }

  /** Whether the session is gone; asserts the status when it is. */
  private boolean gone(String id) {
    try {
      get(id);
      return false;
    } catch (StatusRuntimeException e) {
      Rpc.assertStatus(e, Code.NOT_FOUND, "SESSION_NOT_FOUND");
      return true;
    }
  }

  private void awaitGone(String id) {
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10)).until(() -> gone(id));
  }

  private static Duration ttlOf(Session s) {
    return Duration.ofMillis(
        Timestamps.toMillis(s.getExpireTime()) - Timestamps.toMillis(s.getCreateTime()));
  }

  @Test
  void createAnswersALiveSessionWithItsTtlAndNames() {
    Session s =
        broker
            .sessions()
            .createSession(
                CreateSessionRequest.newBuilder()
                    .setTtlSeconds(5)
                    .setClientName("conformance-suite")
                    .build())
            .getSession();
    broker.trackSession(s.getSessionId());

    assertThat(s.getSessionId()).isNotEmpty();
    assertThat(s.getTtlSeconds()).isEqualTo(5.0);
    assertThat(s.getClientName()).isEqualTo("conformance-suite");
    assertThat(s.getServerId()).isNotEmpty();
    assertThat(ttlOf(s)).isBetween(Duration.ofMillis(4750), Duration.ofMillis(5250));

    Session described = get(s.getSessionId());
    assertThat(described.getSessionId()).isEqualTo(s.getSessionId());
    assertThat(described.getClientName()).isEqualTo("conformance-suite");
    assertThat(described.getCreateTime()).isEqualTo(s.getCreateTime());
  }

  @Test
  void ttlOfZeroMeansTheDefaultOfTenSeconds() {
    Session s = broker.createSession(0);
    assertThat(s.getTtlSeconds()).isEqualTo(10.0);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.5, 3600})
  void ttlAtTheBoundsIsAccepted(double ttl) {
    assertThat(broker.createSession(ttl).getTtlSeconds()).isEqualTo(ttl);
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {
        -1,
        -0.5,
        0.1,
        0.49,
        3600.5,
        4000,
        Double.NaN,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY
      })
  void invalidTtlFailsWithInvalidFieldValue(double ttl) {
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            broker
                .sessions()
                .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(ttl).build()));
  }

  @Test
  void serverIdIsTheSameAcrossSessions() {
    Session a = broker.createSession(0);
    Session b = broker.createSession(0);
    assertThat(a.getSessionId()).isNotEqualTo(b.getSessionId());
    assertThat(a.getServerId()).isEqualTo(b.getServerId());
  }

  @Test
  void deleteEndsTheSessionAndEveryLaterCallNamingItFails() {
    String id = broker.createSession(0).getSessionId();
    delete(id);
    Rpc.assertFails(Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> get(id));
    Rpc.assertFails(Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> refresh(id));
    Rpc.assertFails(Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> delete(id));
  }

  @Test
  void emptySessionIdFailsWithFieldRequired() {
    Rpc.assertFails(Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> get(""));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> refresh(""));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> delete(""));
  }

  @Test
  void sessionWithoutRenewalExpiresAfterItsTtlAndItsParkedCallIsAnswered() {
    String queue = broker.createQueue("session-expiry", 0);
    long t0 = Timing.start();
    String id = broker.createSession(1).getSessionId();
    CompletableFuture<GetItemResponse> parked =
        Unary.call(
            o ->
                TestBroker.queuesAsync(broker.newChannel())
                    .getItem(
                        GetItemRequest.newBuilder().setQueue(queue).setSessionId(id).build(), o));

    // Polling with GetSession also shows that describing a session does not renew it.
    awaitGone(id);
    assertThat(Timing.since(t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(Timing.EARLY));
    Rpc.assertStatus(Unary.awaitFailure(parked), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    assertThat(Timing.since(t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(Timing.EARLY));
  }

  @Test
  void refreshSessionKeepsTheSessionAlivePastItsTtl() {
    Session s = broker.createSession(1);
    List<Session> renewals = new CopyOnWriteArrayList<>();
    scheduler.scheduleAtFixedRate(
        () -> renewals.add(refresh(s.getSessionId())), 250, 250, TimeUnit.MILLISECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> renewals.size() >= 8); // about 2 s
    assertThat(get(s.getSessionId()).getSessionId()).isEqualTo(s.getSessionId());
    assertThat(Timestamps.compare(renewals.get(7).getExpireTime(), s.getExpireTime()))
        .as("the expiry moved on")
        .isPositive();
  }

  @Test
  void keepAliveStreamKeepsTheSessionAlivePastTwiceItsTtlAndItsEndEndsTheSession() {
    Session s = broker.createSession(1);
    KeepAliveClient keepAlive = KeepAliveClient.start(broker.newChannel());
    keepAlive.send(s.getSessionId());
    scheduler.scheduleAtFixedRate(() -> keepAlive.send(""), 250, 250, TimeUnit.MILLISECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> keepAlive.responses().size() >= 10);
    assertThat(get(s.getSessionId()).getSessionId()).isEqualTo(s.getSessionId());
    List<KeepAliveResponse> responses = keepAlive.responses();
    assertThat(responses)
        .allSatisfy(r -> assertThat(r.getSession().getSessionId()).isEqualTo(s.getSessionId()));
    assertThat(
            Timestamps.compare(
                responses.get(9).getSession().getExpireTime(),
                responses.get(0).getSession().getExpireTime()))
        .isPositive();

    scheduler.shutdownNow();
    keepAlive.halfCloseAndAwait();
    awaitGone(s.getSessionId());
  }

  @Test
  void keepAliveStreamThatFallsSilentEndsWithSessionNotFoundOnceTheTtlPasses() {
    Session s = broker.createSession(1);
    KeepAliveClient keepAlive = KeepAliveClient.start(broker.newChannel());
    long t0 = Timing.start();
    keepAlive.send(s.getSessionId());

    Rpc.assertStatus(keepAlive.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    assertThat(Timing.since(t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(Timing.EARLY));
    assertThat(gone(s.getSessionId())).isTrue();
  }

  @Test
  void cancellingTheKeepAliveStreamEndsTheSession() {
    Session s = broker.createSession(0); // 10 s: only the cancel can end it within the wait
    KeepAliveClient keepAlive = KeepAliveClient.start(broker.newChannel());
    keepAlive.send(s.getSessionId());
    await().atMost(Duration.ofSeconds(5)).until(() -> keepAlive.responses().size() == 1);

    keepAlive.cancel();
    awaitGone(s.getSessionId());
  }

  @Test
  void keepAliveStreamEndsWithTheStatusOfItsFirstRequestOrOfItsSession() {
    KeepAliveClient noId = KeepAliveClient.start(broker.channel());
    noId.send("");
    Rpc.assertStatus(noId.awaitError(), Code.INVALID_ARGUMENT, "FIELD_REQUIRED");

    KeepAliveClient unknown = KeepAliveClient.start(broker.channel());
    unknown.send("no-such-session");
    Rpc.assertStatus(unknown.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");

    Session s = broker.createSession(0);
    KeepAliveClient deleted = KeepAliveClient.start(broker.channel());
    deleted.send(s.getSessionId());
    await().atMost(Duration.ofSeconds(5)).until(() -> deleted.responses().size() == 1);
    delete(s.getSessionId());
    Rpc.assertStatus(deleted.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");
  }

  @Test
  void keepAliveRequestNamingAnotherSessionIsAProtocolViolationThatEndsTheSession() {
    Session s = broker.createSession(0);
    Session other = broker.createSession(0);
    KeepAliveClient keepAlive = KeepAliveClient.start(broker.channel());
    keepAlive.send(s.getSessionId());
    keepAlive.send(other.getSessionId());
    Rpc.assertStatus(keepAlive.awaitError(), Code.INVALID_ARGUMENT, "STREAM_PROTOCOL_VIOLATION");
    awaitGone(s.getSessionId());
    assertThat(get(other.getSessionId()).getSessionId()).isEqualTo(other.getSessionId());
  }

  @Test
  void deletingASessionAnswersItsParkedCallsAndStreamsAndReturnsUnackedItems() {
    String id = broker.createSession(0).getSessionId();
    String empty = broker.createQueue("session-empty", 0);
    String held = broker.createQueue("session-held", 0);
    String full = broker.createQueue("session-full", 1);
    String joinable = broker.createJoinableQueue("session-join", 0);
    broker.put(held, "a", "b");
    broker.put(full, "x");
    broker.put(joinable, "task");

    ManagedChannel channel = broker.newChannel();
    QueueServiceGrpc.QueueServiceStub stub = TestBroker.queuesAsync(channel);
    CompletableFuture<GetItemResponse> getter =
        Unary.call(
            o ->
                stub.getItem(
                    GetItemRequest.newBuilder().setQueue(empty).setSessionId(id).build(), o));
    CompletableFuture<PutItemResponse> putter =
        Unary.call(
            o ->
                stub.putItem(
                    PutItemRequest.newBuilder()
                        .setQueue(full)
                        .setItem(Items.text("y"))
                        .setSessionId(id)
                        .build(),
                    o));
    CompletableFuture<JoinQueueResponse> joiner =
        Unary.call(
            o ->
                stub.joinQueue(
                    JoinQueueRequest.newBuilder().setQueue(joinable).setSessionId(id).build(), o));
    ConsumeClient consumer = ConsumeClient.open(channel, held, id);
    PullResult taken = consumer.awaitResult(consumer.pull(1, null, true));
    assertThat(Items.texts(taken)).containsExactly("a");
    ConsumeClient waiting = ConsumeClient.open(channel, empty, id);
    long pending = waiting.pull(1, null, false);
    PutClient producer = PutClient.open(channel, full, id);
    long frame = producer.put(Items.texts("z"), null, false);
    broker.awaitQueue(empty, q -> q.getWaitingGetters() == 2);
    broker.awaitQueue(full, q -> q.getWaitingPutters() == 2);
    broker.awaitQueue(joinable, q -> q.getWaitingJoiners() == 1);

    delete(id);

    Rpc.assertStatus(Unary.awaitFailure(getter), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    Rpc.assertStatus(Unary.awaitFailure(putter), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    Rpc.assertStatus(Unary.awaitFailure(joiner), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    Rpc.assertStatus(consumer.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    Rpc.assertStatus(waiting.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    assertThat(waiting.result(pending)).isNotDone();
    Rpc.assertStatus(producer.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    assertThat(producer.events())
        .containsExactly("opened", "result:" + frame + ":PUT_OUTCOME_ABORTED:0", "error:NOT_FOUND");

    // The unacked "a" is back at the head, flagged; nothing of the session's puts went in.
    ConsumeClient after = ConsumeClient.open(broker.channel(), held);
    PullResult back = after.awaitResult(after.pull(2, null, true));
    assertThat(Items.texts(back)).containsExactly("a", "b");
    assertThat(back.getDeliveries(0).getRedelivered()).isTrue();
    assertThat(broker.take(full, 1)).containsExactly("x");
    assertThat(broker.getQueue(full).getSize()).isZero();
    assertThat(broker.getQueue(empty).getWaitingGetters()).isZero();
  }

  @Test
  void itemsReturnedByAnEndedSessionAreNotGrantedToTheSameSessionsParkedCalls() {
    String id = broker.createSession(0).getSessionId();
    String name = broker.createQueue("session-nogrant", 0);
    broker.put(name, "a");
    ConsumeClient holder = ConsumeClient.open(broker.newChannel(), name, id);
    assertThat(Items.texts(holder.getNowait())).containsExactly("a");
    ManagedChannel channel = broker.newChannel();
    CompletableFuture<GetItemResponse> getter =
        Unary.call(
            o ->
                TestBroker.queuesAsync(channel)
                    .getItem(
                        GetItemRequest.newBuilder().setQueue(name).setSessionId(id).build(), o));
    ConsumeClient waiter = ConsumeClient.open(broker.newChannel(), name, id);
    long pending = waiter.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 2);

    delete(id);

    Rpc.assertStatus(holder.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    Rpc.assertStatus(Unary.awaitFailure(getter), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    Rpc.assertStatus(waiter.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    assertThat(waiter.result(pending)).isNotDone();
    assertThat(broker.take(name, 1)).containsExactly("a");
    assertThat(broker.getQueue(name).getSize()).isZero();
  }

  @Test
  void callsNamingAnEndedSessionFailWithSessionNotFoundAndChangeNothing() {
    String id = broker.createSession(0).getSessionId();
    delete(id);
    String name = broker.createQueue("session-ended", 0);
    String joinable = broker.createJoinableQueue("session-ended-join", 0);
    broker.put(name, "kept");
    broker.put(joinable, "task");

    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () ->
            broker
                .queues()
                .getItem(
                    GetItemRequest.newBuilder()
                        .setQueue(name)
                        .setNowait(true)
                        .setSessionId(id)
                        .build()));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () ->
            broker
                .queues()
                .putItem(
                    PutItemRequest.newBuilder()
                        .setQueue(name)
                        .setItem(Items.text("refused"))
                        .setSessionId(id)
                        .build()));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () ->
            broker
                .queues()
                .joinQueue(
                    JoinQueueRequest.newBuilder()
                        .setQueue(joinable)
                        .setTimeoutSeconds(0.2)
                        .setSessionId(id)
                        .build()));
    Rpc.assertStatus(
        ConsumeClient.start(broker.channel(), name, id).awaitError(),
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND");
    Rpc.assertStatus(
        PutClient.start(broker.channel(), name, id).awaitError(),
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND");
    String ephemeral = Rpc.uniqueName("session-ended-eph");
    broker.track(ephemeral);
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () ->
            broker
                .queues()
                .createQueue(
                    CreateQueueRequest.newBuilder()
                        .setName(ephemeral)
                        .setEphemeral(true)
                        .setSessionId(id)
                        .build()));
    KeepAliveClient keepAlive = KeepAliveClient.start(broker.channel());
    keepAlive.send(id);
    Rpc.assertStatus(keepAlive.awaitError(), Code.NOT_FOUND, "SESSION_NOT_FOUND");

    assertThat(broker.take(name, 1)).containsExactly("kept");
    assertThat(broker.getQueue(name).getSize()).isZero();
    Rpc.assertFails(Code.NOT_FOUND, "QUEUE_NOT_FOUND", () -> broker.getQueue(ephemeral));
  }

  @Test
  void putItemBoundToASessionStillCompletesWhileTheSessionLives() {
    String id = broker.createSession(0).getSessionId();
    String name = broker.createQueue("session-put", 0);
    PutItemResponse r =
        broker
            .queues()
            .putItem(
                PutItemRequest.newBuilder()
                    .setQueue(name)
                    .setItem(Items.text("in"))
                    .setSessionId(id)
                    .build());
    assertThat(r.getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    delete(id);
    // What a session put stays: only waits and unacked deliveries are released.
    assertThat(broker.take(name, 1)).containsExactly("in");
  }
}
