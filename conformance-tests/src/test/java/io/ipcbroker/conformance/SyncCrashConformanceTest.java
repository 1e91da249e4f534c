package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.ipcbroker.v1.AcquireLockResponse;
import io.ipcbroker.v1.AcquireSemaphoreResponse;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.DescribeBarrierRequest;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.ResetBarrierRequest;
import io.ipcbroker.v1.WaitBarrierRequest;
import io.ipcbroker.v1.WaitBarrierResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client process killed with SIGKILL while it holds a lock and a semaphore permit and waits at a
 * barrier: the lock and the permit are released within its session's TTL and the next acquirers are
 * told the holder was abandoned; the barrier breaks for the party waiting with it, and after a
 * reset the others go on without it.
 */
@Timeout(120)
class SyncCrashConformanceTest {
  private static final Duration TTL = Duration.ofSeconds(2);

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

  @Test
  void aKilledHoldersLockAndPermitGoToTheNextAcquirersMarkedAbandoned() throws Exception {
    String lock = sync.createLock("crash-lock", LockKind.LOCK_KIND_LOCK);
    String sem = sync.createSemaphore("crash-sem", 1, true);
    String barrier = sync.createBarrier("crash-barrier", 3, null).getName();
    String session = broker.createSession(30).getSessionId();
    CompletableFuture<WaitBarrierResponse> otherParty = waitBarrier(barrier);
    Process holder =
        new ProcessBuilder(
                JavaChild.command(
                    SyncCrashHolder.class, ConformanceTarget.address(), lock, sem, barrier))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("held");
      assertThat(sync.describeLock(lock).getLocked()).isTrue();
      assertThat(sync.describeSemaphore(sem).getValue()).isZero();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> describeBarrier(barrier).getNWaiting() == 2);
      CompletableFuture<AcquireLockResponse> nextLock =
          sync.acquireAsync(lock, session, "main", 8.0);
      CompletableFuture<AcquireSemaphoreResponse> nextPermit =
          sync.acquirePermitAsync(sem, session, 8.0);

      long t0 = Timing.start();
      OsProcesses.sigkill(holder.pid());
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();

      AcquireLockResponse gotLock = Unary.await(nextLock);
      AcquireSemaphoreResponse gotPermit = Unary.await(nextPermit);
      Duration released = Timing.since(t0);
      // The holder's barrier wait ended with it: the barrier is broken by now.
      assertThat(describeBarrier(barrier).getBroken()).isTrue();
      assertThat(gotLock.getAcquired()).isTrue();
      assertThat(gotLock.getAbandoned()).isTrue();
      assertThat(gotPermit.getAcquired()).isTrue();
      assertThat(gotPermit.getAbandoned()).isTrue();
      // Within the TTL (the broker also notices the dropped connection), plus the sweep's slack.
      assertThat(released).isLessThanOrEqualTo(TTL.plus(Timing.LATE).plusSeconds(1));
      System.out.printf(
          "killed holder's lock and permit handed over after %d ms%n", released.toMillis());

      // The party that waited with it learns the barrier broke; once reset, the rest go on.
      Rpc.assertStatus(
          Unary.awaitFailure(otherParty), Status.Code.FAILED_PRECONDITION, "BARRIER_BROKEN");
      sync.barriers().resetBarrier(ResetBarrierRequest.newBuilder().setName(barrier).build());
      List<CompletableFuture<WaitBarrierResponse>> next = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        next.add(waitBarrier(barrier));
      }
      for (CompletableFuture<WaitBarrierResponse> w : next) {
        assertThat(Unary.await(w).getIndex()).isBetween(0, 2);
      }
    } finally {
      OsProcesses.killIfRunning(holder.pid());
    }
  }

  private CompletableFuture<WaitBarrierResponse> waitBarrier(String name) {
    return SyncClient.call(
        (q, o) -> sync.barriersAsync().waitBarrier(q, o),
        WaitBarrierRequest.newBuilder().setName(name).setTimeoutSeconds(30).build());
  }

  private BarrierInfo describeBarrier(String name) {
    return sync.barriers()
        .describeBarrier(DescribeBarrierRequest.newBuilder().setName(name).build())
        .getBarrier();
  }
}
