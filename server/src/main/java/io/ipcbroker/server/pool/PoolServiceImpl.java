package io.ipcbroker.server.pool;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Payloads;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.rpc.SerializedSender;
import io.ipcbroker.server.rpc.SessionBinding;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.Chunk;
import io.ipcbroker.v1.ClosePoolRequest;
import io.ipcbroker.v1.ClosePoolResponse;
import io.ipcbroker.v1.CreatePoolRequest;
import io.ipcbroker.v1.CreatePoolResponse;
import io.ipcbroker.v1.DeletePoolRequest;
import io.ipcbroker.v1.DeletePoolResponse;
import io.ipcbroker.v1.ErrorReason;
import io.ipcbroker.v1.GetPoolRequest;
import io.ipcbroker.v1.GetPoolResponse;
import io.ipcbroker.v1.GetTaskResultRequest;
import io.ipcbroker.v1.GetTaskResultResponse;
import io.ipcbroker.v1.JoinPoolRequest;
import io.ipcbroker.v1.JoinPoolResponse;
import io.ipcbroker.v1.ListPoolsRequest;
import io.ipcbroker.v1.ListPoolsResponse;
import io.ipcbroker.v1.MapDone;
import io.ipcbroker.v1.MapOpen;
import io.ipcbroker.v1.MapOpened;
import io.ipcbroker.v1.MapOutcomes;
import io.ipcbroker.v1.MapRequest;
import io.ipcbroker.v1.MapResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PoolInfo;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.PoolState;
import io.ipcbroker.v1.Retire;
import io.ipcbroker.v1.SubmitTaskRequest;
import io.ipcbroker.v1.SubmitTaskResponse;
import io.ipcbroker.v1.TaskError;
import io.ipcbroker.v1.TaskOutcome;
import io.ipcbroker.v1.TerminatePoolRequest;
import io.ipcbroker.v1.TerminatePoolResponse;
import io.ipcbroker.v1.WorkRequest;
import io.ipcbroker.v1.WorkResponse;
import io.ipcbroker.v1.WorkerAccepted;
import io.ipcbroker.v1.WorkerHello;
import io.ipcbroker.v1.WorkerInfo;
import io.ipcbroker.v1.WorkerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Serves {@code ipcbroker.v1.PoolService}: translation to {@link PoolRegistry} only. */
public final class PoolServiceImpl extends PoolServiceGrpc.PoolServiceImplBase {
  private final PoolRegistry<Payload> pools;
  private final SessionRegistry sessions;
  private final int maxItemBytes;

  /** Serves {@code pools}; waits bind to sessions of {@code sessions}. */
  public PoolServiceImpl(PoolRegistry<Payload> pools, SessionRegistry sessions, int maxItemBytes) {
    this.pools = pools;
    this.sessions = sessions;
    this.maxItemBytes = maxItemBytes;
  }

  @Override
  public void createPool(CreatePoolRequest request, StreamObserver<CreatePoolResponse> observer) {
    Rpcs.unaryAsync(
        observer,
        () ->
            pools
                .create(
                    request.getName(),
                    request.getSessionId(),
                    new PoolConfig(
                        request.getProcesses(),
                        request.getWorkerArgvList(),
                        request.getWorkerEnvMap(),
                        request.getWorkerCwd(),
                        request.getMaxtasksperchild(),
                        request.getRetryOnWorkerDeath()),
                    request.getAllowExisting())
                .thenApply(
                    c ->
                        CreatePoolResponse.newBuilder()
                            .setPool(toProto(c.info()))
                            .setCreated(c.created())
                            .build()));
  }

  @Override
  public void getPool(GetPoolRequest request, StreamObserver<GetPoolResponse> observer) {
    Rpcs.unary(
        observer,
        () -> GetPoolResponse.newBuilder().setPool(toProto(pools.info(request.getName()))).build());
  }

