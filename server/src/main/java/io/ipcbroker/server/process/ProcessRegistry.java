package io.ipcbroker.server.process;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.PageSizes;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's process records: spawns, watches, signals and joins OS processes for clients, and
 * ends daemon processes when the session that created them ends.
 *
 * <p>Threads: spawning (which runs other programs and takes milliseconds) happens on two spawner
 * threads and signalling through {@code kill(1)} on a signaller thread, never on the transport's;
 * each captured output stream has a pump thread that blocks reading its pipe; the JDK watches each
 * child on a reaper thread of its own. Parked joins and output readers hold no thread.
 */
public final class ProcessRegistry {
  private static final Logger log = LoggerFactory.getLogger(ProcessRegistry.class);

  /** The variable that tells a child where the broker is ({@code host:port}). */
  public static final String ENV_TARGET = "IPCBROKER_TARGET";

  /** The variable that tells a child its record's id. */
  public static final String ENV_PROCESS_ID = "IPCBROKER_PROCESS_ID";

  /** The variable that tells a child its Python name. */
  public static final String ENV_PROCESS_NAME = "IPCBROKER_PROCESS_NAME";

  /**
   * The variable that gives a child the broker's token, when it requires one, so that it can
   * connect back.
   */
  public static final String ENV_TOKEN = "IPCBROKER_TOKEN";

  /** The variable that tells a child which session created it. */
  public static final String ENV_PARENT_SESSION = "IPCBROKER_PARENT_SESSION";

  private static final String ID_PREFIX = "proc-";
  private static final String TOKEN_PREFIX = "p1:";
  private static final int PUMP_BUFFER_BYTES = 8192;
  // How long an exit waits for the output pipes to reach end-of-file, so that a join answered
  // "exited" is followed by complete output; a grandchild that holds a pipe open cannot hold the
  // join longer than this.
  private static final long OUTPUT_DRAIN_MILLIS = 1000;

  private final Timer timer;
  private final SessionRegistry sessions;
  private final ProcessConfig config;
  private final Supplier<Map<String, String>> connectEnv;
  private final Clock clock;
  private final Launcher launcher;
  private final Signaller signaller;
  private final ConcurrentSkipListMap<Long, ProcessRecord> records = new ConcurrentSkipListMap<>();
  private volatile Consumer<ExitStatus> exitListener = status -> {};
  private final Map<ProcessRecord, CompletableFuture<Void>> exits = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final Object quotaLock = new Object();
  private final ThreadPoolExecutor spawner;
  private final ThreadPoolExecutor signals;
  private final ExecutorService pumps;
  private volatile boolean shutdown;

  /**
   * Creates a registry.
   *
   * @param connectEnv what children need to connect back ({@link #ENV_TARGET}, {@link #ENV_TOKEN}),
   *     read at each spawn and added to their environment
   */
  public ProcessRegistry(
      Timer timer,
      SessionRegistry sessions,
      ProcessConfig config,
      Supplier<Map<String, String>> connectEnv) {
    this(timer, sessions, config, connectEnv, Launcher.system(), Signaller.system());
  }

  ProcessRegistry(
      Timer timer,
      SessionRegistry sessions,
      ProcessConfig config,
      Supplier<Map<String, String>> connectEnv,
      Launcher launcher,
      Signaller signaller) {
    this.timer = timer;
    this.sessions = sessions;
    this.config = config;
    this.connectEnv = connectEnv;
    this.clock = Clock.systemUTC();
    this.launcher = launcher;
    this.signaller = signaller;
    this.spawner = boundedPool(2, "ipcbroker-spawn-");
    this.signals = boundedPool(1, "ipcbroker-signal-");
    this.pumps = Executors.newCachedThreadPool(daemonThreads("ipcbroker-output-"));
    if (!launcher.groupsChildren()) {
      log.warn("setsid not found: children share the broker's process group");
    }
    if (!launcher.resetsChildSignals()) {
      log.warn("no env(1) with --default-signal: children inherit the JVM's blocked SIGQUIT");
    }
  }

