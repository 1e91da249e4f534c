package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ProcessClient.request;
import static io.ipcbroker.conformance.ProcessClient.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.ipcbroker.v1.InputRedirect;
import io.ipcbroker.v1.OutputRedirect;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.ReadOutputResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process's stdin, stdout and stderr: captured separately or merged, written to files, read back
 * from an offset (also from the end), followed while the process writes, and trimmed to the
 * broker's output buffer.
 */
@Timeout(90)
class ProcessOutputConformanceTest {
  @BeforeAll
  static void brokerOnThisHost() {
    // The processes the broker spawns are watched through this host's /proc and files.
    ConformanceTarget.assumeSameHost();
  }

  private static final OutputStream STDOUT = OutputStream.OUTPUT_STREAM_STDOUT;
  private static final OutputStream STDERR = OutputStream.OUTPUT_STREAM_STDERR;

  /** The line of 16 bytes that output-heavy children repeat, so that content shows its offset. */
  private static final String LINE = "0123456789abcde\n";

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

  /**
   * A shell line that waits (at most 30 s) for the file {@code name} to appear in the test's
   * directory, so that the test decides when the child goes on.
   */
  private String waitFor(String name) {
    Path file = dir.resolve(name);
    return "i=0; while [ ! -e '" + file + "' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done";
  }

  private void go(String name) throws IOException {
    Files.createFile(dir.resolve(name));
  }

  private static OutputRedirect.Builder redirect(OutputRedirect.Mode mode) {
    return OutputRedirect.newBuilder().setMode(mode);
  }

  @Test
  void stdoutAndStderrAreCapturedSeparately() {
    ProcessInfo p = processes.start(session(), sh("echo out; echo err >&2; echo out2"));
    ProcessInfo exited = processes.awaitExit(p.getId());

    assertThat(processes.output(p.getId(), STDOUT)).isEqualTo("out\nout2\n");
    assertThat(processes.output(p.getId(), STDERR)).isEqualTo("err\n");
    assertThat(exited.getStdoutBytes()).isEqualTo(9);
    assertThat(exited.getStderrBytes()).isEqualTo(4);
  }

