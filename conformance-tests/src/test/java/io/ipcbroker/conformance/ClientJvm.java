package io.ipcbroker.conformance;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A client process that the test starts itself (not through the broker): a main class of this
 * module in its own JVM, whose stdout lines the test reads as they come and which the test can
 * SIGKILL by its pid, as a crashing client dies. {@link #close} makes sure it is gone.
 */
final class ClientJvm implements AutoCloseable {
  private final Process process;
  private final Path stderr;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> eof = new CompletableFuture<>();

  private ClientJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
  }

  /** Starts {@code main} with {@code args}; its stdin stays open until {@link #close}. */
  static ClientJvm start(Class<?> main, String... args) throws IOException {
    Path stderr = Files.createTempFile("client-jvm-", ".err");
    Process p =
        new ProcessBuilder(JavaChild.command(main, args))
            .redirectError(stderr.toFile())
            .redirectOutput(ProcessBuilder.Redirect.PIPE)
            .start();
    ClientJvm c = new ClientJvm(p, stderr);
    Thread reader = new Thread(c::read, "client-jvm-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    return c;
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
      }
      eof.complete(null);
    } catch (IOException e) {
      eof.completeExceptionally(e);
    }
  }

  /** The OS pid. */
  long pid() {
    return process.pid();
  }

  /**
   * Waits up to {@code max} for a stdout line that starts with {@code prefix + " "} (or is {@code
   * prefix}); returns the words after the prefix. Fails with the child's stderr if it exits first.
   */
  List<String> awaitLine(String prefix, Duration max) {
    List<List<String>> found = new CopyOnWriteArrayList<>();
    await("line " + prefix + " from client " + process.pid())
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .atMost(max)
        .until(
            () -> {
              for (String line : lines) {
                if (line.equals(prefix) || line.startsWith(prefix + " ")) {
                  String rest = line.substring(prefix.length()).trim();
                  found.add(rest.isEmpty() ? List.of() : List.of(rest.split(" ")));
                  return true;
                }
              }
              if (eof.isDone()) {
                throw new AssertionError(
                    "client exited without printing "
                        + prefix
                        + "; lines "
                        + lines
                        + "; "
                        + stderr());
              }
              return false;
            });
    return found.get(0);
  }

  /** SIGKILLs the client by its pid and waits for it to die. */
  void sigkill() throws IOException, InterruptedException {
    OsProcesses.sigkill(process.pid());
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("client " + process.pid() + " survived SIGKILL");
    }
  }

  /** What the client wrote to stderr. */
  String stderr() {
    try {
      return "stderr: " + Files.readString(stderr, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }

  /** Kills the client if it still runs, closes its stdin and removes its stderr file. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (process.isAlive()) {
        sigkill();
      }
    } finally {
      process.getOutputStream().close();
      Files.deleteIfExists(stderr);
    }
  }
}
