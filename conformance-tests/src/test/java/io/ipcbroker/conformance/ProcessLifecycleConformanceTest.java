package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ProcessClient.request;
import static io.ipcbroker.conformance.ProcessClient.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Timestamps;
import io.grpc.Status.Code;
import io.ipcbroker.v1.DeleteProcessRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.ExitStatus;
import io.ipcbroker.v1.InputRedirect;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.JoinProcessResponse;
import io.ipcbroker.v1.ListProcessesRequest;
import io.ipcbroker.v1.ListProcessesResponse;
import io.ipcbroker.v1.OutputRedirect;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.Signal;
import io.ipcbroker.v1.SignalProcessRequest;
import io.ipcbroker.v1.SignalProcessResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A process's life: names, create and start, exit codes and signals, joins with and without
 * timeouts, delete, what a session's end does to daemon and non-daemon processes (and their
 * descendants), listing, and the environment, working directory and executable lookup of the child,
 * including children that open sessions of their own.
 */
@Timeout(90)
class ProcessLifecycleConformanceTest {
  @BeforeAll
  static void brokerOnThisHost() {
    // The processes the broker spawns are watched through this host's /proc and files.
    ConformanceTarget.assumeSameHost();
  }

  /** A child that cannot be terminated: it and its {@code sleep}s ignore SIGTERM. */
  private static final String IGNORES_TERM =
      "trap '' TERM; echo ready; while :; do sleep 0.1; done";

  /** The deadline of joins that test deadline-bounded waits. */
  private static final Duration DEADLINE = Duration.ofMillis(400);

  private final TestBroker broker = new TestBroker();
  private final ProcessClient processes = new ProcessClient(broker.channel());

  @TempDir Path dir;

  @AfterEach
  void cleanUp() {
    try {
      processes.close();
    } finally {
      broker.close();
    }
  }

  private String session() {
    return broker.createSession(ProcessClient.SESSION_TTL_SECONDS).getSessionId();
  }

