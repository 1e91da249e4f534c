package io.ipcbroker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an anchor script of {@code bench/python} and reads the figures it prints. */
final class PythonAnchor {
  private PythonAnchor() {}

  /**
   * The lines {@code bench/python/SCRIPT ARGS} printed, or null without python3 or the script, or
   * if it failed (the anchor's row is then left out of the table).
   */
  static List<String> lines(String script, Object... args) throws InterruptedException {
    return run("python3", Map.of(), script, args);
  }

  /**
   * As {@link #lines}, run by {@code python} with {@code env} added to the environment; null also
   * when {@code python} is null.
   */
  static List<String> run(String python, Map<String, String> env, String script, Object... args)
      throws InterruptedException {
    Path path = Path.of("bench", "python", script);
    if (python == null || !Files.isRegularFile(path)) {
      return null;
    }
    List<String> command = new ArrayList<>(List.of(python, path.toString()));
    for (Object a : args) {
      command.add(a.toString());
    }
    Process p;
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
      builder.environment().putAll(env);
      p = builder.start();
    } catch (IOException e) {
      return null; // no such interpreter here
    }
    // Read on a thread of its own, so that a hung script cannot hold the bench past the bound.
    List<String> lines = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  synchronized (lines) {
                    lines.add(line.trim());
                  }
                }
              } catch (IOException e) {
                // The process was killed: what was read stands, and the exit code says the rest.
              }
            },
            "bench-anchor-reader");
    reader.setDaemon(true); // never keeps the bench alive after the table
    reader.start();
    if (!p.waitFor(900, TimeUnit.SECONDS)) {
      // The script's own children (multiprocessing workers, a manager server) hold its stdout
      // open: they go too, found through the script's handle.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      reader.join(10_000);
      return null;
    }
    reader.join(10_000);
    synchronized (lines) {
      if (p.exitValue() != 0 || lines.isEmpty()) {
        return null;
      }
      return new ArrayList<>(lines);
    }
  }

  /**
   * An interpreter that imports grpcio and protobuf, which the Python client needs: {@code
   * IPCBROKER_PYTHON} if set, else the first of {@code /usr/bin/python3} and {@code python3} that
   * does (a pyenv {@code python3} often does not); null if none.
   */
  static String pythonWithGrpc() throws InterruptedException {
    List<String> candidates = new ArrayList<>();
    String configured = System.getenv("IPCBROKER_PYTHON");
    if (configured != null && !configured.isBlank()) {
      candidates.add(configured);
    }
    candidates.add("/usr/bin/python3");
    candidates.add("python3");
    for (String python : candidates) {
      try {
        Process p =
            new ProcessBuilder(python, "-c", "import grpc, google.protobuf")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        } else if (p.exitValue() == 0) {
          return python;
        }
      } catch (IOException e) {
        // not installed: try the next one
      }
    }
    return null;
  }

  /** The number at {@code index} of each line, or null (see {@link #lines}). */
  static double[] column(int index, String script, Object... args) throws InterruptedException {
    List<String> lines = lines(script, args);
    if (lines == null) {
      return null;
    }
    return column(lines, index);
  }

  /** The number at {@code index} of each of {@code lines} (as the scripts print them). */
  static double[] column(List<String> lines, int index) {
    return lines.stream().mapToDouble(l -> Double.parseDouble(l.split("\\s+")[index])).toArray();
  }
}
