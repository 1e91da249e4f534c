package io.ipcbroker.server.pool;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.process.ExitStatus;
import io.ipcbroker.server.process.ProcessRegistry;
import io.ipcbroker.server.process.ProcessSignal;
import io.ipcbroker.server.process.ProcessSnapshot;
import io.ipcbroker.server.process.ProcessSpec;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker's pools and submitted tasks. Pools belong to the session that created them (they are
 * terminated when it ends) and spawn their workers through the process registry; tasks belong to
 * the session that submitted them.
 *
 * @param <P> the payload type
 */
public final class PoolRegistry<P> {
  /** The environment variable that tells a spawned worker its pool. */
  public static final String ENV_POOL = "IPCBROKER_POOL";

  /** The most workers a pool spawns. */
  public static final int MAX_PROCESSES = 256;

  /** The most inputs a map may have unanswered, and its default. */
  public static final int MAX_WINDOW = 65_536;

  public static final int DEFAULT_WINDOW = 1024;

  // How long a stopped worker has between SIGTERM and SIGKILL.
  private static final long STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final ObjectTable<PoolObject<P>> pools;
  private final Map<String, TaskRecord<P>> tasks = new ConcurrentHashMap<>();
  private final Map<PoolObject<P>, Runnable> owners = new ConcurrentHashMap<>();
  private final Timer timer;
  private final SessionRegistry sessions;
  private final ProcessRegistry processes;
  private final AtomicLong chunkIds = new AtomicLong();
  private final AtomicLong taskIds = new AtomicLong();
  private final AtomicLong workerNumbers = new AtomicLong();

  /** A registry whose pools spawn workers through {@code processes}. */
  public PoolRegistry(Timer timer, SessionRegistry sessions, ProcessRegistry processes) {
    this(timer, sessions, processes, ObjectQuota.UNLIMITED);
  }

  /** As above, with its objects counted in {@code quota}. */
  public PoolRegistry(
      Timer timer, SessionRegistry sessions, ProcessRegistry processes, ObjectQuota quota) {
    this.timer = timer;
    this.sessions = sessions;
    this.processes = processes;
    this.pools =
        new ObjectTable<>("pool", Reason.POOL_NOT_FOUND, Reason.POOL_ALREADY_EXISTS, quota);
  }

  /** What a create did. */
  public record Created(PoolObject.Info info, boolean created) {}

  /**
   * Creates a pool and spawns its workers, or opens it if its configuration matches. The future
   * completes once the first workers were spawned, or fails with the first spawn's error (the pool
   * is then deleted).
   */
  public CompletableFuture<Created> create(
      String name, String sessionId, PoolConfig config, boolean allowExisting) {
    Names.checkName("name", name);
    Names.checkRequired("session_id", sessionId);
    checkConfig(config);
    sessions.get(sessionId);
    ObjectTable.Opened<PoolObject<P>> o =
        pools.create(
            name,
            allowExisting,
            () ->
                new PoolObject<>(
                    name, config, spawner(sessionId), timer, chunkIds::incrementAndGet),
            existing -> {
              if (!existing.config.equals(config)) {
                throw ObjectTable.configMismatch(name, "config", existing.config, config);
              }
            });
    PoolObject<P> pool = o.object();
    if (!o.created()) {
      return CompletableFuture.completedFuture(new Created(pool.info(), false));
    }
    try {
      // The pool dies with its owner, name and all: a later create makes a fresh one.
      SessionOwned owned = s -> deleteThis(pool);
      Session owner = sessions.attach(sessionId, owned);
      owners.put(pool, () -> sessions.detach(owner, owned));
    } catch (BrokerException e) {
      deleteThis(pool);
      throw e;
    }
    return pool.spawnMissing()
        .handle(
            (v, failure) -> {
              if (failure != null) {
                Throwable cause = PoolObject.unwrap(failure);
                deleteThis(pool);
                if (cause instanceof RuntimeException r) {
                  throw r;
                }
                throw new IllegalStateException(cause);
              }
              return new Created(pool.info(), true);
            });
  }

  private static void checkConfig(PoolConfig c) {
    if (c.processes() < 0 || c.processes() > MAX_PROCESSES) {
      throw invalid(
          "processes", c.processes(), "processes must be within [0, " + MAX_PROCESSES + "]");
    }
    if (c.processes() > 0 && c.argv().isEmpty()) {
      throw BrokerException.of(
          Reason.FIELD_REQUIRED,
          "worker_argv is required to spawn workers",
          "field",
          "worker_argv");
    }
    if (c.processes() == 0 && !c.argv().isEmpty()) {
      throw invalid("processes", 0, "worker_argv needs processes of at least 1");
    }
    if (c.maxTasksPerChild() < 0) {
      throw invalid("maxtasksperchild", c.maxTasksPerChild(), "maxtasksperchild must be >= 0");
    }
  }

