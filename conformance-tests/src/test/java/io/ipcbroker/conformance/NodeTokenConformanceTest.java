package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.server.BrokerConfig;
import io.ipcbroker.server.BrokerServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Node.js client signs its calls with {@code IPCBROKER_TOKEN} ({@code clients/node/auth.js}),
 * as the broker gives it to the processes it spawns: against a broker of its own that requires a
 * token, the smoke script passes with the token and is refused {@code TOKEN_MISSING} without it.
 */
@Timeout(300)
class NodeTokenConformanceTest {
  private static final String TOKEN = "node-conformance-token-0123456789";
  private static BrokerServer broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker =
        new BrokerServer(BrokerConfig.builder().host("127.0.0.1").port(0).authToken(TOKEN).build());
    broker.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (broker != null) {
      broker.shutdown();
    }
  }

  @Test
  void signedCallsGetInAndUnsignedOnesAreRefused() throws Exception {
    NodeClient.ensureInstalled();
    List<String> smoke = List.of("node", "queue_smoke.js", broker.address());

    ChildProgram.Run signed =
        ChildProgram.run(smoke, NodeClient.DIR, Map.of("IPCBROKER_TOKEN", TOKEN), 120);
    assertThat(signed.exitCode()).as("node client output:%n%s", signed.output()).isZero();
    assertThat(signed.output()).doesNotContain("FAIL").contains("NODE SMOKE OK");

    ChildProgram.Run unsigned =
        ChildProgram.run(smoke, NodeClient.DIR, Map.of("IPCBROKER_TOKEN", ""), 120);
    assertThat(unsigned.exitCode()).as("node client output:%n%s", unsigned.output()).isOne();
    assertThat(unsigned.output()).contains("[reason TOKEN_MISSING]");
    assertThat(unsigned.output().lines().filter(l -> l.startsWith("ok "))).isEmpty();
  }
}
