package io.ipcbroker.server;

import static io.ipcbroker.server.GrpcAssertions.assertError;
import static io.ipcbroker.server.GrpcAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetSessionRequest;
import io.ipcbroker.v1.KeepAliveRequest;
import io.ipcbroker.v1.KeepAliveResponse;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.RefreshSessionRequest;
import io.ipcbroker.v1.Session;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves session keep-alive and the broker's life cycle over an in-process transport: a {@code
 * KeepAlive} stream keeps a 1 s session alive for as long as it runs and ending the stream ends the
 * session; graceful shutdown answers parked {@code GetItem} calls and open {@code Consume} streams
 * {@code UNAVAILABLE}/{@code SERVER_SHUTTING_DOWN} without handing over the item a failing stream
 * gives back; health goes from SERVING to NOT_SERVING when shutdown begins.
 */
@Timeout(60)
class BrokerLifecycleInProcessTest {
  private InProcessBroker b;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

  @BeforeEach
  void setUp() throws Exception {
    b = new InProcessBroker(BrokerConfig.builder().shutdownGrace(Duration.ofSeconds(5)).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    ticker.shutdownNow();
    ticker.awaitTermination(5, TimeUnit.SECONDS);
    b.close();
  }

  private Session createSession(double ttl) {
    return b.sessions
        .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(ttl).build())
        .getSession();
  }

  private boolean alive(String id) {
    try {
      b.sessions.getSession(GetSessionRequest.newBuilder().setSessionId(id).build());
      return true;
    } catch (StatusRuntimeException e) {
      assertError(e, Status.Code.NOT_FOUND, Reason.SESSION_NOT_FOUND);
      return false;
    }
  }

  @Test
  void createdSessionDescribesItself() {
    Session s =
        b.sessions
            .createSession(CreateSessionRequest.newBuilder().setClientName("tester").build())
            .getSession();
    assertThat(s.getSessionId()).isNotEmpty();
    assertThat(s.getTtlSeconds()).isEqualTo(10.0);
    assertThat(s.getClientName()).isEqualTo("tester");
    assertThat(s.getServerId()).isEqualTo(b.broker.sessions().serverId());
    long ttlMillis =
        (s.getExpireTime().getSeconds() - s.getCreateTime().getSeconds()) * 1000
            + (s.getExpireTime().getNanos() - s.getCreateTime().getNanos()) / 1_000_000;
    assertThat(ttlMillis).isBetween(9_000L, 10_100L);
    Session refreshed =
        b.sessions
            .refreshSession(
                RefreshSessionRequest.newBuilder().setSessionId(s.getSessionId()).build())
            .getSession();
    assertThat(refreshed.getSessionId()).isEqualTo(s.getSessionId());
  }

  @Test
  void keepAliveStreamKeepsAShortSessionAliveAndCancellingItEndsTheSession() throws Exception {
    Session kept = createSession(1.0);
    Session unkept = createSession(1.0);
    String id = kept.getSessionId();

    StreamRecorder<KeepAliveResponse> rec = new StreamRecorder<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    StreamObserver<KeepAliveRequest> req = ctx.call(() -> b.sessionsAsync.keepAlive(rec));
    // One renewal every TTL/4, always from the ticker thread (a request observer is not
    // thread-safe); the first one names the session, later ones may leave it empty.
    KeepAliveRequest first = KeepAliveRequest.newBuilder().setSessionId(id).build();
    ticker.execute(() -> req.onNext(first));
    ticker.scheduleAtFixedRate(
        () -> req.onNext(KeepAliveRequest.getDefaultInstance()), 250, 250, TimeUnit.MILLISECONDS);

    KeepAliveResponse answer = rec.next();
    assertThat(answer.getSession().getSessionId()).isEqualTo(id);
    // Alive for 1.6 s, well past its 1 s TTL, while the session without keep-alive expires.
    await()
        .during(Duration.ofMillis(1600))
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> alive(id));
    assertThat(alive(unkept.getSessionId())).isFalse();
    assertThat(rec.all().size()).isGreaterThanOrEqualTo(4);

    ticker.shutdownNow();
    assertThat(ticker.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    ctx.cancel(null);
    await().atMost(Duration.ofSeconds(10)).until(() -> !alive(id));
    assertFails(
        () -> b.sessions.getSession(GetSessionRequest.newBuilder().setSessionId(id).build()),
        Status.Code.NOT_FOUND,
        Reason.SESSION_NOT_FOUND);
  }

  @Test
  void halfClosingKeepAliveEndsTheSessionAndCompletesTheStream() throws Exception {
    String id = createSession(10).getSessionId();
    StreamRecorder<KeepAliveResponse> rec = new StreamRecorder<>();
    StreamObserver<KeepAliveRequest> req = b.sessionsAsync.keepAlive(rec);
    req.onNext(KeepAliveRequest.newBuilder().setSessionId(id).build());
    assertThat(rec.next().getSession().getSessionId()).isEqualTo(id);
    req.onCompleted();
    rec.awaitCompleted();
    assertThat(alive(id)).isFalse();
  }

