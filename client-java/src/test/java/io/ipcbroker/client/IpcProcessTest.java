package io.ipcbroker.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.ipcbroker.client.IpcProcess.Redirect;
import io.ipcbroker.v1.ProcessServiceGrpc;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The SDK's processes against a real broker: Python's {@code Process} in Java idioms. */
@Timeout(120)
class IpcProcessTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  @TempDir Path tmp;

  private IpcBroker client;
  private IpcBroker other;
  // The ids of every process a test spawned, so that none outlives it.
  private final List<String> spawned = new ArrayList<>();

  @BeforeEach
  void connect() {
    client = broker.connect();
    other = broker.connect();
  }

  @AfterEach
  void killWhatWasSpawnedAndDisconnect() {
    // Through a fresh client: a test may have closed its own or lost its session.
    try (IpcBroker cleaner = broker.connect()) {
      for (String id : spawned) {
        IpcProcess p;
        try {
          p = cleaner.openProcess(id);
        } catch (IpcBrokerException e) {
          continue; // the test closed it
        }
        quietly(p::kill);
        quietly(() -> p.join(Duration.ofSeconds(10))); // fails for one never started
        quietly(p::close);
      }
    }
    client.close();
    other.close();
  }

  private IpcProcess spawn(IpcProcess.Builder builder) {
    IpcProcess p = builder.start();
    spawned.add(p.id());
    return p;
  }

  private IpcProcess create(IpcProcess.Builder builder) {
    IpcProcess p = builder.create();
    spawned.add(p.id());
    return p;
  }

  // ---- the tutorial ----

  @Test
  void tutorialJoinWithATimeoutReturnsWhileTheChildRunsThenJoinWaitsForItsEnd() {
    IpcProcess p = spawn(client.process("sh", "-c", "sleep 3; echo hello bob"));
    assertThat(p.daemon()).isFalse();

    long start = System.nanoTime();
    assertThat(p.join(Duration.ofSeconds(1))).isFalse();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(tookMs).isBetween(1000L - 15, 1000L + 250);
    assertThat(p.name()).isEqualTo("Process-1");
    assertThat(p.isAlive()).isTrue();
    assertThat(p.exitcode()).isNull();

    p.join();
    assertThat(p.exitcode()).isZero();
    assertThat(p.isAlive()).isFalse();
    assertThat(p.stdout()).contains("hello bob");
  }

  @Test
  void tutorialExamplePrintsWhatPythonsPrints() {
    assertThat(ProcessTutorialExample.run(broker.target()))
        .containsExactly(
            "false",
            "name: Process-1",
            "is_alive: true",
            "exitcode: null",
            "hello bob",
            "exitcode: 0");
  }

  // ---- exit codes and signals ----

  @Test
  void exitcodeIsTheCodeTheProcessExitedWith() {
    IpcProcess p = spawn(client.process("sh", "-c", "exit 7"));
    p.join();

    assertThat(p.exitcode()).isEqualTo(7);
    IpcProcess.Info info = p.info();
    assertThat(info.state()).isEqualTo(IpcProcess.State.EXITED);
    assertThat(info.alive()).isFalse();
    assertThat(info.exitcode()).isEqualTo(7);
    assertThat(info.signal()).isNull();
    assertThat(info.signaledByBroker()).isFalse();
    assertThat(info.argv()).containsExactly("sh", "-c", "exit 7");
    assertThat(info.executable()).startsWith("/").endsWith("sh");
    assertThat(info.startTime()).isNotNull();
    assertThat(info.exitTime()).isAfterOrEqualTo(info.startTime());
  }

  @Test
  void terminateEndsTheProcessWithMinus15() {
    IpcProcess p = spawn(client.process("sleep", "60"));
    p.terminate();

    assertThat(p.join(Duration.ofSeconds(10))).isTrue();
    assertThat(p.exitcode()).isEqualTo(-15);
    IpcProcess.Info info = p.info();
    assertThat(info.signal()).isEqualTo(15);
    assertThat(info.signaledByBroker()).isTrue();
    assertThat(info.lastSignal()).isEqualTo(IpcProcess.Signal.TERM);
  }

  @Test
  void aChildThatIgnoresTerminateSurvivesItButNotKill() throws Exception {
    IpcProcess p =
        spawn(client.process("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"));
    try (BufferedReader out = reader(p.openStdout(true))) {
      assertThat(out.readLine()).isEqualTo("ready"); // the trap is in place
    }

    p.terminate();
    assertThat(p.join(Duration.ofMillis(500))).isFalse();
    assertThat(p.isAlive()).isTrue();

    p.kill();
    assertThat(p.join(Duration.ofSeconds(10))).isTrue();
    assertThat(p.exitcode()).isEqualTo(-9);
    assertThat(p.info().lastSignal()).isEqualTo(IpcProcess.Signal.KILL);
  }

  @Test
  void otherSignalsEndAProcessThatDoesNotHandleThem() throws Exception {
    IpcProcess p = spawn(client.process("sh", "-c", "echo ready; exec sleep 60"));
    // Signal the program itself, not the exec chain before it: a JVM started in the background
    // ignores SIGINT, and until env(1) resets that for the child a SIGINT would be ignored too.
    try (BufferedReader out = reader(p.openStdout(true))) {
      assertThat(out.readLine()).isEqualTo("ready");
    }
    assertThat(p.signal(IpcProcess.Signal.INT)).isTrue();
    assertThat(p.join(Duration.ofSeconds(10))).isTrue();
    assertThat(p.exitcode()).isEqualTo(-2);

    assertThat(p.signal(IpcProcess.Signal.HUP)).isFalse(); // exited: nothing to signal
    p.terminate(); // nor does terminate fail, as in Python
    assertThat(p.exitcode()).isEqualTo(-2);
  }

  // ---- life cycle ----

  @Test
  void pidIsNullBeforeStartAndTheOsPidAfter() {
    IpcProcess p = create(client.process("sleep", "60"));
    assertThat(p.pid()).isNull();
    assertThat(p.exitcode()).isNull();
    assertThat(p.isAlive()).isFalse();
    assertThat(p.info().state()).isEqualTo(IpcProcess.State.CREATED);
    assertThat(p.name()).isEqualTo("Process-1");

    p.start();
    Long pid = p.pid();
    assertThat(pid).isPositive();
    // The program's own pid, not that of a wrapper that spawned it (the broker starts it through
    // setsid, which becomes the program in place: wait for that exec).
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> ProcessHandle.of(pid).flatMap(h -> h.info().command()).orElse(""),
            command -> command.endsWith("/sleep"));
    assertThat(p.isAlive()).isTrue();
    assertThat(p.info().pid()).isEqualTo(pid);
  }

  @Test
  void everyCreateCountsForTheDefaultName() {
    assertThat(create(client.process("true")).name()).isEqualTo("Process-1");
    assertThat(create(client.process("true").name("writer-1")).name()).isEqualTo("writer-1");
    assertThat(create(client.process("true")).name()).isEqualTo("Process-3");
    assertThat(create(other.process("true")).name()).isEqualTo("Process-1");
  }

  @Test
  void secondStartFailsWithProcessAlreadyStarted() {
    IpcProcess p = spawn(client.process("sleep", "60"));

    IpcBrokerException e = catchThrowableOfType(IpcBrokerException.class, p::start);
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
    assertThat(e.reason()).isEqualTo("PROCESS_ALREADY_STARTED");
  }

  @Test
  void joinBeforeStartFailsWithProcessNotStarted() {
    IpcProcess p = create(client.process("true"));

    IpcBrokerException e =
        catchThrowableOfType(IpcBrokerException.class, () -> p.join(Duration.ofSeconds(1)));
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
    assertThat(e.reason()).isEqualTo("PROCESS_NOT_STARTED");
  }

  @Test
  void closeWhileRunningFailsWithProcessRunningAndKeepsTheHandle() {
    IpcProcess p = spawn(client.process("sleep", "60"));

    IpcBrokerException e = catchThrowableOfType(IpcBrokerException.class, p::close);
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
    assertThat(e.reason()).isEqualTo("PROCESS_RUNNING");

    assertThat(p.isAlive()).isTrue();
    p.kill();
    p.join();
    p.close();
  }

  @Test
  void aClosedHandleOnlyAnswersItsNameAndTheRecordIsGone() {
    IpcProcess p = spawn(client.process("sh", "-c", "exit 0"));
    p.join();
    p.close();

    assertThat(p.name()).isEqualTo("Process-1");
    assertThat(p.id()).isNotEmpty();
    List<ThrowingCallable> calls =
        List.of(
            p::isAlive,
            p::join,
            () -> p.join(Duration.ZERO),
            () -> p.joinAsync(Duration.ZERO),
            p::exitcode,
            p::pid,
            p::terminate,
            p::kill,
            p::start,
            p::info,
            p::stdout,
            () -> p.openStdout(false));
    for (ThrowingCallable call : calls) {
      assertThatThrownBy(call).isInstanceOf(IllegalStateException.class);
    }
    p.close(); // a second close does nothing

    IpcBrokerException gone =
        catchThrowableOfType(IpcBrokerException.class, () -> client.openProcess(p.id()));
    assertThat(gone.code()).isEqualTo(IpcBrokerException.Code.NOT_FOUND);
    assertThat(gone.reason()).isEqualTo("PROCESS_NOT_FOUND");
  }

  @Test
  void aJoinAnswerIsNotHeldUpByACloseWaitingForTheBroker() throws Exception {
    HoldCalls holdDeletes = new HoldCalls(ProcessServiceGrpc.getDeleteProcessMethod());
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(broker.target())
            .usePlaintext()
            .intercept(holdDeletes)
            .build();
    ExecutorService closer = Executors.newSingleThreadExecutor();
    try (IpcBroker held = IpcBroker.builder().target(broker.target()).channel(channel).build()) {
      IpcProcess p = spawn(held.process("sleep", "60"));
      CompletableFuture<Boolean> joined = p.joinAsync(Duration.ofSeconds(60));
      CompletableFuture<Void> closed = CompletableFuture.runAsync(p::close, closer);
      assertThat(holdDeletes.entered.await(30, TimeUnit.SECONDS)).isTrue();

      // close() now waits in its DeleteProcess; the join's answer must get through regardless.
      other.openProcess(p.id()).kill();
      assertThat(joined.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(closed).isNotDone();

      holdDeletes.release.countDown();
      closed.get(30, TimeUnit.SECONDS);
      assertThatThrownBy(p::exitcode).isInstanceOf(IllegalStateException.class);
      p.close(); // a second close does nothing
      IpcBrokerException gone =
          catchThrowableOfType(IpcBrokerException.class, () -> other.openProcess(p.id()));
      assertThat(gone.reason()).isEqualTo("PROCESS_NOT_FOUND");
    } finally {
      holdDeletes.release.countDown();
      closer.shutdownNow();
      channel.shutdownNow();
    }
  }

  @Test
  void spawnErrorsAreInvalidArgumentsAndLeaveNoRecord() {
    IpcBrokerException noExe =
        catchThrowableOfType(
            IpcBrokerException.class,
            () -> spawn(client.process(tmp.resolve("no-such-program").toString())));
    assertThat(noExe.code()).isEqualTo(IpcBrokerException.Code.INVALID_ARGUMENT);
    assertThat(noExe.reason()).isEqualTo("EXECUTABLE_NOT_FOUND");

    IpcBrokerException noCwd =
        catchThrowableOfType(
            IpcBrokerException.class,
            () -> spawn(client.process("true").cwd(tmp.resolve("no-such-dir"))));
    assertThat(noCwd.code()).isEqualTo(IpcBrokerException.Code.INVALID_ARGUMENT);
    assertThat(noCwd.reason()).isEqualTo("CWD_NOT_FOUND");

    IpcBrokerException noArgv =
        catchThrowableOfType(IpcBrokerException.class, () -> spawn(client.process()));
    assertThat(noArgv.code()).isEqualTo(IpcBrokerException.Code.INVALID_ARGUMENT);
    assertThat(noArgv.reason()).isEqualTo("FIELD_REQUIRED");

    assertThat(client.activeChildren()).isEmpty();
  }

  // ---- joins ----

  @Test
  void anotherClientOpensTheRecordByIdAndJoinsItAsync() throws Exception {
    IpcProcess mine = spawn(client.process("sleep", "60"));
    IpcProcess theirs = other.openProcess(mine.id());
    assertThat(theirs.name()).isEqualTo(mine.name());
    assertThat(theirs.isAlive()).isTrue();

    CompletableFuture<Boolean> joined = theirs.joinAsync(Duration.ofSeconds(30));
    assertThat(joined).isNotDone();
    mine.terminate();
    assertThat(joined.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(theirs.exitcode()).isEqualTo(-15);

    IpcBrokerException none =
        catchThrowableOfType(IpcBrokerException.class, () -> other.openProcess("proc-none"));
    assertThat(none.code()).isEqualTo(IpcBrokerException.Code.NOT_FOUND);
    assertThat(none.reason()).isEqualTo("PROCESS_NOT_FOUND");
  }

  @Test
  void joinZeroOnlyLooks() {
    IpcProcess p = spawn(client.process("sleep", "60"));
    long start = System.nanoTime();
    assertThat(p.join(Duration.ZERO)).isFalse();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(100);
    assertThatThrownBy(() -> p.join(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void interruptedJoinFailsWithInterruptedAndKeepsTheFlag() throws Exception {
    IpcProcess p = spawn(client.process("sleep", "60"));
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flag = new AtomicBoolean();
    Thread joiner =
        new Thread(
            () -> {
              try {
                p.join();
              } catch (Throwable t) {
                thrown.set(t);
                flag.set(Thread.currentThread().isInterrupted());
              }
            });
    joiner.start();
    joiner.interrupt();
    joiner.join(10_000);

    assertThat(thrown.get())
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.INTERRUPTED));
    assertThat(flag).isTrue();
    assertThat(p.isAlive()).isTrue();
  }

  @Test
  void joinsFailFastOnceTheSessionIsLost() throws Exception {
    IpcProcess p = spawn(client.process("sleep", "60"));
    CompletableFuture<Boolean> parked = p.joinAsync(Duration.ofSeconds(60));

    broker.server().sessions().delete(client.sessionId());

    assertThat(parked)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo("SESSION_NOT_FOUND"));
    long start = System.nanoTime();
    IpcBrokerException e =
        catchThrowableOfType(IpcBrokerException.class, () -> p.join(Duration.ofSeconds(30)));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.NOT_FOUND);
    assertThat(e.reason()).isEqualTo("SESSION_NOT_FOUND");
    // A non-daemon process outlives the session.
    assertThat(other.openProcess(p.id()).isAlive()).isTrue();
  }

  @Test
  void closingTheClientEndsItsParkedJoinsAndFollowingStreamsWithClientClosed() {
    IpcBroker closing = broker.connect();
    IpcProcess p = spawn(closing.process("sleep", "60"));
    CompletableFuture<Boolean> parked = p.joinAsync(Duration.ofSeconds(60));
    InputStream out = p.openStdout(true);

    closing.close();

    assertThat(parked)
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.CLIENT_CLOSED));
    assertThatThrownBy(out::read)
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.CLIENT_CLOSED));
    assertThat(other.openProcess(p.id()).isAlive()).isTrue(); // not a daemon: it runs on
  }

  // ---- sessions, daemons, children ----

  @Test
  void aDaemonDiesWithItsClientsSessionAndANonDaemonOutlivesIt() {
    IpcBroker closing = broker.connect();
    IpcProcess daemon = spawn(closing.process("sleep", "60").daemon(true));
    IpcProcess survivor = spawn(closing.process("sleep", "60"));
    assertThat(daemon.daemon()).isTrue();

    closing.close();

    IpcProcess d = other.openProcess(daemon.id());
    assertThat(d.join(Duration.ofSeconds(10))).isTrue();
    assertThat(d.exitcode()).isEqualTo(-15);
    assertThat(d.info().signaledByBroker()).isTrue();
    assertThat(other.openProcess(survivor.id()).isAlive()).isTrue();
  }

  @Test
  void activeChildrenAreThisClientsRunningProcesses() {
    IpcProcess a = spawn(client.process("sleep", "60"));
    IpcProcess done = spawn(client.process("true"));
    IpcProcess b = spawn(client.process("sleep", "60"));
    create(client.process("sleep", "60")); // never started
    spawn(other.process("sleep", "60"));
    done.join();

    assertThat(client.activeChildren()).extracting(IpcProcess::id).containsExactly(a.id(), b.id());

    a.kill();
    a.join();
    assertThat(client.activeChildren()).extracting(IpcProcess::id).containsExactly(b.id());
  }

  @Test
  void aClientWithAProcessIdNamesItsChildrenAsThatProcesssChildren() {
    IpcProcess parent = spawn(client.process("sleep", "60"));
    assertThat(client.currentProcess()).isEmpty();

    try (IpcBroker child =
        IpcBroker.builder()
            .fromEnvironment(
                Map.of(
                    IpcBroker.TARGET_VARIABLE,
                    broker.target(),
                    IpcBroker.PROCESS_ID_VARIABLE,
                    parent.id()))
            .build()) {
      assertThat(child.processId()).isEqualTo(parent.id());
      assertThat(child.currentProcess()).get().extracting(IpcProcess::name).isEqualTo("Process-1");
      assertThat(create(child.process("true")).name()).isEqualTo("Process-1:1");
      assertThat(create(child.process("true")).name()).isEqualTo("Process-1:2");
    }
  }

  @Test
  void fromEnvironmentNeedsTheTargetAndAnExistingProcess() {
    assertThatThrownBy(() -> IpcBroker.builder().fromEnvironment(Map.of()))
        .isInstanceOf(IllegalStateException.class);

    IpcBrokerException e =
        catchThrowableOfType(
            IpcBrokerException.class,
            () ->
                IpcBroker.builder()
                    .fromEnvironment(
                        Map.of(
                            IpcBroker.TARGET_VARIABLE,
                            broker.target(),
                            IpcBroker.PROCESS_ID_VARIABLE,
                            "proc-none"))
                    .build());
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.NOT_FOUND);
    assertThat(e.reason()).isEqualTo("PROCESS_NOT_FOUND");
  }

  // ---- output ----

  @Test
  void openStdoutWithFollowStreamsLinesAsTheyAreWritten() throws Exception {
    Path go = tmp.resolve("go");
    IpcProcess p =
        spawn(
            client.process(
                "sh",
                "-c",
                "echo one; while [ ! -e \"$1\" ]; do sleep 0.02; done; echo two",
                "sh",
                go.toString()));

    try (BufferedReader out = reader(p.openStdout(true))) {
      assertThat(out.readLine()).isEqualTo("one");
      assertThat(p.isAlive()).isTrue(); // read while the process still runs
      Files.createFile(go);
      assertThat(out.readLine()).isEqualTo("two");
      assertThat(out.readLine()).isNull(); // the process closed its stdout
    }
    assertThat(p.join(Duration.ofSeconds(10))).isTrue();

    try (InputStream all = p.openStdout(false)) {
      assertThat(new String(all.readAllBytes(), UTF_8)).isEqualTo("one\ntwo\n");
    }
    assertThat(p.stdoutBytes()).isEqualTo("one\ntwo\n".getBytes(UTF_8));
    assertThat(p.info().stdoutBytes()).isEqualTo(8);
  }

  @Test
  void closingAFollowingStreamStopsIt() throws Exception {
    IpcProcess p = spawn(client.process("sh", "-c", "echo start; exec sleep 60"));
    InputStream in = p.openStdout(true);
    BufferedReader out = reader(in);
    assertThat(out.readLine()).isEqualTo("start");
    out.close();
    assertThatThrownBy(in::read).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void outputGoesWhereTheRedirectsSay() throws Exception {
    String script = "echo out; echo err >&2";

    IpcProcess merged = spawn(client.process("sh", "-c", script).stderr(Redirect.toStdout()));
    merged.join();
    assertThat(merged.stdout()).contains("out\n", "err\n");
    assertNotCaptured(merged::stderr);

    IpcProcess discarded = spawn(client.process("sh", "-c", script).stdout(Redirect.discard()));
    discarded.join();
    assertThat(discarded.stderr()).isEqualTo("err\n");
    assertNotCaptured(discarded::stdout);
    assertNotCaptured(() -> discarded.openStdout(false).read());

    Path file = tmp.resolve("out.txt");
    Files.writeString(file, "before\n");
    IpcProcess appended =
        spawn(client.process("sh", "-c", script).stdout(Redirect.appendTo(file.toAbsolutePath())));
    appended.join();
    assertThat(Files.readString(file)).isEqualTo("before\nout\n");
    IpcProcess truncated =
        spawn(client.process("sh", "-c", script).stdout(Redirect.toFile(file.toAbsolutePath())));
    truncated.join();
    assertThat(Files.readString(file)).isEqualTo("out\n");

    assertThatThrownBy(() -> client.process("true").stdout(Redirect.toStdout()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stdinReadsTheNullDeviceOrAFile() throws Exception {
    IpcProcess empty = spawn(client.process("cat"));
    assertThat(empty.join(Duration.ofSeconds(10))).isTrue();
    assertThat(empty.stdout()).isEmpty();

    Path in = tmp.resolve("in.txt");
    Files.writeString(in, "fed\n");
    IpcProcess fed = spawn(client.process("cat").stdin(in.toAbsolutePath()));
    fed.join();
    assertThat(fed.stdout()).isEqualTo("fed\n");
  }

  // ---- environment and working directory ----

  @Test
  void envAndCwdReachTheChild() throws Exception {
    IpcProcess p =
        spawn(
            client
                .process("sh", "-c", "echo \"$GREETING\"; pwd -P")
                .env("GREETING", "hello bob")
                .cwd(tmp.toAbsolutePath()));
    p.join();
    assertThat(p.stdout()).isEqualTo("hello bob\n" + tmp.toRealPath() + "\n");
  }

  @Test
  void replaceEnvStartsFromNothingButTheBrokersVariables() {
    IpcProcess p =
        spawn(
            client
                .process("/usr/bin/env")
                .replaceEnv(true)
                .env(Map.of("ONLY", "1", IpcBroker.PROCESS_ID_VARIABLE, "mine")));
    p.join();
    List<String> lines = p.stdout().lines().collect(Collectors.toList());

    assertThat(lines.stream().filter(l -> !l.startsWith("IPCBROKER_"))).containsExactly("ONLY=1");
    // The broker's variables win over the caller's.
    assertThat(lines)
        .contains(IpcBroker.PROCESS_ID_VARIABLE + "=" + p.id())
        .anyMatch(l -> l.startsWith(IpcBroker.TARGET_VARIABLE + "="));
  }

  // ---- Java children ----

  @Test
  void javaProcessRunsAMainClassWithTheCallersClassPath() {
    IpcProcess p = spawn(client.process(JavaProcess.of(EchoArgsMain.class, "a", "b c")));

    assertThat(p.join(Duration.ofSeconds(60))).isTrue();
    assertThat(p.exitcode()).isZero();
    assertThat(p.stdout()).isEqualTo("a\nb c\n");
  }

  @Test
  void aChildConnectsBackAndPutsOnItsParentsQueue() {
    String name = EmbeddedBroker.uniqueName("from-child");
    IpcQueue<String> q = client.queue(name, 0);

    IpcProcess p = spawn(client.process(JavaProcess.of(ConnectBackMain.class, name)));

    String item;
    try {
      item = q.get(Duration.ofSeconds(60));
    } catch (QueueEmptyException e) {
      p.join(Duration.ofSeconds(10));
      throw new AssertionError("the child put nothing; its stderr: " + p.stderr(), e);
    }
    assertThat(item).isEqualTo("Process-1 " + p.id() + " Process-1:1");
    assertThat(p.join(Duration.ofSeconds(30))).isTrue();
    assertThat(p.exitcode()).isZero();
  }

  // ---- helpers ----

  /** Holds the calls of one method on the calling thread, before they reach the broker. */
  private static final class HoldCalls implements ClientInterceptor {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final MethodDescriptor<?, ?> held;

    HoldCalls(MethodDescriptor<?, ?> held) {
      this.held = held;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      ClientCall<Q, R> call = next.newCall(method, options);
      if (!method.getFullMethodName().equals(held.getFullMethodName())) {
        return call;
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          super.start(listener, headers);
        }
      };
    }
  }

  private static void quietly(Runnable r) {
    try {
      r.run();
    } catch (IpcBrokerException e) {
      // Cleanup of what a test may have left in any state.
    }
  }

  private static BufferedReader reader(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, UTF_8));
  }

  private static void assertNotCaptured(ThrowingCallable call) {
    IpcBrokerException e = catchThrowableOfType(IpcBrokerException.class, call);
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
    assertThat(e.reason()).isEqualTo("OUTPUT_NOT_CAPTURED");
  }
}
