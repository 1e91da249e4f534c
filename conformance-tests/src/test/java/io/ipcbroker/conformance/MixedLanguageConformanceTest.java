package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ipcbroker.v1.ClosePoolRequest;
import io.ipcbroker.v1.CreatePoolRequest;
import io.ipcbroker.v1.DeletePoolRequest;
import io.ipcbroker.v1.ErrorReason;
import io.ipcbroker.v1.GetPoolRequest;
import io.ipcbroker.v1.JoinPoolRequest;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.TaskOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Programs in three languages working together through the broker, each written against the
 * contract or its own language's client: Python writers spawned by a Java client and a Node writer
 * feed one queue that a Java client reads; Python workers serve a Java client's map; a Python
 * process and a Java client share a lock and a counter. The broker spawns the Python programs, so
 * these run when it is on this host.
 */
@Timeout(300)
class MixedLanguageConformanceTest {
  private TestBroker broker;
  private ProcessClient processes;
  private String session;
  private final List<String> pools = new ArrayList<>();

  @BeforeEach
  void setUp() {
    ConformanceTarget.assumeSameHost();
    broker = new TestBroker();
    processes = new ProcessClient(broker.channel());
    session = broker.createSession(600).getSessionId();
  }

  @AfterEach
  void tearDown() {
    if (broker == null) {
      return;
    }
    for (String p : pools) {
      pools().deletePool(DeletePoolRequest.newBuilder().setName(p).setAllowMissing(true).build());
    }
    processes.close();
    broker.close();
  }

