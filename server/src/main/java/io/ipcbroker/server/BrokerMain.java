package io.ipcbroker.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
          "  --shutdown-grace-ms N  how long shutdown waits for calls (default 5000)",
          "  --help                 print this and exit");

  private BrokerMain() {}

  /** Runs the broker until SIGTERM or SIGINT. */
  public static void main(String[] args) throws Exception {
    BrokerConfig.Builder config = BrokerConfig.builder();
    Path addressFile = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--host" -> config.host(value(args, ++i, arg));
          case "--port" -> config.port(Integer.parseInt(value(args, ++i, arg)));
          case "--address-file" -> addressFile = Path.of(value(args, ++i, arg));
          case "--max-item-bytes" -> config.maxItemBytes(Integer.parseInt(value(args, ++i, arg)));
          case "--shutdown-grace-ms" ->
              config.shutdownGrace(Duration.ofMillis(Long.parseLong(value(args, ++i, arg))));
          case "--help", "-h" -> {
            System.out.println(USAGE);
            return;
          }
          default -> throw new IllegalArgumentException("unknown option " + arg);
        }
      }
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
