package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A separate client process for the race test: runs a few consumers that get like {@link
 * RaceConsumer} and prints every item it receives, then acks it, until the test SIGKILLs it.
 *
 * <p>Usage: {@code RaceChildConsumer <target> <queue> <seed>}. Prints {@code READY} once it reached
 * the broker, then one line per item received, {@code R <item> <delivery_id> <redelivered 0|1>
 * <delivery_count>}, each with a single {@code write(2)} before the item is acked, so the parent
 * learns of every item this process may have used even when it is killed between the two. It exits
 * by itself (halt) if its stdin reaches EOF (the parent died), after {@link #MAX_LIFETIME_MILLIS},
 * or with status 2 if a consumer fails.
 */
public final class RaceChildConsumer {
  static final int CONSUMERS = 3;
  static final long MAX_LIFETIME_MILLIS = 60_000;

  private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

  private RaceChildConsumer() {}

  /** Runs the child; see the class comment. */
  public static void main(String[] args) throws Exception {
    String target = args[0];
    String queue = args[1];
    long seed = Long.parseLong(args[2]);
    watchParent();
    ManagedChannel channel = ConformanceTarget.channelTo(target);
    QueueServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .getQueue(GetQueueRequest.newBuilder().setName(queue).build());
    line("READY");

    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_LIFETIME_MILLIS);
    RaceConsumer.Stats stats = new RaceConsumer.Stats();
    SplittableRandom random = new SplittableRandom(seed);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CONSUMERS; i++) {
      RaceConsumer consumer =
          new RaceConsumer(channel, queue, RaceChildConsumer::print, stats, random.split(), true);
      Thread t =
          new Thread(
              () -> {
                try {
                  consumer.run(() -> false, end);
                } catch (Throwable e) {
                  e.printStackTrace();
                  Runtime.getRuntime().halt(2);
                }
              },
              "child-consumer-" + i);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    Runtime.getRuntime().halt(0);
  }

  private static void print(Delivery d) {
    line(
        "R "
            + RaceLedger.itemId(d)
            + " "
            + d.getDeliveryId()
            + " "
            + (d.getRedelivered() ? 1 : 0)
            + " "
            + d.getDeliveryCount());
  }

  /** Writes one line with one write(2) call; lines of different threads never interleave. */
  private static void line(String s) {
    byte[] bytes = (s + "\n").getBytes(StandardCharsets.US_ASCII);
    synchronized (OUT) {
      try {
        OUT.write(bytes);
      } catch (IOException e) {
        // The parent is gone: nobody will account for what this process takes any more.
        Runtime.getRuntime().halt(3);
      }
    }
  }

  /** Ends this process when the parent closes its stdin or dies, so no child outlives a test. */
  private static void watchParent() {
    Thread t =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                byte[] buffer = new byte[64];
                while (in.read(buffer) >= 0) {
                  // The parent never writes; keep reading until EOF.
                }
              } catch (IOException e) {
                // Treated as EOF.
              }
              Runtime.getRuntime().halt(4);
            },
            "parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
