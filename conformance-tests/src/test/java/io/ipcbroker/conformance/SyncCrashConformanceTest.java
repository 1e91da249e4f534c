package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.v1.AcquireLockResponse;
import io.ipcbroker.v1.AcquireSemaphoreResponse;
import io.ipcbroker.v1.LockKind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client process killed with SIGKILL while it holds a lock and a semaphore permit: both are
 * released within its session's TTL, and the next acquirers are told the holder was abandoned.
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
    String session = broker.createSession(30).getSessionId();
    Process holder =
        new ProcessBuilder(
                JavaChild.command(SyncCrashHolder.class, ConformanceTarget.address(), lock, sem))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("held");
      assertThat(sync.describeLock(lock).getLocked()).isTrue();
      assertThat(sync.describeSemaphore(sem).getValue()).isZero();
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
      assertThat(gotLock.getAcquired()).isTrue();
      assertThat(gotLock.getAbandoned()).isTrue();
      assertThat(gotPermit.getAcquired()).isTrue();
      assertThat(gotPermit.getAbandoned()).isTrue();
      // Within the TTL (the broker also notices the dropped connection), plus the sweep's slack.
      assertThat(released).isLessThanOrEqualTo(TTL.plus(Timing.LATE).plusSeconds(1));
      System.out.printf(
          "killed holder's lock and permit handed over after %d ms%n", released.toMillis());
    } finally {
      OsProcesses.killIfRunning(holder.pid());
    }
  }
}
