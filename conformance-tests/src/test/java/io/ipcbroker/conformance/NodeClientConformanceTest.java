package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client in another language, written from the .proto files alone ({@code
 * clients/node/queue_smoke.js}, Node.js with {@code @grpc/proto-loader}), opens a session, keeps it
 * alive, creates a queue, puts and gets with timeouts, and tells FULL from EMPTY from an error by
 * its {@code ErrorInfo.reason}, against the broker under test.
 *
 * <p>Needs {@code node} and {@code npm} on the PATH; the test installs the client's packages from
 * the npm registry ({@code npm ci}, pinned by its lock file) on first use. {@code
 * -Dipcbroker.skipNode=true} skips it explicitly.
 */
@Timeout(300)
class NodeClientConformanceTest {
  private static final Path CLIENT = Path.of("..", "clients", "node").toAbsolutePath().normalize();

  /** The checks queue_smoke.js makes; update both together. */
  private static final int CHECKS_IN_SCRIPT = 16;

  @Test
  void nodeClientFromTheProtosAloneRoundTrips() throws Exception {
    Assumptions.assumeFalse(
        Boolean.getBoolean("ipcbroker.skipNode"), "skipped with -Dipcbroker.skipNode=true");
    assertThat(CLIENT.resolve("queue_smoke.js")).exists();
    if (!Files.isDirectory(CLIENT.resolve("node_modules"))) {
      Run install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 240);
      assertThat(install.exitCode).as("npm ci output:%n%s", install.output).isZero();
    }

    Run smoke = run(List.of("node", "queue_smoke.js", ConformanceTarget.address()), 120);

    assertThat(smoke.exitCode).as("node client output:%n%s", smoke.output).isZero();
    // The script prints one "ok" line per check and the count at the end: all of them must run.
    assertThat(smoke.output).doesNotContain("FAIL").contains("NODE SMOKE OK " + CHECKS_IN_SCRIPT);
    assertThat(smoke.output.lines().filter(l -> l.startsWith("ok ")).count())
        .isEqualTo(CHECKS_IN_SCRIPT);
  }

  private record Run(int exitCode, String output) {}

  private static Run run(List<String> command, long timeoutSeconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("ipcbroker-node", ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(CLIENT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return new Run(-1, "timed out after " + timeoutSeconds + " s\n" + read(log));
      }
      return new Run(p.exitValue(), read(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }
}
