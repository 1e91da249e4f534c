package io.ipcbroker.client;

/**
 * A child that does what the tutorial's processes do: connects back to the broker that spawned it,
 * opens the queue its parent named ({@code args[0]}) and puts one item on it. The item says who the
 * child is and what its own first child was named: {@code "<name> <id> <child's name>"}.
 */
final class ConnectBackMain {
  private ConnectBackMain() {}

  public static void main(String[] args) {
    try (IpcBroker broker = IpcBroker.fromEnvironment()) {
      IpcProcess me = broker.currentProcess().orElseThrow();
      IpcProcess child = broker.process("true").start();
      child.join();
      child.close();
      broker.queue(args[0], 0).put(me.name() + " " + me.id() + " " + child.name());
    }
  }
}
