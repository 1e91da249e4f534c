package io.ipcbroker.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.CreatePoolRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeletePoolRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetPoolRequest;
import io.ipcbroker.v1.MapInputs;
import io.ipcbroker.v1.MapOpen;
import io.ipcbroker.v1.MapRequest;
import io.ipcbroker.v1.MapResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool of two workers (JVMs the broker spawns, running {@link BenchPoolWorker}) maps a trivial
 * function over many inputs, with chunksize 1 and 100: one {@code Map} call per batch, inputs sent
 * within the call's window. Measured in microseconds per task; the anchor is Python's {@code
 * multiprocessing.Pool(2).map} of the identity function over as many inputs, measured by {@code
 * bench/python/pool_map.py} in the same run. The pool is warmed for {@value #WARM_UP_SECONDS} s of
 * maps at each chunksize before timing (the plan's warm-up count is far too short for a chunked map
 * to reach steady state); the first map's figure is its own row.
 */
final class PoolMapScenario implements Bench.Scenario {
  private static final int WINDOW = 65_536;
  private static final int BATCH_MESSAGE_ITEMS = 1000;
  private static final int WARM_UP_SECONDS = 15;
  private static final int MAX_WARM_UP_MAPS = 60;

  private final ManagedChannel channel;

  PoolMapScenario(ManagedChannel channel) {
    this.channel = channel;
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    boolean full = plan.batchSize() >= 1000;
    int tasks = full ? 100_000 : 2_000;
    int batches = Math.min(plan.batches(), 3);
    String session =
        SessionServiceGrpc.newBlockingStub(channel)
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(1800).build())
            .getSession()
            .getSessionId();
    String pool = "bench-pool-" + System.nanoTime();
    PoolServiceGrpc.PoolServiceBlockingStub stub = PoolServiceGrpc.newBlockingStub(channel);
    List<Bench.Row> rows = new ArrayList<>();
    try {
      stub.createPool(
          CreatePoolRequest.newBuilder()
              .setName(pool)
              .setSessionId(session)
              .setProcesses(2)
              .addAllWorkerArgv(workerCommand())
              .build());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (stub
              .getPool(GetPoolRequest.newBuilder().setName(pool).build())
              .getPool()
              .getWorkersList()
              .stream()
              .filter(w -> !w.getFunctionsList().isEmpty())
              .count()
          < 2) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the pool's workers did not attach within 60 s");
        }
        Thread.sleep(50); // polling GetPool until both workers attached; nothing to wait on
      }
      for (int chunksize : new int[] {1, 100}) {
        String name =
            String.format(
                "pool map of %,d trivial tasks, 2 workers, chunksize %d", tasks, chunksize);
        // Four JVMs (this one, the broker and two workers) compile the chunk paths while they
        // run: on 2 cores the first million tasks at chunksize 100 ran at 7 us/task with C2 taking
        // almost half of the CPU, and the figure settled only after about three million. The
        // first map is reported on its own row; timing starts once the warm-up time is spent.
        long t0 = System.nanoTime();
        map(pool, tasks, chunksize);
        double cold = (System.nanoTime() - t0) / 1e3 / tasks;
        long warmUntil = t0 + TimeUnit.SECONDS.toNanos(full ? WARM_UP_SECONDS : 1);
        for (int i = 1; i < MAX_WARM_UP_MAPS && System.nanoTime() < warmUntil; i++) {
          map(pool, tasks, chunksize);
        }
        rows.add(
            new Bench.Row(
                name,
                "ipcbroker, first map on fresh workers (JIT cold)",
                "us/task",
                new double[] {cold},
                false));
        double[] perTask = new double[batches];
        for (int b = 0; b < batches; b++) {
          long t1 = System.nanoTime();
          map(pool, tasks, chunksize);
          perTask[b] = (System.nanoTime() - t1) / 1e3 / tasks;
        }
        rows.add(
            new Bench.Row(
                name, "ipcbroker Map stream, 2 spawned JVM workers", "us/task", perTask, false));
        double[] python = python(tasks, chunksize, batches);
        if (python != null) {
          rows.add(
              new Bench.Row(name, "Python multiprocessing.Pool(2).map", "us/task", python, true));
        }
      }
    } finally {
      stub.deletePool(DeletePoolRequest.newBuilder().setName(pool).setAllowMissing(true).build());
      SessionServiceGrpc.newBlockingStub(channel)
          .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(session).build());
    }
    return rows;
  }

  /** {@code java -cp <this jar> BenchPoolWorker}. */
  private static List<String> workerCommand() throws URISyntaxException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar =
        Path.of(BenchPoolWorker.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    return List.of(java, "-XX:+UseSerialGC", "-cp", jar, BenchPoolWorker.class.getName());
  }

  /** One map of {@code tasks} inputs; checks every outcome came back as its input. */
  private void map(String pool, int tasks, int chunksize) throws Exception {
    Semaphore room = new Semaphore(WINDOW);
    AtomicLong answered = new AtomicLong();
    CompletableFuture<Long> done = new CompletableFuture<>();
    StreamObserver<MapRequest> requests =
        PoolServiceGrpc.newStub(channel)
            .withDeadlineAfter(600, TimeUnit.SECONDS)
            .map(
                new StreamObserver<MapResponse>() {
                  @Override
                  public void onNext(MapResponse r) {
                    if (r.hasOutcomes()) {
                      for (int i = 0; i < r.getOutcomes().getOutcomesCount(); i++) {
                        if (!r.getOutcomes().getOutcomes(i).hasValue()) {
                          done.completeExceptionally(
                              new IllegalStateException("a task failed: " + r.getOutcomes()));
                        }
                      }
                      answered.addAndGet(r.getOutcomes().getIndicesCount());
                      room.release(r.getOutcomes().getIndicesCount());
                    } else if (r.hasDone()) {
                      done.complete(r.getDone().getCount());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        MapRequest.newBuilder()
            .setOpen(
                MapOpen.newBuilder()
                    .setPool(pool)
                    .setFunction("identity")
                    .setChunksize(chunksize)
                    .setOrdered(true)
                    .setWindow(WINDOW))
            .build());
    int perMessage = Math.max(chunksize, BATCH_MESSAGE_ITEMS / chunksize * chunksize);
    for (int sent = 0; sent < tasks; ) {
      int n = Math.min(perMessage, tasks - sent);
      room.acquire(n);
      MapInputs.Builder batch = MapInputs.newBuilder();
      for (int i = 0; i < n; i++) {
        batch.addItems(
            Payload.newBuilder()
                .setData(ByteString.copyFrom(Integer.toString(sent + i), StandardCharsets.UTF_8)));
      }
      requests.onNext(MapRequest.newBuilder().setInputs(batch).build());
      sent += n;
    }
    requests.onCompleted();
    long count = done.get(600, TimeUnit.SECONDS);
    if (count != tasks || answered.get() != tasks) {
      throw new IllegalStateException("answered " + answered.get() + " of " + tasks);
    }
  }

  /** Python's figures, or null without python3 or the script (the row is then left out). */
  private static double[] python(int tasks, int chunksize, int repeats) throws Exception {
    return PythonAnchor.column(0, "pool_map.py", tasks, chunksize, repeats);
  }
}
