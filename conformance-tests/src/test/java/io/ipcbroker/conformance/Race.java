package io.ipcbroker.conformance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/** Runs the same work on two client connections at once, released together by one latch. */
final class Race {
  private Race() {}

  /** One racing client's work; {@code id} is 0 or 1. */
  interface Body<C> {
    void run(int id, C client);
  }

  /**
   * Runs {@code body} for two clients that {@code newClient} makes (each on its own connection), on
   * {@code threads}, and waits at most {@code limit} for both; a client's failure fails the race.
   */
  static <C> void twoClients(
      ExecutorService threads, Supplier<C> newClient, Duration limit, Body<C> body) {
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      C client = newClient.get();
      int id = k;
      runs.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new AssertionError(e);
                }
                body.run(id, client);
              },
              threads));
    }
    start.countDown();
    for (CompletableFuture<Void> run : runs) {
      Futures.get(run, limit);
    }
  }
}
