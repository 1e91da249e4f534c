package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.Rpc.assertFails;
import static io.ipcbroker.conformance.Rpc.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.ipcbroker.v1.AbortBarrierRequest;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.ClearEventRequest;
import io.ipcbroker.v1.CreateBarrierRequest;
import io.ipcbroker.v1.DescribeBarrierRequest;
import io.ipcbroker.v1.DescribeEventRequest;
import io.ipcbroker.v1.ResetBarrierRequest;
import io.ipcbroker.v1.SetEventRequest;
import io.ipcbroker.v1.WaitBarrierRequest;
import io.ipcbroker.v1.WaitBarrierResponse;
import io.ipcbroker.v1.WaitEventRequest;
import io.ipcbroker.v1.WaitEventResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code EventService} and {@code BarrierService}: Python's manager Event and Barrier. */
@Timeout(120)
class EventBarrierConformanceTest {
  private TestBroker broker;
  private SyncClient sync;

  @BeforeEach
  void setUp() {
    broker = new TestBroker();
    sync = new SyncClient(broker.channel());
  }

  @AfterEach
  void tearDown() {
    sync.close();
    broker.close();
  }

  private CompletableFuture<WaitEventResponse> waitEvent(String e, String session, Double timeout) {
    WaitEventRequest.Builder r = WaitEventRequest.newBuilder().setName(e).setSessionId(session);
    if (timeout != null) {
      r.setTimeoutSeconds(timeout);
    }
    return SyncClient.call((q, o) -> sync.eventsAsync().waitEvent(q, o), r.build());
  }

  private int eventWaiters(String e) {
    return sync.events()
        .describeEvent(DescribeEventRequest.newBuilder().setName(e).build())
        .getEvent()
        .getWaiters();
  }

  @Test
  void eventWaitReturnsFalseAfterAboutItsTimeout() {
    String e = sync.createEvent("event");
    for (double t : new double[] {0.2, 0.5}) {
      long t0 = Timing.start();
      assertThat(Unary.await(waitEvent(e, "", t)).getSet()).isFalse();
      Timing.assertWaited(t0, Timing.seconds(t));
    }
    long t0 = Timing.start();
    assertThat(Unary.await(waitEvent(e, "", 0.0)).getSet()).isFalse();
    Timing.assertImmediate(t0);
  }

