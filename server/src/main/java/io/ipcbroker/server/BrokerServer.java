package io.ipcbroker.server;

import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.ipcbroker.server.admin.AdminServiceImpl;
import io.ipcbroker.server.admin.BrokerFigures;
import io.ipcbroker.server.admin.SyncObjectPages;
import io.ipcbroker.server.auth.TokenAuth;
import io.ipcbroker.server.barrier.BarrierRegistry;
import io.ipcbroker.server.barrier.BarrierServiceImpl;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.ExecutorTimer;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.dict.DictRegistry;
import io.ipcbroker.server.dict.DictServiceImpl;
import io.ipcbroker.server.event.EventRegistry;
import io.ipcbroker.server.event.EventServiceImpl;
import io.ipcbroker.server.list.ListRegistry;
import io.ipcbroker.server.list.ListServiceImpl;
import io.ipcbroker.server.lock.LockRegistry;
import io.ipcbroker.server.lock.LockServiceImpl;
import io.ipcbroker.server.metrics.BrokerMetrics;
import io.ipcbroker.server.metrics.MetricsServer;
import io.ipcbroker.server.metrics.StatusView;
import io.ipcbroker.server.pipe.PipeRegistry;
import io.ipcbroker.server.pipe.PipeServiceImpl;
import io.ipcbroker.server.pool.PoolRegistry;
import io.ipcbroker.server.pool.PoolServiceImpl;
import io.ipcbroker.server.process.ProcessRegistry;
import io.ipcbroker.server.process.ProcessServiceImpl;
import io.ipcbroker.server.process.ProcessSnapshot;
import io.ipcbroker.server.queue.BoundedQueue;
import io.ipcbroker.server.queue.QueueInfo;
import io.ipcbroker.server.queue.QueueLimits;
import io.ipcbroker.server.queue.QueueRegistry;
import io.ipcbroker.server.queue.QueueServiceImpl;
import io.ipcbroker.server.rpc.MalformedRequests;
import io.ipcbroker.server.rpc.PeerAddress;
import io.ipcbroker.server.semaphore.SemaphoreRegistry;
import io.ipcbroker.server.semaphore.SemaphoreServiceImpl;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.server.session.SessionServiceImpl;
import io.ipcbroker.server.value.ValueRegistry;
import io.ipcbroker.server.value.ValueServiceImpl;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.ConditionInfo;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.LockSummary;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SemaphoreInfo;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker: its state (sessions, queues), its gRPC server, and their life cycle.
 *
 * <p>Handlers only take a short lock and never block, so they run on the transport's event loop
 * ({@code directExecutor}): no thread hop per message, and no thread per parked call.
 */
public final class BrokerServer implements AutoCloseable {
  private static final String VERSION = version();

