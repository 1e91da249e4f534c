package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The Python client's own tests ({@code clients/python/tests}, unittest) against the broker under
 * test, each reported here as a test of its own: Python's {@code multiprocessing} API on the broker
 * (queues, processes, pipes, values, locks, dicts, pools, the manager) as a Python programmer uses
 * it. Tests that spawn processes need the broker on this host and are skipped otherwise.
 */
@Timeout(900)
class PythonClientConformanceTest {
  private static final String MARK = "IPCBROKER-PYTEST\t";

  @TestFactory
  Stream<DynamicTest> pythonClientTests() throws Exception {
    String python = PythonClient.python();
    Path report = Files.createTempFile("ipcbroker-pytest", ".report");
    PythonClient.Run run =
        PythonClient.run(
            List.of(python, "tests/run_suite.py", "--report", report.toString()),
            Map.of("IPCBROKER_SAME_HOST", ConformanceTarget.sameHost() ? "1" : "0"),
            840);
    List<String> lines = Files.readAllLines(report, StandardCharsets.UTF_8);
    Files.delete(report);
    List<DynamicTest> tests = new ArrayList<>();
    for (String line : lines) {
      if (!line.startsWith(MARK)) {
        continue;
      }
      String[] f = line.substring(MARK.length()).split("\t", -1);
      String status = f[0];
      String id = f[1];
      String details = new String(Base64.getDecoder().decode(f[2]), StandardCharsets.UTF_8);
      tests.add(
          DynamicTest.dynamicTest(
              id,
              () -> {
                Assumptions.assumeFalse(status.equals("skip"), details);
                assertThat(status).as("%s:%n%s", id, details).isEqualTo("ok");
              }));
    }
    // The run as a whole: it finished, and it ran tests (a crash before any would report none).
    tests.add(
        DynamicTest.dynamicTest(
            "the Python suite ran to its end",
            () -> {
              assertThat(run.exitCode()).as("exit code; output:%n%s", run.output()).isIn(0, 1);
              assertThat(tests.size()).as("tests reported").isGreaterThan(10);
            }));
    return tests.stream();
  }
}
