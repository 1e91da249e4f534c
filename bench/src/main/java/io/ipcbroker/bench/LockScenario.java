package io.ipcbroker.bench;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.DescribeLockRequest;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.ReleaseLockRequest;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A named lock taken and released in a loop: by one client alone (uncontended), and by two clients
 * on separate connections at once (contended: every acquire of one waits for the other's release, a
 * hand-over through the broker). Measured in microseconds per acquire+release pair (for two
 * clients, of both together); the anchor, compared with the uncontended row, is two plain unary
 * round trips: the floor of a pair.
 */
final class LockScenario implements Bench.Scenario {
  private static final String NAME = "lock acquire+release";

  private final ManagedChannel first;
  private final ManagedChannel second;

  LockScenario(ManagedChannel first, ManagedChannel second) {
    this.first = first;
    this.second = second;
  }

  /** One client's loop: acquire (waiting as long as it takes), release. */
  private static void loop(
      LockServiceGrpc.LockServiceBlockingStub stub, String lock, String session, int n) {
    AcquireLockRequest acquire =
        AcquireLockRequest.newBuilder()
            .setName(lock)
            .setSessionId(session)
            .setOwner("main")
            .build();
    ReleaseLockRequest release =
        ReleaseLockRequest.newBuilder()
            .setName(lock)
            .setSessionId(session)
            .setOwner("main")
            .build();
    for (int i = 0; i < n; i++) {
      if (!stub.withDeadlineAfter(30, TimeUnit.SECONDS).acquireLock(acquire).getAcquired()) {
        throw new IllegalStateException("an acquire without a timeout was not granted");
      }
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).releaseLock(release);
    }
  }

  private static String session(ManagedChannel channel) {
    return SessionServiceGrpc.newBlockingStub(channel)
        .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
        .getSession()
        .getSessionId();
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    String lock = "bench-lock-" + System.nanoTime();
    LockServiceGrpc.LockServiceBlockingStub a = LockServiceGrpc.newBlockingStub(first);
    LockServiceGrpc.LockServiceBlockingStub b = LockServiceGrpc.newBlockingStub(second);
    a.createLock(
        CreateLockRequest.newBuilder().setName(lock).setKind(LockKind.LOCK_KIND_LOCK).build());
    String sa = session(first);
    String sb = session(second);
    double[] alone;
    double[] contended = new double[plan.batches()];
    double[] floor;
    try {
      alone = Bench.measure(plan, () -> loop(a, lock, sa, 1));
      loop(a, lock, sa, plan.warmup());
      for (int i = 0; i < contended.length; i++) {
        long t0 = System.nanoTime();
        CompletableFuture<Void> other =
            CompletableFuture.runAsync(() -> loop(b, lock, sb, plan.batchSize()));
        loop(a, lock, sa, plan.batchSize());
        other.get(300, TimeUnit.SECONDS);
        contended[i] = (System.nanoTime() - t0) / 1e3 / (2.0 * plan.batchSize());
      }
      DescribeLockRequest describe = DescribeLockRequest.newBuilder().setName(lock).build();
      floor =
          Bench.measure(
              plan,
              () -> {
                a.withDeadlineAfter(30, TimeUnit.SECONDS).describeLock(describe);
                a.withDeadlineAfter(30, TimeUnit.SECONDS).describeLock(describe);
              });
    } finally {
      a.deleteLock(DeleteLockRequest.newBuilder().setName(lock).setAllowMissing(true).build());
      for (String s : List.of(sa, sb)) {
        SessionServiceGrpc.newBlockingStub(first)
            .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(s).build());
      }
    }
    return List.of(
        new Bench.Row(
            NAME, "ipcbroker Lock, 2 clients at once (contended)", "us/pair", contended, false),
        new Bench.Row(NAME, "ipcbroker Lock, 1 client (uncontended)", "us/pair", alone, false),
        new Bench.Row(
            NAME, "two unary DescribeLock round trips, 1 client", "us/2 calls", floor, true));
  }
}
