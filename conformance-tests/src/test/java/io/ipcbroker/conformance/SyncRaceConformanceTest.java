package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.ReconcileLockRequest;
import io.ipcbroker.v1.ReconcileSemaphoreRequest;
import io.ipcbroker.v1.SemaphoreInfo;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Short acquire timeouts and call deadlines (which cut answers off on the wire) race grants and
 * releases from several clients. A client that gives up on a request settles it by request id, as
 * the contract asks: afterwards no lock level or permit is stranded. The test prints how many lost
 * grants settling took back: what a client that does not settle would have left held.
 */
@Timeout(180)
class SyncRaceConformanceTest {
  private static final int CLIENTS = 4;
  private static final int ROUNDS = 250;

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

  private static boolean givenUp(StatusRuntimeException e) {
    Status.Code c = e.getStatus().getCode();
    return c == Status.Code.DEADLINE_EXCEEDED || c == Status.Code.CANCELLED;
  }

  @Test
  void settlingGivenUpRequestsStrandsNoLockAndNoPermit() throws Exception {
    String lock = sync.createLock("race-lock", LockKind.LOCK_KIND_LOCK);
    String sem = sync.createSemaphore("race-sem", 2, true);
    AtomicInteger grants = new AtomicInteger();
    AtomicInteger settled = new AtomicInteger();
    AtomicInteger releasedBySettling = new AtomicInteger();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      ManagedChannel ch = broker.newChannel();
      SyncClient mine = sync.on(ch);
      String session = broker.createSession(60).getSessionId();
      clients.add(
          CompletableFuture.runAsync(
              () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                long nextId = 1;
                for (int round = 0; round < ROUNDS && System.nanoTime() < end; round++) {
                  long id = nextId++;
                  boolean useLock = rnd.nextBoolean();
                  int deadlineMs = 1 + rnd.nextInt(12);
                  double timeout = rnd.nextInt(10) / 1000.0;
                  try {
                    boolean got =
                        useLock
                            ? LockServiceGrpc.newBlockingStub(ch)
                                .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                                .acquireLock(
                                    SyncClient.acquireRequest(lock, session, "main", id, timeout))
                                .getAcquired()
                            : SemaphoreServiceGrpc.newBlockingStub(ch)
                                .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                                .acquireSemaphore(
                                    AcquireSemaphoreRequest.newBuilder()
                                        .setName(sem)
                                        .setSessionId(session)
                                        .setRequestId(id)
                                        .setTimeoutSeconds(timeout)
                                        .build())
                                .getAcquired();
                    if (got) {
                      grants.incrementAndGet();
                      if (useLock) {
                        mine.release(lock, session, "main");
                      } else {
                        mine.releasePermit(sem, session);
                      }
                    }
                  } catch (StatusRuntimeException e) {
                    if (!givenUp(e)) {
                      throw e;
                    }
                    settled.incrementAndGet();
                    boolean released =
                        useLock
                            ? mine.locks()
                                .reconcileLock(
                                    ReconcileLockRequest.newBuilder()
                                        .setName(lock)
                                        .setSessionId(session)
                                        .setOwner("main")
                                        .setRequestId(id)
                                        .build())
                                .getReleased()
                            : mine.semaphores()
                                .reconcileSemaphore(
                                    ReconcileSemaphoreRequest.newBuilder()
                                        .setName(sem)
                                        .setSessionId(session)
                                        .setRequestId(id)
                                        .build())
                                .getReleased();
                    if (released) {
                      releasedBySettling.incrementAndGet();
                    }
                  }
                }
              }));
    }
    for (CompletableFuture<Void> f : clients) {
      Futures.get(f, java.time.Duration.ofSeconds(120));
    }
    LockInfo l = sync.describeLock(lock);
    SemaphoreInfo s = sync.describeSemaphore(sem);
    System.out.printf(
        "sync race: %d grants, %d requests given up and settled, %d lost grants taken back%n",
        grants.get(), settled.get(), releasedBySettling.get());
    assertThat(grants.get()).isPositive();
    assertThat(settled.get()).isPositive();
    assertThat(l.getLocked()).as("lock stranded: %s", l).isFalse();
    assertThat(s.getHeld()).as("permits stranded: %s", s).isZero();
    assertThat(s.getValue()).isEqualTo(2);
  }
}
