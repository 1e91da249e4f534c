package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.Rpc.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.ClosePoolRequest;
import io.ipcbroker.v1.CreatePoolRequest;
import io.ipcbroker.v1.DeletePoolRequest;
import io.ipcbroker.v1.ErrorReason;
import io.ipcbroker.v1.GetPoolRequest;
import io.ipcbroker.v1.GetTaskResultRequest;
import io.ipcbroker.v1.GetTaskResultResponse;
import io.ipcbroker.v1.JoinPoolRequest;
import io.ipcbroker.v1.ListPoolsRequest;
import io.ipcbroker.v1.MapOpen;
import io.ipcbroker.v1.MapRequest;
import io.ipcbroker.v1.MapResponse;
import io.ipcbroker.v1.PoolInfo;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.PoolState;
import io.ipcbroker.v1.SubmitTaskRequest;
import io.ipcbroker.v1.TaskOutcome;
import io.ipcbroker.v1.TerminatePoolRequest;
import io.ipcbroker.v1.WorkerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code PoolService} on raw stubs: pools whose workers the broker spawns (JVMs running {@link
 * RawPoolWorker}) or that attach, maps in order and unordered, apply_async with timeouts, task
 * errors that reach the caller, and what Python's Pool gets wrong: a worker killed mid-task fails
 * (or retries) its task promptly instead of hanging the caller.
 */
@Timeout(240)
class PoolConformanceTest {
  private TestBroker broker;
  private String session;
  private final List<String> pools = new ArrayList<>();

  @BeforeEach
  void setUp() {
    broker = new TestBroker();
    // Longer than any test: the session has no keep-alive stream here.
    session = broker.createSession(600).getSessionId();
  }

  @AfterEach
  void tearDown() {
    for (String p : pools) {
      stub().deletePool(DeletePoolRequest.newBuilder().setName(p).setAllowMissing(true).build());
    }
    broker.close();
  }