  private static BrokerException invalid(String field, Object value, String message) {
    return BrokerException.of(Reason.INVALID_FIELD_VALUE, message, "field", field, "value", value);
  }

  /** Describes {@code name}. */
  public PoolObject.Info info(String name) {
    return pools.get(name).info();
  }

  /** A pool's figures, for metrics and the status page. */
  public record Figures(
      String name,
      String state,
      int workers,
      int processes,
      long queued,
      long running,
      long succeeded,
      long failed) {}

  /** The figures of every pool now. */
  public List<Figures> figures() {
    List<Figures> all = new ArrayList<>();
    for (PoolObject.Info i : list()) {
      all.add(
          new Figures(
              i.name(),
              i.state().name().toLowerCase(Locale.ROOT),
              i.workers().size(),
              i.config().processes(),
              i.queued(),
              i.running(),
              i.succeeded(),
              i.failed()));
    }
    return all;
  }

  /** Describes every pool, by name. */
  public List<PoolObject.Info> list() {
    List<PoolObject.Info> all = new ArrayList<>();
    for (PoolObject<P> p : pools.list()) {
      all.add(p.info());
    }
    all.sort(Comparator.comparing(PoolObject.Info::name));
    return all;
  }

  /** Closes {@code name}. */
  public PoolObject.Info close(String name) {
    PoolObject<P> pool = pools.get(name);
    pool.close();
    return pool.info();
  }

  /** Terminates {@code name}. */
  public PoolObject.Info terminate(String name) {
    PoolObject<P> pool = pools.get(name);
    pool.terminate();
    return pool.info();
  }

  /** Waits until {@code name} finished; the reply says whether it did. */
  public Parked join(String name, Wait wait, Reply<Boolean> reply) {
    return pools.get(name).join(wait, reply);
  }

  /** Terminates and forgets {@code pool} if its name is still its own (not a re-created one). */
  private void deleteThis(PoolObject<P> pool) {
    pools.removeIf(p -> p == pool, this::closeDeleted);
  }

  private void closeDeleted(PoolObject<P> pool) {
    Runnable unbind = owners.remove(pool);
    if (unbind != null) {
      unbind.run();
    }
    pool.close(
        BrokerException.of(Reason.OBJECT_DELETED, pool.name + " was deleted", "name", pool.name));
  }

  /** Terminates and forgets {@code name}. */
  public boolean delete(String name, boolean allowMissing) {
    if (allowMissing && pools.find(name) == null) {
      return false; // also during shutdown, when the owner session's end comes late
    }
    return pools.delete(name, allowMissing, this::closeDeleted);
  }

  /**
   * Submits one task for {@code sessionId}; answers its id.
   *
   * @throws BrokerException {@code POOL_CLOSED}, {@code POOL_BROKEN}, {@code SESSION_NOT_FOUND}
   */
  public String submit(String poolName, String sessionId, String function, P args) {
    PoolObject<P> pool = pools.get(poolName);
    Names.checkRequired("session_id", sessionId);
    Names.checkRequired("function", function);
    String id = "task-" + taskIds.incrementAndGet();
    SessionOwned owned = s -> forget(id);
    Session[] session = new Session[1];
    TaskRecord<P> task =
        new TaskRecord<>(
            id,
            sessionId,
            timer,
            () -> {
              tasks.remove(id);
              sessions.detach(session[0], owned);
            });
    // In the map before the session binding, so that the session's end always finds it.
    tasks.put(id, task);
    try {
      session[0] = sessions.attach(sessionId, owned);
      pool.submit(task, function, List.of(args), 0, 1, false);
    } catch (BrokerException e) {
      tasks.remove(id);
      sessions.detach(session[0], owned);
      throw e;
    }
    return id;
  }

  private void forget(String taskId) {
    TaskRecord<P> t = tasks.remove(taskId);
    if (t != null) {
      t.close(taskNotFound(taskId));
    }
  }

  /** Answers task {@code taskId}'s outcome once ready (or not ready when the wait ends). */
  public Parked result(
      String taskId, Wait wait, boolean forget, Reply<TaskRecord.Result<P>> reply) {
    Names.checkRequired("task_id", taskId);
    TaskRecord<P> t = tasks.get(taskId);
    if (t == null) {
      throw taskNotFound(taskId);
    }
    return t.get(wait, forget, reply);
  }

  private static BrokerException taskNotFound(String taskId) {
    return BrokerException.of(
        Reason.TASK_NOT_FOUND,
        "no task has id " + Names.abbreviate(taskId),
        "task",
        Names.abbreviate(taskId));
  }

