package io.ipcbroker.server;

import static io.ipcbroker.server.GrpcAssertions.assertError;
import static io.ipcbroker.server.GrpcAssertions.assertFails;
import static io.ipcbroker.server.InProcessBroker.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AppendListRequest;
import io.ipcbroker.v1.CreateDictRequest;
import io.ipcbroker.v1.CreateEventRequest;
import io.ipcbroker.v1.CreateListRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteListRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.SetDictItemRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The quotas that bound what clients can make the broker hold: live sessions, what one session has
 * waiting at once, and named objects of every kind together. Each refusal is {@code
 * RESOURCE_EXHAUSTED}/{@code QUOTA_EXCEEDED} naming the quota and its limit, and room comes back
 * when something ends.
 */
@Timeout(60)
class QuotaInProcessTest {
  private InProcessBroker b;
  // Its own threads: each parked get holds one, more than the common pool may have.
  private final ExecutorService callers = Executors.newCachedThreadPool();

  private void start(int sessions, int waiters, int objects) throws Exception {
    b =
        new InProcessBroker(
            BrokerConfig.builder()
                .quotas(new BrokerConfig.Quotas(sessions, waiters, objects, 0))
                .build());
  }

  @AfterEach
  void tearDown() throws Exception {
    callers.shutdownNow();
    if (b != null) {
      b.close();
    }
  }

