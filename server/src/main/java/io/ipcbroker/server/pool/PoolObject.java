package io.ipcbroker.server.pool;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One pool: its queue of chunks, its workers (attached streams and spawned processes) and its
 * lifecycle. Dispatch gives a chunk to a worker that serves its function and has credit; a chunk in
 * flight belongs to its worker until the worker answers it or goes away, and then it runs once more
 * (with retry) or its tasks fail. All state is guarded by the object's monitor; jobs are told and
 * workers are sent to after it is released.
 *
 * @param <P> the payload type
 */
final class PoolObject<P> {
  /** The pool's states. */
  enum State {
    RUNNING,
    CLOSED,
    TERMINATED,
    BROKEN
  }

  /** Spawns and stops the pool's worker processes (the process registry, in the broker). */
  interface Processes {
    /**
     * Spawns one worker for {@code pool}; {@code exited} is called once when its process exits
     * (possibly before the future completes). The future fails if it cannot be spawned (bad
     * command, spawning off).
     */
    CompletableFuture<Spawned> spawn(PoolObject<?> pool, ExitListener exited);

    /** Stops a worker process (SIGTERM, then SIGKILL after a grace). */
    void stop(String processId);
  }

  /** A spawned worker process. */
  record Spawned(String processId, long pid) {}

  /** Told when a spawned worker's process exits. */
  interface ExitListener {
    /**
     * @param metadata {@code exit_code} or {@code signal}
     * @param description for people ("exit code 3", "signal 9")
     */
    void exited(String processId, Map<String, String> metadata, String description);
  }

  /** An exit that came before its spawn's answer. */
  private record ExitNote(Map<String, String> metadata, String description) {}

  /** A description of the pool. */
  record Info(
      String name,
      State state,
      PoolConfig config,
      List<WorkerInfo> workers,
      long queued,
      long running,
      long succeeded,
      long failed,
      String brokenReason) {}

  /** A worker's state. */
  enum WorkerState {
    STARTING,
    IDLE,
    BUSY,
    RETIRING
  }

  /** A description of a worker. */
  record WorkerInfo(
      String workerId,
      String processId,
      long pid,
      WorkerState state,
      List<String> functions,
      long chunksDone,
      int inFlight) {}

  final String name;
  final PoolConfig config;
  private final Processes processes;
  private final Timer timer;
  private final LongSupplier chunkIds;
  private final AtomicLong workerIds = new AtomicLong();

  // Guarded by this.
  private State state = State.RUNNING;
  private String brokenReason = "";
  private final ArrayDeque<Chunk<P>> queue = new ArrayDeque<>();
  private final Map<String, Worker> workers = new LinkedHashMap<>();
  private final Map<String, Slot> slots = new LinkedHashMap<>(); // spawned, by process id
  private final Set<Job<P>> openJobs = new LinkedHashSet<>(); // maps still taking inputs
  private final Set<MapJob<P>> maps = new LinkedHashSet<>(); // maps not yet ended
  private final List<Joiner> joiners = new ArrayList<>();
  private int spawning; // spawns asked for and not answered yet
  private final Map<String, ExitNote> earlyExits = new HashMap<>(); // exits before their answers
  private long queuedItems;
  private long runningItems;
  private long succeeded;
  private long failed;

  PoolObject(
      String name, PoolConfig config, Processes processes, Timer timer, LongSupplier chunkIds) {
    this.name = name;
    this.config = config;
    this.processes = processes;
    this.timer = timer;
    this.chunkIds = chunkIds;
  }

  // ---- jobs ----

  /** Who submitted a chunk, and is told its outcomes (outside the pool's monitor). */
  interface Job<P> {
    void finished(Chunk<P> chunk, List<Outcome<P>> outcomes);
  }

  /** Some tasks of one job, dispatched together. */
  static final class Chunk<P> {
    final long id;
    final String function;
    final List<P> items;
    final Job<P> job;
    final long firstIndex;
    int attempts;

