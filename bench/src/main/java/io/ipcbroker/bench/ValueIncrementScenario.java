package io.ipcbroker.bench;

import io.ipcbroker.client.IpcBroker;
import io.ipcbroker.client.IpcValue;
import io.ipcbroker.client.TypeCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two clients, each on its own connection, add 1 to one shared value at the same time through the
 * Java SDK: {@code addAndGet} is atomic on the broker, so no lock is needed. Once with one blocking
 * call at a time per client, once with up to {@value #IN_FLIGHT} {@code addAndGetAsync} calls in
 * flight per client (which the SDK coalesces into calls of their sum). Measured in microseconds per
 * increment of the two together (the reciprocal of their combined rate); the final value is
 * checked. The anchor: a Python manager's {@code Value} updated under the manager's {@code Lock} by
 * two client processes ({@code bench/python/value_anchors.py}), which is how Python shares a
 * counter through a server.
 */
final class ValueIncrementScenario implements Bench.Scenario {
  static final int IN_FLIGHT = 256;
  private static final int ASYNC_SCALE = 100;

  private final String target;

  ValueIncrementScenario(String target) {
    this.target = target;
  }

  /** Adds 1, {@code n} times, one call at a time. */
  private static void blocking(IpcValue v, int n) {
    for (int i = 0; i < n; i++) {
      v.addAndGet(1);
    }
  }

  /** Adds 1, {@code n} times, with up to {@link #IN_FLIGHT} adds in flight. */
  private static void async(IpcValue v, int n) throws Exception {
    Semaphore room = new Semaphore(IN_FLIGHT);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < n && failure.get() == null; i++) {
      if (!room.tryAcquire(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no add answered for 120 s");
      }
      v.addAndGetAsync(1)
          .whenComplete(
              (r, t) -> {
                if (t != null) {
                  failure.compareAndSet(null, t);
                }
                room.release();
              });
    }
    if (!room.tryAcquire(IN_FLIGHT, 120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("adds still in flight after 120 s");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("an add failed", failure.get());
    }
  }

  /** Something one client does {@code n} times. */
  private interface Adds {
    void run(IpcValue v, int n) throws Exception;
  }

  /** Both clients run {@code adds} at once; returns microseconds per increment. */
  private static double both(IpcValue a, IpcValue b, Adds adds, int n) throws Exception {
    long t0 = System.nanoTime();
    CompletableFuture<Void> other =
        CompletableFuture.runAsync(
            () -> {
              try {
                adds.run(b, n);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    adds.run(a, n);
    other.get(300, TimeUnit.SECONDS);
    return (System.nanoTime() - t0) / 1e3 / (2.0 * n);
  }

  private static double[] measure(Bench.Plan plan, IpcValue a, IpcValue b, Adds adds, int scale)
      throws Exception {
    both(a, b, adds, plan.warmup() * scale);
    double[] batches = new double[plan.batches()];
    for (int i = 0; i < batches.length; i++) {
      batches[i] = both(a, b, adds, plan.batchSize() * scale);
    }
    return batches;
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    String name = "bench-value-" + System.nanoTime();
    double[] blocking;
    double[] async;
    try (IpcBroker first = IpcBroker.connect(target);
        IpcBroker second = IpcBroker.connect(target)) {
      // Views that wait at most 30 s for a lock: nothing here holds it, so none waits at all,
      // and a broker that stopped answering cannot hang the bench.
      IpcValue a = first.value(name, TypeCode.LONGLONG).withTimeout(Duration.ofSeconds(30));
      IpcValue b = second.value(name, TypeCode.LONGLONG).withTimeout(Duration.ofSeconds(30));
      try {
        blocking = measure(plan, a, b, ValueIncrementScenario::blocking, 1);
        // Async adds coalesce and cost two orders of magnitude less: as many more per batch.
        async = measure(plan, a, b, ValueIncrementScenario::async, ASYNC_SCALE);
        long expected =
            2L * (1 + ASYNC_SCALE) * (plan.warmup() + (long) plan.batches() * plan.batchSize());
        if (a.getLong() != expected) {
          throw new IllegalStateException("lost increments: " + a.getLong() + " of " + expected);
        }
      } finally {
        first.deleteValue(name);
      }
    }
    boolean full = plan.batchSize() >= 1000;
    double[] manager =
        PythonAnchor.column(
            0,
            "value_anchors.py",
            "manager-value",
            full ? 2_000 : 100,
            Math.min(plan.batches(), 5));
    String sync = "value add-and-get from 2 clients, one call at a time";
    String inFlight = "value add-and-get from 2 clients, async calls in flight";
    String anchor = "Python manager Value under the manager's Lock, 2 client processes";
    List<Bench.Row> rows = new ArrayList<>();
    rows.add(
        new Bench.Row(
            sync,
            "ipcbroker IpcValue.addAndGet, 2 SDK clients at once",
            "us/increment",
            blocking,
            false));
    if (manager != null) {
      rows.add(new Bench.Row(sync, anchor, "us/increment", manager, true));
    }
    rows.add(
        new Bench.Row(
            inFlight,
            "ipcbroker IpcValue.addAndGetAsync, " + IN_FLIGHT + " in flight per client, 2 clients",
            "us/increment",
            async,
            false));
    if (manager != null) {
      rows.add(new Bench.Row(inFlight, anchor, "us/increment", manager, true));
    }
    return rows;
  }
}
