package io.ipcbroker.server.metrics;

import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.ipcbroker.server.process.ExitStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The broker's Prometheus metrics: every call by service, method and status with its latency, the
 * connections and the messages and bytes they carry, the live figures of queues, sessions,
 * processes, pools, locks and the other synchronisation objects (read from the registries on each
 * scrape), process exits by code, and the JVM's own figures.
 *
 * <p>A queue's totals (items put and got, redeliveries, wait time) are counted by the queue itself
 * and read at each scrape, so the hot path pays no metrics call; the series go when the queue does.
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
  private final MultiGauge queueOldestAge;
  private final MultiGauge syncWaiters;
  private final MultiGauge syncHeld;
  // Totals per queue and per pool; guarded by this (scrape).
  private final PerObject<QueueFigures> queueTotals =
      new PerObject<>(QueueFigures::name, this::queueTotalMeters);
  private final PerObject<PoolFigures> poolTotals =
      new PerObject<>(PoolFigures::name, this::poolTotalMeters);
  private final Counter messagesIn;
  private final Counter messagesOut;
  private final Counter bytesIn;
  private final Counter bytesOut;
  private final Counter connectionsOpened;
  private final MultiGauge processStates;
  private final MultiGauge poolTasks;
  private final MultiGauge poolWorkers;
  // The live figures of the scrape in progress; written by refresh, read by the gauges.
  private volatile Snapshot last = new Snapshot(0, 0, List.of(), List.of(), List.of(), List.of());

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
    queueOldestAge =
        MultiGauge.builder("ipcbroker.queue.oldest.item.age")
            .description("how long ago the item at the head was put; 0 when empty")
            .baseUnit("seconds")
            .register(registry);
    syncWaiters =
        multi(
            "ipcbroker.sync.waiters",
            "calls waiting on a lock, semaphore, condition, event or barrier; busy ones only");
    syncHeld =
        multi(
            "ipcbroker.sync.held",
            "locks held (0 or 1) and semaphore permits held, by name; busy ones only");
    connectionsOpened =
        Counter.builder("ipcbroker.connections.opened")
            .description("client connections accepted")
            .register(registry);
    messagesIn =
        Counter.builder("ipcbroker.grpc.messages.received")
            .description("gRPC messages received from clients")
            .register(registry);
    messagesOut =
        Counter.builder("ipcbroker.grpc.messages.sent")
            .description("gRPC messages sent to clients")
            .register(registry);
    bytesIn =
        Counter.builder("ipcbroker.grpc.received")
            .description("bytes of gRPC messages received, as on the wire")
            .baseUnit("bytes")
            .register(registry);
    bytesOut =
        Counter.builder("ipcbroker.grpc.sent")
            .description("bytes of gRPC messages sent, as on the wire")
            .baseUnit("bytes")
            .register(registry);
    processStates = multi("ipcbroker.processes", "process records by state");
    poolTasks = multi("ipcbroker.pool.tasks", "pool tasks queued and running");
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
      List<PoolFigures> pools,
      List<SyncFigures> syncObjects) {}

  /**
   * A queue's live figures and totals since it was created.
   *
   * @param oldestAgeNanos the head item's age, -1 when empty
   * @param handOvers items handed to consumers, redeliveries included
   * @param waitSeconds the time those items waited in the queue, summed
   */
  public record QueueFigures(
      String name,
      long depth,
      long bytes,
      long unacked,
      int getters,
      int putters,
      long oldestAgeNanos,
      long putCount,
      long getCount,
      long redeliveryCount,
      long handOvers,
      double waitSeconds) {}

  /**
   * A lock, RLock, semaphore, condition, event or barrier.
   *
   * @param kind {@code lock}, {@code rlock}, {@code semaphore}, {@code condition}, {@code event} or
   *     {@code barrier}
   * @param state what it is now, for people: who holds a lock, a semaphore's value, an event's
   *     flag, how many wait at a barrier
   * @param held a lock's holds (0 or 1) or a semaphore's permits held; -1 for the other kinds
   */
  public record SyncFigures(String kind, String name, String state, int waiters, long held) {}

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

  /** Counts the client connections open, and those accepted. */
  public ServerTransportFilter connections() {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        connections.incrementAndGet();
        connectionsOpened.increment();
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

  /** Counts the messages every call carries and their bytes on the wire. */
  public ServerStreamTracer.Factory transport() {
    return new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new ServerStreamTracer() {
          @Override
          public void inboundMessage(int seqNo) {
            messagesIn.increment();
          }

          @Override
          public void outboundMessage(int seqNo) {
            messagesOut.increment();
          }

          @Override
          public void inboundWireSize(long bytes) {
            bytesIn.increment(bytes);
          }

          @Override
          public void outboundWireSize(long bytes) {
            bytesOut.increment(bytes);
          }
        };
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
    List<MultiGauge.Row<?>> oldest = new ArrayList<>();
    for (QueueFigures q : s.queues()) {
      double age = q.oldestAgeNanos() < 0 ? 0 : q.oldestAgeNanos() / 1e9;
      oldest.add(MultiGauge.Row.of(Tags.of("queue", q.name()), age));
    }
    queueOldestAge.register(oldest, true);
    queueTotals.refresh(s.queues());
    List<MultiGauge.Row<?>> waiting = new ArrayList<>();
    List<MultiGauge.Row<?>> held = new ArrayList<>();
    for (SyncFigures f : s.syncObjects()) {
      if (f.waiters() == 0 && f.held() <= 0) {
        continue; // idle: a broker may hold 100,000 of them, and an idle one has nothing to show
      }
      Tags tags = Tags.of("kind", f.kind(), "name", f.name());
      waiting.add(MultiGauge.Row.of(tags, f.waiters()));
      if (f.held() >= 0) {
        held.add(MultiGauge.Row.of(tags, f.held()));
      }
    }
    syncWaiters.register(waiting, true);
    syncHeld.register(held, true);
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
      workers.add(MultiGauge.Row.of(Tags.of("pool", p.name()), p.workers()));
    }
    poolTasks.register(tasks, true);
    poolWorkers.register(workers, true);
    poolTotals.refresh(s.pools());
  }

  /**
   * Meters for each live object of one kind: registered when the object first appears in a scrape,
   * read from the figures of the latest scrape, and removed when it is gone. The meters report the
   * object's own totals as they are: a new object under a deleted one's name reads as a counter
   * reset when its totals are lower, and the objects' work between two scrapes can be under-counted
   * then, which is the price of reading totals rather than counting every call. Guarded by the
   * scrape's lock.
   *
   * @param <F> the figures of one object
   */
  private final class PerObject<F> {
    private final Map<String, Live<F>> live = new HashMap<>();
    private final Function<F, String> name;
    private final BiFunction<String, Live<F>, List<Meter>> meters;

    /**
     * {@code meters} registers an object's meters, given its name and the holder of its latest
     * figures.
     */
    PerObject(Function<F, String> name, BiFunction<String, Live<F>, List<Meter>> meters) {
      this.name = name;
      this.meters = meters;
    }

    void refresh(List<F> all) {
      Set<String> seen = new HashSet<>();
      for (F f : all) {
        String n = name.apply(f);
        seen.add(n);
        Live<F> l = live.get(n);
        if (l == null) {
          l = new Live<>(f);
          l.meters = meters.apply(n, l);
          live.put(n, l);
        } else {
          l.figures = f;
        }
      }
      for (Iterator<Map.Entry<String, Live<F>>> it = live.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Live<F>> e = it.next();
        if (!seen.contains(e.getKey())) {
          remove(e.getValue());
          it.remove();
        }
      }
    }

    private void remove(Live<F> l) {
      for (Meter m : l.meters) {
        registry.remove(m);
      }
    }
  }

  /** One object's latest figures, which its meters read. */
  private static final class Live<F> {
    volatile F figures;
    List<Meter> meters = List.of();

    Live(F figures) {
      this.figures = figures;
    }
  }

  private List<Meter> queueTotalMeters(String queue, Live<QueueFigures> q) {
    Tags tags = Tags.of("queue", queue);
    return List.of(
        FunctionCounter.builder("ipcbroker.queue.items.put", q, l -> l.figures.putCount())
            .description("items put since the queue was created")
            .tags(tags)
            .register(registry),
        FunctionCounter.builder("ipcbroker.queue.items.got", q, l -> l.figures.getCount())
            .description("items got for good (acknowledged or answered)")
            .tags(tags)
            .register(registry),
        FunctionCounter.builder("ipcbroker.queue.redeliveries", q, l -> l.figures.redeliveryCount())
            .description("deliveries given back because their consumer ended")
            .tags(tags)
            .register(registry),
        FunctionTimer.builder(
                "ipcbroker.queue.wait",
                q,
                l -> l.figures.handOvers(),
                l -> l.figures.waitSeconds(),
                SECONDS)
            .description("how long items waited in the queue before each hand-over")
            .tags(tags)
            .register(registry));
  }

  private List<Meter> poolTotalMeters(String pool, Live<PoolFigures> p) {
    return List.of(
        FunctionCounter.builder("ipcbroker.pool.tasks.done", p, l -> l.figures.succeeded())
            .description("pool tasks finished, by outcome")
            .tags("pool", pool, "outcome", "succeeded")
            .register(registry),
        FunctionCounter.builder("ipcbroker.pool.tasks.done", p, l -> l.figures.failed())
            .description("pool tasks finished, by outcome")
            .tags("pool", pool, "outcome", "failed")
            .register(registry));
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
