package io.ipcbroker.server.metrics;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.ipcbroker.server.process.ExitStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The broker's Prometheus metrics: every call by service, method and status with its latency, the
 * connections open, the live figures of queues, sessions, processes and pools (read from the
 * registries on each scrape), process exits by code, and the JVM's own figures.
 */
public final class BrokerMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Supplier<Snapshot> snapshot;
  private final AtomicInteger connections = new AtomicInteger();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final MultiGauge queueDepth;
  private final MultiGauge queueBytes;
  private final MultiGauge queueUnacked;
  private final MultiGauge queueGetters;
  private final MultiGauge queuePutters;
  private final MultiGauge processStates;
  private final MultiGauge poolTasks;
  private final MultiGauge poolWorkers;
  // The live figures of the scrape in progress; written by refresh, read by the gauges.
  private volatile Snapshot last = new Snapshot(0, 0, List.of(), List.of(), List.of());

  /** Metrics whose live figures come from {@code snapshot}, taken at each scrape. */
  public BrokerMetrics(Supplier<Snapshot> snapshot) {
    this.snapshot = snapshot;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gc.bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("ipcbroker.connections", connections, AtomicInteger::get)
        .description("client connections open")
        .register(registry);
    // Read from the snapshot of the scrape in progress (refresh runs first).
    Gauge.builder("ipcbroker.sessions", this, m -> m.last.sessions())
        .description("live sessions")
        .register(registry);
    Gauge.builder("ipcbroker.session.waiters", this, m -> m.last.sessionWaiters())
        .description("parked calls, streams and task results that sessions have waiting")
        .register(registry);
    queueDepth = multi("ipcbroker.queue.depth", "items queued (Python's qsize())");
    queueBytes = multi("ipcbroker.queue.bytes", "bytes a queue holds, queued and unacknowledged");
    queueUnacked = multi("ipcbroker.queue.unacked", "deliveries not yet acknowledged");
    queueGetters = multi("ipcbroker.queue.waiting.getters", "gets parked on an empty queue");
    queuePutters = multi("ipcbroker.queue.waiting.putters", "puts parked on a full queue");
    processStates = multi("ipcbroker.processes", "process records by state");
    poolTasks = multi("ipcbroker.pool.tasks", "pool tasks by state (succeeded, failed: totals)");
    poolWorkers = multi("ipcbroker.pool.workers", "pool workers attached");
  }

  private MultiGauge multi(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  /** What the registries hold at one moment. */
  public record Snapshot(
      int sessions,
      long sessionWaiters,
      List<QueueFigures> queues,
      List<StateCount> processes,
      List<PoolFigures> pools) {}

  /** A queue's live figures. */
  public record QueueFigures(
      String name, long depth, long bytes, long unacked, int getters, int putters) {}

  /** How many process records are in one state. */
  public record StateCount(String state, int count) {}

  /** A pool's live figures. */
  public record PoolFigures(
      String name, int workers, long queued, long running, long succeeded, long failed) {}

  /** Counts a process exit under its Python exit code (minus the signal's number). */
  public void processExited(ExitStatus status) {
    Counter.builder("ipcbroker.process.exits")
        .description("processes that exited, by Python's exit code")
        .tag("code", Integer.toString(status.exitcode()))
        .register(registry)
        .increment();
  }

  /**
   * Records every call once: its service, method, status code and how long it took. A call that the
   * client cancelled, or whose deadline passed, is never closed by the broker; it counts as {@code
   * CANCELLED} or {@code DEADLINE_EXCEEDED} when the transport tells of it.
   */
  public ServerInterceptor calls() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String service = call.getMethodDescriptor().getServiceName();
        String method = call.getMethodDescriptor().getBareMethodName();
        AtomicBoolean counted = new AtomicBoolean();
        Consumer<Status.Code> record =
            code -> {
              if (counted.compareAndSet(false, true)) {
                timer(service, method, code).record(System.nanoTime() - start, NANOSECONDS);
              }
            };
        Deadline deadline = Context.current().getDeadline();
        ServerCall.Listener<Q> listener =
            next.startCall(
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                  @Override
                  public void close(Status status, Metadata trailers) {
                    record.accept(status.getCode());
                    super.close(status, trailers);
                  }
                },
                headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
          @Override
          public void onCancel() {
            record.accept(
                deadline != null && deadline.isExpired()
                    ? Status.Code.DEADLINE_EXCEEDED
                    : Status.Code.CANCELLED);
            super.onCancel();
          }
        };
      }
    };
  }

  private Timer timer(String service, String method, Status.Code code) {
    return timers.computeIfAbsent(
        service + "/" + method + "/" + code,
        k ->
            Timer.builder("ipcbroker.rpc")
                .description("calls by service, method and status code")
                .tags(
                    "service",
                    service == null ? "" : service,
                    "method",
                    method == null ? "" : method,
                    "code",
                    code.name())
                .publishPercentileHistogram()
                // Unary calls take well under a millisecond; parked ones and streams up to their
                // deadlines. Bounds keep the buckets per series few.
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry));
  }

  /** Counts the client connections open. */
  public ServerTransportFilter connections() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        connections.incrementAndGet();
        return attributes;
      }

      @Override
      public void transportTerminated(Attributes attributes) {
        if (attributes != null) {
          connections.decrementAndGet();
        }
      }
    };
  }

  /** The metrics in Prometheus's text format, with the live figures read now. */
  public synchronized String scrape() {
    refresh(snapshot.get());
    return registry.scrape();
  }

  private void refresh(Snapshot s) {
    last = s;
    List<MultiGauge.Row<?>> depth = new ArrayList<>();
    List<MultiGauge.Row<?>> bytes = new ArrayList<>();
    List<MultiGauge.Row<?>> unacked = new ArrayList<>();
    List<MultiGauge.Row<?>> getters = new ArrayList<>();
    List<MultiGauge.Row<?>> putters = new ArrayList<>();
    for (QueueFigures q : s.queues()) {
      Tags tags = Tags.of("queue", q.name());
      depth.add(MultiGauge.Row.of(tags, q.depth()));
      bytes.add(MultiGauge.Row.of(tags, q.bytes()));
      unacked.add(MultiGauge.Row.of(tags, q.unacked()));
      getters.add(MultiGauge.Row.of(tags, q.getters()));
      putters.add(MultiGauge.Row.of(tags, q.putters()));
    }
    queueDepth.register(depth, true);
    queueBytes.register(bytes, true);
    queueUnacked.register(unacked, true);
    queueGetters.register(getters, true);
    queuePutters.register(putters, true);
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    for (StateCount c : s.processes()) {
      states.add(MultiGauge.Row.of(Tags.of("state", c.state()), c.count()));
    }
    processStates.register(states, true);
    List<MultiGauge.Row<?>> tasks = new ArrayList<>();
    List<MultiGauge.Row<?>> workers = new ArrayList<>();
    for (PoolFigures p : s.pools()) {
      tasks.add(MultiGauge.Row.of(Tags.of("pool", p.name(), "state", "queued"), p.queued()));
      tasks.add(MultiGauge.Row.of(Tags.of("pool", p.name(), "state", "running"), p.running()));
      tasks.add(MultiGauge.Row.of(Tags.of("pool", p.name(), "state", "succeeded"), p.succeeded()));
      tasks.add(MultiGauge.Row.of(Tags.of("pool", p.name(), "state", "failed"), p.failed()));
      workers.add(MultiGauge.Row.of(Tags.of("pool", p.name()), p.workers()));
    }
    poolTasks.register(tasks, true);
    poolWorkers.register(workers, true);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