  @Test
  void keepAliveProtocolErrorsEndTheStreamAndTheSession() throws Exception {
    StreamRecorder<KeepAliveResponse> noId = new StreamRecorder<>();
    b.sessionsAsync.keepAlive(noId).onNext(KeepAliveRequest.getDefaultInstance());
    assertError(noId.awaitError(), Status.Code.INVALID_ARGUMENT, Reason.FIELD_REQUIRED);

    String id = createSession(10).getSessionId();
    String other = createSession(10).getSessionId();
    StreamRecorder<KeepAliveResponse> rec = new StreamRecorder<>();
    StreamObserver<KeepAliveRequest> req = b.sessionsAsync.keepAlive(rec);
    req.onNext(KeepAliveRequest.newBuilder().setSessionId(id).build());
    req.onNext(KeepAliveRequest.newBuilder().setSessionId(other).build());
    assertError(rec.awaitError(), Status.Code.INVALID_ARGUMENT, Reason.STREAM_PROTOCOL_VIOLATION);
    assertThat(alive(id)).isFalse();
    assertThat(alive(other)).isTrue();

    StreamRecorder<KeepAliveResponse> gone = new StreamRecorder<>();
    b.sessionsAsync.keepAlive(gone).onNext(KeepAliveRequest.newBuilder().setSessionId(id).build());
    assertError(gone.awaitError(), Status.Code.NOT_FOUND, Reason.SESSION_NOT_FOUND);
  }

  @Test
  void healthIsServingBeforeAndNotServingOnceShutdownBegan() throws Exception {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(b.channel);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(
            health
                .check(
                    HealthCheckRequest.newBuilder().setService("ipcbroker.v1.QueueService").build())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);

    // Once shutdown began the transport refuses new calls, so a Check cannot observe the new
    // status; a Watch opened before shutdown does.
    StreamRecorder<HealthCheckResponse> watch = new StreamRecorder<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () ->
            HealthGrpc.newStub(b.channel)
                .watch(HealthCheckRequest.newBuilder().setService("").build(), watch));
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVING);

    CompletableFuture<Void> shutdown =
        CompletableFuture.runAsync(
            () -> {
              try {
                b.broker.shutdown();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            });
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    // The open Watch would hold shutdown up to its grace period; end it.
    ctx.cancel(null);
    shutdown.get(20, TimeUnit.SECONDS);
  }

  @Test
  void gracefulShutdownAnswersParkedCallsAndHandsNoItemOver() throws Exception {
    b.create("jobs", 0);
    b.put("jobs", "x");

    // S1 holds x unacknowledged; then S2's pull and a unary GetItem park on the empty queue.
    StreamRecorder<ConsumeResponse> s1 = new StreamRecorder<>();
    StreamObserver<ConsumeRequest> r1 = b.queuesAsync.consume(s1);
    r1.onNext(
        ConsumeRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue("jobs"))
            .setPull(Pull.newBuilder().setPullId(1))
            .build());
    assertThat(s1.next().hasOpened()).isTrue();
    assertThat(s1.next().getPullResult().getOutcome())
        .isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);

    StreamRecorder<ConsumeResponse> s2 = new StreamRecorder<>();
    StreamObserver<ConsumeRequest> r2 = b.queuesAsync.consume(s2);
    r2.onNext(
        ConsumeRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue("jobs"))
            .setPull(Pull.newBuilder().setPullId(1))
            .build());
    StreamRecorder<GetItemResponse> g = new StreamRecorder<>();
    b.queuesAsync.getItem(GetItemRequest.newBuilder().setQueue("jobs").build(), g);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("jobs").getWaitingGetters() == 2);

    b.broker.shutdown();

    // x went back when S1 ended; neither the parked pull nor the parked GetItem received it.
    assertError(g.awaitError(), Status.Code.UNAVAILABLE, Reason.SERVER_SHUTTING_DOWN);
    assertThat(g.all()).isEmpty();
    assertError(s1.awaitError(), Status.Code.UNAVAILABLE, Reason.SERVER_SHUTTING_DOWN);
    assertError(s2.awaitError(), Status.Code.UNAVAILABLE, Reason.SERVER_SHUTTING_DOWN);
    assertThat(s2.all()).allSatisfy(m -> assertThat(m.hasPullResult()).isFalse());
  }

  @Test
  void shutdownEndsKeepAliveStreamsInsteadOfWaitingOutTheGracePeriod() throws Exception {
    String id = createSession(10).getSessionId();
    StreamRecorder<KeepAliveResponse> rec = new StreamRecorder<>();
    StreamObserver<KeepAliveRequest> req = b.sessionsAsync.keepAlive(rec);
    req.onNext(KeepAliveRequest.newBuilder().setSessionId(id).build());
    assertThat(rec.next().getSession().getSessionId()).isEqualTo(id);

    long start = System.nanoTime();
    b.broker.shutdown();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertError(rec.awaitError(), Status.Code.UNAVAILABLE, Reason.SERVER_SHUTTING_DOWN);
    // The grace period is 5 s; an open keep-alive stream must not hold the shutdown that long.
    assertThat(tookMs).isLessThan(2500);
  }

  @Test
  void callsAfterShutdownAreRefused() throws Exception {
    b.create("jobs", 0);
    b.put("jobs", "x");
    b.broker.shutdown();
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                b.queues.getItem(
                    GetItemRequest.newBuilder().setQueue("jobs").setNowait(true).build()));
    // Refused by the broker's gate or by the stopped transport: never a delivery.
    assertThat(Status.fromThrowable(t).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }
}
