package io.ipcbroker.client;

import io.ipcbroker.v1.CreatePoolRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A pool of workers on the broker: Python's {@code multiprocessing.Pool}. Tasks call a function
 * that the workers serve, named by a string, on arguments of type {@code A} and answer values of
 * type {@code R} (both converted by the pool handle's codecs); the workers may be written in any
 * language. A task whose worker dies is answered ({@code WORKER_DIED}, or retried once), never left
 * waiting.
 *
 * <pre>{@code
 * IpcPool<String, String> pool =
 *     broker.pool("squares", 2, JavaProcess.of(SquareWorkerMain.class));
 * List<String> squares = pool.map("square", List.of("1", "2", "3")); // [1, 4, 9]
 * IpcAsyncResult<String> r = pool.applyAsync("square", "7");
 * r.get(Duration.ofSeconds(5)); // 49
 * pool.close();
 * pool.join();
 * }</pre>
 *
 * <p>A task's failure is an {@link IpcTaskException}: the worker's exception type, message and
 * traceback ({@code TASK_RAISED}), or {@code WORKER_DIED}, {@code FUNCTION_NOT_FOUND}, {@code
 * POOL_TERMINATED}, {@code POOL_BROKEN}, {@code ITEM_TOO_LARGE}. Handles are thread-safe.
 *
 * @param <A> the arguments' type
 * @param <R> the results' type
 */
public interface IpcPool<A, R> {
  /** The pool's name. */
  String name();

  /**
   * Python's {@code apply}: runs {@code function(arg)} on a worker and waits for its result.
   *
   * @throws IpcTaskException if the task failed
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code POOL_CLOSED} or {@code
   *     POOL_BROKEN} if the pool takes no tasks
   */
  R apply(String function, A arg);

  /**
   * Python's {@code apply_async}: submits {@code function(arg)} and answers at once.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code POOL_CLOSED} or {@code
   *     POOL_BROKEN} if the pool takes no tasks
   */
  IpcAsyncResult<R> applyAsync(String function, A arg);

  /**
   * Python's {@code map}: runs {@code function} on every argument, one task per argument, and
   * answers the results in the arguments' order. As in Python, a task's failure is thrown once
   * every task finished (the first failure in argument order; the others are suppressed on it).
   *
   * @throws IpcTaskException if a task failed
   */
  List<R> map(String function, Iterable<? extends A> args);

  /**
   * As {@link #map(String, Iterable)}, sending the tasks to workers {@code chunksize} at a time
   * (Python's {@code chunksize}): fewer round trips for many small tasks.
   *
   * @throws IllegalArgumentException if {@code chunksize} is below 1
   */
  List<R> map(String function, Iterable<? extends A> args, int chunksize);

  /** Python's {@code map_async}: {@link #map(String, Iterable, int)} on the SDK's threads. */
  CompletableFuture<List<R>> mapAsync(String function, Iterable<? extends A> args, int chunksize);

  /**
   * Python's {@code imap}: the results in the arguments' order, as they come. The arguments are
   * read lazily and at most a window of them (1,024, or 4 chunks if more) is unanswered at a time,
   * so an endless {@code args} works. A failed task throws its {@link IpcTaskException} from {@code
   * next()}, and the iteration goes on with the next result. Close the iterator to stop early: the
   * tasks not started yet are withdrawn.
   */
  IpcMapIterator<R> imap(String function, Iterable<? extends A> args);

  /** As {@link #imap(String, Iterable)}, in chunks of {@code chunksize}. */
  IpcMapIterator<R> imap(String function, Iterable<? extends A> args, int chunksize);

  /**
   * Python's {@code imap_unordered}: as {@link #imap(String, Iterable)}, but the results come as
   * they finish.
   */
  IpcMapIterator<R> imapUnordered(String function, Iterable<? extends A> args);

  /** As {@link #imapUnordered(String, Iterable)}, in chunks of {@code chunksize}. */
  IpcMapIterator<R> imapUnordered(String function, Iterable<? extends A> args, int chunksize);

  /**
   * Python's {@code starmap}: runs {@code function} on each list of arguments, sent as one payload
   * with {@link Codecs#stringList()} (a JSON array of strings, {@code application/json}); the
   * worker's function reads it with the same codec. Results as {@link #map(String, Iterable)}.
   */
  List<R> starmap(String function, Iterable<? extends List<String>> argLists);

  /** As {@link #starmap(String, Iterable)}, in chunks of {@code chunksize}. */
  List<R> starmap(String function, Iterable<? extends List<String>> argLists, int chunksize);

  /**
   * Python's {@code close}: the pool takes no new tasks, and its workers exit once the tasks
   * submitted so far are done.
   */
  void close();

  /**
   * Python's {@code terminate}: the pending tasks fail with {@code POOL_TERMINATED} and the workers
   * are stopped (spawned ones killed).
   */
  void terminate();

  /**
   * Python's {@code join}: waits until a closed or terminated pool has no task and no worker left.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code POOL_RUNNING} if the pool was
   *     neither closed nor terminated
   */
  void join();

  /**
   * As {@link #join()}, waiting at most {@code timeout}.
   *
   * @return whether the pool finished
   */
  boolean join(Duration timeout);

  /** The pool as it is now: its state, its workers and its task counts. */
  Info info();

  /**
   * This pool with other codecs for arguments and results (the pool and its tasks are the same).
   */
  <A2, R2> IpcPool<A2, R2> withCodecs(Codec<A2> argCodec, Codec<R2> resultCodec);

  /** The states of a pool. */
  enum State {
    /** Takes tasks. */
    RUNNING,
    /** Closed: finishes its tasks, takes no new ones. */
    CLOSED,
    /** Terminated: its tasks failed, its workers stopped. */
    TERMINATED,
    /** Broken: a spawned worker exited before it ever attached; see {@link Info#brokenReason}. */
    BROKEN
  }

  /**
   * A worker as it is now.
   *
   * @param workerId the broker's id of the worker (empty while a spawned worker starts)
   * @param processId the process record of a spawned worker; empty for an attached one
   * @param pid its operating-system pid
   * @param state {@code STARTING}, {@code IDLE}, {@code BUSY} or {@code RETIRING}
   * @param functions the functions it serves
   * @param chunksDone the chunks it finished
   * @param chunksInFlight the chunks it runs now
   */
  record WorkerInfo(
      String workerId,
      String processId,
      long pid,
      String state,
      List<String> functions,
      long chunksDone,
      int chunksInFlight) {}

  /**
   * A pool as it is now.
   *
   * @param name its name
   * @param state its state
   * @param processes how many workers it spawns (0: attached workers only)
   * @param workers its workers
   * @param tasksQueued tasks waiting for a worker
   * @param tasksRunning tasks running on workers
   * @param tasksSucceeded tasks answered with a value
   * @param tasksFailed tasks answered with an error
   * @param brokenReason why it broke; empty unless {@link State#BROKEN}
   */
  record Info(
      String name,
      State state,
      int processes,
      List<WorkerInfo> workers,
      long tasksQueued,
      long tasksRunning,
      long tasksSucceeded,
      long tasksFailed,
      String brokenReason) {}

  /** Describes a pool to create; from {@link IpcBroker#poolBuilder(String)}. */
  final class Builder {
    private final IpcBroker broker;
    private final String name;
    private int processes;
    private final List<String> workerArgv = new ArrayList<>();
    private final Map<String, String> workerEnv = new HashMap<>();
    private String workerCwd = "";
    private int maxTasksPerChild;
    private boolean retryOnWorkerDeath;

    Builder(IpcBroker broker, String name) {
      this.broker = broker;
      this.name = Objects.requireNonNull(name, "name");
    }

    /** How many workers the broker spawns (1 to 256); 0 (the default) for attached ones only. */
    public Builder processes(int processes) {
      this.processes = processes;
      return this;
    }

    /**
     * The worker command (never through a shell), spawned {@link #processes} times; {@link
     * JavaProcess#of} gives one that runs a Java class. The workers find the broker and the pool in
     * {@code IPCBROKER_TARGET} and {@code IPCBROKER_POOL} ({@link
     * PoolWorker#serveFromEnvironment}).
     */
    public Builder workerArgv(List<String> argv) {
      workerArgv.clear();
      workerArgv.addAll(argv);
      return this;
    }

    /** Variables added to the workers' environment. */
    public Builder workerEnv(Map<String, String> env) {
      workerEnv.putAll(env);
      return this;
    }

    /** The workers' working directory (default: the broker's). */
    public Builder workerCwd(String cwd) {
      this.workerCwd = Objects.requireNonNull(cwd, "cwd");
      return this;
    }

    /**
     * Python's {@code maxtasksperchild}: a worker exits after this many chunks and is replaced; 0
     * (the default) for no limit.
     */
    public Builder maxTasksPerChild(int max) {
      this.maxTasksPerChild = max;
      return this;
    }

    /**
     * Runs a chunk once more on another worker when its worker dies, instead of failing its tasks
     * with {@code WORKER_DIED} at once (default false).
     */
    public Builder retryOnWorkerDeath(boolean retry) {
      this.retryOnWorkerDeath = retry;
      return this;
    }

    /**
     * Creates the pool (or opens it, if one of this name exists with the same configuration), with
     * string arguments and results.
     *
     * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code CONFIG_MISMATCH} if it exists
     *     with another configuration; {@code INVALID_ARGUMENT}/{@code INVALID_FIELD_VALUE} for
     *     {@code processes} outside [0, 256]; the process service's errors for the worker command
     */
    public IpcPool<String, String> create() {
      return create(Codecs.string(), Codecs.string());
    }

    /** As {@link #create()}, with arguments and results converted by these codecs. */
    public <A, R> IpcPool<A, R> create(Codec<A> argCodec, Codec<R> resultCodec) {
      return broker.createPool(
          CreatePoolRequest.newBuilder()
              .setName(name)
              .setProcesses(processes)
              .addAllWorkerArgv(workerArgv)
              .putAllWorkerEnv(workerEnv)
              .setWorkerCwd(workerCwd)
              .setMaxtasksperchild(maxTasksPerChild)
              .setRetryOnWorkerDeath(retryOnWorkerDeath)
              .setAllowExisting(true)
              .build(),
          argCodec,
          resultCodec);
    }
  }
}
