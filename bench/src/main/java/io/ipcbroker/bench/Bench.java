package io.ipcbroker.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs every scenario next to its anchors, measured in the same run on the same machine, and prints
 * one markdown table. Each figure is the mean cost of one operation over a batch; a scenario runs
 * several batches after a warm-up, and the table shows the median batch with the fastest and
 * slowest ones.
 *
 * <pre>
 * java -jar ipcbroker-bench-all.jar [--short] [--only CLASS-PREFIX] [--broker-jar PATH | --target HOST:PORT]
 * </pre>
 */
public final class Bench {
  /** How much to measure. */
  record Plan(int warmup, int batches, int batchSize) {
    /** This plan with at most {@code warmup} warm-up ops and {@code batchSize} ops per batch. */
    Plan atMost(int warmup, int batchSize) {
      return new Plan(Math.min(this.warmup, warmup), batches, Math.min(this.batchSize, batchSize));
    }
  }

  // Calls warm the JIT of two JVMs (client and broker) for tens of thousands of iterations on two
  // cores: a bare grpc-java unary call went from 1,080 us to 100 us over its first 40,000 calls,
  // and 5,000 warm-up calls measured pipe round trips three times slower than they are.
  static final Plan FULL = new Plan(20_000, 5, 1000);
  static final Plan SHORT = new Plan(10, 3, 20);

  private Bench() {}

  /** Runs the benchmarks. */
  public static void main(String[] args) throws Exception {
    Plan plan = FULL;
    String target = null;
    String only = null; // runs only the scenarios whose class name starts with this
    Path brokerJar = Path.of("server/target/ipcbroker-server-0.1.0-SNAPSHOT-all.jar");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--short" -> plan = SHORT;
        case "--target" -> target = args[++i];
        case "--broker-jar" -> brokerJar = Path.of(args[++i]);
        case "--only" -> only = args[++i];
        default -> {
          System.err.println(
              "usage: bench [--short] [--only CLASS-PREFIX] [--broker-jar PATH | --target"
                  + " HOST:PORT]");
          System.exit(2);
        }
      }
    }
    Process broker = null;
    if (target == null) {
      Path addressFile = Files.createTempFile("ipcbroker-bench", ".addr");
      Files.delete(addressFile);
      broker = startBroker(brokerJar, addressFile);
      target = awaitAddress(broker, addressFile);
    }
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    ManagedChannel other = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    List<Row> rows = new ArrayList<>();
    try {
      for (Scenario s :
          List.of(
              new GrpcFloorScenario(channel),
              new QueueThroughputScenario(target),
              new HandoffLatencyScenario(target),
              new ProcessSpawnScenario(channel),
              new PipePingPongScenario(channel, other),
              new ValueIncrementScenario(target),
              new LockScenario(channel, other),
              new PoolMapScenario(channel),
              new PythonClientScenario(target),
              new ParkedGetsScenario(target, channel, broker == null ? -1 : broker.pid()))) {
        if (only == null || s.getClass().getSimpleName().startsWith(only)) {
          rows.addAll(s.run(plan));
        }
      }
    } finally {
      other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      if (broker != null) {
        broker.destroy(); // SIGTERM: a graceful stop
        if (!broker.waitFor(15, TimeUnit.SECONDS)) {
          broker.destroyForcibly();
        }
      }
    }
    print(plan, target, rows);
  }

  private static Process startBroker(Path jar, Path addressFile) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("broker jar not found: " + jar + " (build it first)");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java, "-jar", jar.toString(), "--port", "0", "--address-file", addressFile.toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static String awaitAddress(Process broker, Path addressFile) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!broker.isAlive()) {
        throw new IllegalStateException("the broker exited with " + broker.exitValue());
      }
      if (Files.exists(addressFile)) {
        String address = Files.readString(addressFile).trim();
        if (!address.isEmpty()) {
          Files.deleteIfExists(addressFile);
          return address;
        }
      }
      // Polling a file the broker writes once; nothing to wait on instead.
      broker.waitFor(20, TimeUnit.MILLISECONDS);
    }
    broker.destroyForcibly();
    throw new IllegalStateException("the broker did not start within 30 s");
  }

  /** One line of the table: a measured scenario or anchor. */
  record Row(String scenario, String subject, String unit, double[] batches, boolean anchor) {
    double median() {
      double[] s = batches.clone();
      Arrays.sort(s);
      int n = s.length;
      return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    double min() {
      return Arrays.stream(batches).min().orElse(Double.NaN);
    }

    double max() {
      return Arrays.stream(batches).max().orElse(Double.NaN);
    }
  }

  /** A scenario: its ipcbroker row first, then its anchors. */
  interface Scenario {
    List<Row> run(Plan plan) throws Exception;
  }

  /** Something timed once per operation. */
  interface Op {
    void run() throws Exception;
  }

  /** Mean microseconds per operation of each batch, after a warm-up. */
  static double[] measure(Plan plan, Op op) throws Exception {
    for (int i = 0; i < plan.warmup(); i++) {
      op.run();
    }
    double[] batches = new double[plan.batches()];
    for (int b = 0; b < plan.batches(); b++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < plan.batchSize(); i++) {
        op.run();
      }
      batches[b] = (System.nanoTime() - t0) / 1e3 / plan.batchSize();
    }
    return batches;
  }

  private static void print(Plan plan, String target, List<Row> rows) {
    System.out.printf(
        Locale.ROOT,
        "ipcbroker bench: broker at %s, %d cores, Java %s; %d warm-up ops, %d batches of %d"
            + " ops (process spawns: at most 100 and 200)%n%n",
        target,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        plan.warmup(),
        plan.batches(),
        plan.batchSize());
    System.out.println("| scenario | measured | median | min | max | unit | vs ipcbroker |");
    System.out.println("|---|---|---:|---:|---:|---|---:|");
    Row subject = null;
    for (Row r : rows) {
      if (!r.anchor()) {
        subject = r;
      } else if (subject != null && !subject.scenario().equals(r.scenario())) {
        subject = null; // an anchor of a scenario without an ipcbroker row of its own
      }
      String ratio =
          r.anchor() && subject != null
              ? String.format(Locale.ROOT, "ipcbroker is %.2fx", subject.median() / r.median())
              : "";
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %.1f | %.1f | %.1f | %s | %s |%n",
          r.scenario(),
          r.subject(),
          r.median(),
          r.min(),
          r.max(),
          r.unit(),
          ratio);
    }
  }
}
