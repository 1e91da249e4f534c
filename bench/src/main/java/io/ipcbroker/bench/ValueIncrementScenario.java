package io.ipcbroker.bench;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.AddAndGetRequest;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.DeleteValueRequest;
import io.ipcbroker.v1.DescribeValueRequest;
import io.ipcbroker.v1.GetValueRequest;
import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two clients on separate connections each add 1 to one shared value at the same time: {@code
 * AddAndGet} is atomic on the broker, so no lock is needed. Measured in microseconds per increment
 * of the two together (the reciprocal of their combined rate); the final value is checked.
 */
final class ValueIncrementScenario implements Bench.Scenario {
  private static final String NAME = "value add_and_get(1) from 2 clients";

  private final ManagedChannel first;
  private final ManagedChannel second;

  ValueIncrementScenario(ManagedChannel first, ManagedChannel second) {
    this.first = first;
    this.second = second;
  }

  /** Both clients add 1, {@code n} times each, at the same time. */
  private static void pair(
      ValueServiceGrpc.ValueServiceBlockingStub a,
      ValueServiceGrpc.ValueServiceBlockingStub b,
      AddAndGetRequest add,
      int n)
      throws Exception {
    CompletableFuture<Void> other =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < n; i++) {
                b.withDeadlineAfter(30, TimeUnit.SECONDS).addAndGet(add);
              }
            });
    for (int i = 0; i < n; i++) {
      a.withDeadlineAfter(30, TimeUnit.SECONDS).addAndGet(add);
    }
    other.get(120, TimeUnit.SECONDS);
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    String name = "bench-value-" + System.nanoTime();
    ValueServiceGrpc.ValueServiceBlockingStub a = ValueServiceGrpc.newBlockingStub(first);
    ValueServiceGrpc.ValueServiceBlockingStub b = ValueServiceGrpc.newBlockingStub(second);
    a.createValue(CreateValueRequest.newBuilder().setName(name).setTypecode("q").build());
    AddAndGetRequest add =
        AddAndGetRequest.newBuilder()
            .setName(name)
            .setDelta(Scalar.newBuilder().setIntValue(1))
            .build();
    double[] batches = new double[plan.batches()];
    try {
      pair(a, b, add, plan.warmup());
      for (int i = 0; i < batches.length; i++) {
        long t0 = System.nanoTime();
        pair(a, b, add, plan.batchSize());
        batches[i] = (System.nanoTime() - t0) / 1e3 / (2.0 * plan.batchSize());
      }
      long expected = 2L * (plan.warmup() + (long) plan.batches() * plan.batchSize());
      long got =
          a.getValue(GetValueRequest.newBuilder().setName(name).build()).getValues(0).getIntValue();
      if (got != expected) {
        throw new IllegalStateException("lost increments: " + got + " of " + expected);
      }
    } finally {
      a.deleteValue(DeleteValueRequest.newBuilder().setName(name).setAllowMissing(true).build());
    }
    // The floor of any unary call from one client on this machine: a read that changes nothing.
    ValueServiceGrpc.ValueServiceBlockingStub floor = ValueServiceGrpc.newBlockingStub(first);
    String probe = "bench-floor-" + System.nanoTime();
    floor.createValue(CreateValueRequest.newBuilder().setName(probe).setTypecode("q").build());
    double[] unary;
    try {
      unary =
          Bench.measure(
              plan,
              () ->
                  floor
                      .withDeadlineAfter(30, TimeUnit.SECONDS)
                      .describeValue(DescribeValueRequest.newBuilder().setName(probe).build()));
    } finally {
      floor.deleteValue(DeleteValueRequest.newBuilder().setName(probe).build());
    }
    return List.of(
        new Bench.Row(
            NAME, "ipcbroker AddAndGet, 2 clients at once", "us/increment", batches, false),
        new Bench.Row(
            NAME, "one unary DescribeValue round trip, 1 client", "us/call", unary, true));
  }
}
