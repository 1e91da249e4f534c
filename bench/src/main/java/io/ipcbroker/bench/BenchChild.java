package io.ipcbroker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client process of a scenario: a JVM running a main class of this jar (or any command), told
 * what to do on its stdin and answering on its stdout, one line each way. Processes are started
 * once and driven through every round, so JVM start-up and warm-up stay out of the figures.
 */
final class BenchChild implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;
  private final Writer in;

  private BenchChild(List<String> command) throws IOException {
    process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /** Starts {@code main} of this jar with {@code args} and waits for its "ready" line. */
  static BenchChild java(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>(javaCommand(main));
    command.addAll(List.of(args));
    BenchChild child = new BenchChild(command);
    child.expect("ready");
    return child;
  }

  /** Starts {@code main} of this jar with {@code args}, without waiting for anything. */
  static BenchChild start(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>(javaCommand(main));
    command.addAll(List.of(args));
    return new BenchChild(command);
  }

  /** {@code java -cp <this jar> main}. */
  static List<String> javaCommand(Class<?> main) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath;
    try {
      classPath =
          Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return List.of(java, "-cp", classPath, main.getName());
  }

  /** Sends one line. */
  void send(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
  }

  /** Waits for the next line; fails at the end of the child's output. */
  String readLine() throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new IllegalStateException("a bench child ended its output (exit: " + exit() + ")");
    }
    return line;
  }

  /** Waits for the next line and checks it is {@code expected}. */
  void expect(String expected) throws IOException {
    String line = out.readLine();
    if (!expected.equals(line)) {
      throw new IllegalStateException(
          "a bench client said " + line + " instead of " + expected + " (exit: " + exit() + ")");
    }
  }

  private String exit() {
    try {
      return process.waitFor(1, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "none";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Kills the child (and what it started) at once: for a child that never became ready. */
  void kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    in.close(); // end of input: the client leaves its loop and exits
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
