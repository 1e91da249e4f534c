package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.AcquireLockResponse;
import io.ipcbroker.v1.ClearEventRequest;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteProcessRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import io.ipcbroker.v1.SetEventRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A soak: several clients, each on its own connection and session, mix queue puts and gets (some of
 * them timing out on an empty queue), lock acquires and releases, event sets and clears, and
 * process spawns for a bounded time; then they leave. The embedded broker's threads, open file
 * descriptors and live heap must come back to what they were before (within small slack for threads
 * a pool keeps alive and for the collector), and every item put must have been got exactly once.
 *
 * <p>It needs the broker in this JVM (the default embedded one) to read its figures. Short form in
 * the build: {@code -Dipcbroker.soakSeconds} (default 15). The long form is the same test for ten
 * minutes: {@code mvn -B -pl conformance-tests -am verify -Dtest=SoakConformanceTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dipcbroker.soakSeconds=600}.
 */
@Timeout(value = 3600, unit = TimeUnit.SECONDS)
class SoakConformanceTest {
  private static final int SECONDS = Integer.getInteger("ipcbroker.soakSeconds", 15);
  private static final int CLIENTS = 4;
  private static final int MAX_OPS_PER_CLIENT = 2_000_000;
  // Slack for what may legitimately stay: pooled threads not yet past their keep-alive, buffers
  // the transport keeps, and the collector's precision.
  private static final int THREAD_SLACK = 4;
  private static final int FD_SLACK = 8;
  private static final long HEAP_SLACK_BYTES = 24L << 20;

  @Test
  void resourcesComeBackAfterMixedClientsLeave() throws Exception {
    Assumptions.assumeTrue(
        ConformanceTarget.isEmbedded(), "reads the broker's own figures: embedded broker only");
    try (TestBroker broker = new TestBroker()) {
      SyncClient admin = new SyncClient(broker.channel());
      try {
        soak(broker, admin);
      } finally {
        admin.close();
      }
    }
  }

