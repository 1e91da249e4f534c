package io.ipcbroker.server.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Captured;
import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool core with fake workers and processes: credit-based dispatch, chunk outcomes, worker
 * death with and without retry, FUNCTION_NOT_FOUND, maxtasksperchild, close, terminate, join,
 * spawned workers that break the pool, and maps in order within their window.
 */
@Timeout(60)
class PoolObjectTest {
  private final FakeTimer timer = new FakeTimer();
  private final AtomicLong chunkIds = new AtomicLong();
  private final FakeProcesses processes = new FakeProcesses();

  /** Spawns nothing real: records each spawn and lets the test end it. */
  private static final class FakeProcesses implements PoolObject.Processes {
    final List<String> spawned = new ArrayList<>();
    final List<String> stopped = new ArrayList<>();
    final List<PoolObject.ExitListener> listeners = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<PoolObject.Spawned> spawn(
        PoolObject<?> pool, PoolObject.ExitListener exited) {
      String id = "proc-" + (spawned.size() + 1);
      spawned.add(id);
      listeners.add(exited);
      return CompletableFuture.completedFuture(new PoolObject.Spawned(id, 1000 + spawned.size()));
    }

    @Override
    public synchronized void stop(String processId) {
      stopped.add(processId);
    }

    void exit(String processId, String code) {
      PoolObject.ExitListener l;
      synchronized (this) {
        l = listeners.get(spawned.indexOf(processId));
      }
      l.exited(processId, Map.of("exit_code", code), "exit code " + code);
    }
  }

  /** Records what the pool sends a worker. */
  private static final class FakeChannel implements WorkerChannel<String> {
    final List<Long> chunkIds = new ArrayList<>();
    final List<List<String>> chunks = new ArrayList<>();
    final List<String> retired = new ArrayList<>();
    final List<String> sent = new ArrayList<>(); // what was sent, in order: accepted, chunk, retire
    boolean ended;

    @Override
    public synchronized void accepted(String workerId) {
      sent.add("accepted");
    }

    @Override
    public synchronized void chunk(long chunkId, String function, List<String> items) {
      sent.add("chunk");
      chunkIds.add(chunkId);
      chunks.add(items);
    }

    @Override
    public synchronized void retire(String reason) {
      sent.add("retire");
      retired.add(reason);
    }

    @Override
    public synchronized void end() {
      ended = true;
    }
  }

  /** Records a job's outcomes. */
  private static final class Recorder implements PoolObject.Job<String> {
    final List<Outcome<String>> outcomes = new ArrayList<>();

    @Override
    public synchronized void finished(PoolObject.Chunk<String> chunk, List<Outcome<String>> o) {
      outcomes.addAll(o);
    }
  }

  private PoolObject<String> pool(int processes, int maxTasks, boolean retry) {
    PoolConfig config =
        new PoolConfig(
            processes,
            processes > 0 ? List.of("worker") : List.of(),
            Map.of(),
            "",
            maxTasks,
            retry);
    return new PoolObject<>("p", config, this.processes, timer, chunkIds::incrementAndGet);
  }

  private static List<Outcome<String>> squares(List<String> items) {
    List<Outcome<String>> out = new ArrayList<>();
    for (String s : items) {
      long n = Long.parseLong(s);
      out.add(Outcome.succeededWith(Long.toString(n * n)));
    }
    return out;
  }

