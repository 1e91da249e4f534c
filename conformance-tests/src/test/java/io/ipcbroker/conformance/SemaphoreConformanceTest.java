package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.Rpc.assertFails;
import static io.ipcbroker.conformance.Rpc.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.AcquireSemaphoreResponse;
import io.ipcbroker.v1.CreateSemaphoreRequest;
import io.ipcbroker.v1.DeleteSemaphoreRequest;
import io.ipcbroker.v1.ReconcileSemaphoreRequest;
import io.ipcbroker.v1.ReconcileSemaphoreResponse;
import io.ipcbroker.v1.ReleaseSemaphoreRequest;
import io.ipcbroker.v1.SemaphoreInfo;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code SemaphoreService}: Python's Semaphore and BoundedSemaphore, with permits held by sessions.
 */
@Timeout(120)
class SemaphoreConformanceTest {
  private TestBroker broker;
  private SyncClient sync;
  private String sa;
  private String sb;

  @BeforeEach
  void setUp() {
    broker = new TestBroker();
    sync = new SyncClient(broker.channel());
    sa = broker.createSession(30).getSessionId();
    sb = broker.createSession(30).getSessionId();
  }

  @AfterEach
  void tearDown() {
    sync.close();
    broker.close();
  }

  @Test
  void countsPermitsAndAnUnboundedOneGrowsOnExtraReleases() {
    String s = sync.createSemaphore("sem", 2, false);
    assertThat(sync.acquirePermit(s, sa, 0.0).getAcquired()).isTrue();
    AcquireSemaphoreResponse second = sync.acquirePermit(s, sb, 0.0);
    assertThat(second.getAcquired()).isTrue();
    assertThat(second.getValue()).isZero();
    assertThat(sync.acquirePermit(s, sb, 0.0).getAcquired()).isFalse();
    SemaphoreInfo info = sync.describeSemaphore(s);
    assertThat(info.getHeld()).isEqualTo(2);
    assertThat(info.getInitialValue()).isEqualTo(2);
    assertThat(sync.releasePermit(s, sa)).isEqualTo(1);
    assertThat(sync.releasePermit(s, sb)).isEqualTo(2);
    // Python's Semaphore: releases beyond the acquires raise the value.
    assertThat(sync.releasePermit(s, "")).isEqualTo(3);
    assertThat(
            sync.semaphores()
                .releaseSemaphore(ReleaseSemaphoreRequest.newBuilder().setName(s).setN(2).build())
                .getValue())
        .isEqualTo(5);
  }

  @Test
  void boundedRefusesReleasesAboveItsInitialValue() {
    String s = sync.createSemaphore("bsem", 1, true);
    assertFails(
        Status.Code.FAILED_PRECONDITION,
        "SEMAPHORE_OVER_RELEASED",
        () -> sync.releasePermit(s, ""));
    sync.acquirePermit(s, sa, 0.0);
    // Released by another session on the holder's behalf: allowed, as in Python.
    assertThat(sync.releasePermit(s, sb)).isEqualTo(1);
    assertFails(
        Status.Code.FAILED_PRECONDITION,
        "SEMAPHORE_OVER_RELEASED",
        () -> sync.releasePermit(s, sa));
    assertThat(sync.describeSemaphore(s).getValue()).isEqualTo(1);
    assertThat(sync.describeSemaphore(s).getHeld()).isZero();
  }

  @Test
  void waitersAreServedInOrderAndATimedOutOneGetsNothing() {
    String s = sync.createSemaphore("sem", 0, false);
    CompletableFuture<AcquireSemaphoreResponse> first = sync.acquirePermitAsync(s, sa, 5.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeSemaphore(s).getWaiters() == 1);
    CompletableFuture<AcquireSemaphoreResponse> second = sync.acquirePermitAsync(s, sb, 5.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeSemaphore(s).getWaiters() == 2);
    long t0 = Timing.start();
    assertThat(sync.acquirePermit(s, sb, 0.3).getAcquired()).isFalse();
    Timing.assertWaited(t0, Duration.ofMillis(300));
    sync.releasePermit(s, "");
    assertThat(Unary.await(first).getAcquired()).isTrue();
    assertThat(second).isNotDone();
    sync.releasePermit(s, "");
    assertThat(Unary.await(second).getAcquired()).isTrue();
  }

  @Test
  void anEndedSessionsPermitsComeBackAndTheirNextHoldersAreTold() {
    String s = sync.createSemaphore("sem", 2, true);
    String doomed = broker.createSession(30).getSessionId();
    sync.acquirePermit(s, doomed, 0.0);
    sync.acquirePermit(s, doomed, 0.0);
    CompletableFuture<AcquireSemaphoreResponse> waiting = sync.acquirePermitAsync(s, sa, 8.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeSemaphore(s).getWaiters() == 1);
    broker.deleteSession(doomed);
    assertThat(Unary.await(waiting).getAbandoned()).isTrue();
    AcquireSemaphoreResponse next = sync.acquirePermit(s, sb, 0.0);
    assertThat(next.getAcquired()).isTrue();
    assertThat(next.getAbandoned()).isTrue();
    sync.releasePermit(s, sb);
    assertThat(sync.acquirePermit(s, sb, 0.0).getAbandoned()).isFalse();
    assertFails(
        Status.Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> sync.acquirePermit(s, doomed, 0.0));
  }