  @Test
  void setWakesEveryWaiterAndClearResets() {
    String e = sync.createEvent("event");
    List<CompletableFuture<WaitEventResponse>> waits = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waits.add(waitEvent(e, "", 10.0));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> eventWaiters(e) == 3);
    assertThat(sync.events().setEvent(SetEventRequest.newBuilder().setName(e).build()).getWoken())
        .isEqualTo(3);
    for (CompletableFuture<WaitEventResponse> w : waits) {
      assertThat(Unary.await(w).getSet()).isTrue();
    }
    long t0 = Timing.start();
    assertThat(Unary.await(waitEvent(e, "", 5.0)).getSet()).isTrue();
    Timing.assertImmediate(t0);
    sync.events().clearEvent(ClearEventRequest.newBuilder().setName(e).build());
    assertThat(Unary.await(waitEvent(e, "", 0.0)).getSet()).isFalse();
  }

  @Test
  void eventWaitEndsWithItsSession() {
    String e = sync.createEvent("event");
    String doomed = broker.createSession(30).getSessionId();
    CompletableFuture<WaitEventResponse> w = waitEvent(e, doomed, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> eventWaiters(e) == 1);
    broker.deleteSession(doomed);
    assertStatus(Unary.awaitFailure(w), Status.Code.NOT_FOUND, "SESSION_NOT_FOUND");
    assertFails(
        Status.Code.NOT_FOUND,
        "EVENT_NOT_FOUND",
        () ->
            sync.events()
                .setEvent(SetEventRequest.newBuilder().setName(Rpc.uniqueName("none")).build()));
  }

  // ---- barriers ----

  private CompletableFuture<WaitBarrierResponse> waitBarrier(
      String b, String session, Double timeout) {
    WaitBarrierRequest.Builder r = WaitBarrierRequest.newBuilder().setName(b).setSessionId(session);
    if (timeout != null) {
      r.setTimeoutSeconds(timeout);
    }
    return SyncClient.call((q, o) -> sync.barriersAsync().waitBarrier(q, o), r.build());
  }

  private BarrierInfo describe(String b) {
    return sync.barriers()
        .describeBarrier(DescribeBarrierRequest.newBuilder().setName(b).build())
        .getBarrier();
  }

  @Test
  void partiesAreReleasedTogetherWithDistinctIndicesGenerationAfterGeneration() {
    String b = sync.createBarrier("barrier", 3, null).getName();
    for (int generation = 0; generation < 2; generation++) {
      List<CompletableFuture<WaitBarrierResponse>> waits = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        waits.add(waitBarrier(b, "", 10.0));
        if (i < 2) {
          int expected = i + 1;
          await().atMost(Duration.ofSeconds(10)).until(() -> describe(b).getNWaiting() == expected);
        }
      }
      List<Integer> indices = new ArrayList<>();
      for (CompletableFuture<WaitBarrierResponse> w : waits) {
        indices.add(Unary.await(w).getIndex());
      }
      assertThat(indices).containsExactly(0, 1, 2);
    }
  }

  @Test
  void aWaitThatTimesOutBreaksTheBarrierForEveryoneUntilReset() {
    String b = sync.createBarrier("barrier", 3, null).getName();
    CompletableFuture<WaitBarrierResponse> patient = waitBarrier(b, "", 10.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> describe(b).getNWaiting() == 1);
    long t0 = Timing.start();
    assertStatus(
        Unary.awaitFailure(waitBarrier(b, "", 0.3)),
        Status.Code.FAILED_PRECONDITION,
        "BARRIER_BROKEN");
    Timing.assertWaited(t0, Duration.ofMillis(300));
    assertStatus(Unary.awaitFailure(patient), Status.Code.FAILED_PRECONDITION, "BARRIER_BROKEN");
    assertThat(describe(b).getBroken()).isTrue();
    assertStatus(
        Unary.awaitFailure(waitBarrier(b, "", 10.0)),
        Status.Code.FAILED_PRECONDITION,
        "BARRIER_BROKEN");
    sync.barriers().resetBarrier(ResetBarrierRequest.newBuilder().setName(b).build());
    assertThat(describe(b).getBroken()).isFalse();
    assertThat(describe(b).getNWaiting()).isZero();
  }

  @Test
  void theBarriersDefaultTimeoutAppliesToAWaitWithoutOne() {
    String b = sync.createBarrier("barrier", 2, 0.3).getName();
    long t0 = Timing.start();
    assertStatus(
        Unary.awaitFailure(waitBarrier(b, "", null)),
        Status.Code.FAILED_PRECONDITION,
        "BARRIER_BROKEN");
    Timing.assertWaited(t0, Duration.ofMillis(300));
  }

  @Test
  void abortBreaksItAndResetFailsCurrentWaiters() {
    String b = sync.createBarrier("barrier", 2, null).getName();
    CompletableFuture<WaitBarrierResponse> w = waitBarrier(b, "", 10.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> describe(b).getNWaiting() == 1);
    sync.barriers().abortBarrier(AbortBarrierRequest.newBuilder().setName(b).build());
    assertStatus(Unary.awaitFailure(w), Status.Code.FAILED_PRECONDITION, "BARRIER_BROKEN");
    sync.barriers().resetBarrier(ResetBarrierRequest.newBuilder().setName(b).build());
    CompletableFuture<WaitBarrierResponse> w2 = waitBarrier(b, "", 10.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> describe(b).getNWaiting() == 1);
    sync.barriers().resetBarrier(ResetBarrierRequest.newBuilder().setName(b).build());
    assertStatus(Unary.awaitFailure(w2), Status.Code.FAILED_PRECONDITION, "BARRIER_BROKEN");
    assertThat(describe(b).getBroken()).isFalse();
  }

  @Test
  void aWaiterWhoseSessionEndsBreaksTheBarrier() {
    String b = sync.createBarrier("barrier", 3, null).getName();
    String doomed = broker.createSession(30).getSessionId();
    CompletableFuture<WaitBarrierResponse> other = waitBarrier(b, "", 10.0);
    CompletableFuture<WaitBarrierResponse> dying = waitBarrier(b, doomed, 10.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> describe(b).getNWaiting() == 2);
    broker.deleteSession(doomed);
    assertStatus(Unary.awaitFailure(dying), Status.Code.NOT_FOUND, "SESSION_NOT_FOUND");
    assertStatus(Unary.awaitFailure(other), Status.Code.FAILED_PRECONDITION, "BARRIER_BROKEN");
  }

  @Test
  void partiesBelowOneAreInvalid() {
    for (int parties : new int[] {0, -1}) {
      assertFails(
          Status.Code.INVALID_ARGUMENT,
          "INVALID_FIELD_VALUE",
          () ->
              sync.barriers()
                  .createBarrier(
                      CreateBarrierRequest.newBuilder()
                          .setName(Rpc.uniqueName("b"))
                          .setParties(parties)
                          .build()));
    }
    String b = sync.createBarrier("barrier", 1, null).getName();
    assertThat(Unary.await(waitBarrier(b, "", 0.0)).getIndex()).isZero();
    assertFails(Status.Code.NOT_FOUND, "BARRIER_NOT_FOUND", () -> describe(Rpc.uniqueName("none")));
  }
}
