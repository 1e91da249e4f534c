package io.ipcbroker.client;

import io.ipcbroker.v1.GetTaskResultRequest;
import io.ipcbroker.v1.GetTaskResultResponse;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.TaskOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The SDK's {@link IpcAsyncResult}. At once it parks one {@code GetTaskResult} (no timeout, {@code
 * forget}) on the broker, which costs the broker no thread; its answer completes a local future
 * that every wait of this handle reads, so that a timed-out {@code get} gives nothing up and the
 * outcome, once taken from the broker, is never asked for again.
 */
final class TaskHandle<R> implements IpcAsyncResult<R> {
  private final IpcBroker broker;
  private final String taskId;
  private final CodedPayloads<R> results;
  private final PoolServiceGrpc.PoolServiceStub async;
  private final CompletableFuture<TaskOutcome> outcome = new CompletableFuture<>();

  private TaskHandle(IpcBroker broker, String taskId, CodedPayloads<R> results) {
    this.broker = broker;
    this.taskId = taskId;
    this.results = results;
    this.async = PoolServiceGrpc.newStub(broker.channel());
  }

  /** A handle on the submitted task {@code taskId}, already waiting for its outcome. */
  static <R> TaskHandle<R> watch(IpcBroker broker, String taskId, CodedPayloads<R> results) {
    TaskHandle<R> h = new TaskHandle<>(broker, taskId, results);
    h.park();
    return h;
  }

  private void park() {
    GetTaskResultRequest request =
        GetTaskResultRequest.newBuilder().setTaskId(taskId).setForget(true).build();
    ParkedCall<GetTaskResultResponse> call;
    try {
      call =
          broker.park(async, PoolServiceGrpc.PoolServiceStub::getTaskResult, request, null, r -> r);
    } catch (RuntimeException e) {
      outcome.completeExceptionally(Errors.translate(e));
      return;
    }
    call.result()
        .whenComplete(
            (r, t) -> {
              if (t != null) {
                outcome.completeExceptionally(Errors.translate(t));
              } else if (r.getReady()) {
                outcome.complete(r.getOutcome());
              } else {
                park(); // the wait ended without the outcome (it has no timeout): wait again
              }
            });
  }

  @Override
  public String taskId() {
    return taskId;
  }

  @Override
  public R get() {
    return decode(waitFor(null));
  }

  @Override
  public R get(Duration timeout) {
    Timeouts.seconds(timeout);
    TaskOutcome o = waitFor(timeout);
    if (o == null) {
      throw new TaskTimeoutException(taskId);
    }
    return decode(o);
  }

  @Override
  public void await() {
    waitFor(null);
  }

  @Override
  public boolean await(Duration timeout) {
    Timeouts.seconds(timeout);
    return waitFor(timeout) != null;
  }

  @Override
  public boolean ready() {
    return outcome.isDone();
  }

  @Override
  public boolean successful() {
    if (!outcome.isDone()) {
      throw new IllegalStateException("task " + taskId + " is not ready");
    }
    return waitFor(null).hasValue();
  }

  @Override
  public CompletableFuture<R> toFuture() {
    CompletableFuture<R> out = new CompletableFuture<>();
    outcome.whenComplete(
        (o, t) -> {
          Runnable complete =
              () -> {
                if (t != null) {
                  out.completeExceptionally(Errors.translate(t));
                  return;
                }
                try {
                  out.complete(decode(o));
                } catch (RuntimeException e) {
                  out.completeExceptionally(e);
                }
              };
          try {
            broker.callbacks().execute(complete); // never on a gRPC thread
          } catch (java.util.concurrent.RejectedExecutionException e) {
            complete.run(); // the client closed: complete here rather than never
          }
        });
    return out;
  }

  /** The outcome, or null if {@code timeout} (null: none) passed first. */
  private TaskOutcome waitFor(Duration timeout) {
    try {
      if (timeout == null) {
        return outcome.get();
      }
      return outcome.get(Timeouts.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.interrupted(e);
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    } catch (TimeoutException e) {
      return null;
    }
  }

  private R decode(TaskOutcome o) {
    if (o.hasValue()) {
      return results.decode(o.getValue());
    }
    throw Errors.task(o.getError());
  }

  @Override
  public String toString() {
    return "IpcAsyncResult[" + taskId + (outcome.isDone() ? ", ready]" : "]");
  }
}
