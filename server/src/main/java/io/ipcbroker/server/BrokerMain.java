package io.ipcbroker.server;

import io.ipcbroker.server.process.ProcessConfig;
import io.ipcbroker.server.process.SpawnPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * The runnable broker: {@code java -jar ipcbroker-server-all.jar [--host H] [--port P]}.
 *
 * <p>Prints one line {@code ipcbroker listening on HOST:PORT} on stdout once it accepts calls (with
 * {@code --port 0} the port is the one it picked), and exits 0 after a graceful shutdown on SIGTERM
 * or SIGINT.
 */
public final class BrokerMain {
  private static final String USAGE =
      String.join(
          "\n",
          "usage: ipcbroker [options]",
          "  --host HOST            address to listen on (default 127.0.0.1)",
          "  --port PORT            port to listen on; 0 picks a free one (default 50051)",
          "  --address-file PATH    also write HOST:PORT to PATH once listening",
          "  --max-item-bytes N     largest item a queue accepts (default 4128768)",
          "  --max-queue-bytes N    most bytes one queue holds, queued and unacknowledged; past",
          "                         it the queue counts as full (default 0: no cap)",
          "  --max-total-queue-bytes N",
          "                         most bytes all queues hold together; past it every queue",
          "                         counts as full (default half the maximum heap; 0: no cap)",
          "  --max-shared-bytes N   most bytes dicts, lists and pipes hold together (default a",
          "                         quarter of the maximum heap; 0: no cap)",
          "  --metrics-port N       serve Prometheus metrics (/metrics) and a status page (/)",
          "                         on this port; 0 picks a free one (default: none)",
          "  --metrics-host HOST    the metrics port's address (default 127.0.0.1; another",
          "                         than loopback needs --insecure: they need no token)",
          "  --shutdown-grace-ms N  how long shutdown waits for calls (default 5000)",
          "  --spawn MODE           which processes clients may spawn: any, allowlist or off",
          "                         (default any on loopback, off elsewhere; allowlist when",
          "                         --spawn-allow is given)",
          "  --spawn-allow PATHS    comma-separated executables that may be spawned",
          "  --kill-grace-ms N      SIGTERM to SIGKILL delay when the broker ends a child",
          "                         (daemon whose session ended, shutdown; default 3000)",
          "  --output-buffer-bytes N",
          "                         last bytes kept of each captured output (default 1048576)",
          "  --max-sessions N       live sessions at once (default 10000; 0: no cap)",
          "  --max-waiters-per-session N",
          "                         parked calls, open streams and pending task results one",
          "                         session may have at once (default 10000; 0: no cap)",
          "  --max-objects N        named objects of all kinds together (default 100000;",
          "                         0: no cap)",
          "  --max-calls-per-connection N",
          "                         calls open at once on one connection; further calls wait",
          "                         (default 100000; 0: no cap)",
          "  --max-processes-per-session N",
          "                         processes one session may have created and not yet seen",
          "                         exit (default 1024; 0: no cap)",
          "  --children-on-shutdown POLICY",
          "                         terminate (SIGTERM, then SIGKILL after the kill grace),",
          "                         kill, or keep (default terminate)",
          "  --auth-token-file PATH require every call (health checks aside) to prove it knows",
          "                         the token in PATH (at least 16 characters); the token is",
          "                         never sent: clients sign each call with it",
          "  --tls-cert PATH        serve TLS with this PEM certificate chain (needs --tls-key)",
          "  --tls-key PATH         the PEM (PKCS#8) private key of --tls-cert",
          "  --tls-client-ca PATH   require client certificates that chain to this PEM CA",
          "                         (mutual TLS)",
          "  --insecure             allow a non-loopback --host without a token or client",
          "                         certificates (anyone who reaches it gets in)",
          "  --help                 print this and exit");

  private BrokerMain() {}

