package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ProcessClient.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteProcessRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetProcessRequest;
import io.ipcbroker.v1.InputRedirect;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.OutputRedirect;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.Signal;
import io.ipcbroker.v1.SignalProcessRequest;
import io.ipcbroker.v1.StartProcessRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input on every process call: missing and malformed fields, executables and directories that
 * do not exist, unknown ids and sessions, signals and timeouts outside the contract, output that is
 * not captured. Each gets its documented status and reason (never {@code INTERNAL} or {@code
 * UNKNOWN}); a create that fails leaves no record behind, and the broker keeps serving.
 */
@Timeout(60)
class ProcessBadInputConformanceTest {
  private static final String UNKNOWN_ID = "proc-does-not-exist";

  private final TestBroker broker = new TestBroker();
  private final ProcessClient processes = new ProcessClient(broker.channel());
  private String session;

  @TempDir Path dir;

  @BeforeEach
  void openSession() {
    session = broker.createSession(ProcessClient.SESSION_TTL_SECONDS).getSessionId();
  }

  @AfterEach
  void brokerStillSpawnsThenCleanUp() {
    try {
      ProcessInfo p = processes.start(session, "true");
      ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    } finally {
      try {
        processes.close();
      } finally {
        broker.close();
      }
    }
  }

  /**
   * Asserts that creating (and starting) {@code request} in the test's session fails with {@code
   * code}/{@code reason} and that the session has no record afterwards.
   */
  private void assertCreateFails(Code code, String reason, CreateProcessRequest.Builder request) {
    Rpc.assertFails(code, reason, () -> processes.create(request));
    assertThat(processes.listSession(session)).as("records after a failed create").isEmpty();
  }

  private CreateProcessRequest.Builder valid() {
    return request(session, "true").setStart(true);
  }

