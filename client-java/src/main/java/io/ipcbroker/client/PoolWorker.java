package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.Chunk;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A pool worker: serves named Java functions to a pool's tasks, in this JVM.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   PoolWorker.serveFromEnvironment(
 *       PoolWorker.builder()
 *           .function("square", Codecs.string(), Codecs.string(),
 *               s -> Long.toString(Long.parseLong(s) * Long.parseLong(s))));
 * }
 * }</pre>
 *
 * <p>A pool that spawns workers runs such a main ({@code broker.pool("p", 2,
 * JavaProcess.of(SquareWorker.class))}); a pool of attached workers ({@link
 * IpcBroker#attachedPool}) is served by any program that calls {@link #serve(IpcBroker, String)},
 * from anywhere. A function's exception fails its task only ({@code TASK_RAISED}, with the
 * exception's class name, message and stack trace); the worker goes on.
 *
 * <p>The worker speaks the pool's {@code Work} stream: a hello naming the functions, credit for
 * {@link Builder#concurrency} chunks, then one result and one more credit per chunk; when the
 * broker asks it to retire (closed pool, {@code maxtasksperchild}) it finishes its chunks and ends.
 */
public final class PoolWorker {
  /** The environment variable in which the broker tells a spawned worker its pool. */
  public static final String POOL_VARIABLE = "IPCBROKER_POOL";

  private final Map<String, Function<Payload, Payload>> functions;
  private final int concurrency;
  private volatile Serving current;

  private PoolWorker(Builder b) {
    this.functions = Map.copyOf(b.functions);
    this.concurrency = b.concurrency;
  }

  /** A builder of a worker. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The main of a spawned worker: connects back to the broker that spawned this program ({@link
   * IpcBroker#fromEnvironment()}), serves the pool named in {@code IPCBROKER_POOL} until the broker
   * retires the worker, then closes the connection.
   *
   * @throws IllegalStateException if {@code IPCBROKER_TARGET} or {@code IPCBROKER_POOL} is not set
   */
  public static void serveFromEnvironment(Builder builder) {
    PoolWorker worker = builder.build();
    String pool = System.getenv(POOL_VARIABLE);
    if (pool == null || pool.isEmpty()) {
      throw new IllegalStateException(
          POOL_VARIABLE + " is not set: this program was not started by an ipcbroker pool");
    }
    try (IpcBroker broker = IpcBroker.fromEnvironment()) {
      worker.serve(broker, pool);
    }
  }

  /**
   * Serves {@code pool} through {@code broker} until the broker retires this worker (the pool
   * closed and its work is done, {@code maxtasksperchild}, terminated) or {@link #stop()} is
   * called. One call at a time per worker.
   *
   * @throws IpcBrokerException {@code NOT_FOUND}/{@code POOL_NOT_FOUND}, {@code
   *     FAILED_PRECONDITION}/{@code POOL_CLOSED} or {@code POOL_BROKEN}, a broken connection;
   *     {@code CANCELLED}/{@code INTERRUPTED} if the thread is interrupted (the chunks it held then
   *     go to other workers, or fail)
   */
  public void serve(IpcBroker broker, String pool) {
    Objects.requireNonNull(broker, "broker");
    Objects.requireNonNull(pool, "pool");
    Serving s = new Serving(broker);
    synchronized (this) {
      if (current != null) {
        throw new IllegalStateException("this worker serves already");
      }
      current = s;
    }
    try {
      s.run(pool);
    } finally {
      synchronized (this) {
        current = null;
      }
    }
  }

  /**
   * Ends {@link #serve}: the worker finishes the chunks it holds and leaves the pool (queued tasks
   * go to other workers). Does nothing when not serving. On a busy pool, a chunk the broker sent
   * against this worker's credit just before it left is not run here: it fails with {@code
   * WORKER_DIED}, or runs elsewhere if the pool retries (the protocol has no "drain" message yet).
   */
  public void stop() {
    Serving s = current;
    if (s != null) {
      s.retire();
    }
  }

  /** One {@code Work} stream. */
  private final class Serving
      implements ClientResponseObserver<WorkRequest, WorkResponse>, BrokerCall {
    private final IpcBroker broker;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final ExecutorService runners;
    private ClientCallStreamObserver<WorkRequest> requests; // guarded by this
    private int inFlight; // guarded by this
    private boolean retiring; // guarded by this
    private boolean halfClosed; // guarded by this

    Serving(IpcBroker broker) {
      this.broker = broker;
      this.runners =
          Executors.newFixedThreadPool(
              concurrency,
              r -> {
                Thread t = new Thread(r, "ipcbroker-pool-worker");
                t.setDaemon(true);
                return t;
              });
    }

    void run(String pool) {
      broker.checkUsable();
      String processId = broker.processId();
      if (processId.isEmpty()) {
        processId = Objects.requireNonNullElse(System.getenv(IpcBroker.PROCESS_ID_VARIABLE), "");
      }
      WorkerHello hello =
          WorkerHello.newBuilder()
              .setPool(pool)
              .addAllFunctions(functions.keySet())
              .setProcessId(processId)
              .setPid(ProcessHandle.current().pid())
              .setSessionId(broker.sessionId())
              .build();
      try {
        synchronized (this) {
          PoolServiceGrpc.newStub(broker.channel()).work(this);
          requests.onNext(WorkRequest.newBuilder().setHello(hello).build());
          maybeHalfClose(); // a stop() that came before the stream started
        }
        broker.track(this);
        ended.get();
      } catch (InterruptedException e) {
        cancel("interrupted");
        Thread.currentThread().interrupt();
        throw Errors.interrupted(e);
      } catch (ExecutionException e) {
        throw Errors.translate(e.getCause());
      } finally {
        broker.untrack(this);
        runners.shutdownNow();
      }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WorkRequest> stream) {
      requests = stream;
    }

    @Override
    public void onNext(WorkResponse response) {
      if (response.hasAccepted()) {
        send(credit(concurrency));
      } else if (response.hasChunk()) {
        Chunk chunk = response.getChunk();
        synchronized (this) {
          inFlight++;
        }
        runners.execute(() -> runChunk(chunk));
      } else if (response.hasRetire()) {
        retire();
      }
    }

    private void runChunk(Chunk chunk) {
      ChunkResult.Builder result = ChunkResult.newBuilder().setChunkId(chunk.getChunkId());
      Function<Payload, Payload> fn = functions.get(chunk.getFunction());
      try {
        for (Payload item : chunk.getItemsList()) {
          result.addOutcomes(runOne(fn, chunk.getFunction(), item));
        }
      } catch (Throwable t) {
        // Whatever escaped (an Error): every input is answered anyway, so that no task hangs.
        result.clearOutcomes();
        for (int i = 0; i < chunk.getItemsCount(); i++) {
          result.addOutcomes(
              TaskOutcome.newBuilder()
                  .setError(
                      TaskError.newBuilder()
                          .setReason(ErrorReason.TASK_RAISED)
                          .setTypeName(t.getClass().getName())
                          .setMessage(String.valueOf(t.getMessage()))));
        }
      }
      synchronized (this) {
        inFlight--;
        send(WorkRequest.newBuilder().setResult(result).build());
        if (retiring) {
          maybeHalfClose();
        } else {
          send(credit(1));
        }
      }
    }

    /** Asks the broker for no more chunks: ends once those held are answered. */
    synchronized void retire() {
      retiring = true;
      maybeHalfClose();
    }

    private void maybeHalfClose() {
      // Before the stream started (a stop() racing serve()), run() half-closes after its hello.
      if (requests != null && retiring && inFlight == 0 && !halfClosed && !ended.isDone()) {
        halfClosed = true;
        requests.onCompleted();
      }
    }

    private synchronized void send(WorkRequest request) {
      if (halfClosed || ended.isDone()) {
        return; // the broker ended the stream (terminated): nobody waits for this any more
      }
      try {
        requests.onNext(request);
      } catch (RuntimeException e) {
        // The call ended under us; its end reaches serve() through onError.
      }
    }

    private synchronized void cancel(String why) {
      if (requests != null && !halfClosed) {
        requests.cancel(why, null);
      }
    }

    @Override
    public void abort(IpcBrokerException why) {
      cancel("the client closed"); // first: the stream must end even though serve() returns now
      ended.completeExceptionally(why);
    }

    @Override
    public void onError(Throwable t) {
      ended.completeExceptionally(Errors.translate(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }
  }

  private static WorkRequest credit(int chunks) {
    return WorkRequest.newBuilder().setCredit(WorkCredit.newBuilder().setChunks(chunks)).build();
  }

  private static TaskOutcome runOne(Function<Payload, Payload> fn, String name, Payload item) {
    try {
      if (fn == null) {
        throw new IllegalStateException("this worker does not serve " + name);
      }
      return TaskOutcome.newBuilder().setValue(fn.apply(item)).build();
    } catch (Throwable t) { // a task's failure, whatever it is, is its outcome
      StringWriter trace = new StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      return TaskOutcome.newBuilder()
          .setError(
              TaskError.newBuilder()
                  .setReason(ErrorReason.TASK_RAISED)
                  .setTypeName(t.getClass().getName())
                  .setMessage(Objects.toString(t.getMessage(), ""))
                  .setTraceback(trace.toString()))
          .build();
    }
  }

  /** Builds a {@link PoolWorker}. */
  public static final class Builder {
    private final Map<String, Function<Payload, Payload>> functions = new LinkedHashMap<>();
    private int concurrency = 1;

    private Builder() {}

    /**
     * Serves {@code fn} as {@code name} on raw bytes (results written as {@code
     * application/octet-stream}).
     */
    public Builder function(String name, Function<byte[], byte[]> fn) {
      return function(name, Codecs.bytes(), Codecs.bytes(), fn);
    }

    /**
     * Serves {@code fn} as {@code name}: arguments decoded with {@code in}, results encoded with
     * {@code out}. A payload that {@code in} cannot decode fails its task, as an exception of
     * {@code fn} does.
     */
    public <A, R> Builder function(
        String name, Codec<A> in, Codec<R> out, Function<? super A, ? extends R> fn) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(in, "in");
      Objects.requireNonNull(out, "out");
      Objects.requireNonNull(fn, "fn");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("a function needs a name");
      }
      functions.put(
          name,
          p -> {
            R r = fn.apply(in.decode(p.getData().toByteArray(), p.getContentType()));
            return Payload.newBuilder()
                .setData(ByteString.copyFrom(out.encode(r)))
                .setContentType(out.contentType())
                .build();
          });
      return this;
    }

    /**
     * How many chunks the worker runs at once, each on its own thread (default 1): the credit it
     * grants the broker.
     */
    public Builder concurrency(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1: " + n);
      }
      this.concurrency = n;
      return this;
    }

    /**
     * The worker.
     *
     * @throws IllegalStateException without any function
     */
    public PoolWorker build() {
      if (functions.isEmpty()) {
        throw new IllegalStateException("a worker serves at least one function");
      }
      return new PoolWorker(this);
    }
  }
}
