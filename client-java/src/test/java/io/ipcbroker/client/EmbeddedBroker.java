package io.ipcbroker.client;

import io.ipcbroker.server.BrokerConfig;
import io.ipcbroker.server.BrokerServer;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A real broker on a free loopback port for the test class that registers this extension. */
final class EmbeddedBroker implements BeforeAllCallback, AfterAllCallback {
  private BrokerServer server;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = new BrokerServer(BrokerConfig.builder().host("127.0.0.1").port(0).build());
    server.start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    server.shutdown();
  }

  /** {@code host:port} of the broker. */
  String target() {
    return server.address();
  }

  /** A new client connection, as a separate process would have. */
  IpcBroker connect() {
    return IpcBroker.builder().target(target()).sessionTtl(java.time.Duration.ofSeconds(5)).build();
  }

  BrokerServer server() {
    return server;
  }

  /** A queue name no other test uses. */
  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