  private String session() {
    return b.sessions
        .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(30).build())
        .getSession()
        .getSessionId();
  }

  private static void assertQuota(Throwable t, String quota, int limit) {
    ErrorInfo info = assertError(t, Status.Code.RESOURCE_EXHAUSTED, Reason.QUOTA_EXCEEDED);
    assertThat(info.getMetadataMap())
        .containsEntry("quota", quota)
        .containsEntry("limit", String.valueOf(limit));
  }

  @Test
  void sessionsPastTheQuotaAreRefusedUntilOneEnds() throws Exception {
    start(2, 0, 0);
    String first = session();
    session();
    assertQuota(catchFailure(this::session), "sessions", 2);
    b.sessions.deleteSession(DeleteSessionRequest.newBuilder().setSessionId(first).build());
    assertThat(session()).isNotEmpty();
  }

  @Test
  void aSessionMayHaveOnlySoManyCallsWaitingButLockHoldsDoNotCount() throws Exception {
    start(0, 2, 0);
    String s = session();
    b.create("q", 0);
    List<CompletableFuture<GetItemResponse>> parked = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      parked.add(CompletableFuture.supplyAsync(() -> get(s), callers));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("q").getWaitingGetters() == 2);
    assertQuota(catchFailure(() -> get(s)), "waiters_per_session", 2);
    // Another session has a quota of its own.
    String other = session();
    CompletableFuture<GetItemResponse> others =
        CompletableFuture.supplyAsync(() -> get(other), callers);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.queue("q").getWaitingGetters() == 3);

    // A lock hold is bounded by the lock, not by the quota: once the acquire is answered, the
    // session holds the lock and has room to wait again.
    b.put("q", "a");
    b.put("q", "b");
    b.put("q", "c");
    for (CompletableFuture<GetItemResponse> f : parked) {
      assertThat(f.get(10, TimeUnit.SECONDS).getOutcome())
          .isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    }
    assertThat(text(others.get(10, TimeUnit.SECONDS).getDelivery().getPayload())).isNotEmpty();
    LockServiceGrpc.LockServiceBlockingStub locks = LockServiceGrpc.newBlockingStub(b.channel);
    for (String name : List.of("l1", "l2", "l3")) {
      locks.createLock(
          CreateLockRequest.newBuilder().setName(name).setKind(LockKind.LOCK_KIND_LOCK).build());
      assertThat(
              locks
                  .acquireLock(
                      AcquireLockRequest.newBuilder()
                          .setName(name)
                          .setSessionId(s)
                          .setOwner("t")
                          .setRequestId(1)
                          .build())
                  .getAcquired())
          .isTrue();
    }
    // Every answered call gives its place back (just after its answer is sent).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> b.broker.sessions().get(s).waiterCount() == 0);
    CompletableFuture<GetItemResponse> again = CompletableFuture.supplyAsync(() -> get(s), callers);
    b.put("q", "d");
    assertThat(text(again.get(10, TimeUnit.SECONDS).getDelivery().getPayload())).isEqualTo("d");
  }

  @Test
  void objectsOfEveryKindShareOneQuotaAndDeletesGiveRoomBack() throws Exception {
    start(0, 0, 3);
    b.create("q", 0);
    LockServiceGrpc.LockServiceBlockingStub locks = LockServiceGrpc.newBlockingStub(b.channel);
    locks.createLock(
        CreateLockRequest.newBuilder().setName("l").setKind(LockKind.LOCK_KIND_LOCK).build());
    DictServiceGrpc.newBlockingStub(b.channel)
        .createDict(CreateDictRequest.newBuilder().setName("d").build());
    EventServiceGrpc.EventServiceBlockingStub events = EventServiceGrpc.newBlockingStub(b.channel);
    assertQuota(
        catchFailure(
            () -> events.createEvent(CreateEventRequest.newBuilder().setName("e").build())),
        "objects",
        3);
    assertQuota(catchFailure(() -> b.create("q2", 0)), "objects", 3);
    // Opening an object that exists makes nothing new.
    assertThat(
            b.queues
                .createQueue(
                    CreateQueueRequest.newBuilder().setName("q").setAllowExisting(true).build())
                .getCreated())
        .isFalse();

    locks.deleteLock(DeleteLockRequest.newBuilder().setName("l").build());
    assertThat(
            events.createEvent(CreateEventRequest.newBuilder().setName("e").build()).getCreated())
        .isTrue();
    assertFails(() -> b.create("q3", 0), Status.Code.RESOURCE_EXHAUSTED, Reason.QUOTA_EXCEEDED);
  }

  @Test
  void dictsAndListsShareOneByteCapAndDeletesGiveBytesBack() throws Exception {
    b = new InProcessBroker(BrokerConfig.builder().maxSharedBytes(2_500).build());
    DictServiceGrpc.DictServiceBlockingStub dicts = DictServiceGrpc.newBlockingStub(b.channel);
    ListServiceGrpc.ListServiceBlockingStub lists = ListServiceGrpc.newBlockingStub(b.channel);
    dicts.createDict(CreateDictRequest.newBuilder().setName("d").build());
    lists.createList(CreateListRequest.newBuilder().setName("l").build());
    Payload big = text("x".repeat(900));
    dicts.setDictItem(
        SetDictItemRequest.newBuilder().setName("d").setKey("k").setValue(big).build());
    lists.appendList(AppendListRequest.newBuilder().setName("l").setValue(big).build());
    ErrorInfo info =
        assertFails(
            () ->
                dicts.setDictItem(
                    SetDictItemRequest.newBuilder()
                        .setName("d")
                        .setKey("k2")
                        .setValue(big)
                        .build()),
            Status.Code.RESOURCE_EXHAUSTED,
            Reason.QUOTA_EXCEEDED);
    assertThat(info.getMetadataMap())
        .containsEntry("quota", "shared_bytes")
        .containsEntry("limit", "2500");
    lists.deleteList(DeleteListRequest.newBuilder().setName("l").build());
    dicts.setDictItem(
        SetDictItemRequest.newBuilder().setName("d").setKey("k2").setValue(big).build());
  }

  @Test
  void quotasMustNotBeNegative() {
    assertThatThrownBy(() -> new BrokerConfig.Quotas(-1, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BrokerConfig.Quotas(0, -1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BrokerConfig.Quotas(0, 0, -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BrokerConfig.Quotas(0, 0, 0, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private GetItemResponse get(String session) {
    return b.queues
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .getItem(GetItemRequest.newBuilder().setQueue("q").setSessionId(session).build());
  }

  private static Throwable catchFailure(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }
}
