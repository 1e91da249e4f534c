package io.ipcbroker.server.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A {@link Timer} on a virtual clock that only moves when a test calls {@link #advanceNanos}, so
 * timeout logic can be tested without depending on the wall clock. One-shot tasks that come due run
 * on the calling thread, in due order, outside the timer's own lock (as a real timer runs them on
 * its thread, outside any broker lock). Periodic tasks are recorded but never run: the tests that
 * care (the session sweep) call the task directly.
 */
public final class FakeTimer implements Timer {
  private final List<Task> tasks = new ArrayList<>(); // guarded by this
  private final List<Runnable> periodic = new ArrayList<>(); // guarded by this
  private long now; // guarded by this
  private long seq; // guarded by this

  private final class Task implements Timeout {
    final long due;
    final long order;
    final Runnable action;
    boolean cancelled; // guarded by FakeTimer.this

    Task(long due, long order, Runnable action) {
      this.due = due;
      this.order = order;
      this.action = action;
    }

    @Override
    public void cancel() {
      synchronized (FakeTimer.this) {
        cancelled = true;
        tasks.remove(this);
      }
    }
  }

  @Override
  public synchronized Timeout schedule(Runnable task, long delayNanos) {
    Task t = new Task(now + Math.max(0, delayNanos), seq++, task);
    tasks.add(t);
    return t;
  }

  @Override
  public synchronized Timeout scheduleAtFixedRate(Runnable task, long periodNanos) {
    periodic.add(task);
    return () -> {
      synchronized (FakeTimer.this) {
        periodic.remove(task);
      }
    };
  }

  /** Moves the clock by {@code nanos} and runs every one-shot task that came due, in due order. */
  public void advanceNanos(long nanos) {
    long target;
    synchronized (this) {
      target = now + nanos;
    }
    while (true) {
      Task next;
      synchronized (this) {
        next =
            tasks.stream()
                .filter(t -> t.due <= target)
                .min(Comparator.<Task>comparingLong(t -> t.due).thenComparingLong(t -> t.order))
                .orElse(null);
        if (next == null) {
          now = target;
          return;
        }
        tasks.remove(next);
        now = Math.max(now, next.due);
      }
      next.action.run();
    }
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  /**
   * Moves the clock by {@code nanos} without running anything that came due: a timer running late
   * under load. {@link #advanceNanos}{@code (0)} runs the late tasks.
   */
  public synchronized void advanceClockOnly(long nanos) {
    now += nanos;
  }

  /** Moves the clock by {@code millis} milliseconds; see {@link #advanceNanos}. */
  public void advanceMillis(long millis) {
    advanceNanos(millis * 1_000_000L);
  }

  /** One-shot tasks scheduled and neither run nor cancelled. */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  /** Periodic tasks scheduled and not cancelled. */
  public synchronized int periodicTasks() {
    return periodic.size();
  }
}