  @Test
  void stderrModeStdoutMergesStderrIntoStdoutInWriteOrder() {
    ProcessInfo p =
        processes.create(
            request(session(), sh("echo out; echo err >&2; echo out2"))
                .setStderr(redirect(OutputRedirect.Mode.MODE_STDOUT))
                .setStart(true));
    assertThat(p.getStderrMode()).isEqualTo(OutputRedirect.Mode.MODE_STDOUT);
    processes.awaitExit(p.getId());

    assertThat(processes.output(p.getId(), STDOUT)).isEqualTo("out\nerr\nout2\n");
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "OUTPUT_NOT_CAPTURED", () -> processes.output(p.getId(), STDERR));
  }

  @Test
  void discardedOutputIsNotKept() {
    ProcessInfo p =
        processes.create(
            request(session(), sh("echo out; echo err >&2"))
                .setStdout(redirect(OutputRedirect.Mode.MODE_DISCARD))
                .setStart(true));
    assertThat(p.getStdoutMode()).isEqualTo(OutputRedirect.Mode.MODE_DISCARD);
    processes.awaitExit(p.getId());
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "OUTPUT_NOT_CAPTURED", () -> processes.output(p.getId(), STDOUT));
    assertThat(processes.output(p.getId(), STDERR)).isEqualTo("err\n");
  }

  @Test
  void modeFileWritesTheFileTruncatingItUnlessAppend() throws IOException {
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Files.writeString(out, "old out\n");
    Files.writeString(err, "old err\n");

    ProcessInfo p =
        processes.create(
            request(session(), sh("echo new out; echo new err >&2"))
                .setStdout(redirect(OutputRedirect.Mode.MODE_FILE).setPath(out.toString()))
                .setStderr(
                    redirect(OutputRedirect.Mode.MODE_FILE).setPath(err.toString()).setAppend(true))
                .setStart(true));
    assertThat(p.getStdoutMode()).isEqualTo(OutputRedirect.Mode.MODE_FILE);
    assertThat(p.getStderrMode()).isEqualTo(OutputRedirect.Mode.MODE_FILE);
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);

    assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo("new out\n");
    assertThat(Files.readString(err, StandardCharsets.UTF_8)).isEqualTo("old err\nnew err\n");
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "OUTPUT_NOT_CAPTURED", () -> processes.output(p.getId(), STDOUT));
  }

  @Test
  void stdinReadsDevNullByDefaultAndTheFileWithModeFile() throws IOException {
    ProcessInfo p = processes.start(session(), sh("cat; echo done"));
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
    assertThat(processes.output(p.getId(), STDOUT)).as("EOF at once").isEqualTo("done\n");

    Path in = dir.resolve("in.txt");
    Files.writeString(in, "line 1\nline 2\n");
    ProcessInfo q =
        processes.create(
            request(session(), "cat")
                .setStdin(
                    InputRedirect.newBuilder()
                        .setMode(InputRedirect.Mode.MODE_FILE)
                        .setPath(in.toString()))
                .setStart(true));
    ProcessClient.assertExitCode(processes.awaitExit(q.getId()), 0);
    assertThat(processes.output(q.getId(), STDOUT)).isEqualTo("line 1\nline 2\n");
  }

  @Test
  void followStreamsWhatTheChildWritesAsItWritesAndEndsWhenItExits() throws IOException {
    ProcessInfo p =
        processes.start(
            session(),
            sh("echo one; " + waitFor("go1") + "; echo two; " + waitFor("go2") + "; echo three"));
    OutputReader reader = OutputReader.follow(broker.newChannel(), p.getId(), STDOUT, 0);

    assertThat(reader.awaitText(s -> !s.isEmpty())).isEqualTo("one\n");
    assertThat(reader.ended()).isNotDone();
    go("go1");
    assertThat(reader.awaitText(s -> s.contains("two"))).isEqualTo("one\ntwo\n");
    assertThat(reader.ended()).isNotDone();
    go("go2");
    reader.awaitCompleted(Duration.ofSeconds(10));
    assertThat(reader.text()).isEqualTo("one\ntwo\nthree\n");
    assertThat(reader.chunks().get(0).getOffset()).isZero();
    assertOffsetsAreContiguous(reader.chunks());
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
  }

  @Test
  void readWithoutFollowEndsAfterWhatIsKeptNow() throws IOException {
    ProcessInfo p = processes.start(session(), sh("echo first; " + waitFor("go")));
    processes.awaitOutput(p.getId(), STDOUT, s -> s.equals("first\n"));

    // The blocking read returns although the process still runs and may write more.
    long t0 = Timing.start();
    assertThat(processes.output(p.getId(), STDOUT)).isEqualTo("first\n");
    Timing.assertImmediate(t0);
    assertThat(processes.get(p.getId()).getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    go("go");
    ProcessClient.assertExitCode(processes.awaitExit(p.getId()), 0);
  }

  @Test
  void followOnAnExitedProcessSendsWhatIsKeptAndEnds() {
    ProcessInfo p = processes.start(session(), sh("echo kept"));
    processes.awaitExit(p.getId());
    OutputReader reader = OutputReader.follow(broker.channel(), p.getId(), STDOUT, 0);
    reader.awaitCompleted(Duration.ofSeconds(10));
    assertThat(reader.text()).isEqualTo("kept\n");
  }

  @Test
  void offsetsReadFromAPositionAndNegativeOffsetsReadTheTail() {
    ProcessInfo p = processes.start(session(), "printf", "0123456789");
    ProcessInfo exited = processes.awaitExit(p.getId());
    assertThat(exited.getStdoutBytes()).isEqualTo(10);

    List<ReadOutputResponse> tail = processes.read(p.getId(), STDOUT, -4);
    assertThat(ProcessClient.text(tail)).isEqualTo("6789");
    assertThat(tail.get(0).getOffset()).isEqualTo(6);
    List<ReadOutputResponse> from3 = processes.read(p.getId(), STDOUT, 3);
    assertThat(ProcessClient.text(from3)).isEqualTo("3456789");
    assertThat(from3.get(0).getOffset()).isEqualTo(3);
    assertThat(ProcessClient.text(processes.read(p.getId(), STDOUT, 10)))
        .as("at the end")
        .isEmpty();
    assertThat(ProcessClient.text(processes.read(p.getId(), STDOUT, -100)))
        .as("a tail longer than the output")
        .isEqualTo("0123456789");
  }

  @Test
  void outputBeyondTheBufferKeepsTheLastBytesAndTheFirstOffsetSaysWhereTheyStart() {
    int buffer = ProcessClient.OUTPUT_BUFFER_BYTES;
    long total = buffer + buffer / 2L;
    ProcessInfo p = processes.start(session(), sh("yes " + LINE.strip() + " | head -c " + total));
    ProcessInfo exited = processes.awaitExit(p.getId());
    assertThat(exited.getStdoutBytes()).isEqualTo(total);

    List<ReadOutputResponse> chunks = processes.read(p.getId(), STDOUT, 0);
    assertThat(chunks.get(0).getOffset()).as("older bytes are gone").isEqualTo(total - buffer);
    assertThat(chunks)
        .allSatisfy(c -> assertThat(c.getData().size()).isLessThanOrEqualTo(64 << 10));
    assertOffsetsAreContiguous(chunks);
    String kept = ProcessClient.text(chunks);
    assertThat(kept).hasSize(buffer);
    assertThat(kept).isEqualTo(pattern(total - buffer, buffer));
  }

  @Test
  void slowReaderHoldsBackOnlyTheBrokerNeverTheProcess() throws IOException {
    long total = 4L * ProcessClient.OUTPUT_BUFFER_BYTES;
    ProcessInfo p =
        processes.start(
            session(), sh(waitFor("go") + "; yes " + LINE.strip() + " | head -c " + total));
    OutputReader reader = OutputReader.followPaused(broker.newChannel(), p.getId(), STDOUT, 0);
    go("go");

    // The process writes four buffers' worth and exits while its reader reads nothing.
    assertThat(processes.join(p.getId(), 20.0).getExited()).as("the process was not held").isTrue();
    assertThat(reader.chunks()).isEmpty();
    reader.request(Integer.MAX_VALUE);
    reader.awaitCompleted(Duration.ofSeconds(20));

    List<ReadOutputResponse> chunks = reader.chunks();
    assertThat(chunks).isNotEmpty();
    ReadOutputResponse last = chunks.get(chunks.size() - 1);
    assertThat(last.getOffset() + last.getData().size()).as("the end").isEqualTo(total);
    long next = 0;
    for (ReadOutputResponse c : chunks) {
      assertThat(c.getOffset()).as("chunks only skip forward").isGreaterThanOrEqualTo(next);
      assertThat(c.getData().toString(StandardCharsets.UTF_8))
          .as("the bytes written at offset %d", c.getOffset())
          .isEqualTo(pattern(c.getOffset(), c.getData().size()));
      next = c.getOffset() + c.getData().size();
    }
  }

  /** What {@code yes 0123456789abcde} writes from {@code offset}, {@code length} bytes of it. */
  private static String pattern(long offset, int length) {
    int start = (int) (offset % LINE.length());
    String lines = LINE.repeat((start + length) / LINE.length() + 1);
    return lines.substring(start, start + length);
  }

  private static void assertOffsetsAreContiguous(List<ReadOutputResponse> chunks) {
    long next = chunks.get(0).getOffset();
    for (ReadOutputResponse c : chunks) {
      assertThat(c.getOffset()).as("offset of a chunk").isEqualTo(next);
      next += c.getData().size();
    }
  }
}
