package io.ipcbroker.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a Python program pays per operation through ipcbroker's Python client ({@code
 * clients/python}), run by {@code bench/python/python_client.py} on the broker the Java rows use: a
 * put-to-get hand-off next to one bare grpcio unary round trip (the floor of any call a Python gRPC
 * client makes here, against the bench's {@link GrpcEcho}), and one-to-one queue throughput with
 * {@code put_many}/{@code get_many} next to the Python manager queue and {@code
 * multiprocessing.Queue}. Left out, with a note on stderr, without an interpreter that imports
 * grpcio.
 */
final class PythonClientScenario implements Bench.Scenario {
  private final String target;

  PythonClientScenario(String target) {
    this.target = target;
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    String python = PythonAnchor.pythonWithGrpc();
    if (python == null) {
      System.err.println("bench: no Python with grpcio here: the Python client rows are left out");
      return List.of();
    }
    boolean full = plan.batchSize() >= 1000;
    int repeats = Math.min(plan.batches(), 5);
    Map<String, String> env = Map.of("IPCBROKER_TARGET", target);
    List<Bench.Row> rows = new ArrayList<>();

    String handoff = "Python client: put-to-get hand-off p50 (half a ping-pong through two queues)";
    List<String> pingPong =
        PythonAnchor.run(python, env, "python_client.py", "handoff", full ? 2_000 : 50, repeats);
    if (pingPong != null) {
      rows.add(
          new Bench.Row(
              handoff,
              "ipcbroker Python client, blocking put and get, two processes",
              "us/hand-off",
              Arrays.stream(PythonAnchor.column(pingPong, 0)).map(x -> x / 2).toArray(),
              false));
    }
    try (GrpcFloorScenario.Echo echo = new GrpcFloorScenario.Echo()) {
      List<String> unary =
          PythonAnchor.run(
              python, env, "python_client.py", "unary", echo.address, full ? 5_000 : 100, repeats);
      if (unary != null) {
        rows.add(
            new Bench.Row(
                handoff,
                "one grpcio unary round trip to a bare grpc-java echo server (p50)",
                "us/call",
                PythonAnchor.column(unary, 0),
                true));
      }
    }

    String throughput = "Python client: queue throughput 1 to 1, 100-byte items";
    int items = full ? 100_000 : 2_000;
    List<String> ours =
        PythonAnchor.run(python, env, "python_client.py", "throughput", items, repeats);
    if (ours != null) {
      rows.add(
          new Bench.Row(
              throughput,
              "ipcbroker Python client, put_many/get_many, two processes",
              "us/item",
              PythonAnchor.column(ours, 0),
              false));
    }
    double[] manager =
        PythonAnchor.column(
            0, "queue_anchors.py", "manager-queue", full ? 50_000 : 2_000, 100, 1, repeats);
    if (manager != null) {
      rows.add(
          new Bench.Row(
              throughput,
              "Python manager queue over TCP (proxies)",
              "us/item",
              QueueThroughputScenario.perItem(manager),
              true));
    }
    double[] mpQueue =
        PythonAnchor.column(0, "queue_anchors.py", "mp-queue", items, 100, 1, repeats);
    if (mpQueue != null) {
      rows.add(
          new Bench.Row(
              throughput,
              "Python multiprocessing.Queue(1000)",
              "us/item",
              QueueThroughputScenario.perItem(mpQueue),
              true));
    }
    return rows;
  }
}