  private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);

  private final BrokerConfig config;
  private final ExecutorTimer timer = new ExecutorTimer();
  private final SessionRegistry sessions;
  private final QueueRegistry<Payload> queues;
  private final ProcessRegistry processes;
  private final ValueRegistry values;
  private final LockRegistry locks;
  private final SemaphoreRegistry semaphores;
  private final EventRegistry events;
  private final BarrierRegistry barriers;
  private final PipeRegistry<Payload> pipes;
  private final DictRegistry<Payload> dicts;
  private final ListRegistry<Payload> lists;
  private final PoolRegistry<Payload> pools;
  private final SessionServiceImpl sessionService;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ShutdownGate gate = new ShutdownGate();
  private final Server server;
  private final Object lifecycle = new Object();
  private boolean started;
  private boolean stopped;
  private Instant startTime; // guarded by lifecycle
  private MetricsServer metricsServer; // guarded by lifecycle; null without metrics
  private final BrokerMetrics metrics; // null without --metrics-port
  // Every lock, semaphore, condition, event and barrier, as the admin service lists them.
  private final SyncObjectPages.Kinds syncObjects;

  /** A broker that will listen on TCP as {@code config} says. */
  public BrokerServer(BrokerConfig config) {
    this(
        config,
        NettyServerBuilder.forAddress(
                new InetSocketAddress(config.host(), config.port()), credentials(config))
            .keepAliveTime(config.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(config.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
            .permitKeepAliveTime(config.permitKeepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
            .permitKeepAliveWithoutCalls(true)
            .maxConcurrentCallsPerConnection(
                config.quotas().maxCallsPerConnection() == 0
                    ? Integer.MAX_VALUE
                    : config.quotas().maxCallsPerConnection())
            .maxInboundMetadataSize(64 << 10));
  }

  /** Plaintext, TLS, or TLS that requires client certificates. */
  private static ServerCredentials credentials(BrokerConfig config) {
    BrokerConfig.Tls tls = config.tls();
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    try {
      TlsServerCredentials.Builder b =
          TlsServerCredentials.newBuilder()
              .keyManager(tls.certChain().toFile(), tls.privateKey().toFile());
      if (tls.clientCa() != null) {
        b.trustManager(tls.clientCa().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS files: " + e.getMessage(), e);
    }
  }

  /**
   * A broker served by {@code builder} (for example an in-process builder in tests); its
   * configuration other than the limits is the builder's business.
   */
  public BrokerServer(BrokerConfig config, ServerBuilder<?> builder) {
    this.config = config;
    BrokerConfig.Quotas quotas = config.quotas();
    this.sessions = new SessionRegistry(timer, quotas.maxSessions(), quotas.maxWaitersPerSession());
    // One count across every kind of named object.
    ObjectQuota objects = new ObjectQuota(quotas.maxObjects());
    this.queues =
        new QueueRegistry<>(
            timer,
            sessions,
            QueueLimits.DEFAULT.withByteCaps(config.maxQueueBytes(), config.maxTotalQueueBytes()),
            Payload::getSerializedSize,
            objects);
    this.processes = new ProcessRegistry(timer, sessions, config.processes(), this::childEnv);
    this.values = new ValueRegistry(timer, sessions, objects);
    this.locks = new LockRegistry(timer, sessions, objects);
    this.semaphores = new SemaphoreRegistry(timer, sessions, objects);
    this.events = new EventRegistry(timer, objects);
    this.barriers = new BarrierRegistry(timer, objects);
    ByteQuota shared = new ByteQuota(config.maxSharedBytes()); // dicts, lists and pipes together
    this.pipes = new PipeRegistry<>(timer, sessions, p -> p.getData().size(), objects, shared);
    this.dicts =
        new DictRegistry<>(Payload::getSerializedSize, config.maxItemBytes(), objects, shared);
    this.lists =
        new ListRegistry<>(Payload::getSerializedSize, config.maxItemBytes(), objects, shared);
    this.pools = new PoolRegistry<>(timer, sessions, processes, objects);
    this.sessionService = new SessionServiceImpl(sessions, processes::checkExists);
    LockServiceImpl lockService = new LockServiceImpl(locks, sessions);
    SemaphoreServiceImpl semaphoreService = new SemaphoreServiceImpl(semaphores, sessions);
    EventServiceImpl eventService = new EventServiceImpl(events, sessions);
    BarrierServiceImpl barrierService = new BarrierServiceImpl(barriers, sessions);
    this.syncObjects =
        new SyncObjectPages.Kinds(
            new SyncObjectPages.Kind<>(
                lockService::locksAfter,
                l -> l.getLock().getName(),
                ListSyncObjectsResponse.Builder::addLocks),
            new SyncObjectPages.Kind<>(
                semaphoreService::semaphoresAfter,
                SemaphoreInfo::getName,
                ListSyncObjectsResponse.Builder::addSemaphores),
            new SyncObjectPages.Kind<>(
                lockService::conditionsAfter,
                ConditionInfo::getName,
                ListSyncObjectsResponse.Builder::addConditions),
            new SyncObjectPages.Kind<>(
                eventService::eventsAfter,
                EventInfo::getName,
                ListSyncObjectsResponse.Builder::addEvents),
            new SyncObjectPages.Kind<>(
                barrierService::barriersAfter,
                BarrierInfo::getName,
                ListSyncObjectsResponse.Builder::addBarriers));
    this.metrics = config.metricsPort() >= 0 ? new BrokerMetrics(this::metricsSnapshot) : null;
    List<BindableService> services =
        List.of(
            sessionService,
            new QueueServiceImpl(queues, sessions, config.maxItemBytes()),
            new ProcessServiceImpl(processes, sessions),
            new ValueServiceImpl(values, sessions),
            lockService,
            semaphoreService,
            eventService,
            barrierService,
            new PipeServiceImpl(pipes, sessions, config.maxItemBytes()),
            new DictServiceImpl(dicts, config.maxItemBytes()),
            new ListServiceImpl(lists, config.maxItemBytes()),
            new PoolServiceImpl(pools, sessions, config.maxItemBytes()),
            new AdminServiceImpl(this::figures, sessions, sessionService::toProto, syncObjects));

    builder.directExecutor().maxInboundMessageSize(config.maxInboundMessageBytes());
    if (!config.authToken().isEmpty()) {
      // Server-wide, so that it runs before any service's own interceptors (and on reflection).
      builder.intercept(new AuthGate(new TokenAuth(config.authToken())));
    }
    if (metrics != null) {
      // Added last, so it runs first: refused calls are counted too.
      builder.intercept(metrics.calls());
      builder.addTransportFilter(metrics.connections());
      builder.addStreamTracerFactory(metrics.transport());
      processes.onExit(metrics::processExited);
    }
    for (BindableService s : services) {
      // Interceptors run last-given first: the gate, then the peer's address for the service.
      builder.addService(
          ServerInterceptors.intercept(
              MalformedRequests.guard(s.bindService()), new PeerAddress(), gate));
    }
    builder
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        // v1alpha as well: some tools still only speak it.
        .addService(deprecatedReflection());
    this.server = builder.build();
  }

  @SuppressWarnings("deprecation")
  private static BindableService deprecatedReflection() {
    return ProtoReflectionService.newInstance();
  }

  /**
   * Starts serving. Returns false, without serving, if {@link #shutdown} was called first (a signal
   * during start-up).
   */
  public boolean start() throws IOException {
    synchronized (lifecycle) {
      if (started) {
        throw new IllegalStateException("already started");
      }
      started = true;
      if (stopped) {
        return false;
      }
      // The metrics port is bound first: if it is taken, nothing is left half-started.
      MetricsServer m =
          metrics == null
              ? null
              : new MetricsServer(
                  config.metricsHost(), config.metricsPort(), metrics, this::statusView);
      try {
        server.start();
      } catch (IOException | RuntimeException e) {
        if (m != null) {
          m.close();
        }
        throw e;
      }
      startTime = Instant.now();
      metricsServer = m;
      if (m != null) {
        m.start();
      }
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(SessionServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(QueueServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(ProcessServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(ValueServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(LockServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(SemaphoreServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(EventServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(BarrierServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(PipeServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(DictServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(ListServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(PoolServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(AdminServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    log.info("ipcbroker serving on {} (server id {})", address(), sessions.serverId());
    return true;
  }

  /** The port the server listens on, once started (the chosen one when configured with 0). */
  public int port() {
    return server.getPort();
  }

  /** {@code host:port} as clients should dial it. */
  public String address() {
    String host = config.host();
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return host + ":" + port();
  }

  /** What the broker's children need to connect back: where it is, and its token. */
  private Map<String, String> childEnv() {
    Map<String, String> env = new HashMap<>();
    String target = childTarget();
    if (!target.isEmpty()) {
      env.put(ProcessRegistry.ENV_TARGET, target);
    }
    if (!config.authToken().isEmpty()) {
      env.put(ProcessRegistry.ENV_TOKEN, config.authToken());
    }
    return env;
  }

  /**
   * Where the broker's children reach it: its address, with a wildcard host replaced by loopback
   * (children run on this host). Empty before the server listens on a TCP port.
   */
  private String childTarget() {
    synchronized (lifecycle) {
      if (!started || stopped) {
        return "";
      }
    }
    int port;
    try {
      port = server.getPort();
    } catch (IllegalStateException e) {
      return "";
    }
    if (port < 0) {
      return ""; // not a TCP server (in-process transport)
    }
    String host = config.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.isEmpty()) {
      host = "127.0.0.1";
    }
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return host + ":" + port;
  }

  /** The broker's version, from the build; "dev" when run from classes that Maven did not build. */
  public static String version() {
    try (InputStream in = BrokerServer.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String v = p.getProperty("version", "");
      return v.isEmpty() || v.startsWith("$") ? "dev" : v;
    } catch (IOException e) {
      return "dev";
    }
  }

  /** The identity and live totals that {@code GetBrokerStatus} answers. */
  BrokerFigures figures() {
    ProcessRegistry.Counts processCounts = processes.counts();
    BrokerConfig.Tls tls = config.tls();
    Instant started;
    synchronized (lifecycle) {
      started = startTime;
    }
    return new BrokerFigures(
        sessions.serverId(),
        VERSION,
        started,
        address(),
        !config.authToken().isEmpty(),
        tls != null,
        tls != null && tls.clientCa() != null,
        sessions.size(),
        queues.size(),
        queues.heldBytes(),
        config.maxTotalQueueBytes(),
        processCounts.running(),
        processCounts.records(),
        pools.list().size());
  }

  /** The metrics port once started, or -1 when the broker serves no metrics. */
  public int metricsPort() {
    synchronized (lifecycle) {
      return metricsServer == null ? -1 : metricsServer.port();
    }
  }

  /** The status page's address once started, {@code http://host:port/}. */
  public String metricsAddress() {
    int port = metricsPort();
    if (port < 0) {
      throw new IllegalStateException("the broker serves no metrics (no --metrics-port)");
    }
    String host = config.metricsHost();
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port + "/";
  }

  private BrokerMetrics.Snapshot metricsSnapshot() {
    long waiters = 0;
    SessionRegistry.Page live = sessions.list(0, Integer.MAX_VALUE);
    for (Session s : live.sessions()) {
      waiters += s.waiterCount();
    }
    Map<String, Integer> byState = new TreeMap<>();
    for (ProcessSnapshot p : processes.snapshots()) {
      byState.merge(p.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
    }
    List<BrokerMetrics.StateCount> states = new ArrayList<>();
    byState.forEach((state, n) -> states.add(new BrokerMetrics.StateCount(state, n)));
    return new BrokerMetrics.Snapshot(
        live.sessions().size(), waiters, queueFigures(), states, poolFigures(), syncFigures());
  }

  private List<BrokerMetrics.QueueFigures> queueFigures() {
    List<BrokerMetrics.QueueFigures> all = new ArrayList<>();
    for (BoundedQueue<Payload> q : queues.all()) {
      QueueInfo i = q.info();
      all.add(
          new BrokerMetrics.QueueFigures(
              i.name(),
              i.size(),
              i.bytes(),
              i.unacked(),
              i.waitingGetters(),
              i.waitingPutters(),
              i.oldestItemAgeNanos(),
              i.putCount(),
              i.getCount(),
              i.redeliveryCount(),
              i.handOvers(),
              i.waitSeconds()));
    }
    return all;
  }

  /** The synchronisation objects as the metrics and the status page show them. */
  private List<BrokerMetrics.SyncFigures> syncFigures() {
    ListSyncObjectsResponse all = SyncObjectPages.all(syncObjects);
    List<BrokerMetrics.SyncFigures> out = new ArrayList<>();
    for (LockSummary l : all.getLocksList()) {
      LockInfo i = l.getLock();
      String holder =
          l.getHolderClientName().isEmpty() ? l.getHolderSessionId() : l.getHolderClientName();
      out.add(
          new BrokerMetrics.SyncFigures(
              i.getKind() == LockKind.LOCK_KIND_RLOCK ? "rlock" : "lock",
              i.getName(),
              i.getLocked() ? "held by " + holder + " (" + i.getHoldCount() + ")" : "free",
              i.getWaiters(),
              i.getLocked() ? 1 : 0));
    }
    for (SemaphoreInfo i : all.getSemaphoresList()) {
      out.add(
          new BrokerMetrics.SyncFigures(
              "semaphore",
              i.getName(),
              "value " + i.getValue() + " of " + i.getInitialValue(),
              i.getWaiters(),
              i.getHeld()));
    }
    for (ConditionInfo i : all.getConditionsList()) {
      out.add(
          new BrokerMetrics.SyncFigures(
              "condition", i.getName(), "on lock " + i.getLock(), i.getWaiters(), -1));
    }
    for (EventInfo i : all.getEventsList()) {
      out.add(
          new BrokerMetrics.SyncFigures(
              "event", i.getName(), i.getSet() ? "set" : "clear", i.getWaiters(), -1));
    }
    for (BarrierInfo i : all.getBarriersList()) {
      out.add(
          new BrokerMetrics.SyncFigures(
              "barrier",
              i.getName(),
              i.getBroken() ? "broken" : i.getNWaiting() + " of " + i.getParties() + " waiting",
              i.getNWaiting(),
              -1));
    }
    return out;
  }

  private List<BrokerMetrics.PoolFigures> poolFigures() {
    List<BrokerMetrics.PoolFigures> all = new ArrayList<>();
    for (PoolRegistry.Figures f : pools.figures()) {
      all.add(
          new BrokerMetrics.PoolFigures(
              f.name(), f.workers(), f.queued(), f.running(), f.succeeded(), f.failed()));
    }
    return all;
  }

  private StatusView statusView() {
    Instant now = Instant.now();
    Instant started;
    synchronized (lifecycle) {
      started = startTime;
    }
    List<StatusView.ProcessRow> procs = new ArrayList<>();
    for (ProcessSnapshot p : processes.snapshots()) {
      procs.add(
          new StatusView.ProcessRow(
              p.id(),
              p.name(),
              p.pid(),
              p.state().name().toLowerCase(Locale.ROOT),
              p.exitStatus() == null ? null : p.exitStatus().exitcode()));
    }
    List<StatusView.SessionRow> live = new ArrayList<>();
    for (Session s : sessions.list(0, Integer.MAX_VALUE).sessions()) {
      live.add(
          new StatusView.SessionRow(
              s.id(),
              s.clientName(),
              s.clientAddress(),
              Duration.between(s.createTime(), now).toSeconds(),
              s.ownedCount()));
    }
    return new StatusView(
        address(),
        VERSION,
        started == null ? 0 : Duration.between(started, now).toSeconds(),
        queueFigures(),
        procs,
        live,
        poolFigures(),
        syncFigures());
  }

  /** The broker's queues (for tests that look at what a shutdown left). */
  QueueRegistry<Payload> queues() {
    return queues;
  }

  /** The broker's session registry (for embedding and tests). */
  public SessionRegistry sessions() {
    return sessions;
  }

  /**
   * Shuts down gracefully: health goes NOT_SERVING, new calls are refused, every parked call and
   * open stream is answered {@code UNAVAILABLE}/{@code SERVER_SHUTTING_DOWN} without handing any
   * item over, then the transport stops (waiting up to the grace period for calls to finish).
   */
  public void shutdown() throws InterruptedException {
    boolean wasStarted;
    synchronized (lifecycle) {
      if (stopped) {
        return;
      }
      stopped = true;
      wasStarted = started;
    }
    if (!wasStarted) {
      // Outside the lock: a spawn in progress reads the address under it (childTarget).
      processes.shutdown();
      if (metrics != null) {
        metrics.close();
      }
      timer.close();
      return;
    }
    log.info("ipcbroker shutting down");
    health.enterTerminalState();
    gate.close();
    sessions.shutdown();
    queues.shutdown();
    values.shutdown();
    locks.shutdown();
    semaphores.shutdown();
    events.shutdown();
    barriers.shutdown();
    pipes.shutdown();
    dicts.shutdown();
    lists.shutdown();
    pools.shutdown();
    // Answers parked joins and output streams, then ends the children as the policy says
    // (within the kill grace period).
    processes.shutdown();
    sessionService.shutdown();
    server.shutdown();
    if (!server.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
      log.warn("calls still open after {}; cutting them off", config.shutdownGrace());
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
    MetricsServer m;
    synchronized (lifecycle) {
      m = metricsServer;
    }
    if (m != null) {
      m.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    timer.close();
    log.info("ipcbroker stopped");
  }

  /** Waits until the server has terminated. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() throws InterruptedException {
    shutdown();
  }
}
