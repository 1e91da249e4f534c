package io.ipcbroker.bench;

import io.ipcbroker.client.Codecs;
import io.ipcbroker.client.IpcBroker;
import io.ipcbroker.client.IpcQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Put-to-get hand-off latency: a ping-pong of 100-byte items through two queues between this
 * process and an echo process ({@link QueueBenchClient} echo), both Java SDK clients using plain
 * blocking {@code put} and {@code get}. One round trip is four hand-offs between processes (client
 * to broker, broker to client, twice). Anchors, in the same run: the same ping-pong through a
 * Python {@code multiprocessing.managers} server's two queues, and a raw TCP ping-pong between two
 * processes, the floor of anything that crosses loopback TCP (a round trip through the broker
 * crosses it twice, so the floor of the scenario is about twice that row).
 */
final class HandoffLatencyScenario implements Bench.Scenario {
  private final String target;

  HandoffLatencyScenario(String target) {
    this.target = target;
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    boolean full = plan.batchSize() >= 1000;
    int rounds = full ? 5_000 : 200;
    int repeats = Math.min(plan.batches(), 5);
    // Three JVMs (this one, the echo and the broker) compile the path for tens of thousands of
    // round trips on two cores: warm up longer than one measured repeat.
    int warmRounds = Math.max(rounds, plan.warmup());
    String ping = "bench-ping-" + System.nanoTime();
    String pong = "bench-pong-" + System.nanoTime();
    double[] p50 = new double[repeats];
    double[] p99 = new double[repeats];
    try (IpcBroker broker = IpcBroker.connect(target);
        BenchChild echo = BenchChild.java(QueueBenchClient.class, "echo", target, ping, pong)) {
      IpcQueue<byte[]> out = broker.queue(ping, 1000, Codecs.bytes());
      IpcQueue<byte[]> back = broker.queue(pong, 1000, Codecs.bytes());
      byte[] item = new byte[100];
      echo.send("go " + (warmRounds + rounds * (long) repeats));
      for (int r = -1; r < repeats; r++) {
        int n = r < 0 ? warmRounds : rounds;
        double[] samples = new double[n];
        for (int i = 0; i < n; i++) {
          long t0 = System.nanoTime();
          out.put(item);
          back.get(Duration.ofSeconds(60));
          samples[i] = (System.nanoTime() - t0) / 1e3;
        }
        if (r >= 0) { // the first repeat warms up
          Arrays.sort(samples);
          p50[r] = samples[rounds / 2];
          p99[r] = samples[Math.min(rounds - 1, (int) (rounds * 0.99))];
        }
      }
      echo.expect("done");
      broker.deleteQueue(ping, true); // also on a shared broker given by --target
      broker.deleteQueue(pong, true);
    }
    List<Bench.Row> rows = new ArrayList<>();
    String name50 = "hand-off ping-pong through two queues, 100 B, round trip p50";
    String name99 = "hand-off ping-pong through two queues, 100 B, round trip p99";
    String who = "ipcbroker, Java SDK put/get, two processes";
    rows.add(new Bench.Row(name50, who, "us/round trip", p50, false));
    double[] managerP50 = null;
    double[] managerP99 = null;
    List<String> manager =
        PythonAnchor.lines("pingpong_anchors.py", "manager-queue", rounds, repeats);
    if (manager != null) {
      managerP50 = PythonAnchor.column(manager, 0);
      managerP99 = PythonAnchor.column(manager, 1);
      rows.add(
          new Bench.Row(
              name50, "Python manager queues over TCP", "us/round trip", managerP50, true));
    }
    List<String> tcp = PythonAnchor.lines("pingpong_anchors.py", "tcp", rounds * 4, repeats);
    if (tcp != null) {
      // Only the median doubles fairly: the p99 of two round trips is not twice one's p99.
      double[] tcpP50 = Arrays.stream(PythonAnchor.column(tcp, 0)).map(x -> 2 * x).toArray();
      rows.add(
          new Bench.Row(
              name50,
              "floor: raw TCP ping-pong between two processes, doubled",
              "us/round trip",
              tcpP50,
              true));
    }
    // The gRPC floor: a hand-off through a broker is two stream round trips (client to broker and
    // back, twice), so twice a bare grpc-java stream round trip between two processes.
    double[] grpcP50 = new double[repeats];
    try (GrpcFloorScenario.Echo grpc = new GrpcFloorScenario.Echo()) {
      grpc.pingPong(Math.max(rounds, plan.warmup()));
      for (int r = 0; r < repeats; r++) {
        grpcP50[r] = 2 * GrpcFloorScenario.median(grpc.pingPong(rounds));
      }
    }
    rows.add(
        new Bench.Row(
            name50,
            "floor: bare grpc-java bidi stream round trip between two processes, doubled",
            "us/round trip",
            grpcP50,
            true));
    rows.add(new Bench.Row(name99, who, "us/round trip", p99, false));
    if (managerP99 != null) {
      rows.add(
          new Bench.Row(
              name99, "Python manager queues over TCP", "us/round trip", managerP99, true));
    }
    return rows;
  }
}