  // Idle threads go away; work that arrives after shutdown is refused as the broker refuses calls.
  private static ThreadPoolExecutor boundedPool(int threads, String prefix) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            daemonThreads(prefix),
            (task, executor) -> {
              throw BrokerException.shuttingDown();
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Tells {@code listener} of every exit from now on (metrics count them by code). Set it before
   * the broker serves; it runs on the thread that saw the exit and must not block.
   */
  public void onExit(Consumer<ExitStatus> listener) {
    exitListener = listener;
  }

  /** How many records there are, and how many of them have not exited (for operators). */
  public record Counts(int records, int running) {}

  /** Every record now, in creation order (for metrics and the status page). */
  public List<ProcessSnapshot> snapshots() {
    List<ProcessSnapshot> all = new ArrayList<>();
    for (ProcessRecord r : records.values()) {
      all.add(r.snapshot());
    }
    return all;
  }

  /** Counts the records now. */
  public Counts counts() {
    int running = 0;
    int all = 0;
    for (ProcessRecord r : records.values()) {
      all++;
      if (r.state() != ProcessState.EXITED) {
        running++;
      }
    }
    return new Counts(all, running);
  }

  /** The records of {@code sessionId} that have not exited. */
  private int liveOf(String sessionId) {
    int n = 0;
    for (ProcessRecord r : records.values()) {
      if (r.sessionId.equals(sessionId) && r.state() != ProcessState.EXITED) {
        n++;
      }
    }
    return n;
  }

  /** The configuration. */
  public ProcessConfig config() {
    return config;
  }

  /**
   * Creates a record and, when {@code start} is set, spawns the process. Input errors are thrown at
   * once; the rest (the filesystem checks and the spawn) complete the future.
   *
   * @param abandoned tells whether the caller went away; checked right before the spawn, so that a
   *     cancelled call does not leave a process that nobody knows of
   */
  public CompletableFuture<ProcessSnapshot> create(
      String sessionId, ProcessSpec spec, boolean start, BooleanSupplier abandoned) {
    checkNotShutdown();
    Names.checkRequired("session_id", sessionId);
    checkSpec(spec);
    config.spawnPolicy().checkEnabled();
    return CompletableFuture.supplyAsync(
        () -> createNow(sessionId, spec, start, abandoned), spawner);
  }

  private ProcessSnapshot createNow(
      String sessionId, ProcessSpec spec, boolean start, BooleanSupplier abandoned) {
    Session session = sessions.get(sessionId);
    Path cwd = Launcher.resolveCwd(spec.cwd());
    Map<String, String> env = new HashMap<>(spec.replaceEnv() ? Map.of() : System.getenv());
    env.putAll(spec.env());
    Path exe = Launcher.resolveExecutable(spec.argv().get(0), env, cwd);
    exe = config.spawnPolicy().check(exe);
    Launcher.checkRedirects(spec, cwd);
    if (abandoned.getAsBoolean()) {
      throw new CancellationException("the caller went away before the spawn");
    }

    // A parent whose record was deleted since the session opened names no children any more; its
    // children are then numbered per session, as any client's.
    ProcessRecord parent = session.processId().isEmpty() ? null : find(session.processId());
    String identity =
        parent != null
            ? parent.identity + ":" + parent.childCounter.incrementAndGet()
            : Integer.toString(session.nextProcessNumber());
    String name = spec.name().isEmpty() ? "Process-" + identity : spec.name();
    long seq = sequence.incrementAndGet();
    String id = ID_PREFIX + seq;
    env.putAll(connectEnv.get());
    env.put(ENV_PROCESS_ID, id);
    env.put(ENV_PROCESS_NAME, name);
    env.put(ENV_PARENT_SESSION, sessionId);
    Launcher.Plan plan =
        new Launcher.Plan(exe, spec.argv(), cwd, env, spec.stdin(), spec.stdout(), spec.stderr());
    ProcessRecord record =
        new ProcessRecord(
            seq,
            name,
            identity,
            spec,
            plan,
            sessionId,
            parent != null ? parent.id : "",
            clock.instant(),
            config.outputBufferBytes());
    if (spec.daemon()) {
      SessionOwned owned = s -> ownerEnded(record);
      Session owner = sessions.attachUncounted(sessionId, owned);
      record.unbind = () -> sessions.detach(owner, owned);
    }
    // In the map before the spawn, so that a child that connects back at once finds its record.
    // Counted and added under one lock: the two spawner threads cannot both pass the cap.
    synchronized (quotaLock) {
      int max = config.maxLivePerSession();
      if (max > 0 && liveOf(sessionId) >= max) {
        if (record.unbind != null) {
          record.unbind.run();
        }
        throw BrokerException.of(
            Reason.QUOTA_EXCEEDED,
            "session " + sessionId + " already has " + max + " processes created or running",
            "quota",
            "processes_per_session",
            "limit",
            max);
      }
      records.put(seq, record);
    }
    if (start) {
      try {
        record.beginStart();
        spawn(record);
      } catch (RuntimeException e) {
        // Nothing half-created: the record goes, and a reader that found it meanwhile ends.
        List<OutputReader> readers = record.delete();
        records.remove(seq, record);
        record.unbind.run();
        readers.forEach(r -> r.fail(notFound(id)));
        throw e;
      }
    }
    return record.snapshot();
  }

  /** Spawns a created process (Python's {@code start()}). */
  public CompletableFuture<ProcessSnapshot> start(String id, BooleanSupplier abandoned) {
    checkNotShutdown();
    ProcessRecord record = lookup(id);
    record.beginStart();
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            if (abandoned.getAsBoolean()) {
              record.startFailed();
              throw new CancellationException("the caller went away before the spawn");
            }
            spawn(record);
            return record.snapshot();
          },
          spawner);
    } catch (RuntimeException e) {
      record.startFailed(); // refused: the broker shuts down
      throw e;
    }
  }

  private void spawn(ProcessRecord record) {
    Process process;
    try {
      checkNotShutdown();
      // A start long after the create finds the filesystem as it is now, not as it was.
      Launcher.recheck(record.plan);
      config.spawnPolicy().check(record.plan.executable());
      process = launcher.launch(record.plan);
    } catch (RuntimeException e) {
      record.startFailed();
      throw e;
    }
    CompletableFuture<Void> exited = new CompletableFuture<>();
    exits.put(record, exited);
    boolean endNow = record.started(process, clock.instant());
    List<CompletableFuture<Void>> drained = new ArrayList<>(2);
    try {
      if (record.stdout != null) {
        drained.add(pump(process.getInputStream(), record.stdout));
      }
      if (record.stderr != null) {
        drained.add(pump(process.getErrorStream(), record.stderr));
      }
    } catch (RuntimeException | Error e) {
      // No thread to read its pipes (out of threads): a child that nobody reads would block on a
      // full pipe for ever, so it goes, and its exit is recorded as usual.
      log.error("cannot read the output of process {}; killing it", record.id, e);
      process.destroyForcibly();
    }
    log.info(
        "process {} ({}) started: pid {}, {}",
        record.id,
        record.name,
        process.pid(),
        record.plan.executable());
    process
        .onExit()
        .thenCompose(
            p -> {
              Instant exitTime = clock.instant();
              return CompletableFuture.allOf(drained.toArray(new CompletableFuture<?>[0]))
                  .completeOnTimeout(null, OUTPUT_DRAIN_MILLIS, TimeUnit.MILLISECONDS)
                  .handle((v, t) -> exitTime);
            })
        .whenComplete(
            (exitTime, t) -> {
              record.exited(process.exitValue(), exitTime != null ? exitTime : clock.instant());
              exits.remove(record);
              try {
                // Before the joins are answered, so a scrape after a join sees the exit.
                exitListener.accept(record.snapshot().exitStatus());
              } catch (RuntimeException e) {
                log.warn("the exit listener failed for {}", record.id, e);
              }
              exited.complete(null);
              log.info(
                  "process {} ({}) exited: {}",
                  record.id,
                  record.name,
                  record.snapshot().exitStatus());
            });
    if (endNow) {
      endGroup(record);
    }
  }

  private CompletableFuture<Void> pump(InputStream in, OutputBuffer buffer) {
    CompletableFuture<Void> eof = new CompletableFuture<>();
    pumps.execute(
        () -> {
          byte[] chunk = new byte[PUMP_BUFFER_BYTES];
          try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
              buffer.append(chunk, 0, n);
            }
          } catch (IOException e) {
            log.debug("output pipe closed", e);
          } finally {
            buffer.close();
            eof.complete(null);
          }
        });
    return eof;
  }

  /** Describes record {@code id}. */
  public ProcessSnapshot get(String id) {
    return lookup(id).snapshot();
  }

  /** Fails with {@code PROCESS_NOT_FOUND} unless record {@code id} exists. */
  public void checkExists(String id) {
    lookup(id);
  }

  /** One page of a listing. */
  public record Page(List<ProcessSnapshot> processes, String nextPageToken) {}

  /**
   * Lists records in creation order.
   *
   * @param sessionId only those created by this session, unless empty
   * @param state only those in this state, unless null
   * @param name only those with this name, unless empty
   */
  public Page list(
      String sessionId, ProcessState state, String name, int pageSize, String pageToken) {
    int limit = PageSizes.limit(pageSize);
    long after = decodeToken(pageToken);
    List<ProcessSnapshot> page = new ArrayList<>();
    long last = after;
    for (ProcessRecord r : records.tailMap(after, false).values()) {
      if (!sessionId.isEmpty() && !sessionId.equals(r.sessionId)) {
        continue;
      }
      if (!name.isEmpty() && !name.equals(r.name)) {
        continue;
      }
      ProcessSnapshot s = r.snapshot();
      if (state != null && s.state() != state) {
        continue;
      }
      if (page.size() == limit) {
        return new Page(page, encodeToken(last));
      }
      page.add(s);
      last = r.seq;
    }
    return new Page(page, "");
  }

  /** Where a join's answer goes. */
  public interface JoinSink {
    /** The process exited, or the wait ended first; {@code exited} says which. */
    void joined(ProcessSnapshot snapshot, boolean exited);

    /** The join failed (session ended, shutdown). */
    void failed(BrokerException e);
  }

  /** A parked join, for the adapter to call off. */
  public interface JoinHandle {
    /** Forgets the join: the client went away. */
    void cancel();

    /** Answers the join with {@code e} unless it was answered. */
    void fail(BrokerException e);
  }

  /**
   * Waits for record {@code id}'s process to exit, at most as long as {@code wait} allows, and
   * answers its state either way.
   */
  public JoinHandle join(String id, Wait wait, JoinSink sink) {
    checkNotShutdown();
    ProcessRecord record = lookup(id);
    JoinWaiter waiter = new JoinWaiter(record, sink);
    boolean mayWait = !wait.isNoWait() && !wait.isExpired();
    if (record.join(waiter, mayWait) && !wait.isForever()) {
      waiter.timeout = timer.schedule(waiter::timedOut, wait.nanos());
      if (waiter.done.get()) {
        waiter.timeout.cancel();
      }
    }
    return waiter;
  }

  private static final class JoinWaiter implements ProcessRecord.Joiner, JoinHandle {
    private final ProcessRecord record;
    private final JoinSink sink;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Timer.Timeout timeout = Timer.NONE;

    JoinWaiter(ProcessRecord record, JoinSink sink) {
      this.record = record;
      this.sink = sink;
    }

    @Override
    public void answer(ProcessSnapshot snapshot, boolean exited) {
      if (done.compareAndSet(false, true)) {
        timeout.cancel();
        sink.joined(snapshot, exited);
      }
    }

    @Override
    public void fail(BrokerException e) {
      if (done.compareAndSet(false, true)) {
        record.removeJoiner(this);
        timeout.cancel();
        sink.failed(e);
      }
    }

    void timedOut() {
      if (record.removeJoiner(this)) {
        ProcessSnapshot s = record.snapshot();
        answer(s, s.state() == ProcessState.EXITED);
      }
    }

    @Override
    public void cancel() {
      done.set(true);
      timeout.cancel();
      record.removeJoiner(this);
    }
  }

  /** What a signal did. */
  public record SignalResult(boolean sent, ProcessSnapshot snapshot) {}

  /**
   * Sends {@code signal} to record {@code id}'s process group (or only to the process); nothing
   * when the process is not running.
   */
  public CompletableFuture<SignalResult> signal(
      String id, ProcessSignal signal, boolean processOnly) {
    ProcessRecord record = lookup(id);
    Process process = record.markSignal(signal);
    if (process == null) {
      return CompletableFuture.completedFuture(new SignalResult(false, record.snapshot()));
    }
    if (processOnly && (signal == ProcessSignal.TERM || signal == ProcessSignal.KILL)) {
      // The JDK's own signal checks that its child was not reaped: no stranger can be hit.
      if (signal == ProcessSignal.TERM) {
        process.destroy();
      } else {
        process.destroyForcibly();
      }
      return CompletableFuture.completedFuture(new SignalResult(true, record.snapshot()));
    }
    return CompletableFuture.supplyAsync(
        () -> {
          // Checked right before kill(1) runs: once the child was reaped its pid may be reused.
          if (process.isAlive()) {
            send(List.of(process.pid()), signal, !processOnly);
          }
          return new SignalResult(true, record.snapshot());
        },
        signals);
  }

  private void send(List<Long> pids, ProcessSignal signal, boolean group) {
    if (group && !launcher.groupsChildren()) {
      pids.forEach(pid -> Signaller.sendDirect(pid, signal, true));
    } else {
      signaller.send(pids, signal, group);
    }
  }

  /**
   * Ends a daemon the broker's way: SIGTERM to its process group, and after the grace period
   * SIGKILL to whatever of the group is left, also when the daemon itself already exited (its
   * descendants must not outlive it).
   */
  private void endGroup(ProcessRecord record) {
    Process process = record.markSignalUnchecked(ProcessSignal.TERM);
    if (process == null) {
      return;
    }
    long pgid = process.pid();
    log.info(
        "ending daemon process {} ({}), pid {}: its session ended", record.id, record.name, pgid);
    try {
      signals.execute(() -> send(List.of(pgid), ProcessSignal.TERM, true));
    } catch (BrokerException e) {
      Signaller.sendDirect(pgid, ProcessSignal.TERM, true); // shutting down: no signaller
    }
    timer.schedule(
        () -> {
          boolean running = record.markSignalUnchecked(ProcessSignal.KILL) != null;
          if (running || ProcessGroups.mayHaveMembers(pgid, false, ProcessGroups.live())) {
            try {
              signals.execute(() -> send(List.of(pgid), ProcessSignal.KILL, true));
            } catch (BrokerException e) {
              // Shutting down: the shutdown policy takes over the remaining children.
            }
          }
        },
        config.killGrace().toNanos());
  }

  private void ownerEnded(ProcessRecord record) {
    if (record.ownerEnded()) {
      endGroup(record);
    }
  }

  /**
   * Deletes record {@code id} (Python's {@code close()}).
   *
   * @return false if there was none and {@code allowMissing} is set
   */
  public boolean delete(String id, boolean allowMissing) {
    Names.checkRequired("id", id);
    ProcessRecord record = find(id);
    if (record == null) {
      if (allowMissing) {
        return false;
      }
      throw notFound(id);
    }
    List<OutputReader> readers = record.delete();
    records.remove(record.seq, record);
    record.unbind.run();
    BrokerException gone = notFound(id);
    for (OutputReader r : readers) {
      r.fail(gone);
    }
    return true;
  }

  /** Which output stream. */
  public enum StdStream {
    STDOUT,
    STDERR
  }

  /**
   * Streams a captured output stream from {@code offset} (negative: from the end) to {@code sink}.
   * The adapter calls {@link OutputReader#drain} whenever the sink becomes ready.
   */
  public OutputReader readOutput(
      String id, StdStream stream, long offset, boolean follow, OutputSink sink) {
    checkNotShutdown();
    ProcessRecord record = lookup(id);
    OutputBuffer buffer = stream == StdStream.STDOUT ? record.stdout : record.stderr;
    if (buffer == null) {
      throw BrokerException.of(
          Reason.OUTPUT_NOT_CAPTURED,
          stream.name().toLowerCase(Locale.ROOT) + " of process " + id + " is not captured",
          "process",
          id,
          "stream",
          "OUTPUT_STREAM_" + stream.name());
    }
    OutputReader reader = new OutputReader(buffer, offset, follow, sink, record::removeReader);
    record.addReader(reader);
    reader.drain();
    return reader;
  }

  /**
   * Shuts down: refuses new spawns, answers parked joins and output streams with {@code
   * SERVER_SHUTTING_DOWN}, and applies the shutdown policy to the children: by default SIGTERM to
   * every group that may still have members (of running children, and of exited ones whose
   * descendants live on), then SIGKILL to what is left once the children exited or the grace period
   * passed. Blocks for that long, plus up to a second for the last exits and a few seconds for a
   * spawn in progress to finish.
   */
  public void shutdown() throws InterruptedException {
    shutdown = true;
    spawner.shutdown();
    spawner.awaitTermination(5, TimeUnit.SECONDS);
    BrokerException e = BrokerException.shuttingDown();
    for (ProcessRecord r : records.values()) {
      for (Object w : r.takeWaiters()) {
        if (w instanceof ProcessRecord.Joiner j) {
          j.fail(e);
        } else if (w instanceof OutputReader o) {
          o.fail(e);
        }
      }
    }
    switch (config.onShutdown()) {
      case TERMINATE -> {
        if (signalGroups(ProcessSignal.TERM) > 0) {
          awaitExits(config.killGrace().toNanos());
          if (signalGroups(ProcessSignal.KILL) > 0) {
            awaitExits(TimeUnit.SECONDS.toNanos(1));
          }
        }
      }
      case KILL -> {
        if (signalGroups(ProcessSignal.KILL) > 0) {
          awaitExits(TimeUnit.SECONDS.toNanos(1));
        }
      }
      case KEEP -> {
        long running =
            records.values().stream().filter(r -> r.state() == ProcessState.RUNNING).count();
        if (running > 0) {
          log.warn("leaving {} children running, as --children-on-shutdown=keep asks", running);
        }
      }
    }
    signals.shutdown();
    pumps.shutdown();
  }

  /** Signals every group of the broker's that may have members, with one kill(1). */
  private int signalGroups(ProcessSignal signal) {
    Set<Long> live = ProcessGroups.live();
    List<Long> pgids = new ArrayList<>();
    for (ProcessRecord r : records.values()) {
      Long pgid = r.leaderPid();
      if (pgid == null) {
        continue;
      }
      boolean running = r.markSignalUnchecked(signal) != null;
      if (running || ProcessGroups.mayHaveMembers(pgid, false, live)) {
        pgids.add(pgid);
      }
    }
    if (!pgids.isEmpty()) {
      log.info("sending SIG{} to {} process groups", signal, pgids.size());
      send(pgids, signal, true);
    }
    return pgids.size();
  }

  private void awaitExits(long nanos) throws InterruptedException {
    CompletableFuture<?>[] pending = exits.values().toArray(new CompletableFuture<?>[0]);
    try {
      CompletableFuture.allOf(pending).get(nanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // What is left gets the next signal.
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  private ProcessRecord lookup(String id) {
    Names.checkRequired("id", id);
    ProcessRecord r = find(id);
    if (r == null) {
      throw notFound(id);
    }
    return r;
  }

  private ProcessRecord find(String id) {
    if (!id.startsWith(ID_PREFIX)) {
      return null;
    }
    long seq;
    try {
      seq = Long.parseLong(id.substring(ID_PREFIX.length()));
    } catch (NumberFormatException e) {
      return null;
    }
    ProcessRecord r = records.get(seq);
    return r != null && r.id.equals(id) && !r.isDeleted() ? r : null;
  }

  static BrokerException notFound(String id) {
    return BrokerException.of(
        Reason.PROCESS_NOT_FOUND,
        "no process record has id " + Names.abbreviate(id),
        "process",
        Names.abbreviate(id));
  }

  private void checkNotShutdown() {
    if (shutdown) {
      throw BrokerException.shuttingDown();
    }
  }

  /** Checks what needs no filesystem: sizes, NULs, required fields. */
  static void checkSpec(ProcessSpec spec) {
    if (spec.argv().isEmpty()) {
      throw BrokerException.of(Reason.FIELD_REQUIRED, "argv is required", "field", "argv");
    }
    if (spec.argv().get(0).isEmpty()) {
      throw invalid("argv", "", "argv[0] must name an executable");
    }
    for (String a : spec.argv()) {
      checkNoNul("argv", a);
    }
    String name = spec.name();
    if (name.length() > Names.MAX_NAME_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
      throw BrokerException.of(
          Reason.INVALID_NAME,
          "a process name has at most "
              + Names.MAX_NAME_LENGTH
              + " characters and no control characters",
          "field",
          "name",
          "value",
          Names.abbreviate(name));
    }
    for (Map.Entry<String, String> e : spec.env().entrySet()) {
      String key = e.getKey();
      if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
        throw invalid("env", key, "an environment variable's name is non-empty, without = or NUL");
      }
      checkNoNul("env", e.getValue());
    }
    checkNoNul("cwd", spec.cwd());
    if (spec.stdin().mode() == ProcessSpec.InputMode.FILE) {
      checkPath("stdin.path", spec.stdin().path());
    }
    checkOutput("stdout", spec.stdout());
    checkOutput("stderr", spec.stderr());
    if (spec.stdout().mode() == ProcessSpec.OutputMode.STDOUT) {
      throw invalid("stdout.mode", "STDOUT", "only stderr can go where stdout goes");
    }
  }

  private static void checkOutput(String field, ProcessSpec.Output out) {
    if (out.mode() == ProcessSpec.OutputMode.FILE) {
      checkPath(field + ".path", out.path());
    }
  }

  private static void checkPath(String field, String path) {
    if (path.isEmpty()) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          field + " is required for a file",
          "field",
          field,
          "value",
          "");
    }
    checkNoNul(field, path);
  }

  private static void checkNoNul(String field, String value) {
    if (value.indexOf('\0') >= 0) {
      throw invalid(field, value, field + " must not contain NUL");
    }
  }

  private static BrokerException invalid(String field, String value, String message) {
    return BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        message,
        "field",
        field,
        "value",
        Names.abbreviate(value.replace('\0', '?')));
  }

  private static String encodeToken(long lastSeq) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((TOKEN_PREFIX + lastSeq).getBytes(StandardCharsets.UTF_8));
  }

  private static long decodeToken(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (text.startsWith(TOKEN_PREFIX)) {
        return Long.parseLong(text.substring(TOKEN_PREFIX.length()));
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below
    }
    throw BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "page_token was not returned by ListProcesses",
        "field",
        "page_token",
        "value",
        Names.abbreviate(token));
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
