package io.ipcbroker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The exposure rule: a broker reachable from other hosts must have a token or TLS, or be told
 * {@code --insecure}. Nothing here listens; the rule is checked when the configuration is built.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrokerConfigTest {
  // A documentation address (RFC 5737): never this machine's loopback, and never looked up.
  private static final String EXPOSED = "192.0.2.10";
  private static final String TOKEN = "0123456789abcdef";

  @Test
  void anExposedAddressNeedsATokenOrTlsOrInsecure() {
    assertThatThrownBy(() -> BrokerConfig.builder().host(EXPOSED).build())
        .isInstanceOf(IllegalArgumentException.class);
    for (String wildcard : new String[] {"0.0.0.0", "::", "[::]"}) {
      assertThatThrownBy(() -> BrokerConfig.builder().host(wildcard).build())
          .as(wildcard)
          .isInstanceOf(IllegalArgumentException.class);
    }

    assertThat(BrokerConfig.builder().host(EXPOSED).authToken(TOKEN).build().host())
        .isEqualTo(EXPOSED);
    // TLS alone hides the traffic but lets anyone in; client certificates identify callers.
    assertThatThrownBy(
            () ->
                BrokerConfig.builder()
                    .host(EXPOSED)
                    .tls(new BrokerConfig.Tls(Path.of("cert.pem"), Path.of("key.pem"), null))
                    .build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            BrokerConfig.builder()
                .host(EXPOSED)
                .tls(
                    new BrokerConfig.Tls(
                        Path.of("cert.pem"), Path.of("key.pem"), Path.of("client-ca.pem")))
                .build()
                .tls())
        .isNotNull();
    assertThat(BrokerConfig.builder().host(EXPOSED).insecure(true).build().insecure()).isTrue();
  }

  @Test
  void loopbackNeedsNothing() {
    for (String host : new String[] {"127.0.0.1", "::1", "localhost", "127.1.2.3"}) {
      assertThat(BrokerConfig.builder().host(host).build().authToken()).isEmpty();
    }
  }

  @Test
  void negativeByteCapsAreRefusedNotTakenForTheDefault() {
    assertThatThrownBy(() -> BrokerConfig.builder().maxTotalQueueBytes(-5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BrokerConfig.builder().maxQueueBytes(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(BrokerConfig.builder().build().maxTotalQueueBytes())
        .isEqualTo(Runtime.getRuntime().maxMemory() / 2);
    assertThat(BrokerConfig.builder().maxTotalQueueBytes(0).build().maxTotalQueueBytes()).isZero();
  }

  @Test
  void keepaliveShorterThanGrpcJavaHonoursIsRefused() {
    // grpc-java's server would raise a 0.5 s keepalive to 10 s without a word.
    assertThatThrownBy(
            () -> BrokerConfig.builder().keepAlive(Duration.ofMillis(500), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> BrokerConfig.builder().keepAlive(Duration.ofSeconds(10), Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class);
    BrokerConfig c =
        BrokerConfig.builder()
            .keepAlive(BrokerConfig.MIN_KEEPALIVE_TIME, Duration.ofMillis(500))
            .build();
    assertThat(c.keepAliveTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.keepAliveTimeout()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void aShortTokenIsRefused() {
    assertThatThrownBy(() -> BrokerConfig.builder().authToken("short").build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theTokenNeverShowsInTheConfigurationsText() {
    assertThat(BrokerConfig.builder().authToken(TOKEN).build().toString()).doesNotContain(TOKEN);
  }

  @Test
  void metricsStayOnLoopbackUnlessInsecure() {
    assertThatThrownBy(() -> BrokerConfig.builder().metrics("0.0.0.0", 9464).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(BrokerConfig.builder().metrics("0.0.0.0", 9464).insecure(true).build().metricsPort())
        .isEqualTo(9464);
    assertThat(BrokerConfig.builder().build().metricsPort()).isEqualTo(-1);
    assertThatThrownBy(() -> BrokerConfig.builder().metrics("127.0.0.1", 70000).build())
        .isInstanceOf(IllegalArgumentException.class);
  }
}