  private PoolServiceGrpc.PoolServiceBlockingStub pools() {
    return PoolServiceGrpc.newBlockingStub(broker.channel())
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Spawns {@code argv} through the broker with the Python client importable. */
  private ProcessInfo spawn(String... argv) {
    return processes.create(
        ProcessClient.request(session, argv)
            .putAllEnv(PythonClient.childEnv())
            .setCwd(PythonClient.DIR.toString())
            .setStart(true));
  }

  /**
   * The tutorial's queue example across languages: two Python writer processes that a Java client
   * spawns through the broker, a Node writer, and a Java reader. Every url arrives exactly once,
   * each writer's in the order it put them.
   */
  @Test
  void pythonAndNodeWritersAndAJavaReaderShareTheTutorialsQueue() throws Exception {
    String python = PythonClient.python();
    NodeClient.ensureInstalled();
    String queue = broker.createQueue("urls", 0);
    String writer = PythonClient.EXAMPLES.resolve("tutorial_writer.py").toString();
    ProcessInfo first = spawn(python, writer, queue, "url_1", "url_2", "url_3");
    ProcessInfo second = spawn(python, writer, queue, "url_4", "url_5", "url_6");
    ChildProgram.Run node =
        NodeClient.run(
            List.of(
                "node",
                "tutorial_writer.js",
                ConformanceTarget.address(),
                queue,
                "url_7",
                "url_8",
                "url_9"),
            60);
    assertThat(node.exitCode()).as("node writer:%n%s", node.output()).isZero();

    ConsumeClient reader = ConsumeClient.open(broker.channel(), queue, session);
    List<String> got = reader.take(9);
    reader.halfCloseAndAwait(); // the acks are applied before the stream ends
    assertThat(got)
        .containsExactlyInAnyOrder(
            "url_1", "url_2", "url_3", "url_4", "url_5", "url_6", "url_7", "url_8", "url_9");
    assertThat(got.stream().filter(u -> u.compareTo("url_4") < 0).toList())
        .containsExactly("url_1", "url_2", "url_3");
    assertThat(got.stream().filter(u -> u.compareTo("url_4") >= 0 && u.compareTo("url_7") < 0))
        .containsExactly("url_4", "url_5", "url_6");
    assertThat(got.stream().filter(u -> u.compareTo("url_7") >= 0))
        .containsExactly("url_7", "url_8", "url_9");
    for (ProcessInfo p : List.of(first, second)) {
      ProcessInfo exited = processes.awaitExit(p.getId());
      assertThat(exited.getExitStatus().getExitcode())
          .as("python writer:%n%s", processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDERR))
          .isZero();
      assertThat(processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDOUT))
          .contains("Put url_")
          .contains(" to queue...");
    }
    assertThat(broker.getQueue(queue).getSize()).isZero();
  }

  /**
   * A pool of Python workers that the broker spawns ({@code python3 -m ipcbroker.worker tasks})
   * serves a Java client's map, in order; a Python exception reaches the Java caller as TASK_RAISED
   * with Python's type name.
   */
  @Test
  void pythonWorkersServeAJavaMap() throws Exception {
    String python = PythonClient.python();
    String pool = Rpc.uniqueName("pypool");
    pools.add(pool);
    Map<String, String> env = new HashMap<>(PythonClient.childEnv());
    pools()
        .createPool(
            CreatePoolRequest.newBuilder()
                .setName(pool)
                .setSessionId(session)
                .setProcesses(2)
                .addAllWorkerArgv(List.of(python, "-m", "ipcbroker.worker", "tasks"))
                .putAllWorkerEnv(env)
                .setWorkerCwd(PythonClient.DIR.toString())
                .build());
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      inputs.add(Integer.toString(i));
    }
    for (int chunksize : new int[] {1, 10}) {
      Map<Long, TaskOutcome> got =
          PoolCalls.map(broker.channel(), pool, "square", inputs, chunksize, true);
      for (long i = 0; i < 200; i++) {
        assertThat(got.get(i).getValue().getData().toStringUtf8()).isEqualTo(Long.toString(i * i));
        assertThat(got.get(i).getValue().getContentType()).isEqualTo("application/json");
      }
    }
    Map<Long, TaskOutcome> failed =
        PoolCalls.map(broker.channel(), pool, "fail", List.of("7"), 1, true);
    assertThat(failed.get(0L).getError().getReason()).isEqualTo(ErrorReason.TASK_RAISED);
    assertThat(failed.get(0L).getError().getTypeName()).isEqualTo("ValueError");
    assertThat(failed.get(0L).getError().getTraceback()).contains("tasks.py");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                pools()
                        .getPool(GetPoolRequest.newBuilder().setName(pool).build())
                        .getPool()
                        .getWorkersCount()
                    == 2);
    pools().closePool(ClosePoolRequest.newBuilder().setName(pool).build());
    assertThat(
            pools()
                .joinPool(JoinPoolRequest.newBuilder().setName(pool).setTimeoutSeconds(30).build())
                .getJoined())
        .as("the Python workers retired and exited")
        .isTrue();
  }

  /**
   * A Python process and a Java client increment one counter under one lock, each by reading the
   * value and writing it back plus one: the final count is exact only if the lock excludes across
   * the two languages.
   */
  @Test
  void aPythonProcessAndAJavaClientShareALockAndACounter() throws Exception {
    String python = PythonClient.python();
    int perSide = 300;
    SyncClient sync = new SyncClient(broker.channel());
    ValueClient values = new ValueClient(broker.channel());
    try {
      String lock = sync.createLock("shared-lock", LockKind.LOCK_KIND_LOCK);
      String counter = values.createRawValue("shared-counter", "i", ValueClient.i(0));
      ProcessInfo py =
          spawn(
              python,
              PythonClient.EXAMPLES.resolve("lock_counter.py").toString(),
              lock,
              counter,
              Integer.toString(perSide));
      // Start counting once Python has: both sides then run at once for most of their loops.
      await().atMost(Duration.ofSeconds(60)).until(() -> values.get(counter).getIntValue() > 0);
      long lastWritten = -1;
      int interleaved = 0; // iterations that found the other side's increments since our last
      for (int i = 0; i < perSide; i++) {
        assertThat(sync.acquire(lock, session, "java", 30.0).getAcquired()).isTrue();
        long seen = values.get(counter).getIntValue();
        if (lastWritten >= 0 && seen != lastWritten) {
          interleaved++;
        }
        values.set(counter, ValueClient.i(seen + 1));
        lastWritten = seen + 1;
        sync.release(lock, session, "java");
      }
      ProcessInfo exited = processes.awaitExit(py.getId());
      assertThat(exited.getExitStatus().getExitcode())
          .as("python:%n%s", processes.output(py.getId(), OutputStream.OUTPUT_STREAM_STDERR))
          .isZero();
      assertThat(values.get(counter).getIntValue()).isEqualTo(2L * perSide);
      assertThat(interleaved).as("the two sides' increments interleaved").isPositive();
    } finally {
      sync.close();
      values.close();
    }
  }
}
