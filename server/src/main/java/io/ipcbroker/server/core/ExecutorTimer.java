package io.ipcbroker.server.core;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link Timer} on one daemon thread. */
public final class ExecutorTimer implements Timer, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExecutorTimer.class);

  private final ScheduledThreadPoolExecutor executor;

  /** Starts the timer thread. */
  public ExecutorTimer() {
    executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "ipcbroker-timer");
              t.setDaemon(true);
              return t;
            });
    // Most timeouts are cancelled because the wait ended first; without this the queue would
    // keep every cancelled entry until its delay passed.
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public Timeout schedule(Runnable task, long delayNanos) {
    ScheduledFuture<?> future =
        executor.schedule(guard(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public Timeout scheduleAtFixedRate(Runnable task, long periodNanos) {
    ScheduledFuture<?> future =
        executor.scheduleAtFixedRate(guard(task), periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  // A task that throws would otherwise be swallowed by the executor (and a periodic one would
  // silently stop); log it once and keep the timer alive.
  private static Runnable guard(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("timer task failed", e);
      }
    };
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
