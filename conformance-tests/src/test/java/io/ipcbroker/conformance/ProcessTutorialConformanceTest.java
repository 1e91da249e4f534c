package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ProcessClient.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.JoinProcessResponse;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.Signal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The process scenarios of the seed tutorial (Python's {@code multiprocessing.Process} and {@code
 * Queue}) with real OS processes that the broker spawns: {@code join(1)} on a child that sleeps 3
 * s, a daemon child that dies with the session that created it, and two writers and a reader that
 * pass six urls through a queue.
 */
@Timeout(120)
class ProcessTutorialConformanceTest {
  @BeforeAll
  static void brokerOnThisHost() {
    // The processes the broker spawns are watched through this host's /proc and files.
    ConformanceTarget.assumeSameHost();
  }

  private static final String[] URLS_1 = {"url_1", "url_2", "url_3"};
  private static final String[] URLS_2 = {"url_4", "url_5", "url_6"};

  private final TestBroker broker = new TestBroker();
  private final ProcessClient processes = new ProcessClient(broker.channel());

  @AfterEach
  void cleanUp() {
    try {
      processes.close();
    } finally {
      broker.close();
    }
  }

  /** A fresh session, as a fresh Python main process: its first child is {@code Process-1}. */
  private String session() {
    return broker.createSession(ProcessClient.SESSION_TTL_SECONDS).getSessionId();
  }

  @Test
  void joinWithTimeoutReturnsAfterTheTimeoutWhileTheChildRunsAndALaterJoinSeesItsExit() {
    ProcessInfo p = processes.start(session(), sh("sleep 3; echo hello bob"));
    assertThat(p.getDaemon()).as("print(p.daemon)").isFalse();

    // p.join(1)
    long t0 = Timing.start();
    JoinProcessResponse joined = processes.join(p.getId(), 1.0);
    Timing.assertWaited(t0, Duration.ofSeconds(1));
    assertThat(joined.getExited()).isFalse();
    ProcessInfo after = joined.getProcess();
    assertThat(after.getName()).as("p.name").isEqualTo("Process-1");
    assertThat(after.getAlive()).as("p.is_alive()").isTrue();
    assertThat(after.hasExitStatus()).as("p.exitcode is None").isFalse();
    assertThat(after.getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    assertThat(after.getPid()).isEqualTo(p.getPid());

    // The child goes on after the parent stopped waiting, and prints.
    ProcessInfo exited = processes.awaitExit(p.getId());
    ProcessClient.assertExitCode(exited, 0);
    assertThat(processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDOUT))
        .isEqualTo("hello bob\n");
    assertThat(processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDERR)).isEmpty();
  }

  @Test
  void daemonChildDiesWithTheSessionThatCreatedItAndNeverPrints() {
    String session = session();
    ProcessInfo p =
        processes.create(
            ProcessClient.request(session, sh("sleep 3; echo hello bob"))
                .setDaemon(true)
                .setStart(true));
    assertThat(p.getDaemon()).as("print(p.daemon)").isTrue();
    assertThat(p.getName()).as("p.name").isEqualTo("Process-1");
    assertThat(p.getAlive()).as("p.is_alive()").isTrue();
    assertThat(p.hasExitStatus()).as("p.exitcode is None").isFalse();

    // The main process ends: its session ends with it.
    broker
        .sessions()
        .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(session).build());

    ProcessInfo gone =
        processes.awaitProcess(
            p.getId(),
            ProcessClient.KILL_GRACE.plus(ProcessClient.DAEMON_SLACK),
            r -> r.getState() == ProcessState.PROCESS_STATE_EXITED);
    ProcessClient.assertKilledBy(gone, 15, true);
    assertThat(gone.getLastSignal()).isEqualTo(Signal.SIGNAL_TERM);
    assertThat(OsProcesses.running(p.getPid())).as("pid %s runs", p.getPid()).isFalse();
    assertThat(processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDOUT))
        .doesNotContain("hello bob")
        .isEmpty();
  }

  @Test
  void twoWriterProcessesAndAReaderProcessPassAllSixUrlsThroughAQueue() {
    String session = session();
    String queue = broker.createQueue("tutorial-proc-urls", 0);
    ProcessInfo writer1 = processes.start(session, java(TutorialWriter.class, queue, URLS_1));
    ProcessInfo writer2 = processes.start(session, java(TutorialWriter.class, queue, URLS_2));
    ProcessInfo reader = processes.start(session, java(TutorialReader.class, queue));
    assertThat(List.of(writer1.getName(), writer2.getName(), reader.getName()))
        .containsExactly("Process-1", "Process-2", "Process-3");

    // _writer1.join(); _writer2.join()
    assertSucceeded(writer1);
    assertSucceeded(writer2);
    // The tutorial's parent terminates the reader at once and may cut it off; here the reader
    // first gets what the writers put.
    String read =
        processes.awaitOutput(
            reader.getId(),
            OutputStream.OUTPUT_STREAM_STDOUT,
            out -> out.lines().filter(l -> l.startsWith("Get ")).count() >= 6);
    broker.awaitQueue(queue, q -> q.getSize() == 0 && q.getUnacked() == 0);

    // _reader.terminate()
    assertThat(processes.signal(reader.getId(), Signal.SIGNAL_TERM).getSent()).isTrue();
    ProcessClient.assertKilledBy(processes.awaitExit(reader.getId()), 15, true);

    List<String> got =
        read.lines()
            .filter(l -> l.startsWith("Get "))
            .map(l -> l.substring("Get ".length(), l.length() - " from queue.".length()))
            .toList();
    assertThat(got).containsExactlyInAnyOrder("url_1", "url_2", "url_3", "url_4", "url_5", "url_6");
    assertThat(got.stream().filter(u -> u.compareTo("url_4") < 0)).containsExactly(URLS_1);
    assertThat(got.stream().filter(u -> u.compareTo("url_4") >= 0)).containsExactly(URLS_2);
    assertThat(read.lines().findFirst())
        .as("the reader's pid is the record's")
        .contains("Process(" + reader.getPid() + ") is reading...");
    assertThat(processes.output(writer1.getId(), OutputStream.OUTPUT_STREAM_STDOUT).lines())
        .containsExactly(
            "Process(" + writer1.getPid() + ") is writing...",
            "Put url_1 to queue...",
            "Put url_2 to queue...",
            "Put url_3 to queue...");
    assertThat(broker.getQueue(queue).getSize()).isZero();
  }

  /** The argv of a main class of this module run in a small JVM. */
  private static String[] java(Class<?> main, String queue, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = queue;
    System.arraycopy(args, 0, all, 1, args.length);
    return JavaChild.command(main, all).toArray(String[]::new);
  }

  /** Joins a Java child and asserts that it exited 0, showing its stderr if not. */
  private void assertSucceeded(ProcessInfo p) {
    ProcessInfo exited = processes.awaitExit(p.getId());
    assertThat(exited.getExitStatus().getExitcode())
        .as("%s: %s", p.getName(), processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDERR))
        .isZero();
    ProcessClient.assertExitCode(exited, 0);
  }
}