  // ---- CreateProcess -----------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void emptyArgvFailsWithFieldRequired(boolean start) {
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        CreateProcessRequest.newBuilder().setSessionId(session).setStart(start));
  }

  @Test
  void missingSessionFailsWithFieldRequired() {
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () -> processes.create(CreateProcessRequest.newBuilder().addArgv("true").setStart(true)));
  }

  @Test
  void unknownOrEndedSessionFailsWithSessionNotFound() {
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () -> processes.create(request("no-such-session", "true").setStart(true)));
    String ended = broker.createSession(0).getSessionId();
    broker.sessions().deleteSession(DeleteSessionRequest.newBuilder().setSessionId(ended).build());
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () -> processes.create(request(ended, "true").setStart(true)));
    Rpc.assertFails(
        Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> processes.create(request(ended, "true")));
    assertThat(processes.listSession(ended)).isEmpty();
  }

  static Stream<String> missingExecutables() {
    return Stream.of(
        "no-such-program-" + Long.toHexString(System.nanoTime()),
        "/no/such/dir/program",
        "/tmp",
        "./no-such-program");
  }

  @ParameterizedTest
  @MethodSource("missingExecutables")
  void executableThatDoesNotExistFailsWithExecutableNotFound(String executable) {
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "EXECUTABLE_NOT_FOUND",
        request(session, executable, "arg").setStart(true));
  }

  @Test
  void fileWithoutExecuteBitFailsWithExecutableNotFound() throws IOException {
    Path script = dir.resolve("not-executable");
    Files.writeString(script, "#!/bin/sh\necho should not run\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "EXECUTABLE_NOT_FOUND",
        request(session, script.toString()).setStart(true));
    // Nor found through PATH.
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "EXECUTABLE_NOT_FOUND",
        request(session, "not-executable").putEnv("PATH", dir.toString()).setStart(true));
  }

  @Test
  void executableThatVanishedBeforeStartFailsAndTheRecordStaysCreated() throws IOException {
    Path script = dir.resolve("vanishing");
    Files.writeString(script, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessInfo p = processes.create(request(session, script.toString()));
    Files.delete(script);

    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "EXECUTABLE_NOT_FOUND", () -> processes.startProcess(p.getId()));
    ProcessInfo after = processes.get(p.getId());
    assertThat(after.getState()).isEqualTo(ProcessState.PROCESS_STATE_CREATED);
    assertThat(after.hasPid()).isFalse();
  }

  @Test
  void cwdThatIsNotADirectoryFailsWithCwdNotFound() throws IOException {
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "CWD_NOT_FOUND",
        valid().setCwd(dir.resolve("no-such-dir").toString()));
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertCreateFails(Code.INVALID_ARGUMENT, "CWD_NOT_FOUND", valid().setCwd(file.toString()));
  }

  /** Requests with a field the contract refuses as {@code INVALID_FIELD_VALUE}. */
  enum InvalidField {
    NUL_IN_ARGV0(r -> r.clearArgv().addArgv("tr\0ue")),
    NUL_IN_ARGUMENT(r -> r.addArgv("a\0b")),
    NUL_IN_ENV_NAME(r -> r.putEnv("A\0B", "x")),
    NUL_IN_ENV_VALUE(r -> r.putEnv("A", "x\0y")),
    EQUALS_IN_ENV_NAME(r -> r.putEnv("A=B", "x")),
    EMPTY_ENV_NAME(r -> r.putEnv("", "x")),
    NUL_IN_CWD(r -> r.setCwd("/tmp\0/x")),
    STDOUT_FILE_WITHOUT_PATH(
        r -> r.setStdout(OutputRedirect.newBuilder().setMode(OutputRedirect.Mode.MODE_FILE))),
    STDERR_FILE_WITHOUT_PATH(
        r -> r.setStderr(OutputRedirect.newBuilder().setMode(OutputRedirect.Mode.MODE_FILE))),
    STDIN_FILE_WITHOUT_PATH(
        r -> r.setStdin(InputRedirect.newBuilder().setMode(InputRedirect.Mode.MODE_FILE))),
    STDOUT_INTO_STDOUT(
        r -> r.setStdout(OutputRedirect.newBuilder().setMode(OutputRedirect.Mode.MODE_STDOUT))),
    NUL_IN_STDOUT_PATH(
        r ->
            r.setStdout(
                OutputRedirect.newBuilder()
                    .setMode(OutputRedirect.Mode.MODE_FILE)
                    .setPath("/tmp/a\0b")));

    final UnaryOperator<CreateProcessRequest.Builder> spoil;

    InvalidField(UnaryOperator<CreateProcessRequest.Builder> spoil) {
      this.spoil = spoil;
    }
  }

  static Stream<Arguments> invalidFieldsStartedOrNot() {
    return Stream.of(InvalidField.values())
        .flatMap(f -> Stream.of(Arguments.of(f, true), Arguments.of(f, false)));
  }

  @ParameterizedTest(name = "{0}, start={1}")
  @MethodSource("invalidFieldsStartedOrNot")
  void invalidFieldFailsWithInvalidFieldValue(InvalidField field, boolean start) {
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        field.spoil.apply(request(session, "true", "arg").setStart(start)));
  }

  /** Process names the contract refuses as {@code INVALID_NAME}. */
  enum InvalidName {
    NAME_TOO_LONG("n".repeat(129)),
    CONTROL_CHARACTER_IN_NAME("tab\there"),
    NEWLINE_IN_NAME("line\nbreak");

    final String name;

    InvalidName(String name) {
      this.name = name;
    }
  }

  @ParameterizedTest
  @EnumSource(InvalidName.class)
  void invalidNameFailsWithInvalidName(InvalidName name) {
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "INVALID_NAME",
        request(session, "true").setName(name.name).setStart(true));
  }

  @Test
  void nameOf128CharactersIsAccepted() {
    String name = "n".repeat(128);
    assertThat(processes.create(request(session, "true").setName(name)).getName()).isEqualTo(name);
  }

  @Test
  void redirectThatCannotBeOpenedFailsWithRedirectFailed() {
    String missing = dir.resolve("no-such-dir").resolve("file").toString();
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "REDIRECT_FAILED",
        valid()
            .setStdout(
                OutputRedirect.newBuilder()
                    .setMode(OutputRedirect.Mode.MODE_FILE)
                    .setPath(missing)));
    assertCreateFails(
        Code.INVALID_ARGUMENT,
        "REDIRECT_FAILED",
        valid()
            .setStdin(
                InputRedirect.newBuilder().setMode(InputRedirect.Mode.MODE_FILE).setPath(missing)));
  }

  @Test
  void sessionWithAnUnknownProcessIdFailsWithProcessNotFound() {
    Rpc.assertFails(
        Code.NOT_FOUND,
        "PROCESS_NOT_FOUND",
        () ->
            broker
                .sessions()
                .createSession(CreateSessionRequest.newBuilder().setProcessId(UNKNOWN_ID).build()));
  }

  /** Rethrows a stream's end status so that stream calls can be asserted like unary ones. */
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof StatusRuntimeException e) {
      throw e;
    }
    throw new AssertionError("not a status", t);
  }

  // ---- calls that take an id ---------------------------------------------------------------

  /** Every call that takes a process id, made with that id. */
  enum IdCall {
    START((p, id) -> p.stub().startProcess(StartProcessRequest.newBuilder().setId(id).build())),
    GET((p, id) -> p.stub().getProcess(GetProcessRequest.newBuilder().setId(id).build())),
    JOIN(
        (p, id) ->
            p.stub()
                .joinProcess(
                    JoinProcessRequest.newBuilder().setId(id).setTimeoutSeconds(0.1).build())),
    JOIN_NOWAIT(
        (p, id) ->
            p.stub()
                .joinProcess(JoinProcessRequest.newBuilder().setId(id).setNowait(true).build())),
    SIGNAL(
        (p, id) ->
            p.stub()
                .signalProcess(
                    SignalProcessRequest.newBuilder()
                        .setId(id)
                        .setSignal(Signal.SIGNAL_TERM)
                        .build())),
    DELETE((p, id) -> p.stub().deleteProcess(DeleteProcessRequest.newBuilder().setId(id).build())),
    READ_OUTPUT((p, id) -> p.read(id, OutputStream.OUTPUT_STREAM_STDOUT, 0)),
    READ_OUTPUT_FOLLOW(
        (p, id) ->
            rethrow(
                OutputReader.start(
                        p.channel(),
                        ReadOutputRequest.newBuilder()
                            .setId(id)
                            .setStream(OutputStream.OUTPUT_STREAM_STDOUT)
                            .setFollow(true)
                            .build())
                    .awaitError()));

    final BiConsumer<ProcessClient, String> call;

    IdCall(BiConsumer<ProcessClient, String> call) {
      this.call = call;
    }
  }

  @ParameterizedTest
  @EnumSource(IdCall.class)
  void unknownIdFailsWithProcessNotFound(IdCall call) {
    Rpc.assertFails(
        Code.NOT_FOUND, "PROCESS_NOT_FOUND", () -> call.call.accept(processes, UNKNOWN_ID));
  }

  @ParameterizedTest
  @EnumSource(IdCall.class)
  void emptyIdFailsWithFieldRequired(IdCall call) {
    Rpc.assertFails(Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> call.call.accept(processes, ""));
  }

  @Test
  void unspecifiedOrUnknownSignalFailsWithSignalNotAllowed() {
    ProcessInfo p = processes.start(session, "sleep", "300");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "SIGNAL_NOT_ALLOWED",
        () -> processes.signal(p.getId(), Signal.SIGNAL_UNSPECIFIED));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "SIGNAL_NOT_ALLOWED",
        () ->
            processes
                .stub()
                .signalProcess(
                    SignalProcessRequest.newBuilder().setId(p.getId()).setSignalValue(99).build()));
    ProcessInfo after = processes.get(p.getId());
    assertThat(after.getAlive()).isTrue();
    assertThat(after.getLastSignal()).isEqualTo(Signal.SIGNAL_UNSPECIFIED);
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {-1, -0.001, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void invalidJoinTimeoutFailsWithInvalidTimeout(double timeout) {
    ProcessInfo p = processes.start(session, "sleep", "300");
    long t0 = Timing.start();
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "INVALID_TIMEOUT", () -> processes.join(p.getId(), timeout));
    Timing.assertImmediate(t0);
  }

  @Test
  void readOutputOfAStreamThatIsNotCapturedFailsWithOutputNotCaptured() {
    ProcessInfo p =
        processes.create(
            request(session, "true")
                .setStdout(OutputRedirect.newBuilder().setMode(OutputRedirect.Mode.MODE_DISCARD))
                .setStart(true));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "OUTPUT_NOT_CAPTURED",
        () -> processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDOUT));
    assertThat(processes.output(p.getId(), OutputStream.OUTPUT_STREAM_STDERR)).isEmpty();
  }

  @Test
  void readOutputOfAnUnspecifiedStreamFailsWithInvalidFieldValue() {
    ProcessInfo p = processes.start(session, "true");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () -> processes.output(p.getId(), OutputStream.OUTPUT_STREAM_UNSPECIFIED));
  }
}
