package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ipcbroker.server.BrokerConfig;
import io.ipcbroker.server.BrokerServer;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The status page in a real browser: headless Chromium (Debian's, driven by playwright-core from
 * {@code clients/node/status_page_check.js}) loads the page of a broker of this test's own, finds a
 * queue with its depth, sees the depth and the put total change after a put, and lists a lock.
 *
 * <p>Needs {@code /usr/bin/chromium} (or {@code IPCBROKER_CHROMIUM}); skipped without it unless
 * {@code IPCBROKER_REQUIRE_CHROMIUM=1}, as in CI.
 */
@Timeout(300)
class StatusPageConformanceTest {
  @Test
  void thePageShowsAQueueAndFollowsItsDepth() throws Exception {
    // It starts a broker of its own; against another target it would only repeat itself.
    Assumptions.assumeTrue(ConformanceTarget.isEmbedded(), "runs with the embedded broker only");
    String browser = System.getenv().getOrDefault("IPCBROKER_CHROMIUM", "/usr/bin/chromium");
    boolean required = "1".equals(System.getenv("IPCBROKER_REQUIRE_CHROMIUM"));
    if (!Files.isExecutable(Path.of(browser))) {
      assertThat(required)
          .as("IPCBROKER_REQUIRE_CHROMIUM=1 but no browser at " + browser)
          .isFalse();
      Assumptions.abort("no Chromium at " + browser);
    }
    NodeClient.ensureInstalled();
    BrokerServer broker =
        new BrokerServer(
            BrokerConfig.builder().host("127.0.0.1").port(0).metrics("127.0.0.1", 0).build());
    broker.start();
    ManagedChannel channel = ConformanceTarget.channelTo(broker.address());
    try {
      QueueServiceGrpc.QueueServiceBlockingStub queues = QueueServiceGrpc.newBlockingStub(channel);
      queues.createQueue(CreateQueueRequest.newBuilder().setName("page-q").build());
      for (String item : List.of("a", "b")) {
        queues.putItem(
            PutItemRequest.newBuilder()
                .setQueue("page-q")
                .setItem(Payload.newBuilder().setData(ByteString.copyFromUtf8(item)))
                .build());
      }
      LockServiceGrpc.newBlockingStub(channel)
          .createLock(
              CreateLockRequest.newBuilder()
                  .setName("page-lock")
                  .setKind(LockKind.LOCK_KIND_LOCK)
                  .build());
      ChildProgram.Run check =
          ChildProgram.run(
              List.of(
                  "node",
                  "status_page_check.js",
                  broker.metricsAddress(),
                  broker.address(),
                  "page-q",
                  "2",
                  "page-lock"),
              NodeClient.DIR,
              Map.of("IPCBROKER_CHROMIUM", browser, "IPCBROKER_TOKEN", ""),
              180);
      assertThat(check.exitCode()).as("status page check output:%n%s", check.output()).isZero();
      assertThat(check.output()).contains("STATUS PAGE OK");
    } finally {
      ConformanceTarget.close(channel);
      broker.shutdown();
    }
  }
}