  @Test
  void reconcileGivesBackAGrantWithdrawsAWaitAndRefusesALateRequest() {
    String s = sync.createSemaphore("sem", 1, true);
    assertThat(acquire(s, sa, 5, 0.0).getAcquired()).isTrue();
    CompletableFuture<AcquireSemaphoreResponse> waiting =
        SyncClient.call(
            (q, o) -> sync.semaphoresAsync().acquireSemaphore(q, o),
            AcquireSemaphoreRequest.newBuilder()
                .setName(s)
                .setSessionId(sb)
                .setRequestId(6)
                .build());
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeSemaphore(s).getWaiters() == 1);
    assertThat(reconcile(s, sb, 6).getWasWaiting()).isTrue();
    assertThat(Unary.await(waiting).getAcquired()).isFalse();
    assertThat(reconcile(s, sa, 5).getReleased()).isTrue();
    assertThat(sync.describeSemaphore(s).getValue()).isEqualTo(1);
    assertThat(reconcile(s, sa, 5).getReleased()).as("idempotent").isFalse();
    reconcile(s, sa, 7);
    assertThat(acquire(s, sa, 7, 0.0).getAcquired()).as("settled before it came").isFalse();
    assertThat(sync.describeSemaphore(s).getValue()).isEqualTo(1);
  }

  private AcquireSemaphoreResponse acquire(String s, String session, long id, Double timeout) {
    AcquireSemaphoreRequest.Builder r =
        AcquireSemaphoreRequest.newBuilder().setName(s).setSessionId(session).setRequestId(id);
    if (timeout != null) {
      r.setTimeoutSeconds(timeout);
    }
    return sync.semaphores().acquireSemaphore(r.build());
  }

  private ReconcileSemaphoreResponse reconcile(String s, String session, long id) {
    return sync.semaphores()
        .reconcileSemaphore(
            ReconcileSemaphoreRequest.newBuilder()
                .setName(s)
                .setSessionId(session)
                .setRequestId(id)
                .build());
  }

  @Test
  void createOrOpenChecksValueAndBoundednessAndDeleteEndsWaits() {
    String s = sync.createSemaphore("sem", 0, true);
    assertThat(
            sync.semaphores()
                .createSemaphore(
                    CreateSemaphoreRequest.newBuilder()
                        .setName(s)
                        .setValue(0)
                        .setBounded(true)
                        .setAllowExisting(true)
                        .build())
                .getCreated())
        .isFalse();
    assertFails(
        Status.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            sync.semaphores()
                .createSemaphore(
                    CreateSemaphoreRequest.newBuilder()
                        .setName(s)
                        .setValue(3)
                        .setBounded(true)
                        .setAllowExisting(true)
                        .build()));
    assertFails(
        Status.Code.ALREADY_EXISTS,
        "SEMAPHORE_ALREADY_EXISTS",
        () ->
            sync.semaphores()
                .createSemaphore(CreateSemaphoreRequest.newBuilder().setName(s).build()));
    CompletableFuture<AcquireSemaphoreResponse> waiting = sync.acquirePermitAsync(s, sa, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeSemaphore(s).getWaiters() == 1);
    sync.semaphores().deleteSemaphore(DeleteSemaphoreRequest.newBuilder().setName(s).build());
    assertStatus(Unary.awaitFailure(waiting), Status.Code.NOT_FOUND, "OBJECT_DELETED");
    assertFails(Status.Code.NOT_FOUND, "SEMAPHORE_NOT_FOUND", () -> sync.describeSemaphore(s));
  }

  @Test
  void badInputGetsClearStatuses() {
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            sync.semaphores()
                .createSemaphore(
                    CreateSemaphoreRequest.newBuilder()
                        .setName(Rpc.uniqueName("neg"))
                        .setValue(-1)
                        .build()));
    String s = sync.createSemaphore("sem", 1, false);
    assertFails(
        Status.Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> sync.acquirePermit(s, "", 0.0));
    assertFails(
        Status.Code.INVALID_ARGUMENT, "INVALID_TIMEOUT", () -> sync.acquirePermit(s, sa, -2.0));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            sync.semaphores()
                .releaseSemaphore(ReleaseSemaphoreRequest.newBuilder().setName(s).setN(0).build()));
    assertFails(Status.Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> sync.releasePermit(s, "no-such"));
    assertFails(
        Status.Code.NOT_FOUND,
        "SEMAPHORE_NOT_FOUND",
        () -> sync.describeSemaphore(Rpc.uniqueName("none")));
    assertThat(sync.describeSemaphore(s).getValue()).isEqualTo(1);
  }
}
