package io.ipcbroker.bench;

import io.ipcbroker.client.Codecs;
import io.ipcbroker.client.IpcBroker;
import io.ipcbroker.client.IpcQueue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * One client process of the queue scenarios, driven by its parent over stdin and stdout so that it
 * starts (and warms up) once and then runs round after round:
 *
 * <pre>
 * QueueBenchClient produce TARGET QUEUE SIZE   reads "go N": puts N items of SIZE bytes, prints "done"
 * QueueBenchClient consume TARGET QUEUE        reads "go N": gets N items, prints "done"
 * QueueBenchClient echo TARGET PING PONG       reads "go N": N times gets from PING, puts it on PONG
 * </pre>
 *
 * <p>Producers use the SDK's streaming path as an application that fills a queue would: {@code
 * putAsync} with up to {@value #IN_FLIGHT} puts in flight, which the SDK coalesces into frames;
 * consumers drain with {@code getMany}. The echo uses plain blocking {@code get} and {@code put}.
 */
public final class QueueBenchClient {
  static final int IN_FLIGHT = 8192;

  private QueueBenchClient() {}

  /** Runs one client; see the class comment. */
  public static void main(String[] args) throws Exception {
    try (IpcBroker broker = IpcBroker.connect(args[1]);
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      IpcQueue<byte[]> q = broker.queue(args[2], 1000, Codecs.bytes());
      IpcQueue<byte[]> pong =
          args[0].equals("echo") ? broker.queue(args[3], 1000, Codecs.bytes()) : null;
      byte[] item = args[0].equals("produce") ? new byte[Integer.parseInt(args[3])] : null;
      System.out.println("ready");
      System.out.flush();
      String line;
      while ((line = in.readLine()) != null && line.startsWith("go ")) {
        long n = Long.parseLong(line.substring(3).trim());
        switch (args[0]) {
          case "produce" -> produce(q, item, n);
          case "consume" -> consume(q, n);
          case "echo" -> echo(q, pong, n);
          default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("done");
        System.out.flush();
      }
    }
  }

  private static void produce(IpcQueue<byte[]> q, byte[] item, long n) throws Exception {
    Semaphore room = new Semaphore(IN_FLIGHT);
    CompletableFuture<?>[] failure = new CompletableFuture<?>[1];
    for (long i = 0; i < n; i++) {
      room.acquire();
      CompletableFuture<Void> put = q.putAsync(item);
      put.whenComplete(
          (v, t) -> {
            if (t != null) {
              failure[0] = put;
            }
            room.release();
          });
    }
    room.acquire(IN_FLIGHT); // every put answered
    room.release(IN_FLIGHT);
    if (failure[0] != null) {
      failure[0].join(); // throws the put's failure
    }
  }

  private static void consume(IpcQueue<byte[]> q, long n) {
    long got = 0;
    while (got < n) {
      got += q.getMany((int) Math.min(1024, n - got), Duration.ofSeconds(60)).size();
    }
  }

  private static void echo(IpcQueue<byte[]> ping, IpcQueue<byte[]> pong, long n) {
    for (long i = 0; i < n; i++) {
      pong.put(ping.get(Duration.ofSeconds(60)));
    }
  }
}
