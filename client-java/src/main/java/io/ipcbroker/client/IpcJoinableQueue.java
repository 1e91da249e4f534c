package io.ipcbroker.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A queue that counts unfinished tasks: Python's {@code multiprocessing.JoinableQueue}. Each put
 * adds a task; consumers call {@link #taskDone()} when they finished one; {@link #join} waits until
 * none is left.
 *
 * @param <T> the item type
 */
public interface IpcJoinableQueue<T> extends IpcQueue<T> {
  /**
   * Marks one task done.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code TASK_DONE_TOO_MANY_TIMES} if more
   *     tasks were marked done than items were put
   */
  void taskDone();

  /** Waits until every task is done. */
  void join();

  /**
   * Waits at most {@code timeout} until every task is done.
   *
   * @return whether every task was done
   */
  boolean join(Duration timeout);

  /** As {@link #join(Duration)}, without blocking the caller. */
  CompletableFuture<Boolean> joinAsync(Duration timeout);

  /** Tasks put and not yet marked done. */
  long unfinishedTasks();
}
