package io.ipcbroker.client;

import io.ipcbroker.v1.ClosePoolRequest;
import io.ipcbroker.v1.GetPoolRequest;
import io.ipcbroker.v1.JoinPoolRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PoolInfo;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.SubmitTaskRequest;
import io.ipcbroker.v1.TerminatePoolRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** The SDK's {@link IpcPool}. */
final class PoolHandle<A, R> implements IpcPool<A, R> {
  private final IpcBroker broker;
  private final String name;
  private final CodedPayloads<A> args;
  private final CodedPayloads<R> results;
  private final PoolServiceGrpc.PoolServiceStub async;
  private final PoolServiceGrpc.PoolServiceBlockingStub blocking;

  PoolHandle(IpcBroker broker, String name, Codec<A> argCodec, Codec<R> resultCodec) {
    this.broker = broker;
    this.name = name;
    this.args = new CodedPayloads<>("pool " + name, argCodec);
    this.results = new CodedPayloads<>("pool " + name, resultCodec);
    this.async = PoolServiceGrpc.newStub(broker.channel());
    this.blocking = PoolServiceGrpc.newBlockingStub(broker.channel());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public R apply(String function, A arg) {
    return applyAsync(function, arg).get();
  }

  @Override
  public IpcAsyncResult<R> applyAsync(String function, A arg) {
    Objects.requireNonNull(function, "function");
    SubmitTaskRequest request =
        SubmitTaskRequest.newBuilder()
            .setPool(name)
            .setSessionId(broker.sessionId())
            .setFunction(function)
            .setArgs(args.encode(arg))
            .build();
    String taskId = broker.call(blocking, s -> s.submitTask(request)).getTaskId();
    return TaskHandle.watch(broker, taskId, results);
  }

  @Override
  public List<R> map(String function, Iterable<? extends A> args) {
    return map(function, args, 1);
  }

  @Override
  public List<R> map(String function, Iterable<? extends A> args, int chunksize) {
    return collect(open(function, encoded(args, this.args), chunksize, true));
  }

  @Override
  public CompletableFuture<List<R>> mapAsync(
      String function, Iterable<? extends A> args, int chunksize) {
    broker.checkUsable(); // CLIENT_CLOSED rather than the executor's rejection
    return CompletableFuture.supplyAsync(() -> map(function, args, chunksize), broker.callbacks());
  }

  @Override
  public IpcMapIterator<R> imap(String function, Iterable<? extends A> args) {
    return imap(function, args, 1);
  }

  @Override
  public IpcMapIterator<R> imap(String function, Iterable<? extends A> args, int chunksize) {
    return open(function, encoded(args, this.args), chunksize, true);
  }

  @Override
  public IpcMapIterator<R> imapUnordered(String function, Iterable<? extends A> args) {
    return imapUnordered(function, args, 1);
  }

  @Override
  public IpcMapIterator<R> imapUnordered(
      String function, Iterable<? extends A> args, int chunksize) {
    return open(function, encoded(args, this.args), chunksize, false);
  }

  @Override
  public List<R> starmap(String function, Iterable<? extends List<String>> argLists) {
    return starmap(function, argLists, 1);
  }

  @Override
  public List<R> starmap(
      String function, Iterable<? extends List<String>> argLists, int chunksize) {
    CodedPayloads<List<String>> lists = new CodedPayloads<>("pool " + name, Codecs.stringList());
    return collect(open(function, encoded(argLists, lists), chunksize, true));
  }

  private MapStream<R> open(
      String function, Iterator<Payload> inputs, int chunksize, boolean ordered) {
    Objects.requireNonNull(function, "function");
    return MapStream.open(broker, name, function, inputs, chunksize, ordered, results);
  }

  private static <T> Iterator<Payload> encoded(
      Iterable<? extends T> values, CodedPayloads<T> codec) {
    Iterator<? extends T> it = Objects.requireNonNull(values, "args").iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Payload next() {
        return codec.encode(it.next());
      }
    };
  }

  /** Python's map: every result in order; the first failure once all tasks finished. */
  private List<R> collect(MapStream<R> stream) {
    List<R> out = new ArrayList<>();
    IpcBrokerException first = null;
    try (stream) {
      while (stream.hasNext()) {
        try {
          out.add(stream.next());
        } catch (IpcTaskException | ItemDecodeException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
          out.add(null);
        }
      }
    }
    if (first != null) {
      throw first;
    }
    return out;
  }

  @Override
  public void close() {
    ClosePoolRequest request = ClosePoolRequest.newBuilder().setName(name).build();
    broker.call(blocking, s -> s.closePool(request));
  }

  @Override
  public void terminate() {
    TerminatePoolRequest request = TerminatePoolRequest.newBuilder().setName(name).build();
    broker.call(blocking, s -> s.terminatePool(request));
  }

  @Override
  public void join() {
    while (!joinOnce(null)) {
      broker.checkUsable();
    }
  }

  @Override
  public boolean join(Duration timeout) {
    Timeouts.seconds(timeout);
    return joinOnce(timeout);
  }

  private boolean joinOnce(Duration timeout) {
    JoinPoolRequest.Builder request = JoinPoolRequest.newBuilder().setName(name);
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    return broker
        .park(
            async,
            PoolServiceGrpc.PoolServiceStub::joinPool,
            request.build(),
            timeout,
            r -> r.getJoined())
        .await("a pool join");
  }

  @Override
  public Info info() {
    GetPoolRequest request = GetPoolRequest.newBuilder().setName(name).build();
    return toInfo(broker.call(blocking, s -> s.getPool(request)).getPool());
  }

  static Info toInfo(PoolInfo p) {
    List<IpcPool.WorkerInfo> workers = new ArrayList<>();
    for (io.ipcbroker.v1.WorkerInfo w : p.getWorkersList()) {
      workers.add(
          new IpcPool.WorkerInfo(
              w.getWorkerId(),
              w.getProcessId(),
              w.getPid(),
              w.getState().name().replace("WORKER_STATE_", ""),
              List.copyOf(w.getFunctionsList()),
              w.getChunksDone(),
              w.getChunksInFlight()));
    }
    return new Info(
        p.getName(),
        state(p),
        p.getProcesses(),
        List.copyOf(workers),
        p.getTasksQueued(),
        p.getTasksRunning(),
        p.getTasksSucceeded(),
        p.getTasksFailed(),
        p.getBrokenReason());
  }

  private static State state(PoolInfo p) {
    switch (p.getState()) {
      case POOL_STATE_CLOSED:
        return State.CLOSED;
      case POOL_STATE_TERMINATED:
        return State.TERMINATED;
      case POOL_STATE_BROKEN:
        return State.BROKEN;
      default:
        return State.RUNNING;
    }
  }

  @Override
  public <A2, R2> IpcPool<A2, R2> withCodecs(Codec<A2> argCodec, Codec<R2> resultCodec) {
    return new PoolHandle<>(broker, name, argCodec, resultCodec);
  }

  @Override
  public String toString() {
    return "IpcPool[" + name + "]";
  }
}