  @Test
  void dispatchesOnlyWithCreditAndAnswersTheJob() {
    PoolObject<String> pool = pool(0, 0, false);
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "", 1, ch);
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("1", "2", "3"), 0, 2, false);
    assertThat(ch.chunks).isEmpty(); // no credit yet
    w.credit(1);
    assertThat(ch.chunks).containsExactly(List.of("1", "2"));
    assertThat(pool.info().running()).isEqualTo(2);
    assertThat(pool.info().queued()).isEqualTo(1);
    w.result(ch.chunkIds.get(0), squares(ch.chunks.get(0)));
    assertThat(job.outcomes).extracting(Outcome::value).containsExactly("1", "4");
    w.credit(1);
    w.result(ch.chunkIds.get(1), squares(ch.chunks.get(1)));
    assertThat(job.outcomes).extracting(Outcome::value).containsExactly("1", "4", "9");
    assertThat(pool.info().succeeded()).isEqualTo(3);
  }

  @Test
  void aResultForAChunkTheWorkerDoesNotHoldIsAProtocolViolation() {
    PoolObject<String> pool = pool(0, 0, false);
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "", 1, ch);
    pool.submit(new Recorder(), "square", List.of("1", "2"), 0, 2, false);
    w.credit(1);
    assertThatThrownBy(() -> w.result(99, squares(List.of("1"))))
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.STREAM_PROTOCOL_VIOLATION);
    assertThatThrownBy(() -> w.result(ch.chunkIds.get(0), squares(List.of("1"))))
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.STREAM_PROTOCOL_VIOLATION);
  }

  @Test
  void aWorkerThatGoesAwayFailsItsChunksOrRetriesThemOnce() {
    PoolObject<String> pool = pool(0, 0, false);
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "", 42, ch);
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("5"), 0, 1, false);
    w.credit(1);
    w.gone();
    assertThat(job.outcomes).hasSize(1);
    Outcome.Failure f = job.outcomes.get(0).failure();
    assertThat(f.kind()).isEqualTo(Outcome.Kind.WORKER_DIED);
    assertThat(f.metadata()).containsEntry("pid", "42");

    PoolObject<String> retrying = pool(0, 0, true);
    FakeChannel first = new FakeChannel();
    PoolObject<String>.Worker w1 = retrying.attach(List.of("square"), "", 1, first);
    Recorder again = new Recorder();
    retrying.submit(again, "square", List.of("6"), 0, 1, false);
    w1.credit(1);
    w1.gone();
    assertThat(again.outcomes).isEmpty(); // queued once more
    FakeChannel second = new FakeChannel();
    PoolObject<String>.Worker w2 = retrying.attach(List.of("square"), "", 2, second);
    w2.credit(1);
    w2.gone(); // the retry dies too: no third attempt
    assertThat(again.outcomes)
        .extracting(o -> o.failure().kind())
        .containsExactly(Outcome.Kind.WORKER_DIED);
  }

  @Test
  void aFunctionNoAttachedWorkerServesFailsAndOthersGoOn() {
    PoolObject<String> pool = pool(0, 0, false);
    Recorder early = new Recorder();
    pool.submit(early, "cube", List.of("2"), 0, 1, false);
    assertThat(early.outcomes).as("no worker yet: it waits").isEmpty();
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "", 1, ch);
    assertThat(early.outcomes)
        .extracting(o -> o.failure().kind())
        .containsExactly(Outcome.Kind.FUNCTION_NOT_FOUND);
    Recorder ok = new Recorder();
    pool.submit(ok, "square", List.of("3"), 0, 1, false);
    w.credit(1);
    w.result(ch.chunkIds.get(0), squares(ch.chunks.get(0)));
    assertThat(ok.outcomes).extracting(Outcome::value).containsExactly("9");
  }

  @Test
  void maxtasksperchildRetiresAWorkerAfterItsChunks() {
    PoolObject<String> pool = pool(0, 2, false);
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "", 1, ch);
    pool.submit(new Recorder(), "square", List.of("1", "2", "3"), 0, 1, false);
    w.credit(5);
    assertThat(ch.chunks).hasSize(2); // never more than it may run
    w.result(ch.chunkIds.get(0), squares(ch.chunks.get(0)));
    assertThat(ch.retired).isEmpty();
    w.result(ch.chunkIds.get(1), squares(ch.chunks.get(1)));
    assertThat(ch.retired).containsExactly("maxtasksperchild");
    assertThat(pool.info().queued()).isEqualTo(1); // for the next worker
  }

  @Test
  void closeRefusesNewTasksFinishesTheOthersRetiresWorkersAndJoins() {
    PoolObject<String> pool = pool(0, 0, false);
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "", 1, ch);
    Captured<Boolean> early = new Captured<>();
    assertThatThrownBy(() -> pool.join(Wait.FOREVER, early))
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.POOL_RUNNING);
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("4"), 0, 1, false);
    pool.close();
    assertThatThrownBy(() -> pool.submit(new Recorder(), "square", List.of("1"), 0, 1, false))
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.POOL_CLOSED);
    Captured<Boolean> join = new Captured<>();
    pool.join(Wait.FOREVER, join);
    w.credit(1);
    assertThat(ch.retired).isEmpty();
    w.result(ch.chunkIds.get(0), squares(ch.chunks.get(0)));
    assertThat(job.outcomes).extracting(Outcome::value).containsExactly("16");
    assertThat(ch.retired).containsExactly("closed");
    assertThat(join.answered()).isFalse(); // the worker still runs
    w.gone();
    assertThat(join.result()).isTrue();
  }

  @Test
  void terminateFailsEverythingStopsWorkersAndJoins() {
    PoolObject<String> pool = pool(2, 0, false);
    pool.spawnMissing();
    assertThat(processes.spawned).hasSize(2);
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "proc-1", 0, ch);
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("1", "2"), 0, 1, false);
    w.credit(1);
    pool.terminate();
    assertThat(job.outcomes)
        .extracting(o -> o.failure().kind())
        .containsExactly(Outcome.Kind.POOL_TERMINATED, Outcome.Kind.POOL_TERMINATED);
    assertThat(ch.ended).isTrue();
    assertThat(processes.stopped).containsExactlyInAnyOrder("proc-1", "proc-2");
    Captured<Boolean> join = new Captured<>();
    pool.join(Wait.FOREVER, join);
    assertThat(join.answered()).isFalse();
    processes.exit("proc-1", "143");
    processes.exit("proc-2", "143");
    assertThat(join.result()).isTrue();
    assertThat(processes.spawned).as("no replacement after terminate").hasSize(2);
  }

  @Test
  void aSpawnedWorkerThatExitsBeforeAttachingBreaksThePool() {
    PoolObject<String> pool = pool(1, 0, false);
    pool.spawnMissing();
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("1"), 0, 1, false);
    processes.exit("proc-1", "1");
    assertThat(pool.state()).isEqualTo(PoolObject.State.BROKEN);
    assertThat(pool.info().brokenReason()).contains("exit code 1");
    assertThat(job.outcomes)
        .extracting(o -> o.failure().kind())
        .containsExactly(Outcome.Kind.POOL_BROKEN);
    assertThat(processes.spawned).as("no respawn loop").hasSize(1);
  }

  @Test
  void anAttachedSpawnedWorkerThatExitsIsReplacedAndItsChunkFailsWithItsStatus() {
    PoolObject<String> pool = pool(1, 0, false);
    pool.spawnMissing();
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "proc-1", 0, ch);
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("1"), 0, 1, false);
    w.credit(1);
    w.gone();
    assertThat(job.outcomes).as("waits for the exit status").isEmpty();
    processes.exit("proc-1", "137");
    assertThat(job.outcomes.get(0).failure().metadata())
        .containsEntry("exit_code", "137")
        .containsEntry("pid", "1001");
    assertThat(processes.spawned).containsExactly("proc-1", "proc-2");
  }

  @Test
  void aLostChunkFailsWithoutStatusIfTheExitDoesNotComeSoon() {
    PoolObject<String> pool = pool(1, 0, false);
    pool.spawnMissing();
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "proc-1", 0, ch);
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("1"), 0, 1, false);
    w.credit(1);
    w.gone();
    timer.advanceMillis(2000);
    assertThat(job.outcomes)
        .extracting(o -> o.failure().kind())
        .containsExactly(Outcome.Kind.WORKER_DIED);
  }

  @Test
  void aMapAnswersInInputOrderWithinItsWindow() {
    PoolObject<String> pool = pool(0, 0, false);
    FakeChannel c1 = new FakeChannel();
    FakeChannel c2 = new FakeChannel();
    PoolObject<String>.Worker w1 = pool.attach(List.of("square"), "", 1, c1);
    PoolObject<String>.Worker w2 = pool.attach(List.of("square"), "", 2, c2);
    List<Long> order = new ArrayList<>();
    List<String> values = new ArrayList<>();
    long[] done = {-1};
    MapJob<String> map =
        new MapJob<>(
            pool,
            "square",
            2,
            true,
            4,
            new MapSink<>() {
              @Override
              public void outcomes(List<Long> indices, List<Outcome<String>> outcomes) {
                order.addAll(indices);
                outcomes.forEach(o -> values.add(o.value()));
              }

              @Override
              public void done(long count) {
                done[0] = count;
              }

              @Override
              public void fail(BrokerException e) {
                throw e;
              }
            });
    pool.openJob(map);
    map.inputs(List.of("1", "2", "3", "4"));
    assertThatThrownBy(() -> map.inputs(List.of("5")))
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.LIMIT_EXCEEDED);
    w1.credit(1);
    w2.credit(1);
    // The second chunk finishes first; nothing is answered until the first does.
    w2.result(c2.chunkIds.get(0), squares(c2.chunks.get(0)));
    assertThat(order).isEmpty();
    w1.result(c1.chunkIds.get(0), squares(c1.chunks.get(0)));
    assertThat(order).containsExactly(0L, 1L, 2L, 3L);
    assertThat(values).containsExactly("1", "4", "9", "16");
    map.inputs(List.of("5"));
    map.inputsDone();
    assertThat(done[0]).isEqualTo(-1);
    w1.credit(1);
    w1.result(c1.chunkIds.get(1), squares(c1.chunks.get(1)));
    assertThat(done[0]).isEqualTo(5);
  }

  @Test
  void aChunkLostWhileThePoolBreaksFailsWithTheBreakNotARetry() {
    PoolObject<String> pool = pool(2, 0, true);
    pool.spawnMissing();
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "proc-1", 0, ch);
    Recorder job = new Recorder();
    pool.submit(job, "square", List.of("1"), 0, 1, false);
    w.credit(1);
    w.gone(); // waits for proc-1's exit status
    processes.exit("proc-2", "1"); // never attached: the pool breaks meanwhile
    processes.exit("proc-1", "137");
    assertThat(job.outcomes)
        .extracting(o -> o.failure().kind())
        .containsExactly(Outcome.Kind.POOL_BROKEN);
    assertThat(pool.info().queued()).isZero();
  }

  @Test
  void aClosedPoolWithAnOpenMapStillReplacesAWorkerThatExits() {
    PoolObject<String> pool = pool(1, 1, false);
    pool.spawnMissing();
    FakeChannel ch = new FakeChannel();
    PoolObject<String>.Worker w = pool.attach(List.of("square"), "proc-1", 0, ch);
    List<String> values = new ArrayList<>();
    MapJob<String> map = new MapJob<>(pool, "square", 1, true, 1, sink(values));
    pool.openJob(map);
    map.inputs(List.of("2"));
    pool.close();
    w.credit(1);
    w.result(ch.chunkIds.get(0), squares(ch.chunks.get(0)));
    assertThat(ch.retired).containsExactly("maxtasksperchild");
    w.gone();
    processes.exit("proc-1", "0");
    // The map still sends inputs: the pool needs a worker for them.
    assertThat(processes.spawned).containsExactly("proc-1", "proc-2");
    map.inputs(List.of("3"));
    FakeChannel ch2 = new FakeChannel();
    PoolObject<String>.Worker w2 = pool.attach(List.of("square"), "proc-2", 0, ch2);
    w2.credit(1);
    w2.result(ch2.chunkIds.get(0), squares(ch2.chunks.get(0)));
    assertThat(values).containsExactly("4", "9");
  }

  @Test
  void aSpawnedWorkerThatSaysHelloBeforeItsSpawnAnswersIsStillItsSlot() {
    PoolObject<String> pool = pool(1, 0, false);
    CompletableFuture<PoolObject.Spawned> late = new CompletableFuture<>();
    PoolObject.ExitListener[] exit = new PoolObject.ExitListener[1];
    PoolObject<String> slow =
        new PoolObject<>(
            "slow",
            new PoolConfig(1, List.of("worker"), Map.of(), "", 0, false),
            new PoolObject.Processes() {
              @Override
              public CompletableFuture<PoolObject.Spawned> spawn(
                  PoolObject<?> p, PoolObject.ExitListener exited) {
                exit[0] = exited;
                return late;
              }

              @Override
              public void stop(String processId) {}
            },
            timer,
            chunkIds::incrementAndGet);
    slow.spawnMissing();
    FakeChannel ch = new FakeChannel();
    slow.attach(List.of("square"), "proc-9", 4242, ch);
    late.complete(new PoolObject.Spawned("proc-9", 4242));
    assertThat(slow.info().workers())
        .extracting(PoolObject.WorkerInfo::processId)
        .containsExactly("proc-9");
    // Its exit after it attached is an ordinary exit, not a broken pool.
    exit[0].exited("proc-9", Map.of("exit_code", "0"), "exit code 0");
    assertThat(slow.state()).isEqualTo(PoolObject.State.RUNNING);
    assertThat(pool.state()).isEqualTo(PoolObject.State.RUNNING);
  }

  @Test
  void aRetireNeverOvertakesTheAcceptance() {
    PoolObject<String> pool = pool(0, 0, false);
    pool.close();
    FakeChannel ch = new FakeChannel();
    pool.attach(List.of("square"), "", 1, ch);
    assertThat(ch.sent).containsExactly("accepted", "retire");
  }

  @Test
  void racingChunksNeverLoseOrReorderAMapsOutcomes() throws Exception {
    for (int round = 0; round < 200; round++) {
      PoolObject<String> pool = pool(0, 0, false);
      FakeChannel c1 = new FakeChannel();
      FakeChannel c2 = new FakeChannel();
      PoolObject<String>.Worker w1 = pool.attach(List.of("square"), "", 1, c1);
      PoolObject<String>.Worker w2 = pool.attach(List.of("square"), "", 2, c2);
      List<String> values = java.util.Collections.synchronizedList(new ArrayList<>());
      long[] done = {-1};
      MapJob<String> map =
          new MapJob<>(
              pool,
              "square",
              1,
              round % 2 == 0,
              8,
              new MapSink<>() {
                @Override
                public void outcomes(List<Long> indices, List<Outcome<String>> outcomes) {
                  synchronized (values) {
                    assertThat(done[0]).as("outcomes after done").isEqualTo(-1);
                    outcomes.forEach(o -> values.add(o.value()));
                  }
                }

                @Override
                public void done(long count) {
                  synchronized (values) {
                    done[0] = count;
                  }
                }

                @Override
                public void fail(BrokerException e) {
                  throw e;
                }
              });
      pool.openJob(map);
      map.inputs(List.of("1", "2"));
      w1.credit(1);
      w2.credit(1);
      map.inputsDone();
      CompletableFuture<Void> a =
          CompletableFuture.runAsync(
              () -> w1.result(c1.chunkIds.get(0), squares(c1.chunks.get(0))));
      CompletableFuture<Void> b =
          CompletableFuture.runAsync(
              () -> w2.result(c2.chunkIds.get(0), squares(c2.chunks.get(0))));
      a.get();
      b.get();
      synchronized (values) {
        assertThat(done[0]).isEqualTo(2);
        if (round % 2 == 0) {
          assertThat(values).containsExactly("1", "4");
        } else {
          assertThat(values).containsExactlyInAnyOrder("1", "4");
        }
      }
    }
  }

  private static MapSink<String> sink(List<String> values) {
    return new MapSink<>() {
      @Override
      public void outcomes(List<Long> indices, List<Outcome<String>> outcomes) {
        outcomes.forEach(o -> values.add(o.value()));
      }

      @Override
      public void done(long count) {}

      @Override
      public void fail(BrokerException e) {
        throw e;
      }
    };
  }
}