  private void soak(TestBroker broker, SyncClient admin) throws Exception {
    String queue = broker.createQueue("soak", 100);
    String lock = admin.createLock("soak-lock", LockKind.LOCK_KIND_LOCK);
    String event = admin.createEvent("soak-event");

    // A first short round starts what the broker starts once (pools, timers, lazy classes).
    runClients(queue, lock, event, 2);
    Figures before = Figures.settled(null);

    long t0 = System.nanoTime();
    Stats stats = runClients(queue, lock, event, SECONDS);
    long t1 = System.nanoTime();
    Figures after = Figures.settled(before);
    System.out.printf(
        "soak: clients ran %d ms, figures settled in %d ms%n",
        (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
    System.out.printf(
        "soak %d s, %d clients: %d puts, %d full puts, %d gets, %d empty gets, %d lock pairs, %d"
            + " events, %d spawns; threads %d -> %d, fds %d -> %d, heap %d -> %d MiB%n",
        SECONDS,
        CLIENTS,
        stats.puts.get(),
        stats.fullPuts.get(),
        stats.gets.get(),
        stats.emptyGets.get(),
        stats.locks.get(),
        stats.events.get(),
        stats.spawns.get(),
        before.threads,
        after.threads,
        before.fds,
        after.fds,
        before.heap >> 20,
        after.heap >> 20);

    assertThat(stats.gets.get()).as("every item put was got once").isEqualTo(stats.puts.get());
    assertThat(broker.getQueue(queue).getSize()).isZero();
    assertThat(after.threads).isLessThanOrEqualTo(before.threads + THREAD_SLACK);
    assertThat(after.fds).isLessThanOrEqualTo(before.fds + FD_SLACK);
    assertThat(after.heap).isLessThanOrEqualTo(before.heap + HEAP_SLACK_BYTES);
  }

  private static final class Stats {
    final AtomicLong puts = new AtomicLong();
    final AtomicLong fullPuts = new AtomicLong();
    final AtomicLong gets = new AtomicLong();
    final AtomicLong emptyGets = new AtomicLong();
    final AtomicLong locks = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong spawns = new AtomicLong();
  }

  private Stats runClients(String queue, String lock, String event, int seconds) throws Exception {
    Stats stats = new Stats();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        runs.add(
            pool.submit(
                () -> {
                  client(queue, lock, event, end, stats);
                  return null;
                }));
      }
      for (Future<?> f : runs) {
        f.get(seconds + 120L, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    // What is still queued is drained, so that every put is accounted for.
    ManagedChannel c = ConformanceTarget.newChannel();
    try {
      while (true) {
        GetItemResponse r =
            QueueServiceGrpc.newBlockingStub(c)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getItem(GetItemRequest.newBuilder().setQueue(queue).setNowait(true).build());
        if (!r.hasDelivery()) {
          break;
        }
        stats.gets.incrementAndGet();
      }
    } finally {
      ConformanceTarget.close(c);
    }
    return stats;
  }

  /** One client: its own connection and session, a random mix of operations until {@code end}. */
  private static void client(String queue, String lock, String event, long end, Stats stats) {
    ManagedChannel c = ConformanceTarget.newChannel();
    SyncClient sync = new SyncClient(c);
    String session =
        SessionServiceGrpc.newBlockingStub(c)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(10).build())
            .getSession()
            .getSessionId();
    // Renewed over a KeepAlive stream, as clients do; the stream ends with the connection.
    KeepAliveClient keepAlive = KeepAliveClient.start(c);
    keepAlive.send(session);
    String own = Rpc.uniqueName("soak-own");
    QueueServiceGrpc.QueueServiceBlockingStub queues =
        QueueServiceGrpc.newBlockingStub(c).withDeadlineAfter(1, TimeUnit.HOURS);
    try {
      // A queue of its own, bound to its session: created and dropped with it.
      queues.createQueue(
          CreateQueueRequest.newBuilder().setName(own).setSessionId(session).build());
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      long renewed = System.nanoTime();
      for (int op = 0; op < MAX_OPS_PER_CLIENT && System.nanoTime() < end; op++) {
        if (System.nanoTime() - renewed > TimeUnit.SECONDS.toNanos(3)) {
          keepAlive.send(""); // a renewal every 3 s keeps the 10 s session
          renewed = System.nanoTime();
        }
        int pick = rnd.nextInt(100);
        if (pick < 40) {
          PutItemResponse r =
              QueueServiceGrpc.newBlockingStub(c)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .putItem(
                      PutItemRequest.newBuilder()
                          .setQueue(queue)
                          .setItem(Payload.newBuilder().setData(ByteString.copyFrom(new byte[100])))
                          .setTimeoutSeconds(0.05)
                          .build());
          if (r.getOutcome() == PutOutcome.PUT_OUTCOME_OK) {
            stats.puts.incrementAndGet();
          } else {
            stats.fullPuts.incrementAndGet();
          }
        } else if (pick < 85) {
          GetItemResponse r =
              QueueServiceGrpc.newBlockingStub(c)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .getItem(
                      GetItemRequest.newBuilder().setQueue(queue).setTimeoutSeconds(0.005).build());
          if (r.hasDelivery()) {
            stats.gets.incrementAndGet();
          } else {
            stats.emptyGets.incrementAndGet();
          }
        } else if (pick < 93) {
          AcquireLockResponse got = sync.acquire(lock, session, "t", 5.0);
          if (got.getAcquired()) {
            sync.release(lock, session, "t");
            stats.locks.incrementAndGet();
          }
        } else if (pick < 99) {
          sync.events().setEvent(SetEventRequest.newBuilder().setName(event).build());
          sync.events().clearEvent(ClearEventRequest.newBuilder().setName(event).build());
          stats.events.incrementAndGet();
        } else {
          spawnTrue(c, session);
          stats.spawns.incrementAndGet();
        }
      }
    } finally {
      try {
        queues.deleteQueue(
            DeleteQueueRequest.newBuilder()
                .setName(own)
                .setForce(true)
                .setAllowMissing(true)
                .build());
        SessionServiceGrpc.newBlockingStub(c)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(session).build());
      } catch (StatusRuntimeException e) {
        // Leaving anyway: the session's TTL releases what it held.
      }
      keepAlive.cancel();
      sync.close();
      ConformanceTarget.close(c);
    }
  }

  private static void spawnTrue(ManagedChannel c, String session) {
    ProcessServiceGrpc.ProcessServiceBlockingStub p =
        ProcessServiceGrpc.newBlockingStub(c).withDeadlineAfter(30, TimeUnit.SECONDS);
    String id =
        p.createProcess(
                CreateProcessRequest.newBuilder()
                    .setSessionId(session)
                    .addArgv("/bin/true")
                    .setStart(true)
                    .build())
            .getProcess()
            .getId();
    assertThat(
            p.joinProcess(JoinProcessRequest.newBuilder().setId(id).setTimeoutSeconds(20).build())
                .getExited())
        .isTrue();
    p.deleteProcess(DeleteProcessRequest.newBuilder().setId(id).build());
  }

  /** The broker's figures, read in this JVM once they have settled. */
  private record Figures(int threads, long fds, long heap) {
    /**
     * Reads the figures after the clients left: threads and descriptors are awaited down to {@code
     * target}'s (plus slack) for up to 90 s, since pooled threads end only after their keep-alive;
     * the heap is read after a collection.
     */
    static Figures settled(Figures target) throws IOException {
      if (target != null) {
        try {
          await()
              .atMost(Duration.ofSeconds(90))
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () ->
                      threadCount() <= target.threads + THREAD_SLACK
                          && fdCount() <= target.fds + FD_SLACK);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          // Report the figures as they are; the assertions say what stayed.
        }
      }
      return new Figures(threadCount(), fdCount(), heapAfterGc());
    }

    /**
     * Live threads, less the transport's event-loop threads: grpc-java starts those lazily, one per
     * loop as connections arrive, and keeps them (at most twice the cores per group), so a round
     * may start ones the warm-up did not without anything leaking.
     */
    private static int threadCount() {
      int n = 0;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.isAlive() && !t.getName().contains("-ELG-")) {
          n++;
        }
      }
      return n;
    }

    private static long fdCount() throws IOException {
      try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
        return s.count();
      }
    }

    private static long heapAfterGc() {
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        System.gc();
        best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
      }
      return best;
    }
  }
}
