package io.ipcbroker.server.process;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One process record: what was asked for, where the process is in its life, its captured output and
 * the calls waiting for it. The record's monitor guards its state; answers are sent after it is
 * released.
 */
final class ProcessRecord {
  final long seq;
  final String id;
  final String name;
  // Python's identity: "1" for a session's first process, "1:2" for the second child of that.
  final String identity;
  final ProcessSpec spec;
  final Launcher.Plan plan;
  final String sessionId;
  final String parentProcessId;
  final Instant createTime;
  // Numbers the children that sessions opened by this process create.
  final AtomicInteger childCounter = new AtomicInteger();
  final OutputBuffer stdout; // null when not captured
  final OutputBuffer stderr; // null when not captured
  // Releases the daemon's tie to its session once the record is gone.
  volatile Runnable unbind = () -> {};

  private ProcessState state = ProcessState.CREATED; // guarded by this, as are the fields below
  private boolean starting;
  private Long pid;
  private Instant startTime;
  private Instant exitTime;
  private ExitStatus exitStatus;
  private ProcessSignal lastSignal;
  private long signalsSent; // bit n set: the broker sent signal n
  private boolean deleted;
  private boolean ownerEnded;
  private Process process; // the JDK's handle while it runs: signals to the pid go through it
  private final List<Joiner> joiners = new ArrayList<>();
  private final Set<OutputReader> readers = new LinkedHashSet<>();

  ProcessRecord(
      long seq,
      String name,
      String identity,
      ProcessSpec spec,
      Launcher.Plan plan,
      String sessionId,
      String parentProcessId,
      Instant createTime,
      int outputBufferBytes) {
    this.seq = seq;
    this.id = "proc-" + seq;
    this.name = name;
    this.identity = identity;
    this.spec = spec;
    this.plan = plan;
    this.sessionId = sessionId;
    this.parentProcessId = parentProcessId;
    this.createTime = createTime;
    this.stdout =
        spec.stdout().mode() == ProcessSpec.OutputMode.CAPTURE
            ? new OutputBuffer(outputBufferBytes)
            : null;
    this.stderr =
        spec.stderr().mode() == ProcessSpec.OutputMode.CAPTURE
            ? new OutputBuffer(outputBufferBytes)
            : null;
  }

  /** A parked join. */
  interface Joiner {
    /** Answers the join; called once, without the record's monitor. */
    void answer(ProcessSnapshot snapshot, boolean exited);

    /** Fails the join; called once, without the record's monitor. */
    void fail(BrokerException e);
  }

  synchronized ProcessSnapshot snapshot() {
    return new ProcessSnapshot(
        id,
        name,
        spec.argv(),
        plan.executable().toString(),
        plan.cwd() == null ? "" : plan.cwd().toString(),
        spec.daemon(),
        state,
        pid,
        exitStatus,
        sessionId,
        parentProcessId,
        createTime,
        startTime,
        exitTime,
        lastSignal,
        spec.stdout().mode(),
        spec.stderr().mode(),
        stdout == null ? 0 : stdout.end(),
        stderr == null ? 0 : stderr.end());
  }

  synchronized ProcessState state() {
    return state;
  }

  synchronized boolean isDeleted() {
    return deleted;
  }

  /** Claims the start; fails if the process was started or the daemon's session ended. */
  synchronized void beginStart() {
    checkNotDeleted();
    if (state != ProcessState.CREATED || starting) {
      throw BrokerException.of(
          Reason.PROCESS_ALREADY_STARTED, "process " + id + " was already started", "process", id);
    }
    if (spec.daemon() && ownerEnded) {
      throw BrokerException.of(
          Reason.SESSION_NOT_FOUND,
          "the session that owns daemon process " + id + " ended",
          "session",
          sessionId);
    }
    starting = true;
  }

  /**
   * Gives the start back after a failed spawn: the record stays, not started, and joins that parked
   * while it was being spawned fail as a join of a process not started does.
   */
  void startFailed() {
    List<Joiner> waiting;
    synchronized (this) {
      starting = false;
      waiting = new ArrayList<>(joiners);
      joiners.clear();
    }
    for (Joiner j : waiting) {
      j.fail(notStarted());
    }
  }

