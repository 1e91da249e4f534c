package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;

/**
 * The worker a pool spawns in the conformance tests: a {@link RawPoolWorker} in its own JVM,
 * finding the broker, its pool and its process id in its environment as any spawned worker does. It
 * exits when the broker retires it.
 */
public final class PoolWorkerChild {
  private PoolWorkerChild() {}

  /** Serves until retired. */
  public static void main(String[] args) {
    BrokerChild.run(
        120_000,
        () -> {
          ManagedChannel channel = BrokerChild.connect();
          RawPoolWorker w =
              RawPoolWorker.start(
                  channel,
                  BrokerChild.env("IPCBROKER_POOL"),
                  BrokerChild.env("IPCBROKER_PROCESS_ID"));
          w.awaitAttached();
          w.awaitEnd(110);
          channel.shutdownNow();
        });
  }
}
