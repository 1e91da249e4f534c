package io.ipcbroker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an anchor script of {@code bench/python} and reads the figures it prints. */
final class PythonAnchor {
  private PythonAnchor() {}

  /**
   * The lines {@code bench/python/SCRIPT ARGS} printed, or null without python3 or the script, or
   * if it failed (the anchor's row is then left out of the table).
   */
  static List<String> lines(String script, Object... args) throws InterruptedException {
    Path path = Path.of("bench", "python", script);
    if (!Files.isRegularFile(path)) {
      return null;
    }
    List<String> command = new ArrayList<>(List.of("python3", path.toString()));
    for (Object a : args) {
      command.add(a.toString());
    }
    Process p;
    try {
      p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      return null; // no python3 here
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
    reader.start();
    if (!p.waitFor(900, TimeUnit.SECONDS)) {
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

  /** The first number of each line, or null (see {@link #lines}). */
  static double[] column(int index, String script, Object... args) throws InterruptedException {
    List<String> lines = lines(script, args);
    if (lines == null) {
      return null;
    }
    return lines.stream().mapToDouble(l -> Double.parseDouble(l.split("\\s+")[index])).toArray();
  }
}