  private void endSession(String sessionId) {
    broker
        .sessions()
        .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(sessionId).build());
  }

  /** A long-running child that a test ends itself. */
  private ProcessInfo sleeper(String sessionId) {
    return processes.start(sessionId, "sleep", "300");
  }

  /** Waits until the started process {@code created} printed {@code ready}; returns it. */
  private ProcessInfo startReady(ProcessInfo created) {
    processes.awaitOutput(
        created.getId(), OutputStream.OUTPUT_STREAM_STDOUT, s -> s.startsWith("ready\n"));
    return created;
  }

  private String stdout(String id) {
    return processes.output(id, OutputStream.OUTPUT_STREAM_STDOUT);
  }

  // ---- names -------------------------------------------------------------------------------

  @Test
  void defaultNamesCountEveryCreateOfTheirSessionFromOne() {
    String a = session();
    String b = session();
    assertThat(processes.created(a, "true").getName()).isEqualTo("Process-1");
    assertThat(processes.created(a, "true").getName()).isEqualTo("Process-2");
    assertThat(processes.create(request(a, "true").setName("worker")).getName())
        .isEqualTo("worker");
    // A named process was still constructed, as a named Process() is in Python.
    assertThat(processes.created(a, "true").getName()).isEqualTo("Process-4");
    assertThat(processes.created(b, "true").getName()).as("another session").isEqualTo("Process-1");
    // Names need not be unique; ids are.
    ProcessInfo twin = processes.create(request(b, "true").setName("worker"));
    assertThat(twin.getName()).isEqualTo("worker");
    assertThat(processes.listSession(a).stream().map(ProcessInfo::getId))
        .doesNotContain(twin.getId())
        .doesNotHaveDuplicates();
  }

  // ---- create and start --------------------------------------------------------------------

  @Test
  void createWithoutStartIsACreatedRecordWithoutPidThatCannotBeJoined() {
    String session = session();
    ProcessInfo p = processes.created(session, "sleep", "300");
    assertThat(p.getId()).isNotEmpty();
    assertThat(p.getState()).isEqualTo(ProcessState.PROCESS_STATE_CREATED);
    assertThat(p.hasPid()).as("pid is None before start").isFalse();
    assertThat(p.getAlive()).isFalse();
    assertThat(p.hasExitStatus()).isFalse();
    assertThat(p.hasCreateTime()).isTrue();
    assertThat(p.hasStartTime()).isFalse();
    assertThat(p.getArgvList()).containsExactly("sleep", "300");
    assertThat(p.getSessionId()).isEqualTo(session);
    assertThat(p.getParentProcessId()).isEmpty();
    assertThat(p.getDaemon()).isFalse();
    assertThat(processes.get(p.getId())).isEqualTo(p);

    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "PROCESS_NOT_STARTED", () -> processes.join(p.getId(), null));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "PROCESS_NOT_STARTED", () -> processes.join(p.getId(), 0.1));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "PROCESS_NOT_STARTED", () -> processes.joinNowait(p.getId()));
    SignalProcessResponse signalled = processes.signal(p.getId(), Signal.SIGNAL_TERM);
    assertThat(signalled.getSent()).as("nothing to signal before start").isFalse();
    assertThat(signalled.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_CREATED);

    ProcessInfo started = processes.startProcess(p.getId());
    assertThat(started.getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    assertThat(started.hasPid()).isTrue();
    assertThat(started.getAlive()).isTrue();
    assertThat(started.hasStartTime()).isTrue();
    assertThat(OsProcesses.running(started.getPid())).isTrue();
    assertThat(started.getName()).isEqualTo(p.getName());
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "PROCESS_ALREADY_STARTED",
        () -> processes.startProcess(p.getId()));

    processes.signal(p.getId(), Signal.SIGNAL_KILL);
    processes.awaitExit(p.getId());
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "PROCESS_ALREADY_STARTED",
        () -> processes.startProcess(p.getId()));
  }

  @Test
  void startedRecordDescribesTheProcess() {
    String session = session();
    ProcessInfo p = sleeper(session);
    assertThat(p.getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    assertThat(p.getAlive()).isTrue();
    assertThat(p.hasPid()).isTrue();
    assertThat(OsProcesses.running(p.getPid())).isTrue();
    assertThat(p.hasExitStatus()).isFalse();
    assertThat(p.getArgvList()).containsExactly("sleep", "300");
    assertThat(Path.of(p.getExecutable()).isAbsolute())
        .as("executable %s", p.getExecutable())
        .isTrue();
    assertThat(Path.of(p.getExecutable()).getFileName().toString()).isEqualTo("sleep");
    assertThat(p.getCwd()).as("empty: the broker's").isEmpty();
    assertThat(p.getStdoutMode()).as("the default").isEqualTo(OutputRedirect.Mode.MODE_CAPTURE);
    assertThat(p.getStderrMode()).as("the default").isEqualTo(OutputRedirect.Mode.MODE_CAPTURE);
    assertThat(p.getLastSignal()).isEqualTo(Signal.SIGNAL_UNSPECIFIED);
    assertThat(Timestamps.compare(p.getStartTime(), p.getCreateTime())).isNotNegative();
    assertThat(p.getId()).isNotEmpty();
    ProcessInfo other = sleeper(session);
    assertThat(other.getId()).isNotEqualTo(p.getId());
    assertThat(other.getPid()).isNotEqualTo(p.getPid());

    processes.signal(p.getId(), Signal.SIGNAL_KILL);
    ProcessInfo exited = processes.awaitExit(p.getId());
    assertThat(Timestamps.compare(exited.getExitTime(), exited.getStartTime())).isNotNegative();
    assertThat(exited.getPid()).isEqualTo(p.getPid());
  }

  // ---- exit status -------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 7, 128, 193, 255})
  void exitCodeIsKeptAsCodeAndAsPythonsExitcode(int code) {
    ProcessInfo p = processes.start(session(), sh("exit " + code));
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), code);
  }

  @ParameterizedTest
  @ValueSource(ints = {129, 130, 137, 143, 192})
  void exitStatusAbove128IsReportedAsTheSignalItStandsFor(int status) {
    // The JVM cannot tell "killed by signal N" from "exit 128+N"; the contract says signal.
    ProcessInfo p = processes.start(session(), sh("exit " + status));
    ProcessClient.assertKilledBy(processes.awaitExit(p.getId()), status - 128, false);
  }

  static Stream<Arguments> signals() {
    return Stream.of(
        Arguments.of(Signal.SIGNAL_TERM, 15),
        Arguments.of(Signal.SIGNAL_KILL, 9),
        Arguments.of(Signal.SIGNAL_INT, 2),
        Arguments.of(Signal.SIGNAL_HUP, 1),
        Arguments.of(Signal.SIGNAL_QUIT, 3),
        Arguments.of(Signal.SIGNAL_USR1, 10),
        Arguments.of(Signal.SIGNAL_USR2, 12));
  }

  @ParameterizedTest(name = "{0} is signal {1}")
  @MethodSource("signals")
  void signalEndsTheProcessWithMinusItsNumberAsExitcode(Signal signal, int number)
      throws IOException {
    // In the test's directory: SIGQUIT may dump core.
    ProcessInfo p =
        processes.create(request(session(), "sleep", "300").setCwd(dir.toString()).setStart(true));
    OsProcesses.awaitExec(p.getPid(), p.getExecutable());
    // Whatever the broker inherited (a JVM blocks SIGQUIT; nohup ignores SIGHUP, a background
    // job of a non-interactive shell SIGINT and SIGQUIT), its children start with none of that.
    assertThat(OsProcesses.blocks(p.getPid(), number))
        .as("the child starts with signal %d blocked", number)
        .isFalse();
    assertThat(OsProcesses.ignores(p.getPid(), number))
        .as("the child starts with signal %d ignored", number)
        .isFalse();
    SignalProcessResponse r = processes.signal(p.getId(), signal);
    assertThat(r.getSent()).isTrue();
    assertThat(r.getProcess().getLastSignal()).isEqualTo(signal);
    ProcessInfo exited = processes.awaitExit(p.getId());
    ProcessClient.assertKilledBy(exited, number, true);
    assertThat(exited.getLastSignal()).isEqualTo(signal);
    assertThat(OsProcesses.running(p.getPid())).isFalse();
  }

  @Test
  void signalFromOutsideTheBrokerIsNotSignaledByBroker() {
    ProcessInfo p = sleeper(session());
    // The test's own process, signalled by its pid as any other program could.
    ProcessHandle.of(p.getPid()).ifPresent(ProcessHandle::destroy);
    ProcessInfo exited = processes.awaitExit(p.getId());
    ProcessClient.assertKilledBy(exited, 15, false);
    assertThat(exited.getLastSignal()).isEqualTo(Signal.SIGNAL_UNSPECIFIED);
  }

  @Test
  void eachChildLeadsItsOwnSessionAndProcessGroup() {
    ProcessInfo p = sleeper(session());
    long pid = p.getPid();
    // The broker may report the pid a moment before the child called setsid(2).
    await("pid " + pid + " leads its session")
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .atMost(Duration.ofSeconds(5))
        .until(() -> OsProcesses.session(pid).orElse(-1L) == pid);
    assertThat(OsProcesses.processGroup(pid)).contains(pid);
  }

  @Test
  void signalReachesTheWholeProcessGroupUnlessProcessOnly() {
    String session = session();
    String script = "sleep 300 & echo $!; wait";
    ProcessInfo group = processes.start(session, sh(script));
    ProcessInfo only = processes.start(session, sh(script));
    long groupChild = grandchild(group);
    long onlyChild = grandchild(only);

    processes.signal(group.getId(), Signal.SIGNAL_TERM);
    processes
        .stub()
        .signalProcess(
            SignalProcessRequest.newBuilder()
                .setId(only.getId())
                .setSignal(Signal.SIGNAL_TERM)
                .setProcessOnly(true)
                .build());

    ProcessClient.assertKilledBy(processes.awaitExit(group.getId()), 15, true);
    ProcessClient.assertKilledBy(processes.awaitExit(only.getId()), 15, true);
    OsProcesses.awaitGone(groupChild, Duration.ofSeconds(5));
    assertThat(OsProcesses.running(onlyChild)).as("the grandchild was not signalled").isTrue();
  }

  /** The pid that a {@code sleep 300 & echo $!; wait} child printed; killed at clean-up. */
  private long grandchild(ProcessInfo p) {
    String printed =
        processes.awaitOutput(p.getId(), OutputStream.OUTPUT_STREAM_STDOUT, s -> s.endsWith("\n"));
    long pid = Long.parseLong(printed.trim());
    processes.trackPid(pid);
    assertThat(OsProcesses.running(pid)).as("grandchild %s runs", pid).isTrue();
    return pid;
  }

  @Test
  void childThatIgnoresTermSurvivesTerminateAndDiesOnKill() {
    ProcessInfo p = startReady(processes.start(session(), sh(IGNORES_TERM)));

    assertThat(processes.signal(p.getId(), Signal.SIGNAL_TERM).getSent()).isTrue();
    JoinProcessResponse stillThere = processes.join(p.getId(), 0.5);
    assertThat(stillThere.getExited()).as("survived SIGTERM").isFalse();
    assertThat(stillThere.getProcess().getAlive()).isTrue();
    assertThat(stillThere.getProcess().getLastSignal()).isEqualTo(Signal.SIGNAL_TERM);

    assertThat(processes.signal(p.getId(), Signal.SIGNAL_KILL).getSent()).isTrue();
    ProcessInfo exited = processes.awaitExit(p.getId());
    ProcessClient.assertKilledBy(exited, 9, true);
    assertThat(exited.getLastSignal()).isEqualTo(Signal.SIGNAL_KILL);
  }

  @Test
  void signallingAnExitedProcessSucceedsWithoutEffect() {
    ProcessInfo p = processes.start(session(), "true");
    ProcessInfo exited = processes.awaitExit(p.getId());

    for (Signal s : List.of(Signal.SIGNAL_TERM, Signal.SIGNAL_KILL)) {
      SignalProcessResponse r = processes.signal(p.getId(), s);
      assertThat(r.getSent()).isFalse();
      assertThat(r.getProcess().getExitStatus()).isEqualTo(exited.getExitStatus());
      assertThat(r.getProcess().getLastSignal()).isEqualTo(Signal.SIGNAL_UNSPECIFIED);
    }
    ProcessClient.assertExitCode(processes.get(p.getId()), 0);
  }

  // ---- join --------------------------------------------------------------------------------

  @Test
  void joinWithTimeoutOnARunningProcessAnswersItsStateAfterTheTimeout() {
    ProcessInfo p = sleeper(session());

    long t0 = Timing.start();
    JoinProcessResponse r = processes.join(p.getId(), 0.2);
    Timing.assertWaited(t0, Duration.ofMillis(200));
    assertThat(r.getExited()).isFalse();
    assertThat(r.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    assertThat(r.getProcess().getAlive()).isTrue();
    assertThat(r.getProcess().hasExitStatus()).isFalse();

    t0 = Timing.start();
    assertThat(processes.join(p.getId(), 0.0).getExited()).as("join(0)").isFalse();
    Timing.assertImmediate(t0);
    t0 = Timing.start();
    assertThat(
            processes
                .stub()
                .joinProcess(
                    JoinProcessRequest.newBuilder()
                        .setId(p.getId())
                        .setNowait(true)
                        .setTimeoutSeconds(5)
                        .build())
                .getExited())
        .as("nowait ignores the timeout")
        .isFalse();
    Timing.assertImmediate(t0);
  }

  @Test
  void joinWithoutTimeoutIsAnsweredInBandJustBeforeTheCallsDeadline() {
    ProcessInfo p = sleeper(session());
    Duration margin = Timing.deadlineMargin(DEADLINE);

    long t0 = Timing.start();
    JoinProcessResponse r =
        ProcessServiceGrpc.newBlockingStub(broker.channel())
            .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .joinProcess(JoinProcessRequest.newBuilder().setId(p.getId()).build());
    Duration elapsed = Timing.since(t0);
    assertThat(elapsed)
        .isGreaterThanOrEqualTo(DEADLINE.minus(margin).minus(Timing.EARLY))
        .isLessThanOrEqualTo(DEADLINE.plus(Timing.LATE));
    assertThat(r.getExited()).isFalse();
    assertThat(r.getProcess().getAlive()).isTrue();
  }

  @Test
  void parkedJoinIsAnsweredWhenTheProcessExits() {
    long t0 = Timing.start();
    ProcessInfo shortLived = processes.start(session(), "sleep", "0.5");
    JoinProcessResponse r = processes.join(shortLived.getId(), 5.0);
    Timing.assertWaited(t0, Duration.ofMillis(500));
    assertThat(r.getExited()).isTrue();
    ProcessClient.assertExitCode(r.getProcess(), 0);

    ProcessInfo p = sleeper(session());
    CompletableFuture<JoinProcessResponse> parked =
        Unary.call(
            o ->
                ProcessServiceGrpc.newStub(broker.newChannel())
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .joinProcess(JoinProcessRequest.newBuilder().setId(p.getId()).build(), o));
    assertThat(processes.join(p.getId(), 0.3).getExited()).isFalse();
    assertThat(parked).isNotDone();
    processes.signal(p.getId(), Signal.SIGNAL_KILL);
    JoinProcessResponse woken = Unary.await(parked);
    assertThat(woken.getExited()).isTrue();
    ProcessClient.assertKilledBy(woken.getProcess(), 9, true);
  }

  @Test
  void joinAfterExitIsImmediateAndRepeatable() {
    ProcessInfo p = processes.start(session(), sh("exit 3"));
    ExitStatus status = processes.awaitExit(p.getId()).getExitStatus();

    for (Double timeout : new Double[] {null, 5.0, 0.0, null}) {
      long t0 = Timing.start();
      JoinProcessResponse r = processes.join(p.getId(), timeout);
      Timing.assertImmediate(t0);
      assertThat(r.getExited()).isTrue();
      assertThat(r.getProcess().getExitStatus()).isEqualTo(status);
    }
    assertThat(processes.joinNowait(p.getId()).getProcess().getExitStatus()).isEqualTo(status);
    ProcessClient.assertExitCode(processes.get(p.getId()), 3);
  }

  @Test
  void joinBoundToASessionEndsWithSessionNotFoundWhenThatSessionEnds() {
    ProcessInfo p = sleeper(session());
    String waiter = session();
    CompletableFuture<JoinProcessResponse> parked =
        Unary.call(
            o ->
                ProcessServiceGrpc.newStub(broker.newChannel())
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .joinProcess(
                        JoinProcessRequest.newBuilder()
                            .setId(p.getId())
                            .setSessionId(waiter)
                            .build(),
                        o));
    assertThat(processes.join(p.getId(), 0.3).getExited()).isFalse();

    endSession(waiter);
    Rpc.assertStatus(Unary.awaitFailure(parked), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () ->
            processes
                .stub()
                .joinProcess(
                    JoinProcessRequest.newBuilder()
                        .setId(p.getId())
                        .setSessionId(waiter)
                        .setTimeoutSeconds(0.2)
                        .build()));
    assertThat(processes.get(p.getId()).getAlive()).as("the process is not affected").isTrue();
  }

  // ---- delete ------------------------------------------------------------------------------

  @Test
  void deleteFailsWhileTheProcessRunsAndRemovesTheRecordAfterItExited() {
    ProcessInfo p = sleeper(session());
    Rpc.assertFails(Code.FAILED_PRECONDITION, "PROCESS_RUNNING", () -> processes.delete(p.getId()));
    assertThat(processes.get(p.getId()).getAlive()).isTrue();

    processes.signal(p.getId(), Signal.SIGNAL_KILL);
    processes.awaitExit(p.getId());
    assertThat(processes.delete(p.getId()).getDeleted()).isTrue();

    String id = p.getId();
    Rpc.assertFails(Code.NOT_FOUND, "PROCESS_NOT_FOUND", () -> processes.get(id));
    Rpc.assertFails(Code.NOT_FOUND, "PROCESS_NOT_FOUND", () -> processes.join(id, 0.1));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "PROCESS_NOT_FOUND",
        () -> processes.output(id, OutputStream.OUTPUT_STREAM_STDOUT));
    Rpc.assertFails(Code.NOT_FOUND, "PROCESS_NOT_FOUND", () -> processes.delete(id));
    assertThat(
            processes
                .stub()
                .deleteProcess(
                    DeleteProcessRequest.newBuilder().setId(id).setAllowMissing(true).build())
                .getDeleted())
        .isFalse();
  }

  @Test
  void recordThatWasNeverStartedCanBeDeleted() {
    String session = session();
    ProcessInfo p = processes.created(session, "true");
    assertThat(processes.delete(p.getId()).getDeleted()).isTrue();
    Rpc.assertFails(Code.NOT_FOUND, "PROCESS_NOT_FOUND", () -> processes.get(p.getId()));
    assertThat(processes.listSession(session)).isEmpty();
  }

  // ---- sessions: daemons and non-daemons ---------------------------------------------------

  @Test
  void nonDaemonProcessesOutliveTheirSessionAndStayJoinable() {
    String session = session();
    ProcessInfo running = sleeper(session);
    ProcessInfo finishing = processes.start(session, sh("sleep 0.5; exit 3"));

    endSession(session);

    JoinProcessResponse r = processes.join(running.getId(), 0.5);
    assertThat(r.getExited()).as("still running after its session ended").isFalse();
    assertThat(r.getProcess().getSessionId()).isEqualTo(session);
    assertThat(OsProcesses.running(running.getPid())).isTrue();
    ProcessClient.assertExitCode(processes.awaitExit(finishing.getId()), 3);
    assertThat(processes.listSession(session).stream().map(ProcessInfo::getId))
        .containsExactly(running.getId(), finishing.getId());

    processes.signal(running.getId(), Signal.SIGNAL_KILL);
    ProcessClient.assertKilledBy(processes.awaitExit(running.getId()), 9, true);
  }

  @Test
  void daemonThatIgnoresTermIsKilledAfterTheKillGracePeriod() {
    String session = session();
    ProcessInfo p =
        startReady(
            processes.create(request(session, sh(IGNORES_TERM)).setDaemon(true).setStart(true)));

    long t0 = Timing.start();
    endSession(session);
    assertThat(processes.join(p.getId(), 1.0).getExited()).as("survives SIGTERM").isFalse();
    ProcessInfo gone =
        processes.awaitProcess(
            p.getId(),
            ProcessClient.KILL_GRACE.plus(ProcessClient.DAEMON_SLACK),
            r -> r.getState() == ProcessState.PROCESS_STATE_EXITED);
    assertThat(Timing.since(t0))
        .as("SIGKILL only after the grace period")
        .isGreaterThanOrEqualTo(ProcessClient.KILL_GRACE.minus(Timing.EARLY));
    ProcessClient.assertKilledBy(gone, 9, true);
    assertThat(gone.getLastSignal()).isEqualTo(Signal.SIGNAL_KILL);
  }

  @Test
  void daemonsDescendantsDieWithTheDaemonsSession() {
    String session = session();
    ProcessInfo daemon =
        processes.create(
            request(session, sh("sleep 300 & echo $!; wait")).setDaemon(true).setStart(true));
    long grandchild = grandchild(daemon);

    endSession(session);

    ProcessInfo gone =
        processes.awaitProcess(
            daemon.getId(),
            ProcessClient.KILL_GRACE.plus(ProcessClient.DAEMON_SLACK),
            r -> r.getState() == ProcessState.PROCESS_STATE_EXITED);
    ProcessClient.assertKilledBy(gone, 15, true);
    OsProcesses.awaitGone(grandchild, ProcessClient.KILL_GRACE.plus(ProcessClient.DAEMON_SLACK));
  }

  @Test
  void startingADaemonOfAnEndedSessionFailsAndANonDaemonStarts() {
    String session = session();
    ProcessInfo daemon = processes.create(request(session, "true").setDaemon(true));
    ProcessInfo plain = processes.created(session, "true");
    endSession(session);

    Rpc.assertFails(
        Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> processes.startProcess(daemon.getId()));
    assertThat(processes.get(daemon.getId()).getState())
        .isEqualTo(ProcessState.PROCESS_STATE_CREATED);
    processes.startProcess(plain.getId());
    ProcessClient.assertExitCode(processes.awaitExit(plain.getId()), 0);
  }

  // ---- listing -----------------------------------------------------------------------------

  @Test
  void listSelectsBySessionStateAndNameInCreationOrder() {
    String a = session();
    String b = session();
    String name = Rpc.uniqueName("listed");
    ProcessInfo created = processes.create(request(a, "true").setName(name));
    ProcessInfo running = sleeper(a);
    ProcessInfo exited = processes.start(a, "true");
    processes.awaitExit(exited.getId());
    ProcessInfo inB = processes.create(request(b, "true").setName(name));

    assertThat(ids(processes.listSession(a)))
        .containsExactly(created.getId(), running.getId(), exited.getId());
    assertThat(ids(processes.listSession(b))).containsExactly(inB.getId());
    assertThat(ids(processes.list(ListProcessesRequest.newBuilder().setName(name))))
        .containsExactly(created.getId(), inB.getId());
    assertThat(ids(processes.list(ListProcessesRequest.newBuilder().setSessionId(b).setName(name))))
        .containsExactly(inB.getId());
    for (ProcessInfo p : List.of(created, running, exited)) {
      ProcessState state = processes.get(p.getId()).getState();
      assertThat(
              ids(
                  processes.list(
                      ListProcessesRequest.newBuilder().setSessionId(a).setState(state))))
          .as("state %s", state)
          .containsExactly(p.getId());
      List<ProcessInfo> everywhere =
          processes.list(ListProcessesRequest.newBuilder().setState(state));
      assertThat(ids(everywhere)).contains(p.getId());
      assertThat(everywhere).allSatisfy(q -> assertThat(q.getState()).isEqualTo(state));
    }
    processes.signal(running.getId(), Signal.SIGNAL_KILL);
  }

  @Test
  void listPagesFollowOneAnother() {
    String session = session();
    List<String> created =
        Stream.generate(() -> processes.created(session, "true").getId()).limit(5).toList();

    ListProcessesResponse first =
        processes
            .stub()
            .listProcesses(
                ListProcessesRequest.newBuilder().setSessionId(session).setPageSize(2).build());
    assertThat(ids(first.getProcessesList())).containsExactlyElementsOf(created.subList(0, 2));
    assertThat(first.getNextPageToken()).isNotEmpty();
    ListProcessesResponse second =
        processes
            .stub()
            .listProcesses(
                ListProcessesRequest.newBuilder()
                    .setSessionId(session)
                    .setPageSize(2)
                    .setPageToken(first.getNextPageToken())
                    .build());
    assertThat(ids(second.getProcessesList())).containsExactlyElementsOf(created.subList(2, 4));
    assertThat(
            ids(
                processes.list(
                    ListProcessesRequest.newBuilder().setSessionId(session).setPageSize(2))))
        .containsExactlyElementsOf(created);
  }

  private static List<String> ids(List<ProcessInfo> list) {
    return list.stream().map(ProcessInfo::getId).toList();
  }

  // ---- the child's environment, directory and executable -----------------------------------

  @Test
  void childEnvironmentHasTheBrokersAddedAndOwnVariables() {
    String session = session();
    ProcessInfo p =
        processes.create(
            request(session, "env")
                .putEnv("CONFORMANCE_VAR", "hello world")
                .putEnv("IPCBROKER_PROCESS_ID", "forged")
                .putEnv("IPCBROKER_PROCESS_NAME", "forged")
                .setStart(true));
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);

    Map<String, String> env = ProcessClient.environment(stdout(p.getId()));
    assertThat(env).containsEntry("CONFORMANCE_VAR", "hello world");
    assertThat(env).as("the broker's own environment").containsKey("PATH");
    assertThat(env).containsEntry("IPCBROKER_PROCESS_ID", p.getId());
    assertThat(env).containsEntry("IPCBROKER_PROCESS_NAME", p.getName());
    assertThat(env).containsEntry("IPCBROKER_PARENT_SESSION", session);
    assertThat(env.get("IPCBROKER_TARGET")).isNotBlank();
  }

  @Test
  void replaceEnvStartsFromAnEmptyEnvironment() {
    String session = session();
    ProcessInfo p =
        processes.create(
            request(session, "/usr/bin/env")
                .setReplaceEnv(true)
                .putEnv("ONLY", "1")
                .setStart(true));
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);

    List<String> expected =
        new ArrayList<>(
            List.of(
                "ONLY",
                "IPCBROKER_TARGET",
                "IPCBROKER_PROCESS_ID",
                "IPCBROKER_PROCESS_NAME",
                "IPCBROKER_PARENT_SESSION"));
    if (!ConformanceTarget.token().isEmpty()) {
      expected.add("IPCBROKER_TOKEN"); // a broker with a token hands it to its children
    }
    assertThat(ProcessClient.environment(stdout(p.getId())).keySet())
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void executableIsLookedUpInThePathOfTheChildsEnvironment() throws IOException {
    Path tool = dir.resolve("conformance-tool");
    Files.writeString(tool, "#!/bin/sh\necho tool ran \"$1\"\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));

    ProcessInfo p =
        processes.create(
            request(session(), "conformance-tool", "arg")
                .putEnv("PATH", dir + ":/usr/bin:/bin")
                .setStart(true));
    assertThat(Path.of(p.getExecutable()).isAbsolute()).isTrue();
    assertThat(Files.isSameFile(Path.of(p.getExecutable()), tool)).isTrue();
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    assertThat(stdout(p.getId())).isEqualTo("tool ran arg\n");
  }

  @Test
  void programSeesTheResolvedPathAsItsArgv0() {
    ProcessInfo p = processes.start(session(), "sh", "-c", "tr '\\0' '\\n' < /proc/$$/cmdline");
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    assertThat(stdout(p.getId()).lines().findFirst()).contains(p.getExecutable());
  }

  @Test
  void relativeArgv0AndRedirectPathsAreResolvedAgainstTheChildsCwd() throws IOException {
    Path tool = dir.resolve("local-tool");
    Files.writeString(tool, "#!/bin/sh\necho local tool ran\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dir.resolve("in.txt"), "from stdin\n");

    ProcessInfo p =
        processes.create(
            request(session(), "./local-tool")
                .setCwd(dir.toString())
                .setStdin(
                    InputRedirect.newBuilder()
                        .setMode(InputRedirect.Mode.MODE_FILE)
                        .setPath("in.txt"))
                .setStdout(
                    OutputRedirect.newBuilder()
                        .setMode(OutputRedirect.Mode.MODE_FILE)
                        .setPath("out.txt"))
                .setStart(true));
    assertThat(Files.isSameFile(Path.of(p.getExecutable()), tool)).isTrue();
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    assertThat(Files.readString(dir.resolve("out.txt"))).isEqualTo("local tool ran\n");

    ProcessInfo cat =
        processes.create(
            request(session(), "cat")
                .setCwd(dir.toString())
                .setStdin(
                    InputRedirect.newBuilder()
                        .setMode(InputRedirect.Mode.MODE_FILE)
                        .setPath("in.txt"))
                .setStart(true));
    ProcessClient.assertExitCode(processes.awaitExit(cat.getId()), 0);
    assertThat(stdout(cat.getId())).isEqualTo("from stdin\n");
  }

  @Test
  void relativeCwdIsResolvedAgainstTheBrokersWorkingDirectory() throws IOException {
    ProcessInfo where = processes.start(session(), "sh", "-c", "pwd -P");
    ProcessClient.assertExitCode(processes.awaitExit(where.getId()), 0);
    Path brokerDir = Path.of(stdout(where.getId()).strip());
    String relative = brokerDir.relativize(dir.toRealPath()).toString();
    assertThat(relative).doesNotStartWith("/");

    ProcessInfo p =
        processes.create(request(session(), "sh", "-c", "pwd -P").setCwd(relative).setStart(true));
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    assertThat(stdout(p.getId())).isEqualTo(dir.toRealPath() + "\n");
  }

  @Test
  void argvReachesTheChildAsGivenWithoutAShell() {
    ProcessInfo p =
        processes.start(session(), "printf", "%s|", "two words", "$HOME", "*", "", "'q'");
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    assertThat(stdout(p.getId())).isEqualTo("two words|$HOME|*||'q'|");
  }

  @Test
  void cwdIsTheChildsWorkingDirectory() throws IOException {
    ProcessInfo p =
        processes.create(
            request(session(), "sh", "-c", "pwd -P").setCwd(dir.toString()).setStart(true));
    assertThat(p.getCwd()).isEqualTo(dir.toString());
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    assertThat(stdout(p.getId())).isEqualTo(dir.toRealPath() + "\n");
  }

  @ParameterizedTest(name = "parent named \"{0}\"")
  @ValueSource(strings = {"", "writer"})
  void childSessionNamesItsChildrenAfterItsProcessesIdentity(String parentName) {
    String session = session();
    // A named parent is numbered as every create is: here the second of its session.
    String identity = parentName.isEmpty() ? "1" : "2";
    if (!parentName.isEmpty()) {
      processes.created(session, "true");
    }
    ProcessInfo parent =
        processes.create(
            request(session, JavaChild.command(NestedSpawner.class, "2").toArray(String[]::new))
                .setName(parentName)
                .setStart(true));
    assertThat(parent.getName())
        .isEqualTo(parentName.isEmpty() ? "Process-" + identity : parentName);
    ProcessInfo done = processes.awaitExit(parent.getId());
    String out = stdout(parent.getId());
    List<String[]> children =
        out.lines().filter(l -> l.startsWith("CHILD ")).map(l -> l.split(" ")).toList();
    children.forEach(c -> processes.track(c[1]));
    assertThat(done.getExitStatus().getExitcode())
        .as(
            "stdout %s, stderr %s",
            out, processes.output(parent.getId(), OutputStream.OUTPUT_STREAM_STDERR))
        .isZero();

    String[] childSession =
        out.lines().filter(l -> l.startsWith("SESSION ")).findFirst().orElseThrow().split(" ");
    assertThat(childSession).as("the session names the process").hasSize(3);
    assertThat(childSession[2]).isEqualTo(parent.getId());
    assertThat(children).hasSize(2);
    assertThat(children.stream().map(c -> c[2]))
        .containsExactly("Process-" + identity + ":1", "Process-" + identity + ":2");
    for (String[] c : children) {
      assertThat(c[3]).isEqualTo(parent.getId());
      ProcessInfo child = processes.awaitExit(c[1]);
      ProcessClient.assertExitCode(child, 0);
      assertThat(child.getName()).isEqualTo(c[2]);
      assertThat(child.getParentProcessId()).isEqualTo(parent.getId());
      assertThat(child.getSessionId()).isEqualTo(childSession[1]);
    }
  }
}
