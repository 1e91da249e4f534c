package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Node.js clients in {@code clients/node} (written from the .proto files alone): installs their
 * packages from the npm registry on first use ({@code npm ci}, pinned by the lock file) and runs
 * their scripts. {@code -Dipcbroker.skipNode=true} skips every test that needs them.
 */
final class NodeClient {
  static final Path DIR = Path.of("..", "clients", "node").toAbsolutePath().normalize();

  private NodeClient() {}

  /** What a script did. */
  record Run(int exitCode, String output) {}

  /** Skips the test when Node is switched off; installs the packages once. */
  static synchronized void ensureInstalled() throws IOException, InterruptedException {
    Assumptions.assumeFalse(
        Boolean.getBoolean("ipcbroker.skipNode"), "skipped with -Dipcbroker.skipNode=true");
    if (!Files.isDirectory(DIR.resolve("node_modules"))) {
      Run install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 240);
      assertThat(install.exitCode).as("npm ci output:%n%s", install.output).isZero();
    }
  }

  /** Runs {@code command} in the client's directory, at most {@code timeoutSeconds}. */
  static Run run(List<String> command, long timeoutSeconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("ipcbroker-node", ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(DIR.toFile())
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
