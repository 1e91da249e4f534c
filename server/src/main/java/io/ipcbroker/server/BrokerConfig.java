package io.ipcbroker.server;

import io.ipcbroker.server.auth.TokenAuth;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.process.ProcessConfig;
import io.ipcbroker.server.session.SessionRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a broker is run. Immutable; build one with {@link #builder()}.
 *
 * @param host the address to listen on (loopback by default)
 * @param port the port; 0 picks a free one
 * @param maxItemBytes the largest item a queue accepts
 * @param maxInboundMessageBytes the largest message a client may send; above the item limit so that
 *     an oversized item gets {@code ITEM_TOO_LARGE}, not a transport error
 * @param keepAliveTime how long a connection may be silent before the broker pings it; this is what
 *     finds clients that vanished without closing their connection. At least {@link
 *     #MIN_KEEPALIVE_TIME}
 * @param keepAliveTimeout how long the broker waits for a ping's answer before dropping the
 *     connection (and releasing what its calls held)
 * @param permitKeepAliveTime the shortest client ping interval the broker tolerates
 * @param shutdownGrace how long shutdown waits for calls to finish before cutting them off
 * @param processes how processes are spawned and supervised
 * @param authToken the shared secret every call but health checks must prove it knows; empty for
 *     none
 * @param tls the certificate and key to serve TLS with, and the CA that client certificates must
 *     chain to for mutual TLS; null for plaintext
 * @param maxQueueBytes the most bytes one queue holds (queued and unacknowledged items, each with a
 *     small overhead); past it the queue counts as full. 0 for no cap
 * @param maxTotalQueueBytes the most bytes all queues hold together; past it every queue counts as
 *     full. 0 for no cap
 * @param maxSharedBytes the most bytes dicts, lists and pipes hold together (each entry, element or
 *     message counts its size and a small overhead); past it writes and sends that add bytes are
 *     refused {@code QUOTA_EXCEEDED}. 0 for no cap
 * @param quotas how many sessions and objects the broker holds, and how much one session may wait
 *     on at once
 * @param metricsHost the address of the metrics port
 * @param metricsPort the port of {@code /metrics} and the status page; 0 picks a free one, -1 for
 *     none
 * @param insecure whether a non-loopback address may be served to callers it cannot identify (no
 *     token, no client certificates)
 */
public record BrokerConfig(
    String host,
    int port,
    int maxItemBytes,
    int maxInboundMessageBytes,
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    Duration permitKeepAliveTime,
    Duration shutdownGrace,
    ProcessConfig processes,
    String authToken,
    Tls tls,
    long maxQueueBytes,
    long maxTotalQueueBytes,
    long maxSharedBytes,
    Quotas quotas,
    String metricsHost,
    int metricsPort,
    boolean insecure) {

  /**
   * Counts that bound what clients can make the broker hold; 0 means no bound. Past one, the call
   * that would pass it is refused {@code QUOTA_EXCEEDED}.
   *
   * @param maxSessions live sessions at once
   * @param maxWaitersPerSession what one session has waiting at once: parked calls, open streams,
   *     pending task results, pools, ephemeral queues (lock holds and processes do not count)
   * @param maxObjects named objects of every kind together
   * @param maxCallsPerConnection calls open at once on one client connection (HTTP/2's
   *     MAX_CONCURRENT_STREAMS: a client's further calls wait for one to end, they are not refused)
   */
  public record Quotas(
      int maxSessions, int maxWaitersPerSession, int maxObjects, int maxCallsPerConnection) {
    /** The default {@code --max-calls-per-connection}. */
    public static final int DEFAULT_MAX_CALLS_PER_CONNECTION = 100_000;

    /**
     * The defaults: 10,000 sessions, 10,000 waiters per session, 100,000 objects, 100,000 calls per
     * connection.
     */
    public static final Quotas DEFAULT =
        new Quotas(
            SessionRegistry.DEFAULT_MAX_SESSIONS,
            SessionRegistry.DEFAULT_MAX_WAITERS_PER_SESSION,
            ObjectQuota.DEFAULT_MAX_OBJECTS,
            DEFAULT_MAX_CALLS_PER_CONNECTION);

    /** Checks the values. */
    public Quotas {
      if (maxSessions < 0
          || maxWaitersPerSession < 0
          || maxObjects < 0
          || maxCallsPerConnection < 0) {
        throw new IllegalArgumentException("quotas must be 0 (none) or positive");
      }
    }

    /** These quotas with {@code maxSessions}. */
    public Quotas withMaxSessions(int maxSessions) {
      return new Quotas(maxSessions, maxWaitersPerSession, maxObjects, maxCallsPerConnection);
    }

    /** These quotas with {@code maxWaitersPerSession}. */
    public Quotas withMaxWaitersPerSession(int maxWaitersPerSession) {
      return new Quotas(maxSessions, maxWaitersPerSession, maxObjects, maxCallsPerConnection);
    }

    /** These quotas with {@code maxObjects}. */
    public Quotas withMaxObjects(int maxObjects) {
      return new Quotas(maxSessions, maxWaitersPerSession, maxObjects, maxCallsPerConnection);
    }

    /** These quotas with {@code maxCallsPerConnection}. */
    public Quotas withMaxCallsPerConnection(int maxCallsPerConnection) {
      return new Quotas(maxSessions, maxWaitersPerSession, maxObjects, maxCallsPerConnection);
    }
  }

  /**
   * TLS files, in PEM.
   *
   * @param certChain the broker's certificate chain
   * @param privateKey its private key (PKCS#8)
   * @param clientCa the CA that client certificates must chain to; null when clients need none
   */
  public record Tls(Path certChain, Path privateKey, Path clientCa) {}

  /** The default port, as in the README. */
  public static final int DEFAULT_PORT = 50051;

  /**
   * The default item limit: 4 MiB less 64 KiB, so that a delivery of one item always fits in the 4
   * MiB that gRPC clients accept by default (grpc-java, grpcio, grpc-js, grpcurl).
   */
  public static final int DEFAULT_MAX_ITEM_BYTES = (4 << 20) - (64 << 10);

  /** Checks the values. */
  public BrokerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be within [0, 65535]: " + port);
    }
    if (maxItemBytes < 1) {
      throw new IllegalArgumentException("max item bytes must be positive: " + maxItemBytes);
    }
    if ((long) maxInboundMessageBytes < (long) maxItemBytes + (64 << 10)) {
      throw new IllegalArgumentException(
          "the message limit must exceed the item limit by at least 64 KiB of framing");
    }
    if (maxQueueBytes < 0 || maxTotalQueueBytes < 0 || maxSharedBytes < 0) {
      throw new IllegalArgumentException("byte caps must not be negative");
    }
    if (!authToken.isEmpty() && authToken.length() < TokenAuth.MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(
          "the auth token must be at least " + TokenAuth.MIN_TOKEN_LENGTH + " characters");
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics port must be within [0, 65535]: " + metricsPort);
    }
    if (metricsPort >= 0 && !insecure && !isLoopback(metricsHost)) {
      // The status page and metrics name every queue, process and session, to anyone, unsigned.
      throw new IllegalArgumentException(
          "refusing to serve metrics on "
              + metricsHost
              + " (not loopback): they need no token; pass --insecure to serve them anyway");
    }
    boolean callersProven = !authToken.isEmpty() || (tls != null && tls.clientCa() != null);
    if (!insecure && !callersProven && !isLoopback(host)) {
      // Anyone who reaches the port could read and write every queue and spawn programs; TLS
      // without client certificates hides the traffic but still lets anyone in.
      throw new IllegalArgumentException(
          "refusing to serve "
              + host
              + " (not loopback) without --auth-token-file or --tls-client-ca; pass --insecure"
              + " to serve it anyway");
    }
  }

  /** Whether {@code host} names this machine's loopback interface only. */
  public static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Leaves the token out, so that logging a configuration never leaks it. */
  @Override
  public String toString() {
    return "BrokerConfig[host="
        + host
        + ", port="
        + port
        + ", auth="
        + (authToken.isEmpty() ? "none" : "token")
        + ", tls="
        + (tls == null ? "off" : tls.clientCa() == null ? "on" : "mutual")
        + "]";
  }

  /**
   * The shortest keepalive time: grpc-java's Netty server raises anything shorter to this, so a
   * dead client is never noticed sooner than this after its connection went silent.
   */
  public static final Duration MIN_KEEPALIVE_TIME = Duration.ofSeconds(10);

  /** The shortest keepalive timeout, grpc-java's floor too. */
  public static final Duration MIN_KEEPALIVE_TIMEOUT = Duration.ofMillis(10);

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link BrokerConfig}. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private int maxItemBytes = DEFAULT_MAX_ITEM_BYTES;
    private int maxInboundMessageBytes = -1;
    private Duration keepAliveTime = Duration.ofSeconds(20);
    private Duration keepAliveTimeout = Duration.ofSeconds(10);
    private Duration permitKeepAliveTime = Duration.ofSeconds(5);
    private Duration shutdownGrace = Duration.ofSeconds(5);
    private ProcessConfig processes = ProcessConfig.DEFAULT;
    private String authToken = "";
    private Tls tls;
    private boolean insecure;
    private long maxQueueBytes;
    private long maxTotalQueueBytes = -1;
    private long maxSharedBytes = -1;
    private Quotas quotas = Quotas.DEFAULT;
    private String metricsHost = "127.0.0.1";
    private int metricsPort = -1;

    private Builder() {}

    /** Serves {@code /metrics} and the status page on {@code host:port} (port 0: a free one). */
    public Builder metrics(String host, int port) {
      this.metricsHost = Objects.requireNonNull(host, "host");
      this.metricsPort = port;
      return this;
    }

    /** Session and object quotas; {@link Quotas#DEFAULT} unless set. */
    public Builder quotas(Quotas quotas) {
      this.quotas = Objects.requireNonNull(quotas, "quotas");
      return this;
    }

    /** The most bytes one queue holds; 0 (the default) for no cap but the broker's. */
    public Builder maxQueueBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("--max-queue-bytes must not be negative: " + bytes);
      }
      this.maxQueueBytes = bytes;
      return this;
    }

    /**
     * The most bytes all queues hold together; by default half of the JVM's maximum heap, so that
     * items can never exhaust it. 0 for no cap.
     */
    public Builder maxTotalQueueBytes(long bytes) {
      if (bytes < 0) {
        // -1 stands for the default inside the builder: a negative value must not pass as it.
        throw new IllegalArgumentException(
            "--max-total-queue-bytes must not be negative: " + bytes);
      }
      this.maxTotalQueueBytes = bytes;
      return this;
    }

    /**
     * The most bytes dicts, lists and pipes hold together; by default a quarter of the JVM's
     * maximum heap. 0 for no cap.
     */
    public Builder maxSharedBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("--max-shared-bytes must not be negative: " + bytes);
      }
      this.maxSharedBytes = bytes;
      return this;
    }

    /**
     * Requires every call but health checks to prove it knows {@code token} (at least 16
     * characters); empty for none.
     */
    public Builder authToken(String token) {
      this.authToken = token;
      return this;
    }

    /** Serves TLS; with a {@code Tls.clientCa}, requires client certificates (mutual TLS). */
    public Builder tls(Tls tls) {
      this.tls = tls;
      return this;
    }

    /** Allows a non-loopback address without token or client certificates. */
    public Builder insecure(boolean insecure) {
      this.insecure = insecure;
      return this;
    }

    /** How processes are spawned and supervised. */
    public Builder processes(ProcessConfig processes) {
      this.processes = processes;
      return this;
    }

    /** The address to listen on. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** The port; 0 picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The largest item a queue accepts. */
    public Builder maxItemBytes(int maxItemBytes) {
      this.maxItemBytes = maxItemBytes;
      return this;
    }

    /** The largest message a client may send; by default four times the item limit. */
    public Builder maxInboundMessageBytes(int maxInboundMessageBytes) {
      this.maxInboundMessageBytes = maxInboundMessageBytes;
      return this;
    }

    /** How long shutdown waits for calls to finish. */
    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    /**
     * Server keepalive settings.
     *
     * @throws IllegalArgumentException for a {@code time} under {@link #MIN_KEEPALIVE_TIME} or a
     *     {@code timeout} under {@link #MIN_KEEPALIVE_TIMEOUT}: grpc-java's server would silently
     *     raise them to those floors, and a broker must not claim to find dead clients sooner than
     *     it does
     */
    public Builder keepAlive(Duration time, Duration timeout) {
      if (time.compareTo(MIN_KEEPALIVE_TIME) < 0) {
        throw new IllegalArgumentException(
            "keepalive time must be at least " + MIN_KEEPALIVE_TIME + ", not " + time);
      }
      if (timeout.compareTo(MIN_KEEPALIVE_TIMEOUT) < 0) {
        throw new IllegalArgumentException(
            "keepalive timeout must be at least " + MIN_KEEPALIVE_TIMEOUT + ", not " + timeout);
      }
      this.keepAliveTime = time;
      this.keepAliveTimeout = timeout;
      return this;
    }

    /** Builds the configuration. */
    public BrokerConfig build() {
      int messageLimit =
          maxInboundMessageBytes > 0
              ? maxInboundMessageBytes
              : (int) Math.min(Integer.MAX_VALUE, 4L * maxItemBytes + (64 << 10));
      return new BrokerConfig(
          host,
          port,
          maxItemBytes,
          messageLimit,
          keepAliveTime,
          keepAliveTimeout,
          permitKeepAliveTime,
          shutdownGrace,
          processes,
          authToken,
          tls,
          maxQueueBytes,
          maxTotalQueueBytes >= 0 ? maxTotalQueueBytes : Runtime.getRuntime().maxMemory() / 2,
          maxSharedBytes >= 0 ? maxSharedBytes : Runtime.getRuntime().maxMemory() / 4,
          quotas,
          metricsHost,
          metricsPort,
          insecure);
    }
  }
}
