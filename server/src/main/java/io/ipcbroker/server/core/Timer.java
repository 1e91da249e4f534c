package io.ipcbroker.server.core;

/**
 * Runs tasks after a delay. Parked calls use it for their timeouts instead of holding a thread
 * each, so ten thousand parked calls cost ten thousand small timer entries and no thread.
 */
public interface Timer {
  /** Something scheduled that can still be called off. */
  interface Timeout {
    /** Calls the task off if it has not run yet; harmless afterwards. */
    void cancel();
  }

  /** A timeout that never fires, for waits without a limit. */
  Timeout NONE = () -> {};

  /**
   * The timer's clock in nanoseconds, for deadlines that the core checks itself (a timer can fire
   * late under load). Only differences between readings mean anything.
   */
  default long nanoTime() {
    return System.nanoTime();
  }

  /** Runs {@code task} once after {@code delayNanos}. */
  Timeout schedule(Runnable task, long delayNanos);

  /** Runs {@code task} every {@code periodNanos} until the timer shuts down. */
  Timeout scheduleAtFixedRate(Runnable task, long periodNanos);
}
