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
    List<String> lines = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        lines.add(line.trim());
      }
    } catch (IOException e) {
      return null;
    }
    if (!p.waitFor(900, TimeUnit.SECONDS) || p.exitValue() != 0 || lines.isEmpty()) {
      p.destroyForcibly();
      return null;
    }
    return lines;
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
