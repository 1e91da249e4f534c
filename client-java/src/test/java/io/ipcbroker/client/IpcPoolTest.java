package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SDK's pools against a real broker, with Java workers ({@link SquareWorkerMain}) that the
 * broker spawns as processes, or that a test serves on a thread.
 */
@Timeout(120)
class IpcPoolTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  // One pool of two spawned workers for the tests that leave it as they found it.
  private static IpcBroker client;
  private static IpcPool<String, String> shared;

  @BeforeAll
  static void startSharedPool() {
    client = broker.connect();
    shared =
        client.pool(EmbeddedBroker.uniqueName("shared"), 2, JavaProcess.of(SquareWorkerMain.class));
    awaitAttached(shared, 2);
  }

  @AfterAll
  static void stopSharedPool() {
    client.close();
  }

  private static List<String> range(int n) {
    return IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.toList());
  }

  private static List<String> squares(int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> Long.toString((long) i * i))
        .collect(Collectors.toList());
  }

  /** Waits until {@code n} workers attached (so that no task waits for a worker to start). */
  private static void awaitAttached(IpcPool<?, ?> pool, int n) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                pool.info().workers().stream().filter(w -> !w.state().equals("STARTING")).count()
                    == n);
  }

  /** The pids of the workers that run a task now, once there are {@code n}. */
  private static List<Long> busyPids(IpcPool<?, ?> pool, int n) {
    List<Long> pids = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              pids.clear();
              pool.info().workers().stream()
                  .filter(w -> w.state().equals("BUSY"))
                  .forEach(w -> pids.add(w.pid()));
              return pids.size() == n;
            });
    return pids;
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static void sigkill(long pid) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-KILL", Long.toString(pid))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  // ---- map, imap, starmap ----

  @Test
  void mapAnswersTheSquaresInOrder() {
    assertThat(shared.map("square", range(100))).isEqualTo(squares(100));
    assertThat(shared.map("square", range(100), 10)).isEqualTo(squares(100));
    assertThat(shared.map("square", List.of())).isEmpty();
  }

  @Test
  void mapAsyncCompletesWithTheList() throws Exception {
    assertThat(shared.mapAsync("square", range(20), 3).get(30, TimeUnit.SECONDS))
        .isEqualTo(squares(20));
  }

  @Test
  void imapStreamsInOrderAndImapUnorderedAnswersEveryInput() {
    List<String> ordered = new ArrayList<>();
    try (IpcMapIterator<String> it = shared.imap("square", range(200), 7)) {
      it.forEachRemaining(ordered::add);
    }
    assertThat(ordered).isEqualTo(squares(200));

    List<String> unordered = new ArrayList<>();
    try (IpcMapIterator<String> it = shared.imapUnordered("square", range(200))) {
      it.forEachRemaining(unordered::add);
    }
    assertThat(unordered).containsExactlyInAnyOrderElementsOf(squares(200));
  }

  @Test
  void imapReadsAnEndlessInputLazilyWithinTheWindow() {
    AtomicLong pulled = new AtomicLong();
    Iterable<String> naturals =
        () ->
            new Iterator<>() {
              @Override
              public boolean hasNext() {
                return true;
              }

              @Override
              public String next() {
                return Long.toString(pulled.getAndIncrement());
              }
            };
    try (IpcMapIterator<String> it = shared.imap("square", naturals, 10)) {
      for (int i = 0; i < 3000; i++) {
        assertThat(it.next()).isEqualTo(Long.toString((long) i * i));
        // Never more than the window (1,024) unanswered, plus one message read ahead of it.
        assertThat(pulled.get() - i).isLessThanOrEqualTo(1024 + 256 + 1);
      }
    }
    // The closed call's tasks were withdrawn: the pool goes on with other work at once.
    assertThat(shared.apply("square", "12")).isEqualTo("144");
  }

  @Test
  void starmapSendsEachArgumentListAsAJsonArray() {
    assertThat(shared.starmap("add", List.of(List.of("1", "2"), List.of("3", "4", "5"), List.of())))
        .containsExactly("3", "12", "0");
    assertThat(Codecs.stringList().decode(Codecs.stringList().encode(List.of("a\"b", "\n")), ""))
        .containsExactly("a\"b", "\n");
  }

  @Test
  void chunksizeBelowOneIsRefused() {
    assertThatThrownBy(() -> shared.map("square", range(3), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- apply, applyAsync ----

  @Test
  void applyAsyncTimesOutBeforeReadyAndAnswersLater() {
    IpcAsyncResult<String> r = shared.applyAsync("sleep", "1500");
    TaskTimeoutException timedOut =
        catchThrowableOfType(() -> r.get(Duration.ofMillis(100)), TaskTimeoutException.class);
    assertThat(timedOut.reason()).isEqualTo(TaskTimeoutException.TASK_TIMEOUT);
    assertThat(r.ready()).isFalse();
    assertThat(r.await(Duration.ZERO)).isFalse();
    assertThatThrownBy(r::successful).isInstanceOf(IllegalStateException.class);

    assertThat(r.get(Duration.ofSeconds(30))).isEqualTo("1500");
    assertThat(r.ready()).isTrue();
    assertThat(r.successful()).isTrue();
    assertThat(r.get()).isEqualTo("1500"); // kept by the handle
    assertThat(r.toFuture().join()).isEqualTo("1500");
  }

  @Test
  void applyAnswersTheValueAndFuturesComplete() throws Exception {
    assertThat(shared.apply("square", "7")).isEqualTo("49");
    CompletableFuture<String> f = shared.applyAsync("square", "8").toFuture();
    assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("64");
  }

  @Test
  void aTaskExceptionReachesTheCallerAndThePoolGoesOn() {
    IpcTaskException e =
        catchThrowableOfType(() -> shared.apply("fail", "x"), IpcTaskException.class);
    assertThat(e.reason()).isEqualTo(IpcTaskException.TASK_RAISED);
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.OK);
    assertThat(e.remoteType()).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(e.remoteMessage()).isEqualTo("bad input");
    assertThat(e.remoteTraceback()).contains("SquareWorkerMain");
    assertThat(e.getMessage()).isEqualTo("java.lang.IllegalArgumentException: bad input");

    IpcAsyncResult<String> failed = shared.applyAsync("fail", "y");
    failed.await();
    assertThat(failed.successful()).isFalse();
    assertThatThrownBy(() -> failed.toFuture().join()).hasCauseInstanceOf(IpcTaskException.class);

    // As Python's map: the first failure, once every task finished.
    IpcTaskException inMap =
        catchThrowableOfType(
            () -> shared.map("square", List.of("1", "x", "3", "y")), IpcTaskException.class);
    assertThat(inMap.remoteType()).isEqualTo("java.lang.NumberFormatException");
    assertThat(inMap.remoteMessage()).contains("\"x\"");
    assertThat(inMap.getSuppressed()).hasSize(1);

    // imap: the failed task throws from next(), and the iteration goes on.
    try (IpcMapIterator<String> it = shared.imap("square", List.of("2", "z", "4"))) {
      assertThat(it.next()).isEqualTo("4");
      assertThatThrownBy(it::next).isInstanceOf(IpcTaskException.class);
      assertThat(it.next()).isEqualTo("16");
      assertThat(it.hasNext()).isFalse();
    }
    assertThat(shared.apply("square", "5")).isEqualTo("25");
  }

  @Test
  void anUnknownFunctionFailsItsTaskOnlyAndThePoolGoesOn() {
    IpcTaskException e =
        catchThrowableOfType(() -> shared.apply("nope", "1"), IpcTaskException.class);
    assertThat(e.reason()).isEqualTo(IpcTaskException.FUNCTION_NOT_FOUND);
    assertThat(e.metadata()).containsEntry("function", "nope");
    assertThat(shared.map("square", range(5))).isEqualTo(squares(5));
  }

  // ---- worker death, maxtasksperchild, lifecycle ----

  @Test
  void aWorkerKilledMidTaskFailsItsTaskPromptlyAndThePoolGoesOn() throws Exception {
    try (IpcBroker c = broker.connect()) {
      IpcPool<String, String> pool =
          c.pool(EmbeddedBroker.uniqueName("killed"), 2, JavaProcess.of(SquareWorkerMain.class));
      awaitAttached(pool, 2);
      IpcAsyncResult<String> r = pool.applyAsync("sleep", "60000");
      long pid = busyPids(pool, 1).get(0);
      long start = System.nanoTime();
      sigkill(pid);
      IpcTaskException e =
          catchThrowableOfType(() -> r.get(Duration.ofSeconds(10)), IpcTaskException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(e.reason()).isEqualTo(IpcTaskException.WORKER_DIED);
      assertThat(e.metadata())
          .containsEntry("pid", Long.toString(pid))
          .containsEntry("signal", "9");
      // The dead worker is replaced, and later tasks run.
      assertThat(pool.map("square", range(10))).isEqualTo(squares(10));
      awaitAttached(pool, 2);
      assertThat(pool.info().workers()).noneMatch(w -> w.pid() == pid);
      pool.terminate();
    }
  }

  @Test
  void withRetryAKilledWorkersTaskRunsAgainElsewhere() throws Exception {
    try (IpcBroker c = broker.connect()) {
      IpcPool<String, String> pool =
          c.poolBuilder(EmbeddedBroker.uniqueName("retry"))
              .processes(2)
              .workerArgv(JavaProcess.of(SquareWorkerMain.class))
              .retryOnWorkerDeath(true)
              .create();
      awaitAttached(pool, 2);
      IpcAsyncResult<String> r = pool.applyAsync("sleep", "1000");
      sigkill(busyPids(pool, 1).get(0));
      assertThat(r.get(Duration.ofSeconds(30))).isEqualTo("1000");
      pool.terminate();
    }
  }

  @Test
  void maxTasksPerChildOneRunsEveryTaskInAnotherProcess() {
    try (IpcBroker c = broker.connect()) {
      IpcPool<String, String> pool =
          c.poolBuilder(EmbeddedBroker.uniqueName("maxtasks"))
              .processes(2)
              .workerArgv(JavaProcess.of(SquareWorkerMain.class))
              .maxTasksPerChild(1)
              .create();
      Set<String> pids = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        pids.add(pool.apply("pid", ""));
      }
      assertThat(pids).hasSize(3);
      assertThat(pool.map("pid", range(2)))
          .doesNotHaveDuplicates()
          .doesNotContainAnyElementsOf(pids);
      pool.terminate();
    }
  }

  @Test
  void terminateFailsPendingTasksAndLeavesNoWorkerBehind() {
    try (IpcBroker c = broker.connect()) {
      IpcPool<String, String> pool =
          c.pool(
              EmbeddedBroker.uniqueName("terminated"), 2, JavaProcess.of(SquareWorkerMain.class));
      awaitAttached(pool, 2);
      List<IpcAsyncResult<String>> tasks = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        tasks.add(pool.applyAsync("sleep", "60000"));
      }
      List<Long> pids = busyPids(pool, 2);
      assertThat(pool.info().tasksQueued()).isEqualTo(2);

      pool.terminate();
      for (IpcAsyncResult<String> t : tasks) {
        IpcTaskException e =
            catchThrowableOfType(() -> t.get(Duration.ofSeconds(10)), IpcTaskException.class);
        assertThat(e.reason()).isEqualTo(IpcTaskException.POOL_TERMINATED);
      }
      assertThat(pool.join(Duration.ofSeconds(30))).isTrue();
      assertThat(pool.info().state()).isEqualTo(IpcPool.State.TERMINATED);
      assertThat(pool.info().workers()).isEmpty();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> pids.stream().noneMatch(IpcPoolTest::alive));
      IpcBrokerException refused =
          catchThrowableOfType(() -> pool.applyAsync("square", "1"), IpcBrokerException.class);
      assertThat(refused.reason()).isEqualTo("POOL_CLOSED");
    }
  }

  @Test
  void closeLetsTheTasksFinishAndJoinWaitsForTheWorkers() {
    try (IpcBroker c = broker.connect()) {
      IpcPool<String, String> pool =
          c.pool(EmbeddedBroker.uniqueName("closed"), 2, JavaProcess.of(SquareWorkerMain.class));
      IpcBrokerException running = catchThrowableOfType(pool::join, IpcBrokerException.class);
      assertThat(running.reason()).isEqualTo("POOL_RUNNING");

      IpcAsyncResult<String> r = pool.applyAsync("sleep", "500");
      pool.close();
      IpcBrokerException refused =
          catchThrowableOfType(() -> pool.apply("square", "2"), IpcBrokerException.class);
      assertThat(refused.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
      assertThat(refused.reason()).isEqualTo("POOL_CLOSED");
      pool.join();
      assertThat(r.get(Duration.ofSeconds(10))).isEqualTo("500");
      assertThat(pool.info().state()).isEqualTo(IpcPool.State.CLOSED);
      assertThat(pool.info().workers()).isEmpty();
      assertThat(c.deletePool(pool.name())).isTrue();
      assertThat(c.deletePool(pool.name())).isFalse();
    }
  }

  @Test
  void anAttachedWorkerInThisJvmServesAMap() throws Exception {
    String name = EmbeddedBroker.uniqueName("attached");
    IpcPool<String, String> pool = client.attachedPool(name);
    PoolWorker worker = SquareWorkerMain.functions().concurrency(2).build();
    CompletableFuture<Void> served;
    try (IpcBroker workerClient = broker.connect()) {
      served = CompletableFuture.runAsync(() -> worker.serve(workerClient, name));
      assertThat(pool.map("square", range(100), 5)).isEqualTo(squares(100));
      assertThat(pool.info().workers())
          .singleElement()
          .satisfies(
              w -> {
                assertThat(w.processId()).isEmpty();
                assertThat(w.pid()).isEqualTo(ProcessHandle.current().pid());
              });
      pool.close(); // retires the worker: serve returns
      served.get(30, TimeUnit.SECONDS);
      assertThat(pool.join(Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void aStoppedAttachedWorkerLeavesThePool() throws Exception {
    String name = EmbeddedBroker.uniqueName("stopped");
    IpcPool<String, String> pool = client.attachedPool(name);
    PoolWorker worker = SquareWorkerMain.functions().build();
    try (IpcBroker workerClient = broker.connect()) {
      CompletableFuture<Void> served =
          CompletableFuture.runAsync(() -> worker.serve(workerClient, name));
      assertThat(pool.apply("square", "3")).isEqualTo("9");
      worker.stop();
      served.get(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.info().workers().isEmpty());
    }
    client.deletePool(name);
  }

  @Test
  void theReadmeExamplePrintsWhatItSays() {
    assertThat(PoolTutorialExample.run(broker.target()))
        .containsExactly(
            "[1, 4, 9, 16]",
            "144",
            "TASK_RAISED java.lang.IllegalArgumentException: bad input",
            "CLOSED");
  }
}