    Chunk(long id, String function, List<P> items, Job<P> job, long firstIndex) {
      this.id = id;
      this.function = function;
      this.items = List.copyOf(items);
      this.job = job;
      this.firstIndex = firstIndex;
    }
  }

  /**
   * Queues {@code items} of {@code job} in chunks of {@code chunksize}, numbered from {@code
   * firstIndex}.
   *
   * @param accepted whether the job was accepted before the pool closed (a map still sending its
   *     inputs); a new job needs a running pool
   * @throws BrokerException {@code POOL_CLOSED}, {@code POOL_BROKEN}
   */
  void submit(
      Job<P> job,
      String function,
      List<P> items,
      long firstIndex,
      int chunksize,
      boolean accepted) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      checkTakesTasks(accepted);
      boolean unservable = unservableLocked(function);
      for (int from = 0; from < items.size(); from += chunksize) {
        List<P> part = items.subList(from, Math.min(items.size(), from + chunksize));
        Chunk<P> c = new Chunk<>(chunkIds.getAsLong(), function, part, job, firstIndex + from);
        if (unservable) {
          failLocked(c, functionNotFound(function), after);
        } else {
          queue.add(c);
          queuedItems += part.size();
        }
      }
      dispatchLocked(after);
    }
    after.forEach(Runnable::run);
  }

  /**
   * Opens a map that will send inputs (so that closing waits for its inputs too).
   *
   * @throws BrokerException {@code POOL_CLOSED}, {@code POOL_BROKEN}
   */
  synchronized void openJob(MapJob<P> job) {
    checkTakesTasks(false);
    openJobs.add(job);
    maps.add(job);
  }

  /** A map ended (answered, cancelled or failed). */
  synchronized void mapEnded(MapJob<P> job) {
    maps.remove(job);
  }

  /** A map sent all its inputs: a closed pool may be done now. */
  void jobClosed(Job<P> job) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      openJobs.remove(job);
      maybeFinishLocked(after);
    }
    after.forEach(Runnable::run);
  }

  /** Takes {@code job}'s queued chunks back (its client went away); running ones finish. */
  void withdraw(Job<P> job) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      openJobs.remove(job);
      Iterator<Chunk<P>> it = queue.iterator();
      while (it.hasNext()) {
        Chunk<P> c = it.next();
        if (c.job == job) {
          it.remove();
          queuedItems -= c.items.size();
        }
      }
      maybeFinishLocked(after);
    }
    after.forEach(Runnable::run);
  }

  private void checkTakesTasks(boolean accepted) {
    if (state == State.BROKEN) {
      throw BrokerException.of(
          Reason.POOL_BROKEN,
          "pool " + name + " is broken: " + brokenReason,
          "pool",
          name,
          "why",
          brokenReason);
    }
    if (state == State.TERMINATED || (state == State.CLOSED && !accepted)) {
      throw BrokerException.of(
          Reason.POOL_CLOSED, "pool " + name + " is not running", "pool", name);
    }
  }

  // ---- workers ----

  /**
   * Attaches a worker's stream.
   *
   * @param processId the process id it says it has, for a spawned worker; empty otherwise
   * @throws BrokerException {@code POOL_CLOSED} for a pool that takes no workers, {@code
   *     POOL_BROKEN}
   */
  Worker attach(List<String> functions, String processId, long pid, WorkerChannel<P> channel) {
    List<Runnable> after = new ArrayList<>();
    Worker w;
    synchronized (this) {
      if (state == State.BROKEN || state == State.TERMINATED) {
        checkTakesTasks(false); // a closed pool still takes workers: its tasks must finish
      }
      Slot slot = processId.isEmpty() ? null : slots.get(processId);
      if (slot == null && !processId.isEmpty() && spawning > 0) {
        // A spawned worker that said hello before its spawn's answer reached the pool.
        slot = new Slot(processId, pid);
        slots.put(processId, slot);
      }
      w =
          new Worker(
              "worker-" + workerIds.incrementAndGet(),
              slot,
              slot != null ? slot.pid : pid,
              Set.copyOf(functions),
              channel);
      workers.put(w.id, w);
      Worker accepted = w;
      after.add(() -> channel.accepted(accepted.id)); // before anything else is sent to it
      if (slot != null) {
        slot.worker = w;
        slot.attached = true;
      }
      if (state == State.CLOSED && queue.isEmpty() && runningItems == 0 && openJobs.isEmpty()) {
        w.retiring = true;
        after.add(() -> channel.retire("closed"));
      }
      // Chunks that waited for a worker serving their function go now, or fail if none can come.
      failUnservableLocked(after);
      dispatchLocked(after);
    }
    after.forEach(Runnable::run);
    return w;
  }

  /** A worker attached to this pool: its stream, its credit and its chunks in flight. */
  final class Worker {
    final String id;
    private final Slot slot;
    final long pid;
    final Set<String> functions;
    private final WorkerChannel<P> channel;
    // Guarded by the pool.
    private int credit;
    private final Map<Long, Chunk<P>> inFlight = new LinkedHashMap<>();
    private long chunksDone;
    private long chunksGiven;
    private boolean retiring;
    private boolean gone;

    Worker(String id, Slot slot, long pid, Set<String> functions, WorkerChannel<P> channel) {
      this.id = id;
      this.slot = slot;
      this.pid = pid;
      this.functions = functions;
      this.channel = channel;
    }

    /** The worker is ready for {@code chunks} more chunks. */
    void credit(int chunks) {
      if (chunks < 1) {
        throw BrokerException.of(
            Reason.STREAM_PROTOCOL_VIOLATION, "credit must be at least 1", "field", "chunks");
      }
      List<Runnable> after = new ArrayList<>();
      synchronized (PoolObject.this) {
        if (gone) {
          return;
        }
        credit = (int) Math.min(Integer.MAX_VALUE, (long) credit + chunks);
        dispatchLocked(after);
      }
      after.forEach(Runnable::run);
    }

    /**
     * The outcomes of chunk {@code chunkId}, one per input in order.
     *
     * @throws BrokerException {@code STREAM_PROTOCOL_VIOLATION} for a chunk it does not hold or a
     *     wrong number of outcomes
     */
    void result(long chunkId, List<Outcome<P>> outcomes) {
      List<Runnable> after = new ArrayList<>();
      synchronized (PoolObject.this) {
        if (gone) {
          return;
        }
        Chunk<P> c = inFlight.get(chunkId);
        if (c == null) {
          throw BrokerException.of(
              Reason.STREAM_PROTOCOL_VIOLATION,
              "the worker holds no chunk " + chunkId,
              "chunk_id",
              chunkId);
        }
        if (outcomes.size() != c.items.size()) {
          throw BrokerException.of(
              Reason.STREAM_PROTOCOL_VIOLATION,
              "chunk " + chunkId + " has " + c.items.size() + " inputs, not " + outcomes.size(),
              "chunk_id",
              chunkId);
        }
        inFlight.remove(chunkId);
        chunksDone++;
        finishLocked(c, outcomes, after);
        if (config.maxTasksPerChild() > 0
            && chunksDone >= config.maxTasksPerChild()
            && inFlight.isEmpty()
            && !retiring) {
          retiring = true;
          after.add(() -> channel.retire("maxtasksperchild"));
        }
        dispatchLocked(after);
        maybeFinishLocked(after);
      }
      after.forEach(Runnable::run);
    }

    /**
     * The worker's stream ended: its chunks in flight run once more (with retry) or fail with
     * {@code WORKER_DIED}. For a spawned worker, its process's exit status is waited for (briefly)
     * so that the failure can say how it died.
     */
    void gone() {
      List<Chunk<P>> lost;
      synchronized (PoolObject.this) {
        if (gone) {
          return;
        }
        gone = true;
        workers.remove(id);
        if (slot != null && slot.worker == this) {
          slot.worker = null;
        }
        lost = new ArrayList<>(inFlight.values());
        inFlight.clear();
        credit = 0;
      }
      if (slot != null) {
        // Its process may live on without its stream (a hung worker): it goes, and is replaced.
        processes.stop(slot.processId);
      }
      if (lost.isEmpty()) {
        List<Runnable> after = new ArrayList<>();
        synchronized (PoolObject.this) {
          failUnservableLocked(after);
          maybeFinishLocked(after);
        }
        after.forEach(Runnable::run);
        return;
      }
      if (slot != null) {
        slot.onExit(metadata -> lose(lost, metadata), EXIT_WAIT_NANOS);
      } else {
        lose(lost, Map.of());
      }
    }

    private void lose(List<Chunk<P>> lost, Map<String, String> exit) {
      List<Runnable> after = new ArrayList<>();
      synchronized (PoolObject.this) {
        Map<String, String> metadata = new HashMap<>(exit);
        metadata.put("worker_id", id);
        metadata.put("pid", Long.toString(pid));
        for (Chunk<P> c : lost) {
          runningItems -= c.items.size();
          if (config.retry()
              && c.attempts < 2
              && (state == State.RUNNING || state == State.CLOSED)) {
            queue.addFirst(c);
            queuedItems += c.items.size();
          } else if (state == State.TERMINATED || state == State.BROKEN) {
            failLocked(c, stoppedFailureLocked(), after);
          } else {
            failLocked(
                c,
                Outcome.Failure.of(
                    Outcome.Kind.WORKER_DIED,
                    "worker " + id + " (pid " + pid + ") died while it ran the task",
                    metadata),
                after);
          }
        }
        failUnservableLocked(after);
        dispatchLocked(after);
        maybeFinishLocked(after);
      }
      after.forEach(Runnable::run);
    }

    private WorkerInfo info() {
      WorkerState s =
          retiring
              ? WorkerState.RETIRING
              : inFlight.isEmpty() ? WorkerState.IDLE : WorkerState.BUSY;
      return new WorkerInfo(
          id,
          slot == null ? "" : slot.processId,
          pid,
          s,
          List.copyOf(new TreeSet<>(functions)),
          chunksDone,
          inFlight.size());
    }
  }

  // How long a lost chunk's failure waits for its spawned worker's exit status.
  private static final long EXIT_WAIT_NANOS = 2_000_000_000L;

  /** A spawned worker process. */
  private final class Slot {
    final String processId;
    final long pid;
    Worker worker;
    boolean attached;
    Map<String, String> exit; // null while it runs
    final List<Consumer<Map<String, String>>> exitWaiters = new ArrayList<>();

    Slot(String processId, long pid) {
      this.processId = processId;
      this.pid = pid;
    }

    /** Calls {@code then} with the exit metadata once known, or with none after {@code nanos}. */
    void onExit(Consumer<Map<String, String>> then, long nanos) {
      AtomicBoolean done = new AtomicBoolean();
      Consumer<Map<String, String>> once =
          m -> {
            if (done.compareAndSet(false, true)) {
              then.accept(m);
            }
          };
      Map<String, String> known;
      synchronized (PoolObject.this) {
        known = exit;
        if (known == null) {
          Timer.Timeout fallback = timer.schedule(() -> once.accept(Map.of()), nanos);
          exitWaiters.add(
              m -> {
                fallback.cancel();
                once.accept(m);
              });
        }
      }
      if (known != null) {
        once.accept(known);
      }
    }
  }

  /**
   * Spawns workers until {@code processes} run, while the pool may still need them.
   *
   * @return completes when the spawns it started are done; fails with the first spawn's error
   */
  CompletableFuture<Void> spawnMissing() {
    int toSpawn;
    synchronized (this) {
      boolean needed =
          state == State.RUNNING
              || (state == State.CLOSED
                  && (!queue.isEmpty() || runningItems > 0 || !openJobs.isEmpty()));
      toSpawn = needed ? config.processes() - slots.size() - spawning : 0;
      if (toSpawn <= 0) {
        return CompletableFuture.completedFuture(null);
      }
      spawning += toSpawn;
    }
    List<CompletableFuture<Spawned>> all = new ArrayList<>();
    for (int i = 0; i < toSpawn; i++) {
      CompletableFuture<Spawned> f;
      try {
        f = processes.spawn(this, this::exited);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      all.add(f.whenComplete(this::spawned));
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
  }

  /** A spawn finished: the worker's slot, or (it failed) a broken pool. */
  private void spawned(Spawned s, Throwable failure) {
    List<Runnable> after = new ArrayList<>();
    ExitNote early = null;
    synchronized (this) {
      spawning--;
      if (failure != null) {
        breakLocked("a worker could not be spawned: " + unwrap(failure).getMessage(), after);
      } else {
        slots.putIfAbsent(s.processId(), new Slot(s.processId(), s.pid()));
        early = earlyExits.remove(s.processId());
        if (state == State.TERMINATED || state == State.BROKEN) {
          after.add(() -> processes.stop(s.processId()));
        }
      }
      maybeFinishLocked(after);
    }
    after.forEach(Runnable::run);
    if (early != null) {
      exited(s.processId(), early.metadata(), early.description());
    }
  }

  /** A future's failure as it was thrown, without the {@link CompletionException} around it. */
  static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  /** A spawned worker's process exited: it is replaced, or (never attached) the pool breaks. */
  void exited(String processId, Map<String, String> metadata, String description) {
    List<Runnable> after = new ArrayList<>();
    List<Consumer<Map<String, String>>> waiters;
    boolean replace = false;
    synchronized (this) {
      Slot slot = slots.remove(processId);
      if (slot == null) {
        if (spawning > 0) {
          earlyExits.put(processId, new ExitNote(metadata, description));
        }
        return;
      }
      slot.exit = metadata;
      waiters = new ArrayList<>(slot.exitWaiters);
      slot.exitWaiters.clear();
      if (!slot.attached && state != State.TERMINATED && state != State.BROKEN) {
        breakLocked(
            "worker process " + processId + " exited (" + description + ") before it attached",
            after);
      } else {
        replace = true;
      }
      maybeFinishLocked(after);
    }
    waiters.forEach(w -> w.accept(metadata));
    after.forEach(Runnable::run);
    if (replace) {
      spawnMissing();
    }
  }

  // ---- dispatch ----

  /**
   * Gives queued chunks, in order, to workers that serve their function and have credit (the least
   * loaded first). Stops as soon as no worker has credit left, so that a long queue costs nothing
   * while every worker is busy.
   */
  private void dispatchLocked(List<Runnable> after) {
    if (state == State.TERMINATED || state == State.BROKEN || !anyCreditLocked()) {
      return;
    }
    Iterator<Chunk<P>> it = queue.iterator();
    while (it.hasNext()) {
      Chunk<P> c = it.next();
      Worker best = null;
      for (Worker w : workers.values()) {
        if (w.functions.contains(c.function) && mayRun(w)) {
          if (best == null || w.inFlight.size() < best.inFlight.size()) {
            best = w;
          }
        }
      }
      if (best == null) {
        continue;
      }
      it.remove();
      queuedItems -= c.items.size();
      runningItems += c.items.size();
      c.attempts++;
      best.credit--;
      best.chunksGiven++;
      best.inFlight.put(c.id, c);
      Worker to = best;
      after.add(() -> to.channel.chunk(c.id, c.function, c.items));
      if (best.credit == 0 && !anyCreditLocked()) {
        return;
      }
    }
  }

  private boolean mayRun(Worker w) {
    return w.credit > 0 && !w.retiring && mayTakeMore(w);
  }

  private boolean anyCreditLocked() {
    for (Worker w : workers.values()) {
      if (mayRun(w)) {
        return true;
      }
    }
    return false;
  }

  /** Whether some attached worker serves {@code function}. */
  private boolean servedLocked(String function) {
    for (Worker w : workers.values()) {
      if (w.functions.contains(function)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a function that no attached worker serves must fail now: workers are attached and no
   * spawned worker that could still serve it is starting.
   */
  private boolean unservableLocked(String function) {
    return !workers.isEmpty() && slotsStarting() == 0 && !servedLocked(function);
  }

  /** Fails the queued chunks whose function no worker can serve (see {@link #unservableLocked}). */
  private void failUnservableLocked(List<Runnable> after) {
    Iterator<Chunk<P>> it = queue.iterator();
    while (it.hasNext()) {
      Chunk<P> c = it.next();
      if (unservableLocked(c.function)) {
        it.remove();
        queuedItems -= c.items.size();
        failLocked(c, functionNotFound(c.function), after);
      }
    }
  }

  private Outcome.Failure functionNotFound(String function) {
    return Outcome.Failure.of(
        Outcome.Kind.FUNCTION_NOT_FOUND,
        "no worker of pool " + name + " serves " + function,
        Map.of("function", function));
  }

  private boolean mayTakeMore(Worker w) {
    int max = config.maxTasksPerChild();
    return max == 0 || w.chunksGiven < max;
  }

  private int slotsStarting() {
    int n = spawning;
    for (Slot s : slots.values()) {
      if (!s.attached) {
        n++;
      }
    }
    return n;
  }

  private void finishLocked(Chunk<P> c, List<Outcome<P>> outcomes, List<Runnable> after) {
    runningItems -= c.items.size();
    for (Outcome<P> o : outcomes) {
      if (o.succeeded()) {
        succeeded++;
      } else {
        failed++;
      }
    }
    after.add(() -> c.job.finished(c, outcomes));
  }

  private void failLocked(Chunk<P> c, Outcome.Failure f, List<Runnable> after) {
    List<Outcome<P>> outcomes = new ArrayList<>(c.items.size());
    for (int i = 0; i < c.items.size(); i++) {
      outcomes.add(Outcome.failedWith(f));
    }
    failed += outcomes.size();
    after.add(() -> c.job.finished(c, outcomes));
  }

  // ---- lifecycle ----

  /** Python's {@code close()}: no new tasks; the workers retire once the work is done. */
  void close() {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (state == State.RUNNING) {
        state = State.CLOSED;
      }
      maybeFinishLocked(after);
    }
    after.forEach(Runnable::run);
  }

  /** Python's {@code terminate()}: pending tasks fail, workers stop. */
  void terminate() {
    terminate(State.TERMINATED, "");
  }

  private void terminate(State to, String why) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (state == State.TERMINATED || state == State.BROKEN) {
        return;
      }
      state = to;
      brokenReason = why;
      stopAllLocked(
          to == State.BROKEN
              ? Outcome.Failure.of(
                  Outcome.Kind.POOL_BROKEN, "pool " + name + " broke: " + why, Map.of())
              : Outcome.Failure.of(
                  Outcome.Kind.POOL_TERMINATED, "pool " + name + " was terminated", Map.of()),
          after);
      maybeFinishLocked(after);
    }
    after.forEach(Runnable::run);
  }

  /** The failure of tasks that a terminated or broken pool cannot run any more. */
  private Outcome.Failure stoppedFailureLocked() {
    return state == State.BROKEN
        ? Outcome.Failure.of(
            Outcome.Kind.POOL_BROKEN, "pool " + name + " broke: " + brokenReason, Map.of())
        : Outcome.Failure.of(
            Outcome.Kind.POOL_TERMINATED, "pool " + name + " was terminated", Map.of());
  }

  private void breakLocked(String why, List<Runnable> after) {
    if (state == State.TERMINATED || state == State.BROKEN) {
      return;
    }
    state = State.BROKEN;
    brokenReason = why;
    stopAllLocked(
        Outcome.Failure.of(Outcome.Kind.POOL_BROKEN, "pool " + name + " broke: " + why, Map.of()),
        after);
  }

  /** Fails queued and running chunks with {@code f} and stops every worker. */
  private void stopAllLocked(Outcome.Failure f, List<Runnable> after) {
    for (Chunk<P> c : queue) {
      failLocked(c, f, after);
    }
    queue.clear();
    queuedItems = 0;
    for (Worker w : new ArrayList<>(workers.values())) {
      for (Chunk<P> c : w.inFlight.values()) {
        runningItems -= c.items.size();
        failLocked(c, f, after);
      }
      w.inFlight.clear();
      w.gone = true;
      after.add(w.channel::end);
    }
    workers.clear();
    openJobs.clear();
    for (Slot s : slots.values()) {
      s.worker = null;
      String id = s.processId;
      after.add(() -> processes.stop(id));
    }
  }

  /** A closed pool whose work is done retires its workers; a finished pool answers joins. */
  private void maybeFinishLocked(List<Runnable> after) {
    if (state == State.CLOSED && queue.isEmpty() && runningItems == 0 && openJobs.isEmpty()) {
      for (Worker w : workers.values()) {
        if (!w.retiring) {
          w.retiring = true;
          after.add(() -> w.channel.retire("closed"));
        }
      }
    }
    if (finishedLocked()) {
      for (Joiner j : joiners) {
        j.timeout.cancel();
        after.add(() -> j.reply.ok(true));
      }
      joiners.clear();
    }
  }

  private boolean finishedLocked() {
    return state != State.RUNNING
        && queue.isEmpty()
        && runningItems == 0
        && workers.isEmpty()
        && slots.isEmpty()
        && spawning == 0;
  }

  /**
   * Python's {@code join()}: waits until a closed or terminated pool has no work and no worker.
   *
   * @throws BrokerException {@code POOL_RUNNING} for a running pool
   */
  Parked join(Wait wait, Reply<Boolean> reply) {
    boolean now;
    synchronized (this) {
      if (state == State.RUNNING) {
        throw BrokerException.of(
            Reason.POOL_RUNNING, "pool " + name + " is still running", "pool", name);
      }
      now = finishedLocked();
      if (!now && !wait.isNoWait() && !wait.isExpired()) {
        Joiner j = new Joiner(reply);
        joiners.add(j);
        if (!wait.isForever()) {
          j.timeout = timer.schedule(() -> j.end(), wait.nanos());
        }
        return j;
      }
    }
    reply.ok(now);
    return Parked.NONE;
  }

  private final class Joiner implements Parked {
    final Reply<Boolean> reply;
    Timer.Timeout timeout = Timer.NONE;

    Joiner(Reply<Boolean> reply) {
      this.reply = reply;
    }

    void end() {
      synchronized (PoolObject.this) {
        if (!joiners.remove(this)) {
          return;
        }
      }
      reply.ok(false);
    }

    @Override
    public void cancel() {
      synchronized (PoolObject.this) {
        joiners.remove(this);
      }
      timeout.cancel();
    }

    @Override
    public void fail(BrokerException e) {
      boolean mine;
      synchronized (PoolObject.this) {
        mine = joiners.remove(this);
      }
      if (mine) {
        timeout.cancel();
        reply.fail(e);
      }
    }
  }

  /** Terminates the pool and fails its joins with {@code e} (deleted, shutdown). */
  void close(BrokerException e) {
    terminate();
    List<Joiner> failed;
    List<MapJob<P>> open;
    synchronized (this) {
      failed = new ArrayList<>(joiners);
      joiners.clear();
      open = new ArrayList<>(maps);
      maps.clear();
    }
    for (MapJob<P> m : open) {
      m.fail(e);
    }
    for (Joiner j : failed) {
      j.timeout.cancel();
      j.reply.fail(e);
    }
  }

  synchronized Info info() {
    List<WorkerInfo> ws = new ArrayList<>();
    for (Worker w : workers.values()) {
      ws.add(w.info());
    }
    for (Slot s : slots.values()) {
      if (s.worker == null) {
        // Not attached yet, or its stream ended and its process has not exited yet.
        WorkerState st = s.attached ? WorkerState.RETIRING : WorkerState.STARTING;
        ws.add(new WorkerInfo("", s.processId, s.pid, st, List.of(), 0, 0));
      }
    }
    return new Info(
        name, state, config, ws, queuedItems, runningItems, succeeded, failed, brokenReason);
  }

  synchronized State state() {
    return state;
  }
}