  @Override
  public void listPools(ListPoolsRequest request, StreamObserver<ListPoolsResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          ListPoolsResponse.Builder b = ListPoolsResponse.newBuilder();
          for (PoolObject.Info i : pools.list()) {
            b.addPools(toProto(i));
          }
          return b.build();
        });
  }

  @Override
  public void closePool(ClosePoolRequest request, StreamObserver<ClosePoolResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            ClosePoolResponse.newBuilder()
                .setPool(toProto(pools.close(request.getName())))
                .build());
  }

  @Override
  public void terminatePool(
      TerminatePoolRequest request, StreamObserver<TerminatePoolResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            TerminatePoolResponse.newBuilder()
                .setPool(toProto(pools.terminate(request.getName())))
                .build());
  }

  @Override
  public void joinPool(JoinPoolRequest request, StreamObserver<JoinPoolResponse> observer) {
    ParkedUnary.serveReply(
        observer,
        sessions,
        "",
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) -> pools.join(request.getName(), wait, reply),
        (Boolean joined) -> JoinPoolResponse.newBuilder().setJoined(joined).build(),
        unsent -> {});
  }

  @Override
  public void deletePool(DeletePoolRequest request, StreamObserver<DeletePoolResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeletePoolResponse.newBuilder()
                .setDeleted(pools.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void submitTask(SubmitTaskRequest request, StreamObserver<SubmitTaskResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payloads.check(request.getArgs(), maxItemBytes);
          String id =
              pools.submit(
                  request.getPool(),
                  request.getSessionId(),
                  request.getFunction(),
                  request.getArgs());
          return SubmitTaskResponse.newBuilder().setTaskId(id).build();
        });
  }

  @Override
  public void getTaskResult(
      GetTaskResultRequest request, StreamObserver<GetTaskResultResponse> observer) {
    ParkedUnary.serveReply(
        observer,
        sessions,
        "",
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) -> pools.result(request.getTaskId(), wait, request.getForget(), reply),
        (TaskRecord.Result<Payload> r) -> {
          GetTaskResultResponse.Builder b = GetTaskResultResponse.newBuilder().setReady(r.ready());
          if (r.ready()) {
            b.setOutcome(toProto(r.outcome()));
          }
          return b.build();
        },
        unsent -> {});
  }

  // ---- Map ----

  @Override
  public StreamObserver<MapRequest> map(StreamObserver<MapResponse> obs) {
    ServerCallStreamObserver<MapResponse> call = (ServerCallStreamObserver<MapResponse>) obs;
    MapCall m = new MapCall(new SerializedSender<>(call));
    call.setOnCancelHandler(m::cancelled);
    return m;
  }

  /** One {@code Map} call. Inbound callbacks are serialised by gRPC. */
  private final class MapCall implements StreamObserver<MapRequest>, MapSink<Payload> {
    private final SerializedSender<MapResponse> sender;
    private final SessionBinding binding = new SessionBinding(sessions);
    private volatile MapJob<Payload> job;

    MapCall(SerializedSender<MapResponse> sender) {
      this.sender = sender;
    }

    @Override
    public void onNext(MapRequest request) {
      try {
        if (request.hasOpen()) {
          if (job != null) {
            throw violation("a second open");
          }
          MapOpen open = request.getOpen();
          binding.attach(open.getSessionId());
          job =
              pools.openMap(
                  open.getPool(),
                  open.getFunction(),
                  open.hasChunksize() ? open.getChunksize() : null,
                  open.getOrdered(),
                  open.hasWindow() ? open.getWindow() : null,
                  this);
          MapJob<Payload> opened = job;
          // The session's end fails the job (which withdraws its chunks), then the call.
          binding.onEnd(opened::fail);
          sender.send(
              MapResponse.newBuilder()
                  .setOpened(
                      MapOpened.newBuilder()
                          .setWindow(
                              open.hasWindow() ? open.getWindow() : PoolRegistry.DEFAULT_WINDOW))
                  .build());
        } else if (request.hasInputs()) {
          MapJob<Payload> j = job;
          if (j == null) {
            throw violation("the first request must carry open");
          }
          for (Payload p : request.getInputs().getItemsList()) {
            Payloads.check(p, maxItemBytes);
          }
          j.inputs(request.getInputs().getItemsList());
        } else {
          throw violation("a request with neither open nor inputs");
        }
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private void fail(RuntimeException e) {
      MapJob<Payload> j = job;
      if (j != null) {
        j.cancel();
      }
      binding.detach();
      sender.fail(e);
    }

    @Override
    public void onError(Throwable t) {
      cancelled();
    }

    @Override
    public void onCompleted() {
      MapJob<Payload> j = job;
      if (j == null) {
        fail(violation("the inputs ended before open"));
        return;
      }
      j.inputsDone();
    }

    void cancelled() {
      sender.markClosed();
      binding.detach();
      MapJob<Payload> j = job;
      if (j != null) {
        j.cancel();
      }
    }

    @Override
    public void outcomes(List<Long> indices, List<Outcome<Payload>> outcomes) {
      // Several messages when needed, so that each fits a client's default receive limit.
      MapOutcomes.Builder b = MapOutcomes.newBuilder();
      long bytes = 0;
      for (int i = 0; i < outcomes.size(); i++) {
        TaskOutcome o = toProto(outcomes.get(i));
        int size = o.getSerializedSize() + 16;
        if (b.getOutcomesCount() > 0 && bytes + size > maxItemBytes) {
          sender.send(MapResponse.newBuilder().setOutcomes(b).build());
          b = MapOutcomes.newBuilder();
          bytes = 0;
        }
        b.addIndices(indices.get(i)).addOutcomes(o);
        bytes += size;
      }
      if (b.getOutcomesCount() > 0) {
        sender.send(MapResponse.newBuilder().setOutcomes(b).build());
      }
    }

    @Override
    public void done(long count) {
      binding.detach();
      sender.send(MapResponse.newBuilder().setDone(MapDone.newBuilder().setCount(count)).build());
      sender.complete();
    }

    @Override
    public void fail(BrokerException e) {
      binding.detach();
      sender.fail(e);
    }
  }

  // ---- Work ----

  @Override
  public StreamObserver<WorkRequest> work(StreamObserver<WorkResponse> obs) {
    ServerCallStreamObserver<WorkResponse> call = (ServerCallStreamObserver<WorkResponse>) obs;
    WorkCall w = new WorkCall(new SerializedSender<>(call));
    call.setOnCancelHandler(w::gone);
    return w;
  }

  /** One worker's stream. Inbound callbacks are serialised by gRPC. */
  private final class WorkCall implements StreamObserver<WorkRequest>, WorkerChannel<Payload> {
    private final SerializedSender<WorkResponse> sender;
    private final SessionBinding binding = new SessionBinding(sessions);
    private volatile PoolObject<Payload>.Worker worker;

    WorkCall(SerializedSender<WorkResponse> sender) {
      this.sender = sender;
    }

    @Override
    public void onNext(WorkRequest request) {
      try {
        PoolObject<Payload>.Worker w = worker;
        if (request.hasHello()) {
          if (w != null) {
            throw violation("a second hello");
          }
          WorkerHello hello = request.getHello();
          binding.attach(hello.getSessionId());
          w =
              pools.attach(
                  hello.getPool(),
                  hello.getFunctionsList(),
                  hello.getProcessId(),
                  hello.getPid(),
                  this);
          worker = w;
          binding.onEnd(e -> failWith(e));
        } else if (w == null) {
          throw violation("the first request must carry hello");
        } else if (request.hasCredit()) {
          w.credit(request.getCredit().getChunks());
        } else if (request.hasResult()) {
          List<Outcome<Payload>> outcomes = new ArrayList<>();
          for (TaskOutcome o : request.getResult().getOutcomesList()) {
            outcomes.add(fromProto(o));
          }
          w.result(request.getResult().getChunkId(), outcomes);
        } else {
          throw violation("a request with neither hello, credit nor result");
        }
      } catch (RuntimeException e) {
        failWith(e);
      }
    }

    private void failWith(RuntimeException e) {
      gone();
      sender.fail(e);
    }

    @Override
    public void onError(Throwable t) {
      sender.markClosed();
      gone();
    }

    @Override
    public void onCompleted() {
      gone();
      sender.complete();
    }

    void gone() {
      binding.detach();
      PoolObject<Payload>.Worker w = worker;
      if (w != null) {
        w.gone();
      }
    }

    @Override
    public void accepted(String workerId) {
      sender.send(
          WorkResponse.newBuilder()
              .setAccepted(WorkerAccepted.newBuilder().setWorkerId(workerId))
              .build());
    }

    @Override
    public void chunk(long chunkId, String function, List<Payload> items) {
      sender.send(
          WorkResponse.newBuilder()
              .setChunk(
                  Chunk.newBuilder().setChunkId(chunkId).setFunction(function).addAllItems(items))
              .build());
    }

    @Override
    public void retire(String reason) {
      sender.send(
          WorkResponse.newBuilder().setRetire(Retire.newBuilder().setReason(reason)).build());
    }

    @Override
    public void end() {
      binding.detach();
      sender.complete();
    }
  }

  // ---- translation ----

  private static BrokerException violation(String detail) {
    return BrokerException.of(
        Reason.STREAM_PROTOCOL_VIOLATION, "stream protocol violation: " + detail, "detail", detail);
  }

  /** A worker's outcome; a value over the item limit becomes {@code ITEM_TOO_LARGE}. */
  private Outcome<Payload> fromProto(TaskOutcome o) {
    if (o.hasValue()) {
      try {
        Payloads.check(o.getValue(), maxItemBytes);
      } catch (BrokerException e) {
        return Outcome.failedWith(
            Outcome.Failure.of(
                Outcome.Kind.ITEM_TOO_LARGE,
                "the result is over the item limit",
                Map.of("size", Integer.toString(o.getValue().getData().size()))));
      }
      return Outcome.succeededWith(o.getValue());
    }
    if (!o.hasError()) {
      throw violation("an outcome with neither a value nor an error");
    }
    TaskError e = o.getError();
    // Whatever the worker says, it can only report its function's own failure.
    return Outcome.failedWith(
        new Outcome.Failure(
            Outcome.Kind.RAISED,
            e.getTypeName(),
            e.getMessage(),
            e.getTraceback(),
            e.getMetadataMap()));
  }

  private static TaskOutcome toProto(Outcome<Payload> o) {
    if (o.succeeded()) {
      return TaskOutcome.newBuilder().setValue(o.value()).build();
    }
    Outcome.Failure f = o.failure();
    return TaskOutcome.newBuilder()
        .setError(
            TaskError.newBuilder()
                .setReason(reason(f.kind()))
                .setTypeName(f.typeName())
                .setMessage(f.message())
                .setTraceback(f.traceback())
                .putAllMetadata(f.metadata()))
        .build();
  }

  private static ErrorReason reason(Outcome.Kind kind) {
    switch (kind) {
      case RAISED:
        return ErrorReason.TASK_RAISED;
      case WORKER_DIED:
        return ErrorReason.WORKER_DIED;
      case FUNCTION_NOT_FOUND:
        return ErrorReason.FUNCTION_NOT_FOUND;
      case POOL_TERMINATED:
        return ErrorReason.POOL_TERMINATED;
      case POOL_BROKEN:
        return ErrorReason.POOL_BROKEN;
      case ITEM_TOO_LARGE:
        return ErrorReason.ITEM_TOO_LARGE;
      default:
        throw new IllegalArgumentException(kind.name());
    }
  }

  private static PoolInfo toProto(PoolObject.Info i) {
    PoolInfo.Builder b =
        PoolInfo.newBuilder()
            .setName(i.name())
            .setState(state(i.state()))
            .setProcesses(i.config().processes())
            .addAllWorkerArgv(i.config().argv())
            .setMaxtasksperchild(i.config().maxTasksPerChild())
            .setRetryOnWorkerDeath(i.config().retry())
            .setTasksQueued(i.queued())
            .setTasksRunning(i.running())
            .setTasksSucceeded(i.succeeded())
            .setTasksFailed(i.failed())
            .setBrokenReason(i.brokenReason());
    for (PoolObject.WorkerInfo w : i.workers()) {
      b.addWorkers(
          WorkerInfo.newBuilder()
              .setWorkerId(w.workerId())
              .setProcessId(w.processId())
              .setPid(w.pid())
              .setState(state(w.state()))
              .addAllFunctions(w.functions())
              .setChunksDone(w.chunksDone())
              .setChunksInFlight(w.inFlight()));
    }
    return b.build();
  }

  private static WorkerState state(PoolObject.WorkerState s) {
    switch (s) {
      case STARTING:
        return WorkerState.WORKER_STATE_STARTING;
      case IDLE:
        return WorkerState.WORKER_STATE_IDLE;
      case BUSY:
        return WorkerState.WORKER_STATE_BUSY;
      case RETIRING:
        return WorkerState.WORKER_STATE_RETIRING;
      default:
        throw new IllegalArgumentException(s.name());
    }
  }

  private static PoolState state(PoolObject.State s) {
    switch (s) {
      case RUNNING:
        return PoolState.POOL_STATE_RUNNING;
      case CLOSED:
        return PoolState.POOL_STATE_CLOSED;
      case TERMINATED:
        return PoolState.POOL_STATE_TERMINATED;
      case BROKEN:
        return PoolState.POOL_STATE_BROKEN;
      default:
        throw new IllegalArgumentException(s.name());
    }
  }
}