  /**
   * Records the spawned process.
   *
   * @return whether the process must be ended at once: a daemon whose session ended while it was
   *     being spawned
   */
  synchronized boolean started(Process spawned, Instant now) {
    starting = false;
    state = ProcessState.RUNNING;
    process = spawned;
    pid = spawned.pid();
    startTime = now;
    return spec.daemon() && ownerEnded;
  }

  /** Records the exit and answers the parked joins. */
  void exited(int exitValue, Instant now) {
    List<Joiner> waiting;
    ProcessSnapshot snapshot;
    synchronized (this) {
      if (state == ProcessState.EXITED) {
        return;
      }
      state = ProcessState.EXITED;
      exitTime = now;
      long sent = signalsSent;
      exitStatus = ExitStatus.fromExitValue(exitValue, n -> n < 64 && (sent & (1L << n)) != 0);
      process = null;
      waiting = new ArrayList<>(joiners);
      joiners.clear();
      snapshot = snapshot();
    }
    for (Joiner j : waiting) {
      j.answer(snapshot, true);
    }
  }

  /**
   * Answers a join now or parks it.
   *
   * @return true if it was parked (the caller then bounds it with a timeout)
   */
  boolean join(Joiner joiner, boolean mayWait) {
    ProcessSnapshot snapshot;
    boolean exited;
    synchronized (this) {
      checkNotDeleted();
      if (state == ProcessState.CREATED && !starting) {
        throw BrokerException.of(
            Reason.PROCESS_NOT_STARTED, "process " + id + " was not started", "process", id);
      }
      exited = state == ProcessState.EXITED;
      if (!exited && mayWait) {
        joiners.add(joiner);
        return true;
      }
      snapshot = snapshot();
    }
    joiner.answer(snapshot, exited);
    return false;
  }

  /** Takes back a parked join; returns false if it was answered already. */
  synchronized boolean removeJoiner(Joiner joiner) {
    return joiners.remove(joiner);
  }

  /**
   * Notes that the broker signals the process.
   *
   * @return the running process to signal, or null if it is not running
   */
  synchronized Process markSignal(ProcessSignal signal) {
    checkNotDeleted();
    return markSignalUnchecked(signal);
  }

  /** {@link #markSignal} for the broker's own signals, which also reach deleted records. */
  synchronized Process markSignalUnchecked(ProcessSignal signal) {
    if (state != ProcessState.RUNNING) {
      return null;
    }
    lastSignal = signal;
    signalsSent |= 1L << signal.number();
    return process;
  }

  /** The pid the process had (it led a process group of that id), or null if never started. */
  synchronized Long leaderPid() {
    return pid;
  }

  /** Notes that the creating session ended; returns whether the process must be ended now. */
  synchronized boolean ownerEnded() {
    ownerEnded = true;
    return spec.daemon() && state == ProcessState.RUNNING;
  }

  /**
   * Marks the record deleted.
   *
   * @return the output readers to end
   * @throws BrokerException {@code PROCESS_RUNNING} while it runs
   */
  synchronized List<OutputReader> delete() {
    checkNotDeleted();
    if (state == ProcessState.RUNNING || starting) {
      throw BrokerException.of(
          Reason.PROCESS_RUNNING, "process " + id + " is running", "process", id);
    }
    deleted = true;
    List<OutputReader> r = new ArrayList<>(readers);
    readers.clear();
    return r;
  }

  /** Registers an output reader; fails if the record was deleted. */
  synchronized void addReader(OutputReader reader) {
    checkNotDeleted();
    readers.add(reader);
  }

  synchronized void removeReader(OutputReader reader) {
    readers.remove(reader);
  }

  /** Takes every parked join and output reader, for shutdown. */
  synchronized List<Object> takeWaiters() {
    List<Object> all = new ArrayList<>(joiners);
    all.addAll(readers);
    joiners.clear();
    readers.clear();
    return all;
  }

  private BrokerException notStarted() {
    return BrokerException.of(
        Reason.PROCESS_NOT_STARTED, "process " + id + " was not started", "process", id);
  }

  private void checkNotDeleted() {
    if (deleted) {
      throw ProcessRegistry.notFound(id);
    }
  }
}
