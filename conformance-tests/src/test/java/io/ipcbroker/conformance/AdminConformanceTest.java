package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.BrokerStatus;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetBrokerStatusRequest;
import io.ipcbroker.v1.ListLocksRequest;
import io.ipcbroker.v1.ListSessionsRequest;
import io.ipcbroker.v1.ListSessionsResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.Session;
import io.ipcbroker.v1.SessionSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin service: the broker's status with live totals, and the live sessions, paged, with where
 * each client connected from; bad paging is {@code INVALID_FIELD_VALUE}.
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

  @Test
  void locksAreListedWithTheirHolderAndWaiters() {
    String session = session("admin-locks").getSessionId();
    String name = Rpc.uniqueName("admin-lock");
    LockServiceGrpc.LockServiceBlockingStub locks =
        LockServiceGrpc.newBlockingStub(broker.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    locks.createLock(
        CreateLockRequest.newBuilder().setName(name).setKind(LockKind.LOCK_KIND_RLOCK).build());
    for (int i = 1; i <= 2; i++) {
      locks.acquireLock(
          AcquireLockRequest.newBuilder()
              .setName(name)
              .setSessionId(session)
              .setOwner("t1")
              .setRequestId(i)
              .build());
    }
    try {
      LockInfo listed =
          admin().listLocks(ListLocksRequest.getDefaultInstance()).getLocksList().stream()
              .filter(l -> l.getName().equals(name))
              .findFirst()
              .orElseThrow();
      assertThat(listed.getKind()).isEqualTo(LockKind.LOCK_KIND_RLOCK);
      assertThat(listed.getLocked()).isTrue();
      assertThat(listed.getHolderOwner()).isEqualTo("t1");
      assertThat(listed.getHoldCount()).isEqualTo(2);
      assertThat(listed.getWaiters()).isZero();
    } finally {
      locks.deleteLock(DeleteLockRequest.newBuilder().setName(name).build());
    }
  }
}
