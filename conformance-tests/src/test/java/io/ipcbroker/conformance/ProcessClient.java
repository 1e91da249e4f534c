package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.DeleteProcessRequest;
import io.ipcbroker.v1.DeleteProcessResponse;
import io.ipcbroker.v1.ExitStatus;
import io.ipcbroker.v1.GetProcessRequest;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.JoinProcessResponse;
import io.ipcbroker.v1.ListProcessesRequest;
import io.ipcbroker.v1.ListProcessesResponse;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.ReadOutputResponse;
import io.ipcbroker.v1.Signal;
import io.ipcbroker.v1.SignalProcessRequest;
import io.ipcbroker.v1.SignalProcessResponse;
import io.ipcbroker.v1.StartProcessRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One test's access to the {@code ProcessService} on the raw stubs: creates processes (remembering
 * each for clean-up), describes, joins, signals and deletes them, and reads their output.
 *
 * <p>{@link #close} leaves nothing running: it SIGKILLs every remembered process that still runs
 * (its whole process group), waits for it to exit and deletes its record, and SIGKILLs the
 * remembered OS pids of grandchildren. Create one per test instance and close it in {@code
 * AfterEach}, before the {@link TestBroker}.
 */
public final class ProcessClient implements AutoCloseable {
  /** The TTL of the sessions that create the tests' processes: longer than any test. */
  public static final double SESSION_TTL_SECONDS = 120;

  /**
   * The broker's kill grace period between SIGTERM and SIGKILL: 3 s unless {@code
   * -Dipcbroker.killGraceMs} says that the broker under test was started with another {@code
   * --kill-grace-ms}.
   */
  public static final Duration KILL_GRACE =
      Duration.ofMillis(Long.getLong("ipcbroker.killGraceMs", 3000));

  /**
   * How much of each output stream the broker keeps: 1 MiB unless {@code
   * -Dipcbroker.outputBufferBytes} says that the broker under test was started with another {@code
   * --output-buffer-bytes}.
   */
  public static final int OUTPUT_BUFFER_BYTES =
      Integer.getInteger("ipcbroker.outputBufferBytes", 1 << 20);

  /** How much later than its grace period a session's daemon may still be seen running. */
  public static final Duration DAEMON_SLACK = Duration.ofSeconds(2);

  /** The longest a test waits for a process that is expected to exit. */
  public static final Duration EXIT_WAIT = Duration.ofSeconds(30);

  private final Channel channel;
  private final List<String> ids = new CopyOnWriteArrayList<>();
  private final Set<Long> pids = ConcurrentHashMap.newKeySet();

  /** Works on {@code channel}, one of the test's client connections. */
  public ProcessClient(Channel channel) {
    this.channel = channel;
  }

  /** A blocking process stub on {@code c} with a fresh {@link TestBroker#CALL_DEADLINE}. */
  public static ProcessServiceGrpc.ProcessServiceBlockingStub processes(Channel c) {
    return ProcessServiceGrpc.newBlockingStub(c)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A blocking process stub on this client's channel with a fresh deadline. */
  public ProcessServiceGrpc.ProcessServiceBlockingStub stub() {
    return processes(channel);
  }

  /** The channel this client works on. */
  public Channel channel() {
    return channel;
  }

  /** {@code sh -c script}: the shell is only ever what a test asks for, never the broker's. */
  public static String[] sh(String script) {
    return new String[] {"sh", "-c", script};
  }

  /** A create request for {@code argv} in {@code sessionId}, not yet started. */
  public static CreateProcessRequest.Builder request(String sessionId, String... argv) {
    return CreateProcessRequest.newBuilder().setSessionId(sessionId).addAllArgv(List.of(argv));
  }

  /** Sends {@code request} and remembers the new record for clean-up. */
  public ProcessInfo create(CreateProcessRequest.Builder request) {
    ProcessInfo p = stub().createProcess(request.build()).getProcess();
    ids.add(p.getId());
    return p;
  }

  /** Creates and starts {@code argv} in {@code sessionId} (Python's {@code Process().start()}). */
  public ProcessInfo start(String sessionId, String... argv) {
    return create(request(sessionId, argv).setStart(true));
  }

  /** Creates {@code argv} in {@code sessionId} without starting it. */
  public ProcessInfo created(String sessionId, String... argv) {
    return create(request(sessionId, argv));
  }

  /** Remembers a record created by someone else (a child) for clean-up. */
  public void track(String id) {
    ids.add(id);
  }

  /** Remembers an OS pid that a child started outside the broker, to SIGKILL at clean-up. */
  public void trackPid(long pid) {
    pids.add(pid);
  }

  /** {@code StartProcess}. */
  public ProcessInfo startProcess(String id) {
    return stub().startProcess(StartProcessRequest.newBuilder().setId(id).build()).getProcess();
  }

  /** {@code GetProcess}. */
  public ProcessInfo get(String id) {
    return stub().getProcess(GetProcessRequest.newBuilder().setId(id).build()).getProcess();
  }

  /** {@code JoinProcess} with {@code timeoutSeconds} (null: unset) and the standard deadline. */
  public JoinProcessResponse join(String id, Double timeoutSeconds) {
    JoinProcessRequest.Builder request = JoinProcessRequest.newBuilder().setId(id);
    if (timeoutSeconds != null) {
      request.setTimeoutSeconds(timeoutSeconds);
    }
    return stub().joinProcess(request.build());
  }

  /** {@code JoinProcess} with {@code nowait}. */
  public JoinProcessResponse joinNowait(String id) {
    return stub().joinProcess(JoinProcessRequest.newBuilder().setId(id).setNowait(true).build());
  }

  /**
   * Joins without a timeout, bounded by {@link #EXIT_WAIT}, and asserts that the process exited;
   * returns its record.
   */
  public ProcessInfo awaitExit(String id) {
    JoinProcessResponse r =
        ProcessServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)
            .joinProcess(JoinProcessRequest.newBuilder().setId(id).build());
    assertThat(r.getExited()).as("%s exited within %s: %s", id, EXIT_WAIT, r).isTrue();
    assertExitedRecord(r.getProcess());
    return r.getProcess();
  }

  /** {@code SignalProcess} to the process group. */
  public SignalProcessResponse signal(String id, Signal signal) {
    return stub()
        .signalProcess(SignalProcessRequest.newBuilder().setId(id).setSignal(signal).build());
  }

  /** {@code DeleteProcess}. */
  public DeleteProcessResponse delete(String id) {
    return stub().deleteProcess(DeleteProcessRequest.newBuilder().setId(id).build());
  }

  /** Every record that {@code request} selects, following the pages. */
  public List<ProcessInfo> list(ListProcessesRequest.Builder request) {
    List<ProcessInfo> all = new ArrayList<>();
    String token = "";
    for (int page = 0; page < 1000; page++) {
      ListProcessesResponse r = stub().listProcesses(request.setPageToken(token).build());
      all.addAll(r.getProcessesList());
      token = r.getNextPageToken();
      if (token.isEmpty()) {
        return all;
      }
    }
    throw new AssertionError("more than 1000 pages of processes");
  }

  /** The records created by {@code sessionId}, in creation order. */
  public List<ProcessInfo> listSession(String sessionId) {
    return list(ListProcessesRequest.newBuilder().setSessionId(sessionId));
  }

  /** The chunks of a {@code ReadOutput} without {@code follow}, read to the end of the call. */
  public List<ReadOutputResponse> read(String id, OutputStream stream, long offset) {
    Iterator<ReadOutputResponse> it =
        stub()
            .readOutput(
                ReadOutputRequest.newBuilder()
                    .setId(id)
                    .setStream(stream)
                    .setOffset(offset)
                    .build());
    List<ReadOutputResponse> chunks = new ArrayList<>();
    it.forEachRemaining(chunks::add);
    return chunks;
  }

  /** What the broker keeps now of a captured stream, from its start, as UTF-8 text. */
  public String output(String id, OutputStream stream) {
    return text(read(id, stream, 0));
  }

  /** The bytes of {@code chunks} joined, as UTF-8 text. */
  public static String text(List<ReadOutputResponse> chunks) {
    ByteString bytes = ByteString.EMPTY;
    for (ReadOutputResponse chunk : chunks) {
      bytes = bytes.concat(chunk.getData());
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** Polls a captured stream (at most 10 s) until its text satisfies {@code condition}. */
  public String awaitOutput(String id, OutputStream stream, Predicate<String> condition) {
    String[] last = new String[1];
    await("output of " + id)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              last[0] = output(id, stream);
              return condition.test(last[0]);
            });
    return last[0];
  }

  /** Polls a record (at most {@code max}) until it satisfies {@code condition}; returns it. */
  public ProcessInfo awaitProcess(String id, Duration max, Predicate<ProcessInfo> condition) {
    ProcessInfo[] last = new ProcessInfo[1];
    await("process " + id)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .atMost(max)
        .until(
            () -> {
              last[0] = get(id);
              return condition.test(last[0]);
            });
    return last[0];
  }

  /** {@code NAME=value} lines (what {@code env} prints) as a map, in order. */
  public static Map<String, String> environment(String envOutput) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : envOutput.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return Collections.unmodifiableMap(env);
  }

  /**
   * Asserts what every exited record shows: no longer alive, a pid, an exit status, an end time.
   */
  public static void assertExitedRecord(ProcessInfo p) {
    assertThat(p.getState())
        .as("state of %s", p.getId())
        .isEqualTo(ProcessState.PROCESS_STATE_EXITED);
    assertThat(p.getAlive()).as("alive").isFalse();
    assertThat(p.hasPid()).as("pid kept after exit").isTrue();
    assertThat(p.hasExitStatus()).as("exit status").isTrue();
    assertThat(p.hasExitTime()).as("exit time").isTrue();
  }

  /** Asserts that {@code p} exited by itself with {@code code} (Python's {@code exitcode}). */
  public static void assertExitCode(ProcessInfo p, int code) {
    assertExitedRecord(p);
    ExitStatus s = p.getExitStatus();
    assertThat(s.getHowCase()).as("how %s ended", p.getId()).isEqualTo(ExitStatus.HowCase.CODE);
    assertThat(s.getCode()).as("exit code").isEqualTo(code);
    assertThat(s.getExitcode()).as("Python's exitcode").isEqualTo(code);
    assertThat(s.getSignaledByBroker()).as("signaled_by_broker").isFalse();
  }

  /** Asserts that signal {@code signal} ended {@code p}, sent by the broker or not. */
  public static void assertKilledBy(ProcessInfo p, int signal, boolean byBroker) {
    assertExitedRecord(p);
    ExitStatus s = p.getExitStatus();
    assertThat(s.getHowCase()).as("how %s ended", p.getId()).isEqualTo(ExitStatus.HowCase.SIGNAL);
    assertThat(s.getSignal()).as("signal").isEqualTo(signal);
    assertThat(s.getExitcode()).as("Python's exitcode").isEqualTo(-signal);
    assertThat(s.getSignaledByBroker()).as("signaled_by_broker").isEqualTo(byBroker);
  }

  /**
   * Kills (SIGKILL to the process group) every remembered process that still runs, waits for it to
   * exit, deletes every remembered record, and SIGKILLs the remembered OS pids. Tries everything,
   * then rethrows the first failure.
   */
  @Override
  public void close() {
    RuntimeException first = null;
    ManagedChannel admin = ConformanceTarget.newChannel();
    try {
      List<String> all = new ArrayList<>(ids);
      Collections.reverse(all);
      for (String id : new LinkedHashSet<>(all)) {
        try {
          cleanUp(admin, id);
        } catch (RuntimeException e) {
          first = first == null ? e : first;
        }
      }
    } finally {
      ConformanceTarget.close(admin);
      for (long pid : pids) {
        OsProcesses.killIfRunning(pid);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static void cleanUp(Channel admin, String id) {
    try {
      ProcessInfo p =
          processes(admin)
              .getProcess(GetProcessRequest.newBuilder().setId(id).build())
              .getProcess();
      if (p.getState() == ProcessState.PROCESS_STATE_RUNNING) {
        processes(admin)
            .signalProcess(
                SignalProcessRequest.newBuilder().setId(id).setSignal(Signal.SIGNAL_KILL).build());
        processes(admin)
            .joinProcess(JoinProcessRequest.newBuilder().setId(id).setTimeoutSeconds(5).build());
      }
      processes(admin)
          .deleteProcess(DeleteProcessRequest.newBuilder().setId(id).setAllowMissing(true).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
    }
  }
}
