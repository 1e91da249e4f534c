package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The Python client in {@code clients/python}: finds an interpreter with {@code grpcio}, generates
 * the stubs from the .proto files once per run, and runs Python programs against the broker.
 *
 * <p>The interpreter is {@code -Dipcbroker.python} (or {@code IPCBROKER_PYTHON}), else the first of
 * {@code python3} and {@code /usr/bin/python3} that imports {@code grpc}. Without one the tests
 * that need it are skipped, unless {@code -Dipcbroker.requirePython=true} (or {@code
 * IPCBROKER_REQUIRE_PYTHON=1}, which CI sets) makes that a failure; {@code
 * -Dipcbroker.skipPython=true} skips them.
 */
final class PythonClient {
  static final Path DIR = Path.of("..", "clients", "python").toAbsolutePath().normalize();
  static final Path EXAMPLES = DIR.resolve("examples");

  private static String interpreter;
  private static boolean generated;

  private PythonClient() {}

  /** The interpreter to use; skips (or fails, when Python is required) if there is none. */
  static synchronized String python() throws IOException, InterruptedException {
    Assumptions.assumeFalse(
        Boolean.getBoolean("ipcbroker.skipPython"), "skipped with -Dipcbroker.skipPython=true");
    if (interpreter == null) {
      List<String> candidates = new ArrayList<>();
      String chosen = System.getProperty("ipcbroker.python", System.getenv("IPCBROKER_PYTHON"));
      if (chosen != null && !chosen.isBlank()) {
        candidates.add(chosen.trim());
      } else {
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
      }
      for (String candidate : candidates) {
        try {
          if (run(List.of(candidate, "-c", "import grpc, google.protobuf"), Map.of(), 60).exitCode()
              == 0) {
            interpreter = candidate;
            break;
          }
        } catch (IOException notThere) {
          // Try the next one.
        }
      }
      boolean required =
          Boolean.getBoolean("ipcbroker.requirePython")
              || "1".equals(System.getenv("IPCBROKER_REQUIRE_PYTHON"));
      if (interpreter == null && required) {
        throw new AssertionError(
            "no Python with grpcio among " + candidates + " and Python tests are required");
      }
      Assumptions.assumeTrue(
          interpreter != null, "no Python with grpcio among " + candidates + "; skipped");
    }
    if (!generated) {
      ChildProgram.Run gen =
          run(
              List.of(interpreter, DIR.resolve("generate.py").toString(), "--if-stale"),
              Map.of(),
              120);
      assertThat(gen.exitCode()).as("generate.py:%n%s", gen.output()).isZero();
      generated = true;
    }
    return interpreter;
  }

  /**
   * Runs {@code command} in the client's directory with {@code env} added and {@code
   * IPCBROKER_TARGET} set to the broker under test, at most {@code timeoutSeconds}.
   */
  static ChildProgram.Run run(List<String> command, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    Map<String, String> all = new HashMap<>(env);
    all.put("IPCBROKER_TARGET", ConformanceTarget.address());
    all.putIfAbsent("PYTHONDONTWRITEBYTECODE", "1");
    return ChildProgram.run(command, DIR, all, timeoutSeconds);
  }

  /** The environment a broker-spawned Python program needs to import the client and examples. */
  static Map<String, String> childEnv() {
    return Map.of("PYTHONPATH", DIR + ":" + EXAMPLES, "PYTHONDONTWRITEBYTECODE", "1");
  }
}
