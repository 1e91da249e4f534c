package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
  /** The checks queue_smoke.js makes; update both together. */
  private static final int CHECKS_IN_SCRIPT = 16;

  @Test
  void nodeClientFromTheProtosAloneRoundTrips() throws Exception {
    NodeClient.ensureInstalled();
    assertThat(NodeClient.DIR.resolve("queue_smoke.js")).exists();

    ChildProgram.Run smoke =
        NodeClient.run(List.of("node", "queue_smoke.js", ConformanceTarget.address()), 120);

    assertThat(smoke.exitCode()).as("node client output:%n%s", smoke.output()).isZero();
    // The script prints one "ok" line per check and the count at the end: all of them must run.
    assertThat(smoke.output()).doesNotContain("FAIL").contains("NODE SMOKE OK " + CHECKS_IN_SCRIPT);
    assertThat(smoke.output().lines().filter(l -> l.startsWith("ok ")).count())
        .isEqualTo(CHECKS_IN_SCRIPT);
  }
}
