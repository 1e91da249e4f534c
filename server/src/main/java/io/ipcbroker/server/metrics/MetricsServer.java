package io.ipcbroker.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the broker for operators, on its own port: {@code /metrics} in Prometheus's text
 * format, {@code /} the status page, {@code /status.json} what the page shows. Read-only; one
 * thread serves it, so a busy scraper cannot take more than that from the broker.
 */
public final class MetricsServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  private final byte[] page;
  private final String configuredHost;
  private final InetAddress configuredAddress; // resolved once; null if it does not resolve

  /** Serves {@code metrics} and {@code view} on {@code host:port} (port 0 picks a free one). */
  public MetricsServer(String host, int port, BrokerMetrics metrics, Supplier<StatusView> view)
      throws IOException {
    this.page = loadPage();
    this.configuredHost = host;
    this.configuredAddress = resolve(host);
    this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "ipcbroker-metrics");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(
        "/",
        exchange -> {
          try {
            if (!allowedHost(exchange.getRequestHeaders().getFirst("Host"))) {
              // A page elsewhere could point a name of its own at 127.0.0.1 (DNS rebinding) and
              // read what this port shows; such requests name another host.
              send(exchange, 403, "text/plain; charset=utf-8", bytes("forbidden host\n"));
              return;
            }
            if (!exchange.getRequestMethod().equals("GET")
                && !exchange.getRequestMethod().equals("HEAD")) {
              send(exchange, 405, "text/plain; charset=utf-8", bytes("GET only\n"));
              return;
            }
            switch (exchange.getRequestURI().getPath()) {
              case "/metrics" ->
                  send(
                      exchange,
                      200,
                      "text/plain; version=0.0.4; charset=utf-8",
                      bytes(metrics.scrape()));
              case "/status.json" ->
                  send(
                      exchange, 200, "application/json; charset=utf-8", bytes(view.get().toJson()));
              case "/" -> send(exchange, 200, "text/html; charset=utf-8", page);
              default -> send(exchange, 404, "text/plain; charset=utf-8", bytes("not found\n"));
            }
          } catch (RuntimeException e) {
            if (e instanceof BrokerException b && b.reason() == Reason.SERVER_SHUTTING_DOWN) {
              // The registries refuse listings once shutdown began: the broker is going away.
              send(exchange, 503, "text/plain; charset=utf-8", bytes("shutting down\n"));
            } else {
              // The broker keeps serving; the scraper sees the failure, the log says why.
              log.warn("serving {} failed", exchange.getRequestURI(), e);
              send(exchange, 500, "text/plain; charset=utf-8", bytes("internal error\n"));
            }
          } finally {
            exchange.close();
          }
        });
  }

  private boolean allowedHost(String hostHeader) {
    if (hostHeader == null) {
      return true; // HTTP/1.0 clients, some scrapers
    }
    String host = hostHeader;
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      host = end > 0 ? host.substring(1, end) : host;
    } else if (host.indexOf(':') == host.lastIndexOf(':') && host.indexOf(':') > 0) {
      host = host.substring(0, host.indexOf(':'));
    }
    if (host.equalsIgnoreCase("localhost") || host.equals(configuredHost)) {
      return true;
    }
    // Only literal addresses past this point: a name here could be anyone's.
    if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.contains(":")) {
      InetAddress a = resolve(host); // a literal: no lookup
      return a != null && (a.isLoopbackAddress() || a.equals(configuredAddress));
    }
    return false;
  }

  private static InetAddress resolve(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (IOException e) {
      return null;
    }
  }

  /** Starts serving. */
  public void start() {
    server.start();
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] loadPage() {
    try (InputStream in = MetricsServer.class.getResourceAsStream("status.html")) {
      if (in == null) {
        throw new IllegalStateException("status.html is missing from the broker's jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
