package io.ipcbroker.bench;

import io.ipcbroker.client.IpcBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Queue throughput between client processes: 1 producer to 1 consumer and 2 to 2, 100-byte and 4
 * KiB items, through one bounded queue (maxsize 1000) of the broker. Every client is a JVM of its
 * own using the Java SDK's streaming path ({@link QueueBenchClient}); a round's time runs from the
 * parent's "go" to the last consumer's "done". Anchors, in the same run: Python's {@code
 * multiprocessing.Queue(1000)} between processes, and a {@code multiprocessing.managers} server on
 * loopback TCP serving a {@code queue.Queue(1000)} to client processes through proxies ({@code
 * bench/python/queue_anchors.py}). Figures in microseconds per item (lower is better).
 */
final class QueueThroughputScenario implements Bench.Scenario {
  private final String target;

  QueueThroughputScenario(String target) {
    this.target = target;
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    boolean full = plan.batchSize() >= 1000;
    int items = full ? 200_000 : 2_000;
    // The manager anchor moves about 10k items/s: a quarter of the items keeps its runs short, and
    // its rate does not depend on the count.
    int managerItems = full ? 50_000 : 2_000;
    int rounds = Math.min(plan.batches(), 5);
    List<Bench.Row> rows = new ArrayList<>();
    int[][] configs = {{1, 100}, {2, 100}, {1, 4096}, {2, 4096}};
    for (int[] c : configs) {
      int pairs = c[0];
      int size = c[1];
      String name =
          String.format(
              Locale.ROOT,
              "queue throughput %d to %d, %s items",
              pairs,
              pairs,
              size == 100 ? "100-byte" : "4 KiB");
      rows.add(
          new Bench.Row(
              name,
              "ipcbroker, Java SDK clients (putAsync + getMany), one JVM each",
              "us/item",
              ipcbroker(pairs, size, items, rounds),
              false));
      double[] mpQueue =
          PythonAnchor.column(0, "queue_anchors.py", "mp-queue", items, size, pairs, rounds);
      if (mpQueue != null) {
        rows.add(
            new Bench.Row(
                name, "Python multiprocessing.Queue(1000)", "us/item", perItem(mpQueue), true));
      }
      double[] manager =
          PythonAnchor.column(
              0, "queue_anchors.py", "manager-queue", managerItems, size, pairs, rounds);
      if (manager != null) {
        rows.add(
            new Bench.Row(
                name,
                "Python manager queue over TCP (proxies)",
                "us/item",
                perItem(manager),
                true));
      }
    }
    return rows;
  }

  static double[] perItem(double[] itemsPerSecond) {
    double[] out = new double[itemsPerSecond.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = 1e6 / itemsPerSecond[i];
    }
    return out;
  }

  /** Microseconds per item of each measured round, after one warm-up round. */
  private double[] ipcbroker(int pairs, int size, int items, int rounds) throws Exception {
    String queue = "bench-q-" + System.nanoTime();
    List<BenchChild> producers = new ArrayList<>();
    List<BenchChild> consumers = new ArrayList<>();
    try {
      for (int i = 0; i < pairs; i++) {
        consumers.add(BenchChild.java(QueueBenchClient.class, "consume", target, queue));
        producers.add(
            BenchChild.java(
                QueueBenchClient.class, "produce", target, queue, Integer.toString(size)));
      }
      int per = items / pairs;
      // Warm-up (the JIT of the clients and the broker), not timed.
      round(producers, consumers, items >= 100_000 ? 100_000 / pairs : per);
      double[] out = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        round(producers, consumers, per);
        out[r] = (System.nanoTime() - t0) / 1e3 / (per * (long) pairs);
      }
      return out;
    } finally {
      for (BenchChild c : producers) {
        c.close();
      }
      for (BenchChild c : consumers) {
        c.close();
      }
      try (IpcBroker broker = IpcBroker.connect(target)) {
        broker.deleteQueue(queue, true); // also on a shared broker given by --target
      }
    }
  }

  private static void round(List<BenchChild> producers, List<BenchChild> consumers, int per)
      throws Exception {
    for (BenchChild c : consumers) {
      c.send("go " + per);
    }
    for (BenchChild p : producers) {
      p.send("go " + per);
    }
    for (BenchChild p : producers) {
      p.expect("done");
    }
    for (BenchChild c : consumers) {
      c.expect("done");
    }
  }
}
