package io.ipcbroker.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ExecutorTimer;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process core with real OS processes: spawning, names, exit statuses, joins, signals to
 * process groups, daemons that die with their session, output capture and the shutdown policy.
 */
@Timeout(120)
class ProcessRegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final java.util.function.BooleanSupplier NOT_ABANDONED = () -> false;

  private final ExecutorTimer timer = new ExecutorTimer();
  private final SessionRegistry sessions = new SessionRegistry(timer);
  private ProcessRegistry processes;
  private Session session;
  private final List<Long> pidsToReap = new ArrayList<>();

  @BeforeEach
  void setUp() {
    processes = registry(ProcessConfig.DEFAULT.withKillGrace(Duration.ofMillis(500)));
    session = sessions.create(0, "test");
  }

  private ProcessRegistry registry(ProcessConfig config) {
    return new ProcessRegistry(
        timer, sessions, config, () -> Map.of(ProcessRegistry.ENV_TARGET, "127.0.0.1:1"));
  }

  @AfterEach
  void tearDown() throws Exception {
    processes.shutdown();
    for (long pid : pidsToReap) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    timer.close();
  }

  private static ProcessSpec spec(String... argv) {
    return new ProcessSpec(
        List.of(argv),
        "",
        Map.of(),
        false,
        "",
        false,
        ProcessSpec.Input.NULL,
        ProcessSpec.Output.CAPTURE,
        ProcessSpec.Output.CAPTURE);
  }

  private static ProcessSpec daemon(ProcessSpec s) {
    return new ProcessSpec(
        s.argv(),
        s.name(),
        s.env(),
        s.replaceEnv(),
        s.cwd(),
        true,
        s.stdin(),
        s.stdout(),
        s.stderr());
  }

  private ProcessSnapshot start(ProcessSpec spec) {
    ProcessSnapshot s = done(processes.create(session.id(), spec, true, NOT_ABANDONED));
    if (s.pid() != null) {
      pidsToReap.add(s.pid());
    }
    return s;
  }

  private static <T> T done(CompletableFuture<T> f) {
    try {
      return f.get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new CompletionException(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Joins with {@code wait} and returns the answer. */
  private JoinAnswer join(String id, Wait wait) {
    CompletableFuture<JoinAnswer> answer = new CompletableFuture<>();
    processes.join(
        id,
        wait,
        new ProcessRegistry.JoinSink() {
          @Override
          public void joined(ProcessSnapshot snapshot, boolean exited) {
            answer.complete(new JoinAnswer(snapshot, exited));
          }

          @Override
          public void failed(BrokerException e) {
            answer.completeExceptionally(e);
          }
        });
    return done(answer);
  }

  private record JoinAnswer(ProcessSnapshot snapshot, boolean exited) {}

  private ProcessSnapshot joinForever(String id) {
    return join(id, Wait.FOREVER).snapshot();
  }

  private String readAll(String id, ProcessRegistry.StdStream stream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CompletableFuture<Void> finished = new CompletableFuture<>();
    processes.readOutput(
        id,
        stream,
        0,
        true,
        new OutputSink() {
          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public synchronized boolean send(long offset, byte[] data) {
            assertThat(offset).isEqualTo(out.size());
            out.writeBytes(data);
            return true;
          }

          @Override
          public void complete() {
            finished.complete(null);
          }

          @Override
          public void fail(BrokerException e) {
            finished.completeExceptionally(e);
          }
        });
    done(finished);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void namesCountPerSessionAndChildSessionsNameChildren() {
    ProcessSnapshot first = start(spec("/bin/true"));
    ProcessSnapshot second = start(spec("true"));
    assertThat(first.name()).isEqualTo("Process-1");
    assertThat(second.name()).isEqualTo("Process-2");
    Session other = sessions.create(0, "other");
    assertThat(done(processes.create(other.id(), spec("true"), false, NOT_ABANDONED)).name())
        .isEqualTo("Process-1");

    Session child = sessions.create(0, "child", first.id());
    ProcessSnapshot grandchild =
        done(processes.create(child.id(), spec("true"), false, NOT_ABANDONED));
    assertThat(grandchild.name()).isEqualTo("Process-1:1");
    assertThat(grandchild.parentProcessId()).isEqualTo(first.id());
  }

  @Test
  void aSessionsLiveProcessesAreCappedAndAnExitMakesRoom() throws Exception {
    processes.shutdown();
    processes =
        registry(
            ProcessConfig.DEFAULT.withKillGrace(Duration.ofMillis(500)).withMaxLivePerSession(2));
    ProcessSnapshot created =
        done(processes.create(session.id(), spec("true"), false, NOT_ABANDONED));
    ProcessSnapshot sleeper = start(spec("sleep", "30"));
    BrokerException e = catchThrowableOfType(() -> start(spec("true")), BrokerException.class);
    assertThat(e.reason()).isEqualTo(Reason.QUOTA_EXCEEDED);
    assertThat(e.metadata()).containsEntry("limit", "2");
    // Another session has its own quota.
    Session other = sessions.create(0, "other");
    done(processes.create(other.id(), spec("true"), false, NOT_ABANDONED));

    // Once one exits, there is room again.
    done(processes.signal(sleeper.id(), ProcessSignal.KILL, false));
    joinForever(sleeper.id());
    joinForever(start(spec("true")).id());
    assertThat(processes.get(created.id()).state()).isEqualTo(ProcessState.CREATED);
  }

  @Test
  void exitCodesAndSignalsAreSeparate() {
    ProcessSnapshot seven = joinForever(start(spec("sh", "-c", "exit 7")).id());
    assertThat(seven.exitStatus()).isEqualTo(new ExitStatus(7, null, false));
    assertThat(seven.exitStatus().exitcode()).isEqualTo(7);

    ProcessSnapshot sleeper = start(spec("sleep", "30"));
    done(processes.signal(sleeper.id(), ProcessSignal.TERM, false));
    ProcessSnapshot termed = joinForever(sleeper.id());
    assertThat(termed.exitStatus()).isEqualTo(new ExitStatus(null, 15, true));
    assertThat(termed.exitStatus().exitcode()).isEqualTo(-15);
    assertThat(termed.lastSignal()).isEqualTo(ProcessSignal.TERM);

    ProcessSnapshot stubborn = start(spec("sh", "-c", "trap '' TERM; echo ready; exec sleep 30"));
    await().atMost(WAIT).until(() -> processes.get(stubborn.id()).stdoutBytes() > 0);
    assertThat(done(processes.signal(stubborn.id(), ProcessSignal.TERM, false)).sent()).isTrue();
    assertThat(join(stubborn.id(), Wait.ofNanos(TimeUnit.MILLISECONDS.toNanos(300))).exited())
        .isFalse();
    done(processes.signal(stubborn.id(), ProcessSignal.KILL, false));
    assertThat(joinForever(stubborn.id()).exitStatus().exitcode()).isEqualTo(-9);

    // Python's terminate() of an exited process is harmless.
    assertThat(done(processes.signal(stubborn.id(), ProcessSignal.TERM, false)).sent()).isFalse();
  }

  @Test
  void joinTimesOutWithCurrentStateAndCannotPrecedeStart() {
    ProcessSnapshot created =
        done(processes.create(session.id(), spec("sleep", "30"), false, NOT_ABANDONED));
    assertThat(created.state()).isEqualTo(ProcessState.CREATED);
    assertThat(created.pid()).isNull();
    assertThatThrownBy(() -> join(created.id(), Wait.NO_WAIT))
        .isInstanceOfSatisfying(
            BrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.PROCESS_NOT_STARTED));

    ProcessSnapshot running = done(processes.start(created.id(), NOT_ABANDONED));
    pidsToReap.add(running.pid());
    assertThatThrownBy(() -> done(processes.start(created.id(), NOT_ABANDONED)))
        .isInstanceOfSatisfying(
            BrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.PROCESS_ALREADY_STARTED));
    long t0 = System.nanoTime();
    JoinAnswer answer = join(created.id(), Wait.ofNanos(TimeUnit.MILLISECONDS.toNanos(200)));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(answer.exited()).isFalse();
    assertThat(answer.snapshot().alive()).isTrue();
    assertThat(tookMs).isBetween(185L, 1000L);
    assertThatThrownBy(() -> processes.delete(created.id(), false))
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PROCESS_RUNNING));
    done(processes.signal(created.id(), ProcessSignal.KILL, false));
    assertThat(joinForever(created.id()).state()).isEqualTo(ProcessState.EXITED);
    assertThat(processes.delete(created.id(), false)).isTrue();
    assertThatThrownBy(() -> processes.get(created.id()))
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PROCESS_NOT_FOUND));
  }

  @Test
  void outputIsCapturedAndChildKnowsWhereTheBrokerIs() {
    ProcessSnapshot p =
        start(
            spec(
                "sh",
                "-c",
                "echo target=$IPCBROKER_TARGET id=$IPCBROKER_PROCESS_ID"
                    + " name=$IPCBROKER_PROCESS_NAME session=$IPCBROKER_PARENT_SESSION; echo oops"
                    + " >&2"));
    joinForever(p.id());
    assertThat(readAll(p.id(), ProcessRegistry.StdStream.STDOUT))
        .isEqualTo(
            "target=127.0.0.1:1 id=" + p.id() + " name=Process-1 session=" + session.id() + "\n");
    assertThat(readAll(p.id(), ProcessRegistry.StdStream.STDERR)).isEqualTo("oops\n");
  }

  @Test
  void childrenStartWithNoSignalBlockedAndLeadTheirOwnGroup() {
    // The JVM blocks SIGQUIT in its threads; a child must not inherit that.
    ProcessSnapshot p =
        start(spec("sh", "-c", "grep SigBlk /proc/self/status; ps -o pgid= -p $$ 2>/dev/null"));
    joinForever(p.id());
    String out = readAll(p.id(), ProcessRegistry.StdStream.STDOUT);
    assertThat(out).startsWith("SigBlk:\t0000000000000000\n");
    String pgid = out.lines().skip(1).findFirst().orElse("").trim();
    if (!pgid.isEmpty()) { // ps may be missing
      assertThat(Long.parseLong(pgid)).isEqualTo(p.pid());
    }
  }

  @Test
  void daemonAndItsGrandchildDieWithTheSessionButOthersLive() throws Exception {
    ProcessSnapshot d = start(daemon(spec("sh", "-c", "sleep 60 & echo $!; wait")));
    ProcessSnapshot keeper = start(spec("sleep", "60"));
    await().atMost(WAIT).until(() -> processes.get(d.id()).stdoutBytes() > 0);
    long grandchild = Long.parseLong(readFirstLine(d.id()));
    pidsToReap.add(grandchild);
    assertThat(ProcessHandle.of(grandchild)).isPresent();

    sessions.delete(session.id());

    ProcessSnapshot ended = joinForever(d.id());
    assertThat(ended.exitStatus().signal()).isEqualTo(15);
    assertThat(ended.exitStatus().signaledByBroker()).isTrue();
    await()
        .atMost(WAIT)
        .until(() -> ProcessHandle.of(grandchild).map(h -> !h.isAlive()).orElse(true));
    assertThat(processes.get(keeper.id()).alive()).isTrue();
  }

  @Test
  void aDaemonsDescendantsThatIgnoreTermAreKilledAfterTheGraceEvenWhenItExited() {
    // The daemon dies on SIGTERM at once; its grandchild ignores SIGTERM and lives on in the group.
    ProcessSnapshot d =
        start(daemon(spec("sh", "-c", "(trap '' TERM; exec sleep 60) & echo $!; wait")));
    await().atMost(WAIT).until(() -> processes.get(d.id()).stdoutBytes() > 0);
    long grandchild = Long.parseLong(readFirstLine(d.id()));
    pidsToReap.add(grandchild);
    await().atMost(WAIT).until(() -> OsSignals.ignores(grandchild, 15)); // the trap is in place

    sessions.delete(session.id());

    assertThat(joinForever(d.id()).exitStatus().signal()).isEqualTo(15);
    await()
        .atMost(WAIT)
        .until(() -> ProcessHandle.of(grandchild).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void shutdownReachesTheOrphansOfChildrenThatExited() throws Exception {
    ProcessSnapshot p = start(spec("sh", "-c", "(trap '' TERM; exec sleep 60) & echo $!"));
    assertThat(joinForever(p.id()).exitStatus().code()).isEqualTo(0);
    long orphan = Long.parseLong(readFirstLine(p.id()));
    pidsToReap.add(orphan);
    assertThat(ProcessHandle.of(orphan)).isPresent();
    processes.shutdown();
    await().atMost(WAIT).until(() -> ProcessHandle.of(orphan).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void aJoinThatSaysExitedIsFollowedByTheWholeOutput() {
    // 512 KiB in 4 KiB lines: more than a pipe holds, so the pump is still reading at the exit.
    ProcessSnapshot p =
        start(
            spec(
                "sh",
                "-c",
                "i=0; while [ $i -lt 128 ]; do head -c 4095 /dev/zero | tr '\\0' x; echo;"
                    + " i=$((i+1)); done"));
    ProcessSnapshot exited = joinForever(p.id());
    assertThat(exited.stdoutBytes()).isEqualTo(128 * 4096);
    assertThat(readAll(p.id(), ProcessRegistry.StdStream.STDOUT)).hasSize(128 * 4096);
  }

  @Test
  void anExecutablePathWithAnEqualsSignRunsThatProgram(@TempDir Path dir) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("app=v2"));
    Path tool = bin.resolve("tool");
    Files.writeString(tool, "#!/bin/sh\necho tool ran with \"$@\"\n");
    assertThat(tool.toFile().setExecutable(true)).isTrue();
    ProcessSnapshot p = start(spec(tool.toString(), "/bin/echo", "surprise"));
    joinForever(p.id());
    assertThat(readAll(p.id(), ProcessRegistry.StdStream.STDOUT))
        .isEqualTo("tool ran with /bin/echo surprise\n");
  }

  private String readFirstLine(String id) {
    CompletableFuture<String> line = new CompletableFuture<>();
    processes.readOutput(
        id,
        ProcessRegistry.StdStream.STDOUT,
        0,
        false,
        new OutputSink() {
          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public boolean send(long offset, byte[] data) {
            line.complete(new String(data, StandardCharsets.UTF_8).lines().findFirst().orElse(""));
            return true;
          }

          @Override
          public void complete() {
            line.complete("");
          }

          @Override
          public void fail(BrokerException e) {
            line.completeExceptionally(e);
          }
        });
    return done(line);
  }

  @Test
  void badInputLeavesNoRecord(@TempDir Path dir) throws Exception {
    Path notExecutable = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\n");
    assertReason(
        () -> processes.create(session.id(), spec(), true, NOT_ABANDONED), Reason.FIELD_REQUIRED);
    assertReason(
        () -> processes.create(session.id(), spec("no-such-program-here"), true, NOT_ABANDONED),
        Reason.EXECUTABLE_NOT_FOUND);
    assertReason(
        () -> processes.create(session.id(), spec(notExecutable.toString()), true, NOT_ABANDONED),
        Reason.EXECUTABLE_NOT_FOUND);
    assertReason(
        () -> processes.create(session.id(), spec("true", "a\0b"), true, NOT_ABANDONED),
        Reason.INVALID_FIELD_VALUE);
    ProcessSpec badCwd =
        new ProcessSpec(
            List.of("true"),
            "",
            Map.of(),
            false,
            dir.resolve("missing").toString(),
            false,
            ProcessSpec.Input.NULL,
            ProcessSpec.Output.CAPTURE,
            ProcessSpec.Output.CAPTURE);
    assertReason(
        () -> processes.create(session.id(), badCwd, true, NOT_ABANDONED), Reason.CWD_NOT_FOUND);
    assertReason(
        () -> processes.create("nope", spec("true"), true, NOT_ABANDONED),
        Reason.SESSION_NOT_FOUND);
    assertThat(processes.list(session.id(), null, "", 0, "").processes()).isEmpty();
  }

  @Test
  void spawnPolicyRefusesWhatItDoesNotAllow() throws Exception {
    processes.shutdown();
    processes =
        registry(
            ProcessConfig.DEFAULT.withSpawnPolicy(SpawnPolicy.allowlist(List.of("/bin/true"))));
    assertThat(start(spec("/bin/true")).state()).isNotEqualTo(ProcessState.CREATED);
    assertReason(
        () -> processes.create(session.id(), spec("/bin/sleep", "1"), true, NOT_ABANDONED),
        Reason.EXECUTABLE_NOT_ALLOWED);
    processes.shutdown();
    processes = registry(ProcessConfig.DEFAULT.withSpawnPolicy(SpawnPolicy.OFF));
    assertReason(
        () -> processes.create(session.id(), spec("/bin/true"), true, NOT_ABANDONED),
        Reason.SPAWN_DISABLED);
  }

  @Test
  void shutdownTerminatesThenKillsChildren() throws Exception {
    ProcessSnapshot polite = start(spec("sleep", "60"));
    ProcessSnapshot stubborn = start(spec("sh", "-c", "trap '' TERM; echo ready; exec sleep 60"));
    await().atMost(WAIT).until(() -> processes.get(stubborn.id()).stdoutBytes() > 0);
    long t0 = System.nanoTime();
    processes.shutdown();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
    assertThat(processes.get(polite.id()).exitStatus().signal()).isEqualTo(15);
    assertThat(processes.get(stubborn.id()).exitStatus().signal()).isEqualTo(9);
  }

  private static void assertReason(ThrowingSupplier call, Reason reason) {
    assertThatThrownBy(() -> done(call.get()))
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private interface ThrowingSupplier {
    CompletableFuture<?> get() throws Exception;
  }
}
