package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.ipcbroker.v1.AbortBarrierRequest;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.BrokerStatus;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.GetBrokerStatusRequest;
import io.ipcbroker.v1.ListSessionsRequest;
import io.ipcbroker.v1.ListSessionsResponse;
import io.ipcbroker.v1.ListSyncObjectsRequest;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.LockSummary;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.Session;
import io.ipcbroker.v1.SessionSummary;
import io.ipcbroker.v1.WaitBarrierRequest;
import io.ipcbroker.v1.WaitBarrierResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin service: the broker's status with live totals; the live sessions, paged, with where
 * each client connected from (bad paging is {@code INVALID_FIELD_VALUE}); every lock with the
 * session that holds it, and the other objects one can wait on; and the figures operators read
 * about a queue.
 */
@Timeout(60)
class AdminConformanceTest {
  private final TestBroker broker = new TestBroker();
  private final List<String> sessions = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    for (String id : sessions) {
      try {
        broker.sessions().deleteSession(DeleteSessionRequest.newBuilder().setSessionId(id).build());
      } catch (RuntimeException ignored) {
        // already gone
      }
    }
    broker.close();
  }

  private AdminServiceGrpc.AdminServiceBlockingStub admin() {
    return AdminServiceGrpc.newBlockingStub(broker.channel())
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private Session session(String clientName) {
    Session s =
        broker
            .sessions()
            .createSession(
                CreateSessionRequest.newBuilder()
                    .setClientName(clientName)
                    .setTtlSeconds(60)
                    .build())
            .getSession();
    sessions.add(s.getSessionId());
    return s;
  }

  @Test
  void statusNamesThisRunAndCountsWhatItHolds() {
    Session s = session("admin-status");
    BrokerStatus before =
        admin().getBrokerStatus(GetBrokerStatusRequest.getDefaultInstance()).getStatus();
    assertThat(before.getServerId()).isEqualTo(s.getServerId());
    assertThat(before.getVersion()).isNotEmpty();
    assertThat(before.getAddress()).isNotEmpty();
    assertThat(before.getSessions()).isGreaterThanOrEqualTo(1);
    assertThat(Instant.ofEpochSecond(before.getStartTime().getSeconds()))
        .isBeforeOrEqualTo(Instant.now());

    broker.createQueue("admin", 0);
    BrokerStatus after =
        admin().getBrokerStatus(GetBrokerStatusRequest.getDefaultInstance()).getStatus();
    assertThat(after.getQueues()).isGreaterThanOrEqualTo(1);
    assertThat(after.getStartTime()).isEqualTo(before.getStartTime());
  }

  @Test
  void sessionsArePagedOldestFirstWithTheirClientsAddress() {
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add(session("admin-list-" + i).getSessionId());
    }
    List<SessionSummary> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListSessionsResponse page =
          admin()
              .listSessions(
                  ListSessionsRequest.newBuilder().setPageSize(1).setPageToken(token).build());
      assertThat(page.getSessionsCount()).isLessThanOrEqualTo(1);
      seen.addAll(page.getSessionsList());
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < 10_000);

    List<String> ids = new ArrayList<>();
    seen.forEach(s -> ids.add(s.getSession().getSessionId()));
    assertThat(new HashSet<>(ids)).as("no session on two pages").hasSameSizeAs(ids);
    assertThat(ids).containsSubsequence(mine); // oldest first
    for (SessionSummary s : seen) {
      if (mine.contains(s.getSession().getSessionId())) {
        assertThat(s.getSession().getClientName()).startsWith("admin-list-");
        assertThat(s.getClientAddress()).as("a TCP client's address").contains(":");
        assertThat(s.getWaiting()).isLessThanOrEqualTo(s.getOwned());
      }
    }
  }

  @Test
  void badPagingIsRefused() {
    Rpc.assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            admin()
                .listSessions(ListSessionsRequest.newBuilder().setPageToken("nonsense").build()));
    Rpc.assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () -> admin().listSessions(ListSessionsRequest.newBuilder().setPageSize(-1).build()));
  }

  /** Every lock, semaphore, condition, event and barrier, all pages together. */
  private ListSyncObjectsResponse syncObjects() {
    ListSyncObjectsResponse.Builder all = ListSyncObjectsResponse.newBuilder();
    String token = "";
    do {
      ListSyncObjectsResponse page =
          admin()
              .listSyncObjects(
                  ListSyncObjectsRequest.newBuilder()
                      .setPageSize(1000)
                      .setPageToken(token)
                      .build());
      all.mergeFrom(page);
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return all.setNextPageToken("").build();
  }

  @Test
  void locksAreListedWithTheirHolderAndItsSession() {
    Session holder = session("admin-locks");
    String name = Rpc.uniqueName("admin-lock");
    LockServiceGrpc.LockServiceBlockingStub locks =
        LockServiceGrpc.newBlockingStub(broker.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    locks.createLock(
        CreateLockRequest.newBuilder().setName(name).setKind(LockKind.LOCK_KIND_RLOCK).build());
    for (int i = 1; i <= 2; i++) {
      locks.acquireLock(
          AcquireLockRequest.newBuilder()
              .setName(name)
              .setSessionId(holder.getSessionId())
              .setOwner("t1")
              .setRequestId(i)
              .build());
    }
    try {
      LockSummary summary =
          syncObjects().getLocksList().stream()
              .filter(l -> l.getLock().getName().equals(name))
              .findFirst()
              .orElseThrow();
      assertThat(summary.getHolderSessionId()).isEqualTo(holder.getSessionId());
      assertThat(summary.getHolderClientName()).isEqualTo("admin-locks");
      LockInfo listed = summary.getLock();
      assertThat(listed.getKind()).isEqualTo(LockKind.LOCK_KIND_RLOCK);
      assertThat(listed.getLocked()).isTrue();
      assertThat(listed.getHolderOwner()).isEqualTo("t1");
      assertThat(listed.getHoldCount()).isEqualTo(2);
      assertThat(listed.getWaiters()).isZero();
    } finally {
      locks.deleteLock(DeleteLockRequest.newBuilder().setName(name).build());
    }
    LockSummary free = freeLockSummary();
    assertThat(free.getHolderSessionId()).isEmpty();
    assertThat(free.getHolderClientName()).isEmpty();
  }

  private LockSummary freeLockSummary() {
    try (SyncClient sync = new SyncClient(broker.channel())) {
      String name = sync.createLock("admin-free", LockKind.LOCK_KIND_LOCK);
      return syncObjects().getLocksList().stream()
          .filter(l -> l.getLock().getName().equals(name))
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void conditionsEventsAndBarriersAreListedWithTheirWaiters() {
    try (SyncClient sync = new SyncClient(broker.channel())) {
      String lock = sync.createLock("admin-cl", LockKind.LOCK_KIND_LOCK);
      String condition = sync.createCondition("admin-cond", lock);
      String event = sync.createEvent("admin-event");
      String barrier = sync.createBarrier("admin-barrier", 3, null).getName();
      // One party waits at the barrier; the call ends when the test aborts the barrier.
      CompletableFuture<WaitBarrierResponse> waiting =
          SyncClient.call(
              (q, o) -> sync.barriersAsync().waitBarrier(q, o),
              WaitBarrierRequest.newBuilder().setName(barrier).setTimeoutSeconds(30).build());
      try {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    syncObjects().getBarriersList().stream()
                        .anyMatch(b -> b.getName().equals(barrier) && b.getNWaiting() == 1));
        ListSyncObjectsResponse all = syncObjects();
        BarrierInfo b =
            all.getBarriersList().stream()
                .filter(x -> x.getName().equals(barrier))
                .findFirst()
                .orElseThrow();
        assertThat(b.getParties()).isEqualTo(3);
        assertThat(b.getBroken()).isFalse();
        assertThat(all.getConditionsList())
            .anyMatch(c -> c.getName().equals(condition) && c.getLock().equals(lock));
        assertThat(all.getEventsList())
            .anyMatch(e -> e.getName().equals(event) && !e.getSet() && e.getWaiters() == 0);
        // Each list is sorted by name.
        assertThat(all.getBarriersList()).extracting(BarrierInfo::getName).isSorted();
        assertThat(all.getEventsList()).extracting(EventInfo::getName).isSorted();
      } finally {
        sync.barriers().abortBarrier(AbortBarrierRequest.newBuilder().setName(barrier).build());
        Unary.awaitFailure(waiting);
      }
    }
  }

  @Test
  void syncObjectsArePagedKindByKindWithoutRepeats() {
    try (SyncClient sync = new SyncClient(broker.channel())) {
      String b = sync.createLock("admin-page-b", LockKind.LOCK_KIND_LOCK);
      String a = sync.createLock("admin-page-a", LockKind.LOCK_KIND_RLOCK);
      String sem = sync.createSemaphore("admin-page-s", 1, false);
      String event = sync.createEvent("admin-page-e");
      String barrier = sync.createBarrier("admin-page-r", 2, null).getName();
      List<String> mine = List.of(a, b, sem, event, barrier);
      // The order the listing promises: locks, semaphores, conditions, events, barriers; by name.
      List<String> expected =
          List.of(
              "lock " + a, "lock " + b, "semaphore " + sem, "event " + event, "barrier " + barrier);
      assertThat(a).isLessThan(b);

      for (int size : new int[] {1, 2, 1000}) {
        List<String> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
          ListSyncObjectsResponse page =
              admin()
                  .listSyncObjects(
                      ListSyncObjectsRequest.newBuilder()
                          .setPageSize(size)
                          .setPageToken(token)
                          .build());
          int count =
              page.getLocksCount()
                  + page.getSemaphoresCount()
                  + page.getConditionsCount()
                  + page.getEventsCount()
                  + page.getBarriersCount();
          assertThat(count).isLessThanOrEqualTo(size);
          page.getLocksList().forEach(l -> seen.add("lock " + l.getLock().getName()));
          page.getSemaphoresList().forEach(x -> seen.add("semaphore " + x.getName()));
          page.getEventsList().forEach(x -> seen.add("event " + x.getName()));
          page.getBarriersList().forEach(x -> seen.add("barrier " + x.getName()));
          token = page.getNextPageToken();
          assertThat(++pages).isLessThan(100_000);
        } while (!token.isEmpty());
        assertThat(new HashSet<>(seen)).as("no object twice").hasSameSizeAs(seen);
        assertThat(seen.stream().filter(x -> mine.contains(x.substring(x.indexOf(' ') + 1))))
            .as("page size %d", size)
            .containsExactlyElementsOf(expected);
      }
    }
    Rpc.assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            admin()
                .listSyncObjects(
                    ListSyncObjectsRequest.newBuilder().setPageToken("nonsense").build()));
    Rpc.assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () -> admin().listSyncObjects(ListSyncObjectsRequest.newBuilder().setPageSize(-1).build()));
  }

  @Test
  void queuesTellTheirTotalsAndTheirOldestItemsAge() {
    String q = broker.createQueue("admin-figures", 0);
    long beforePut = System.nanoTime();
    broker.put(q, "a", "b", "c");
    assertThat(broker.take(q, 1)).containsExactly("a");

    Queue figures = broker.getQueue(q);
    assertThat(figures.getPutCount()).isEqualTo(3);
    assertThat(figures.getGetCount()).isEqualTo(1);
    assertThat(figures.getRedeliveryCount()).isZero();
    assertThat(figures.getSize()).isEqualTo(2);
    assertThat(figures.getBytes()).isPositive();
    assertThat(figures.getConsumers()).isZero();

    // "b" was put after beforePut: its age is never more than the time since then, and it grows.
    long lowerBound = 200_000_000L;
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> nanos(broker.getQueue(q).getOldestItemAge()) >= lowerBound);
    long age = nanos(broker.getQueue(q).getOldestItemAge());
    assertThat(age).isBetween(lowerBound, System.nanoTime() - beforePut);

    broker.take(q, 2);
    assertThat(broker.getQueue(q).hasOldestItemAge()).isFalse();
    assertThat(broker.getQueue(q).getGetCount()).isEqualTo(3);
  }

  private static long nanos(com.google.protobuf.Duration d) {
    return d.getSeconds() * 1_000_000_000L + d.getNanos();
  }
}
