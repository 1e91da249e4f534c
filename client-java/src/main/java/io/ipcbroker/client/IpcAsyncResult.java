package io.ipcbroker.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The result of a task submitted with {@link IpcPool#applyAsync}: Python's {@code AsyncResult}. The
 * broker keeps the outcome for this client until it is read; the handle then keeps it, so {@code
 * get} may be called any number of times.
 *
 * @param <R> the result's type
 */
public interface IpcAsyncResult<R> {
  /** The broker's id of the task. */
  String taskId();

  /**
   * Waits for the result.
   *
   * @throws IpcTaskException if the task failed
   * @throws IpcBrokerException {@code CANCELLED}/{@code INTERRUPTED} if interrupted
   */
  R get();

  /**
   * Waits at most {@code timeout} for the result: Python's {@code get(timeout)}.
   *
   * @throws TaskTimeoutException if it is not ready by then (Python's {@code TimeoutError}); the
   *     task goes on, and a later {@code get} may answer it
   * @throws IpcTaskException if the task failed
   */
  R get(Duration timeout);

  /** Waits until the task finished: Python's {@code wait()}. */
  void await();

  /**
   * Waits at most {@code timeout} until the task finished: Python's {@code wait(timeout)}.
   *
   * @return whether it finished
   */
  boolean await(Duration timeout);

  /** Whether the task finished: Python's {@code ready()}. */
  boolean ready();

  /**
   * Whether the task finished with a value: Python's {@code successful()}.
   *
   * @throws IllegalStateException if it did not finish yet (Python's {@code ValueError})
   */
  boolean successful();

  /**
   * The result as a future, completed on the SDK's threads (never a gRPC thread), failed with the
   * {@link IpcTaskException} of a failed task. Cancelling the future does not cancel the task.
   */
  CompletableFuture<R> toFuture();
}