  private PoolServiceGrpc.PoolServiceBlockingStub stub() {
    return PoolServiceGrpc.newBlockingStub(broker.channel())
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** A pool of {@code processes} spawned raw-stub workers. */
  private String spawnedPool(int processes, int maxTasks, boolean retry) {
    // The broker runs this host's java with this test's class path: only on the same host.
    ConformanceTarget.assumeSameHost();
    return createPool(
        CreatePoolRequest.newBuilder()
            .setProcesses(processes)
            .addAllWorkerArgv(JavaChild.command(PoolWorkerChild.class))
            .setMaxtasksperchild(maxTasks)
            .setRetryOnWorkerDeath(retry));
  }

  private String createPool(CreatePoolRequest.Builder request) {
    String name = Rpc.uniqueName("pool");
    pools.add(name);
    stub().createPool(request.setName(name).setSessionId(session).build());
    return name;
  }

  private PoolInfo info(String pool) {
    return stub().getPool(GetPoolRequest.newBuilder().setName(pool).build()).getPool();
  }

  private String submit(String pool, String function, String arg) {
    return stub()
        .submitTask(
            SubmitTaskRequest.newBuilder()
                .setPool(pool)
                .setSessionId(session)
                .setFunction(function)
                .setArgs(RawPoolWorker.text(arg))
                .build())
        .getTaskId();
  }

  private GetTaskResultResponse result(String task, double timeout) {
    return stub()
        .getTaskResult(
            GetTaskResultRequest.newBuilder().setTaskId(task).setTimeoutSeconds(timeout).build());
  }

  private static String text(TaskOutcome o) {
    assertThat(o.hasValue()).as("a value, not %s", o).isTrue();
    return o.getValue().getData().toStringUtf8();
  }

  /** Runs a map over {@code inputs} and answers the outcomes by input index. */
  private Map<Long, TaskOutcome> map(
      String pool, String function, List<String> inputs, int chunksize, boolean ordered) {
    return PoolCalls.map(broker.channel(), pool, function, inputs, chunksize, ordered);
  }

  private static List<String> range(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }

  @Test
  void mapOfSquaresComesBackInOrderWithChunksOf1And10() {
    String pool = spawnedPool(2, 0, false);
    for (int chunksize : new int[] {1, 10}) {
      Map<Long, TaskOutcome> got = map(pool, "square", range(100), chunksize, true);
      for (long i = 0; i < 100; i++) {
        assertThat(text(got.get(i))).isEqualTo(Long.toString(i * i));
      }
    }
    assertThat(info(pool).getTasksSucceeded()).isEqualTo(200);
    assertThat(
            stub().listPools(ListPoolsRequest.getDefaultInstance()).getPoolsList().stream()
                .filter(p -> p.getName().equals(pool))
                .findFirst()
                .orElseThrow()
                .getWorkersCount())
        .isEqualTo(2);
  }

  @Test
  void imapUnorderedAnswersEveryInputOnce() {
    String pool = spawnedPool(2, 0, false);
    Map<Long, TaskOutcome> got = map(pool, "square", range(50), 3, false);
    assertThat(got.keySet()).hasSize(50);
    got.forEach((i, o) -> assertThat(text(o)).isEqualTo(Long.toString(i * i)));
  }

  @Test
  void applyAsyncGetBeforeReadyAnswersNotReadyThenTheValue() {
    String pool = spawnedPool(1, 0, false);
    String task = submit(pool, "sleep", "1500");
    long t0 = Timing.start();
    assertThat(result(task, 0.2).getReady()).isFalse();
    Timing.assertWaited(t0, Duration.ofMillis(200));
    GetTaskResultResponse later = result(task, 30);
    assertThat(later.getReady()).isTrue();
    assertThat(text(later.getOutcome())).isEqualTo("1500");
  }

  @Test
  void aTasksExceptionReachesTheCallerAndThePoolGoesOn() {
    String pool = spawnedPool(1, 0, false);
    TaskOutcome failed = result(submit(pool, "fail", "7"), 30).getOutcome();
    assertThat(failed.hasError()).isTrue();
    assertThat(failed.getError().getReason()).isEqualTo(ErrorReason.TASK_RAISED);
    assertThat(failed.getError().getTypeName()).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(failed.getError().getMessage()).isEqualTo("bad input: 7");
    assertThat(failed.getError().getTraceback()).isNotEmpty();
    TaskOutcome unknown = result(submit(pool, "no_such_function", "1"), 30).getOutcome();
    assertThat(unknown.getError().getReason()).isEqualTo(ErrorReason.FUNCTION_NOT_FOUND);
    assertThat(text(result(submit(pool, "square", "12"), 30).getOutcome())).isEqualTo("144");
  }

  @Test
  void aWorkerKilledMidTaskFailsItsTaskPromptlyAndIsReplaced() throws Exception {
    String pool = spawnedPool(1, 0, false);
    String task = submit(pool, "sleep", "60000");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> info(pool).getWorkersList().stream().anyMatch(w -> w.getChunksInFlight() == 1));
    long pid = info(pool).getWorkers(0).getPid();
    long t0 = Timing.start();
    OsProcesses.sigkill(pid);
    GetTaskResultResponse r = result(task, 20);
    assertThat(r.getReady()).isTrue();
    assertThat(Timing.since(t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(r.getOutcome().getError().getReason()).isEqualTo(ErrorReason.WORKER_DIED);
    assertThat(r.getOutcome().getError().getMetadataMap()).containsEntry("pid", Long.toString(pid));
    System.out.printf(
        "killed worker's task answered after %d ms: %s%n",
        Timing.since(t0).toMillis(), r.getOutcome().getError().getMetadataMap());
    // A replacement serves later tasks.
    assertThat(text(result(submit(pool, "square", "9"), 60).getOutcome())).isEqualTo("81");
    assertThat(info(pool).getWorkersList()).extracting(WorkerInfo::getPid).doesNotContain(pid);
  }

  @Test
  void withRetryAKilledWorkersTaskRunsOnAnotherWorker() throws Exception {
    String pool = spawnedPool(1, 0, true);
    String task = submit(pool, "sleep", "3000");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> info(pool).getWorkersList().stream().anyMatch(w -> w.getChunksInFlight() == 1));
    OsProcesses.sigkill(info(pool).getWorkers(0).getPid());
    GetTaskResultResponse r = result(task, 60);
    assertThat(r.getReady()).isTrue();
    assertThat(text(r.getOutcome())).isEqualTo("3000");
  }

  @Test
  void maxtasksperchildOneRunsEveryTaskInANewProcess() {
    String pool = spawnedPool(1, 1, false);
    Set<String> pids = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      pids.add(text(result(submit(pool, "pid", ""), 60).getOutcome()));
    }
    assertThat(pids).hasSize(3);
  }

