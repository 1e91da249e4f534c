package io.ipcbroker.client;

import java.util.Locale;

/**
 * A child for the README's pipe example: connects back to the broker that spawned it, takes over
 * the pipe end named in its argument, answers one message in upper case, and exits (its end closes
 * with its client).
 */
public final class PipeEchoMain {
  private PipeEchoMain() {}

  /** Echoes one message on the end {@code args[0]}. */
  public static void main(String[] args) {
    try (IpcBroker broker = IpcBroker.fromEnvironment()) {
      IpcConnection<String> c = broker.connection(args[0]);
      c.send(c.recv().toUpperCase(Locale.ROOT));
    }
  }
}