  /** Runs the broker until SIGTERM or SIGINT. */
  public static void main(String[] args) throws Exception {
    BrokerConfig.Builder config = BrokerConfig.builder();
    Path addressFile = null;
    String spawnMode = null;
    List<String> spawnAllow = List.of();
    ProcessConfig processes = ProcessConfig.DEFAULT;
    BrokerConfig.Quotas quotas = BrokerConfig.Quotas.DEFAULT;
    String metricsHost = "127.0.0.1";
    int metricsPort = -1;
    Path tlsCert = null;
    Path tlsKey = null;
    Path tlsClientCa = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--host" -> config.host(value(args, ++i, arg));
          case "--port" -> config.port(Integer.parseInt(value(args, ++i, arg)));
          case "--address-file" -> addressFile = Path.of(value(args, ++i, arg));
          case "--max-item-bytes" -> config.maxItemBytes(Integer.parseInt(value(args, ++i, arg)));
          case "--max-queue-bytes" -> config.maxQueueBytes(Long.parseLong(value(args, ++i, arg)));
          case "--max-total-queue-bytes" ->
              config.maxTotalQueueBytes(Long.parseLong(value(args, ++i, arg)));
          case "--metrics-port" -> metricsPort = Integer.parseInt(value(args, ++i, arg));
          case "--metrics-host" -> metricsHost = value(args, ++i, arg);
          case "--max-shared-bytes" -> config.maxSharedBytes(Long.parseLong(value(args, ++i, arg)));
          case "--shutdown-grace-ms" ->
              config.shutdownGrace(Duration.ofMillis(Long.parseLong(value(args, ++i, arg))));
          case "--spawn" -> spawnMode = value(args, ++i, arg);
          case "--spawn-allow" ->
              spawnAllow =
                  Arrays.stream(value(args, ++i, arg).split(","))
                      .map(String::trim)
                      .filter(p -> !p.isEmpty())
                      .toList();
          case "--kill-grace-ms" ->
              processes =
                  processes.withKillGrace(Duration.ofMillis(Long.parseLong(value(args, ++i, arg))));
          case "--output-buffer-bytes" ->
              processes = processes.withOutputBufferBytes(Integer.parseInt(value(args, ++i, arg)));
          case "--max-sessions" ->
              quotas = quotas.withMaxSessions(Integer.parseInt(value(args, ++i, arg)));
          case "--max-waiters-per-session" ->
              quotas = quotas.withMaxWaitersPerSession(Integer.parseInt(value(args, ++i, arg)));
          case "--max-objects" ->
              quotas = quotas.withMaxObjects(Integer.parseInt(value(args, ++i, arg)));
          case "--max-calls-per-connection" ->
              quotas = quotas.withMaxCallsPerConnection(Integer.parseInt(value(args, ++i, arg)));
          case "--max-processes-per-session" ->
              processes = processes.withMaxLivePerSession(Integer.parseInt(value(args, ++i, arg)));
          case "--children-on-shutdown" ->
              processes =
                  processes.withOnShutdown(
                      ProcessConfig.ShutdownPolicy.valueOf(
                          value(args, ++i, arg).toUpperCase(Locale.ROOT)));
          case "--auth-token-file" -> config.authToken(readToken(Path.of(value(args, ++i, arg))));
          case "--tls-cert" -> tlsCert = Path.of(value(args, ++i, arg));
          case "--tls-key" -> tlsKey = Path.of(value(args, ++i, arg));
          case "--tls-client-ca" -> tlsClientCa = Path.of(value(args, ++i, arg));
          case "--insecure" -> config.insecure(true);
          case "--help", "-h" -> {
            System.out.println(USAGE);
            return;
          }
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new IllegalArgumentException("--tls-cert and --tls-key go together");
      }
      if (tlsClientCa != null && tlsCert == null) {
        throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key");
      }
      if (tlsCert != null) {
        config.tls(new BrokerConfig.Tls(tlsCert, tlsKey, tlsClientCa));
      }
      BrokerConfig probe = config.build();
      if (spawnMode == null && spawnAllow.isEmpty() && !BrokerConfig.isLoopback(probe.host())) {
        // Anyone who reaches a non-loopback broker could run programs as its user: spawning is
        // opt-in there.
        spawnMode = "off";
        System.err.println(
            "ipcbroker: process spawning is off on a non-loopback address; "
                + "pass --spawn any or --spawn allowlist to enable it");
      }
      config.processes(processes.withSpawnPolicy(spawnPolicy(spawnMode, spawnAllow)));
      config.quotas(quotas);
      config.metrics(metricsHost, metricsPort);
    } catch (IllegalArgumentException e) {
      usageError(e.getMessage());
      return;
    }
    BrokerServer broker;
    try {
      broker = new BrokerServer(config.build());
    } catch (IllegalArgumentException e) {
      usageError(e.getMessage());
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable stop =
        () -> {
          try {
            broker.shutdown();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            stopped.countDown();
          }
        };
    // Handle the signals ourselves rather than in a shutdown hook, so that a graceful stop ends
    // the process with status 0 (a hook would leave the JVM's 128+signal). Installed before the
    // server starts, so that a signal during start-up is graceful too.
    handleSignals(stop);
    try {
      if (!broker.start()) {
        exitAfter(stopped); // a signal arrived while starting; the broker never served
        return;
      }
    } catch (IOException e) {
      System.err.println("ipcbroker: cannot listen: " + e.getMessage());
      System.exit(1);
      return;
    }

    if (addressFile != null) {
      Files.writeString(addressFile, broker.address() + "\n", StandardCharsets.UTF_8);
    }
    PrintStream out = System.out;
    out.println("ipcbroker listening on " + broker.address());
    if (broker.metricsPort() >= 0) {
      out.println("ipcbroker metrics on " + broker.metricsAddress());
    }
    out.flush();

    exitAfter(stopped);
  }

  private static void handleSignals(Runnable stop) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), s -> new Thread(stop, "ipcbroker-shutdown").start());
    }
  }

  private static void exitAfter(CountDownLatch stopped) throws InterruptedException {
    stopped.await();
    System.exit(0);
  }

  /**
   * The token in {@code file}, without surrounding whitespace (a trailing newline is common).
   *
   * @throws IllegalArgumentException if it cannot be read or is empty
   */
  private static String readToken(Path file) {
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --auth-token-file: " + e.getMessage());
    }
    if (token.isEmpty()) {
      // An empty token means "none" to the configuration: a broker asked for a token must not
      // start without one. Short tokens are the configuration's to refuse.
      throw new IllegalArgumentException("the token in " + file + " is empty");
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ)
          || perms.contains(PosixFilePermission.OTHERS_READ)) {
        System.err.println(
            "ipcbroker: warning: " + file + " is readable by other users; chmod 600 it");
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to warn about.
    }
    return token;
  }

  private static SpawnPolicy spawnPolicy(String mode, List<String> allow) {
    String m = mode != null ? mode : allow.isEmpty() ? "any" : "allowlist";
    return switch (m) {
      case "any" -> {
        if (!allow.isEmpty()) {
          throw new IllegalArgumentException("--spawn-allow needs --spawn allowlist");
        }
        yield SpawnPolicy.ANY;
      }
      case "off" -> {
        if (!allow.isEmpty()) {
          throw new IllegalArgumentException("--spawn-allow needs --spawn allowlist");
        }
        yield SpawnPolicy.OFF;
      }
      case "allowlist" -> {
        if (allow.isEmpty()) {
          throw new IllegalArgumentException("--spawn allowlist needs --spawn-allow");
        }
        yield SpawnPolicy.allowlist(allow);
      }
      default -> throw new IllegalArgumentException("--spawn must be any, allowlist or off");
    };
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static void usageError(String message) {
    System.err.println("ipcbroker: " + message);
    System.err.println(USAGE);
    System.exit(2);
  }
}
