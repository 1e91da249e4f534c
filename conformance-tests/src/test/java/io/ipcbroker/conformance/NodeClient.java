package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The Node.js clients in {@code clients/node} (written from the .proto files alone): installs their
 * packages from the npm registry on first use ({@code npm ci}, pinned by the lock file) and runs
 * their scripts. {@code -Dipcbroker.skipNode=true} skips every test that needs them.
 */
final class NodeClient {
  static final Path DIR = Path.of("..", "clients", "node").toAbsolutePath().normalize();

  private NodeClient() {}

  /** Skips the test when Node is switched off; installs the packages once. */
  static synchronized void ensureInstalled() throws IOException, InterruptedException {
    Assumptions.assumeFalse(
        Boolean.getBoolean("ipcbroker.skipNode"), "skipped with -Dipcbroker.skipNode=true");
    if (!Files.isDirectory(DIR.resolve("node_modules"))) {
      ChildProgram.Run install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 240);
      assertThat(install.exitCode()).as("npm ci output:%n%s", install.output()).isZero();
    }
  }

  /** Runs {@code command} in the client's directory, at most {@code timeoutSeconds}. */
  static ChildProgram.Run run(List<String> command, long timeoutSeconds)
      throws IOException, InterruptedException {
    return ChildProgram.run(command, DIR, Map.of(), timeoutSeconds);
  }
}
