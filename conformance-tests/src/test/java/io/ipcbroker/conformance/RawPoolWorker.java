package io.ipcbroker.conformance;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.ChunkResult;
import io.ipcbroker.v1.ErrorReason;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.TaskError;
import io.ipcbroker.v1.TaskOutcome;
import io.ipcbroker.v1.WorkCredit;
import io.ipcbroker.v1.WorkRequest;
import io.ipcbroker.v1.WorkResponse;
import io.ipcbroker.v1.WorkerHello;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A pool worker on the raw stubs, as a worker in any language would be written from the contract:
 * it attaches over {@code Work}, grants credit for one chunk at a time, and serves {@code square}
 * (an integer as text, its square out), {@code fail} (raises), {@code sleep} (sleeps the given
 * milliseconds, then echoes them) and {@code pid} (its process id). It ends its stream when the
 * broker retires it.
 */
final class RawPoolWorker {
  static final List<String> FUNCTIONS = List.of("square", "fail", "sleep", "pid");

  // Runs the functions, so that the stream's own thread never waits for a task.
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "raw-pool-worker");
            t.setDaemon(true);
            return t;
          });
  private final CountDownLatch attached = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile String workerId = "";
  private volatile Throwable failure;
  private StreamObserver<WorkRequest> requests; // guarded by this
  private boolean dead; // guarded by this: the stream ended, nothing more is sent

  /** Attaches to {@code pool} at {@code channel}; {@code processId} for a spawned worker. */
  static RawPoolWorker start(Channel channel, String pool, String processId) {
    RawPoolWorker w = new RawPoolWorker();
    w.requests =
        PoolServiceGrpc.newStub(channel)
            .work(
                new StreamObserver<WorkResponse>() {
                  @Override
                  public void onNext(WorkResponse r) {
                    w.handle(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    w.failure = t;
                    w.end();
                  }

                  @Override
                  public void onCompleted() {
                    w.end();
                  }
                });
    synchronized (w) {
      w.requests.onNext(
          WorkRequest.newBuilder()
              .setHello(
                  WorkerHello.newBuilder()
                      .setPool(pool)
                      .addAllFunctions(FUNCTIONS)
                      .setProcessId(processId)
                      .setPid(ProcessHandle.current().pid()))
              .build());
    }
    return w;
  }

  private void handle(WorkResponse r) {
    if (r.hasAccepted()) {
      workerId = r.getAccepted().getWorkerId();
      attached.countDown();
      send(credit());
    } else if (r.hasChunk()) {
      runner.execute(
          () -> {
            ChunkResult.Builder result =
                ChunkResult.newBuilder().setChunkId(r.getChunk().getChunkId());
            for (Payload item : r.getChunk().getItemsList()) {
              result.addOutcomes(run(r.getChunk().getFunction(), item.getData().toStringUtf8()));
            }
            send(WorkRequest.newBuilder().setResult(result).build(), credit());
          });
    } else if (r.hasRetire()) {
      // In order after the chunks it holds: the runner finishes them first.
      runner.execute(
          () -> {
            synchronized (this) {
              if (!dead) {
                dead = true;
                requests.onCompleted();
              }
            }
          });
    }
  }

  private synchronized void send(WorkRequest... messages) {
    if (dead) {
      return;
    }
    for (WorkRequest m : messages) {
      requests.onNext(m);
    }
  }

  private void end() {
    synchronized (this) {
      dead = true;
    }
    runner.shutdownNow();
    ended.countDown();
  }

  private static WorkRequest credit() {
    return WorkRequest.newBuilder().setCredit(WorkCredit.newBuilder().setChunks(1)).build();
  }

  private static TaskOutcome run(String function, String input) {
    try {
      String out;
      switch (function) {
        case "square":
          long n = Long.parseLong(input);
          out = Long.toString(n * n);
          break;
        case "fail":
          throw new IllegalArgumentException("bad input: " + input);
        case "sleep":
          Thread.sleep(Long.parseLong(input)); // the task's own work: it takes this long
          out = input;
          break;
        case "pid":
          out = Long.toString(ProcessHandle.current().pid());
          break;
        default:
          throw new UnsupportedOperationException(function);
      }
      return TaskOutcome.newBuilder().setValue(text(out)).build();
    } catch (Exception e) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      return TaskOutcome.newBuilder()
          .setError(
              TaskError.newBuilder()
                  .setReason(ErrorReason.TASK_RAISED)
                  .setTypeName(e.getClass().getName())
                  .setMessage(String.valueOf(e.getMessage()))
                  .setTraceback(trace.toString()))
          .build();
    }
  }

  /** A text payload. */
  static Payload text(String s) {
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(s, StandardCharsets.UTF_8))
        .setContentType("text/plain")
        .build();
  }

  /** Waits until the broker accepted the worker; answers its id. */
  String awaitAttached() throws InterruptedException {
    if (!attached.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the worker was not accepted", failure);
    }
    return workerId;
  }

  /** Waits until the stream ended (retired, or ended by the broker). */
  boolean awaitEnd(long seconds) throws InterruptedException {
    return ended.await(seconds, TimeUnit.SECONDS);
  }

  /** The stream's failure, if it ended with one. */
  Throwable failure() {
    return failure;
  }

  /** Ends the stream as a crash would (the broker sees it break). */
  void crash() {
    synchronized (this) {
      dead = true;
      requests.onError(new RuntimeException("crash"));
    }
    runner.shutdownNow();
  }
}