  @Test
  void terminateFailsPendingTasksAndLeavesNoWorkerBehind() throws Exception {
    String pool = spawnedPool(2, 0, false);
    List<String> tasks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      tasks.add(submit(pool, "sleep", "60000"));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> info(pool).getTasksRunning() == 2);
    List<Long> pids = info(pool).getWorkersList().stream().map(WorkerInfo::getPid).toList();
    PoolInfo after =
        stub().terminatePool(TerminatePoolRequest.newBuilder().setName(pool).build()).getPool();
    assertThat(after.getState()).isEqualTo(PoolState.POOL_STATE_TERMINATED);
    for (String t : tasks) {
      GetTaskResultResponse r = result(t, 10);
      assertThat(r.getReady()).isTrue();
      assertThat(r.getOutcome().getError().getReason()).isEqualTo(ErrorReason.POOL_TERMINATED);
    }
    assertThat(
            stub()
                .joinPool(JoinPoolRequest.newBuilder().setName(pool).setTimeoutSeconds(20).build())
                .getJoined())
        .isTrue();
    for (long pid : pids) {
      OsProcesses.awaitGone(pid, Duration.ofSeconds(10));
    }
    assertFails(Status.Code.FAILED_PRECONDITION, "POOL_CLOSED", () -> submit(pool, "square", "1"));
  }

  @Test
  void closeFinishesTheTasksThenRetiresTheWorkers() {
    String pool = spawnedPool(2, 0, false);
    assertFails(
        Status.Code.FAILED_PRECONDITION,
        "POOL_RUNNING",
        () -> stub().joinPool(JoinPoolRequest.newBuilder().setName(pool).setNowait(true).build()));
    String task = submit(pool, "sleep", "300");
    stub().closePool(ClosePoolRequest.newBuilder().setName(pool).build());
    assertFails(Status.Code.FAILED_PRECONDITION, "POOL_CLOSED", () -> submit(pool, "square", "1"));
    assertThat(
            stub()
                .joinPool(JoinPoolRequest.newBuilder().setName(pool).setTimeoutSeconds(60).build())
                .getJoined())
        .isTrue();
    assertThat(text(result(task, 1).getOutcome())).isEqualTo("300");
    assertThat(info(pool).getWorkersList()).isEmpty();
  }

  @Test
  void anAttachedWorkerServesAPoolWithoutSpawnedWorkers() throws Exception {
    String pool = createPool(CreatePoolRequest.newBuilder().setProcesses(0));
    RawPoolWorker worker = RawPoolWorker.start(broker.newChannel(), pool, "");
    worker.awaitAttached();
    Map<Long, TaskOutcome> got = map(pool, "square", range(20), 4, true);
    assertThat(text(got.get(19L))).isEqualTo("361");
    // An attached worker whose stream breaks mid-task fails its task, promptly.
    String task = submit(pool, "sleep", "60000");
    await().atMost(Duration.ofSeconds(30)).until(() -> info(pool).getTasksRunning() == 1);
    worker.crash();
    TaskOutcome died = result(task, 10).getOutcome();
    assertThat(died.getError().getReason()).isEqualTo(ErrorReason.WORKER_DIED);
  }

  @Test
  void aWorkerThatExitsBeforeAttachingBreaksThePool() {
    String pool = createPool(CreatePoolRequest.newBuilder().setProcesses(1).addWorkerArgv("false"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> info(pool).getState() == PoolState.POOL_STATE_BROKEN);
    assertThat(info(pool).getBrokenReason()).contains("exit code 1");
    assertFails(Status.Code.FAILED_PRECONDITION, "POOL_BROKEN", () -> submit(pool, "square", "1"));
  }

  @Test
  void badInputGetsClearStatuses() {
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            stub()
                .createPool(
                    CreatePoolRequest.newBuilder()
                        .setName(Rpc.uniqueName("p"))
                        .setSessionId(session)
                        .setProcesses(-1)
                        .build()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () ->
            stub()
                .createPool(
                    CreatePoolRequest.newBuilder()
                        .setName(Rpc.uniqueName("p"))
                        .setSessionId(session)
                        .setProcesses(2)
                        .build()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "EXECUTABLE_NOT_FOUND",
        () ->
            stub()
                .createPool(
                    CreatePoolRequest.newBuilder()
                        .setName(Rpc.uniqueName("p"))
                        .setSessionId(session)
                        .setProcesses(1)
                        .addWorkerArgv("/no/such/worker")
                        .build()));
    String pool = createPool(CreatePoolRequest.newBuilder().setProcesses(0));
    assertFails(
        Status.Code.NOT_FOUND,
        "POOL_NOT_FOUND",
        () -> stub().getPool(GetPoolRequest.newBuilder().setName(Rpc.uniqueName("none")).build()));
    assertFails(Status.Code.NOT_FOUND, "TASK_NOT_FOUND", () -> result("task-none", 0));
    CompletableFuture<Long> opened = new CompletableFuture<>();
    StreamObserver<MapRequest> requests =
        PoolServiceGrpc.newStub(broker.channel())
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .map(
                new StreamObserver<MapResponse>() {
                  @Override
                  public void onNext(MapResponse r) {}

                  @Override
                  public void onError(Throwable t) {
                    opened.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    opened.complete(0L);
                  }
                });
    requests.onNext(
        MapRequest.newBuilder()
            .setOpen(MapOpen.newBuilder().setPool(pool).setFunction("square").setChunksize(0))
            .build());
    Rpc.assertStatus(
        Unary.awaitFailure(opened), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE");
  }

  /** A worker in another language (Node.js, from the .proto files alone) serves a Java map. */
  @Test
  void aNodeWorkerServesAJavaClientsMap() throws Exception {
    NodeClient.ensureInstalled();
    String pool = createPool(CreatePoolRequest.newBuilder().setProcesses(0));
    Process node =
        new ProcessBuilder("node", "pool_worker.js", ConformanceTarget.address(), pool)
            .directory(NodeClient.DIR.toFile())
            .redirectErrorStream(true)
            .start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> info(pool).getWorkersCount() == 1);
      Map<Long, TaskOutcome> got = map(pool, "square", range(100), 10, true);
      for (long i = 0; i < 100; i++) {
        assertThat(text(got.get(i))).isEqualTo(Long.toString(i * i));
      }
      TaskOutcome failed = result(submit(pool, "fail", "3"), 30).getOutcome();
      assertThat(failed.getError().getReason()).isEqualTo(ErrorReason.TASK_RAISED);
      assertThat(failed.getError().getTypeName()).isEqualTo("RangeError");
      stub().closePool(ClosePoolRequest.newBuilder().setName(pool).build());
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(node.exitValue()).isZero();
    } finally {
      node.destroyForcibly();
    }
  }

  @Test
  void aPoolDiesWithItsOwnerSessionAndItsNameIsFreeAgain() throws Exception {
    String owner = broker.createSession(600).getSessionId();
    String name = Rpc.uniqueName("pool");
    pools.add(name);
    CreatePoolRequest request =
        CreatePoolRequest.newBuilder()
            .setName(name)
            .setSessionId(owner)
            .setProcesses(1)
            .addAllWorkerArgv(JavaChild.command(PoolWorkerChild.class))
            .setAllowExisting(true)
            .build();
    stub().createPool(request);
    String task = submit(name, "sleep", "60000");
    await().atMost(Duration.ofSeconds(30)).until(() -> info(name).getTasksRunning() == 1);
    long pid = info(name).getWorkers(0).getPid();
    broker.deleteSession(owner);
    TaskOutcome o = result(task, 10).getOutcome();
    assertThat(o.getError().getReason()).isEqualTo(ErrorReason.POOL_TERMINATED);
    assertFails(
        Status.Code.NOT_FOUND,
        "POOL_NOT_FOUND",
        () -> stub().getPool(GetPoolRequest.newBuilder().setName(name).build()));
    OsProcesses.awaitGone(pid, Duration.ofSeconds(10));
    assertThat(stub().createPool(request.toBuilder().setSessionId(session).build()).getCreated())
        .isTrue();
  }
}