  /**
   * Opens a map on {@code poolName}.
   *
   * @throws BrokerException {@code INVALID_FIELD_VALUE} for the chunk size or window, {@code
   *     POOL_CLOSED}, {@code POOL_BROKEN}
   */
  public MapJob<P> openMap(
      String poolName,
      String function,
      Integer chunksize,
      boolean ordered,
      Integer window,
      MapSink<P> sink) {
    PoolObject<P> pool = pools.get(poolName);
    Names.checkRequired("function", function);
    int chunk = chunksize == null ? 1 : chunksize;
    int win = window == null ? DEFAULT_WINDOW : window;
    if (chunk < 1) {
      throw invalid("chunksize", chunk, "chunksize must be at least 1");
    }
    if (win < 1 || win > MAX_WINDOW) {
      throw invalid("window", win, "window must be within [1, " + MAX_WINDOW + "]");
    }
    MapJob<P> job = new MapJob<>(pool, function, chunk, ordered, win, sink);
    pool.openJob(job);
    return job;
  }

  /**
   * Attaches a worker's stream to {@code poolName}.
   *
   * @throws BrokerException {@code FIELD_REQUIRED} without functions, {@code POOL_CLOSED}, {@code
   *     POOL_BROKEN}
   */
  public PoolObject<P>.Worker attach(
      String poolName,
      List<String> functions,
      String processId,
      long pid,
      WorkerChannel<P> channel) {
    PoolObject<P> pool = pools.get(poolName);
    if (functions.isEmpty()) {
      throw BrokerException.of(
          Reason.FIELD_REQUIRED, "a worker serves at least one function", "field", "functions");
    }
    for (String f : functions) {
      Names.checkRequired("functions", f);
    }
    return pool.attach(functions, processId, pid, channel);
  }

  /** Terminates every pool and refuses new calls. */
  public void shutdown() {
    BrokerException e = BrokerException.shuttingDown();
    pools.shutdown(p -> p.close(e));
    tasks.values().forEach(t -> t.close(e));
  }

  // ---- spawning workers through the process registry ----

  private PoolObject.Processes spawner(String ownerSession) {
    return new PoolObject.Processes() {
      @Override
      public CompletableFuture<PoolObject.Spawned> spawn(
          PoolObject<?> pool, PoolObject.ExitListener exited) {
        Map<String, String> env = new HashMap<>(pool.config.env());
        env.put(ENV_POOL, pool.name);
        ProcessSpec spec =
            new ProcessSpec(
                pool.config.argv(),
                "PoolWorker-" + workerNumbers.incrementAndGet(),
                env,
                false,
                pool.config.cwd(),
                true,
                ProcessSpec.Input.NULL,
                ProcessSpec.Output.CAPTURE,
                ProcessSpec.Output.CAPTURE);
        return processes
            .create(ownerSession, spec, true, () -> false)
            .thenApply(
                snapshot -> {
                  watch(snapshot.id(), exited);
                  return new PoolObject.Spawned(
                      snapshot.id(), snapshot.pid() == null ? 0 : snapshot.pid());
                });
      }

      @Override
      public void stop(String processId) {
        signal(processId, ProcessSignal.TERM);
        timer.schedule(() -> signal(processId, ProcessSignal.KILL), STOP_GRACE_NANOS);
      }
    };
  }

  private void signal(String processId, ProcessSignal signal) {
    try {
      processes.signal(processId, signal, false);
    } catch (RuntimeException e) {
      // Gone already, or the broker is stopping (its own shutdown stops the children).
    }
  }

  /** Tells {@code exited} when the process exits, then forgets its record and output. */
  private void watch(String processId, PoolObject.ExitListener exited) {
    try {
      watchNow(processId, exited);
    } catch (BrokerException e) {
      // Deleted or shutting down already: the worker is gone.
      exited.exited(processId, Map.of(), Objects.toString(e.getMessage()));
    }
  }

  private void watchNow(String processId, PoolObject.ExitListener exited) {
    processes.join(
        processId,
        Wait.FOREVER,
        new ProcessRegistry.JoinSink() {
          @Override
          public void joined(ProcessSnapshot snapshot, boolean hasExited) {
            ExitStatus status = snapshot.exitStatus();
            Map<String, String> metadata = new HashMap<>();
            String description = "unknown status";
            if (status != null && status.signal() != null) {
              metadata.put("signal", Integer.toString(status.signal()));
              description = "signal " + status.signal();
            } else if (status != null && status.code() != null) {
              metadata.put("exit_code", Integer.toString(status.code()));
              description = "exit code " + status.code();
            }
            exited.exited(processId, metadata, description);
            try {
              processes.delete(processId, true);
            } catch (BrokerException e) {
              // Deleted or shutting down: nothing to forget.
            }
          }

          @Override
          public void failed(BrokerException e) {
            exited.exited(processId, Map.of(), Objects.toString(e.getMessage()));
          }
        });
  }
}
