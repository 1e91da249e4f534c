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
  private static final String PLAN = "IPCBROKER-PYTEST-PLAN\t";
  private static final String END = "IPCBROKER-PYTEST-END\t";

  @TestFactory
  Stream<DynamicTest> pythonClientTests() throws Exception {
    String python = PythonClient.python();
    Path report = Files.createTempFile("ipcbroker-pytest", ".report");
    ChildProgram.Run run =
        PythonClient.run(
            List.of(python, "tests/run_suite.py", "--report", report.toString()),
            Map.of("IPCBROKER_SAME_HOST", ConformanceTarget.sameHost() ? "1" : "0"),
            840);
    List<String> lines = Files.readAllLines(report, StandardCharsets.UTF_8);
    Files.delete(report);
    List<DynamicTest> tests = new ArrayList<>();
    int planned = -1;
    int ended = -1;
    for (String line : lines) {
      if (line.startsWith(PLAN)) {
        planned = Integer.parseInt(line.substring(PLAN.length()).trim());
        continue;
      }
      if (line.startsWith(END)) {
        ended = Integer.parseInt(line.substring(END.length()).trim());
        continue;
      }
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
    // The run as a whole: it ran every planned test to its end (a hung test's watchdog or a crash
    // ends it early, and the tests after it would otherwise go unreported), and only failures made
    // its exit code non-zero (they are reported above, each as its own test).
    int plan = planned;
    int end = ended;
    int reported = tests.size();
    tests.add(
        DynamicTest.dynamicTest(
            "the Python suite ran every planned test to its end",
            () -> {
              assertThat(plan).as("planned tests; output:%n%s", run.output()).isGreaterThan(10);
              assertThat(end)
                  .as("tests run to the end mark; output:%n%s", run.output())
                  .isEqualTo(plan);
              assertThat(reported).as("tests reported").isEqualTo(plan);
              assertThat(run.exitCode()).as("exit code; output:%n%s", run.output()).isIn(0, 1);
            }));
    return tests.stream();
  }
}
