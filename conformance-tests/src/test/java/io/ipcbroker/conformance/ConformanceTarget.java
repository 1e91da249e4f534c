package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ipcbroker.server.BrokerConfig;
import io.ipcbroker.server.BrokerServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The broker under test: the one at {@code -Dipcbroker.target=host:port} (or {@code
 * IPCBROKER_TARGET}), else one embedded broker per test JVM on a free loopback port.
 *
 * <p>The embedded broker is the only use of server classes in this module; every test talks to it
 * over the network through the generated stubs, exactly as it would to a remote one.
 */
public final class ConformanceTarget {
  private static volatile String address;
  private static BrokerServer embedded;

  private ConformanceTarget() {}

  /** {@code host:port} of the broker under test, starting the embedded one if needed. */
  public static synchronized String address() {
    if (address != null) {
      return address;
    }
    String target = System.getProperty("ipcbroker.target");
    if (target == null || target.isBlank()) {
      target = System.getenv("IPCBROKER_TARGET");
    }
    if (target != null && !target.isBlank()) {
      address = target.trim();
      return address;
    }
    try {
      embedded = new BrokerServer(BrokerConfig.builder().host("127.0.0.1").port(0).build());
      embedded.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    embedded.shutdown();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
    address = embedded.address();
    return address;
  }

  /** Whether the broker under test is the embedded one (tests that need its JVM assume this). */
  public static boolean isEmbedded() {
    address();
    return embedded != null;
  }

  /**
   * Whether the broker under test runs on this host, so that the processes it spawns can be watched
   * here (their pids in {@code /proc}, files in this host's temporary directories, this JVM's class
   * path for Java children): {@code -Dipcbroker.sameHost=true|false}, by default true for the
   * embedded broker and a loopback target.
   */
  public static boolean sameHost() {
    String forced = System.getProperty("ipcbroker.sameHost", "");
    if (!forced.isBlank()) {
      return Boolean.parseBoolean(forced.trim());
    }
    String target = address();
    String host = target.startsWith("[") ? target.substring(1, target.indexOf(']')) : target;
    int colon = host.lastIndexOf(':');
    if (!target.startsWith("[") && colon > 0 && host.indexOf(':') == colon) {
      host = host.substring(0, colon);
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Skips the calling test class unless the broker runs on this host (see {@link #sameHost}). */
  public static void assumeSameHost() {
    Assumptions.assumeTrue(
        sameHost(),
        "the broker under test runs on another host; set -Dipcbroker.sameHost=true if not");
  }

  /**
   * A new plaintext channel to the broker under test. Each channel is one client connection: use
   * separate channels where the scenario has separate processes. Close it with {@link #close}.
   */
  public static ManagedChannel newChannel() {
    return channelTo(address());
  }

  /**
   * A new plaintext channel to the broker at {@code target}, for this JVM and the client programs
   * that tests start. Its calls are signed when the broker under test requires a token, given in
   * {@code IPCBROKER_TOKEN}: an environment variable, so that every client program the tests start
   * (Java, Python, Node) inherits it, as the broker gives it to the processes it spawns.
   */
  public static ManagedChannel channelTo(String target) {
    // gRPC's default receive limit (4 MiB), as most clients have: the broker must fit its answers
    // into it.
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target).usePlaintext();
    String token = token();
    if (!token.isEmpty()) {
      builder.intercept(new CallSigner(token));
    }
    return builder.build();
  }

  /** The token of the broker under test, or empty. */
  static String token() {
    return System.getenv().getOrDefault("IPCBROKER_TOKEN", "").trim();
  }

  /** Shuts {@code channel} down and waits briefly. */
  public static void close(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
