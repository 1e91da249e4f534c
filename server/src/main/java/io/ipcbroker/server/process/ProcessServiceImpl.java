package io.ipcbroker.server.process;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.rpc.StatusMapping;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateProcessResponse;
import io.ipcbroker.v1.DeleteProcessRequest;
import io.ipcbroker.v1.DeleteProcessResponse;
import io.ipcbroker.v1.GetProcessRequest;
import io.ipcbroker.v1.GetProcessResponse;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.JoinProcessResponse;
import io.ipcbroker.v1.ListProcessesRequest;
import io.ipcbroker.v1.ListProcessesResponse;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.ReadOutputResponse;
import io.ipcbroker.v1.SignalProcessRequest;
import io.ipcbroker.v1.SignalProcessResponse;
import io.ipcbroker.v1.StartProcessRequest;
import io.ipcbroker.v1.StartProcessResponse;
import java.util.concurrent.atomic.AtomicReference;

/** Serves {@code ipcbroker.v1.ProcessService}: translation to {@link ProcessRegistry} only. */
public final class ProcessServiceImpl extends ProcessServiceGrpc.ProcessServiceImplBase {
  private final ProcessRegistry processes;
  private final SessionRegistry sessions;

  /** Serves {@code processes}; joins may bind to sessions of {@code sessions}. */
  public ProcessServiceImpl(ProcessRegistry processes, SessionRegistry sessions) {
    this.processes = processes;
    this.sessions = sessions;
  }

  @Override
  public void createProcess(
      CreateProcessRequest request, StreamObserver<CreateProcessResponse> observer) {
    Context call = Context.current();
    Rpcs.unaryAsync(
        observer,
        () ->
            processes
                .create(
                    request.getSessionId(),
                    ProcessProtos.toSpec(request),
                    request.getStart(),
                    call::isCancelled)
                .thenApply(
                    s ->
                        CreateProcessResponse.newBuilder()
                            .setProcess(ProcessProtos.toProto(s))
                            .build()));
  }

  @Override
  public void startProcess(
      StartProcessRequest request, StreamObserver<StartProcessResponse> observer) {
    Context call = Context.current();
    Rpcs.unaryAsync(
        observer,
        () ->
            processes
                .start(request.getId(), call::isCancelled)
                .thenApply(
                    s ->
                        StartProcessResponse.newBuilder()
                            .setProcess(ProcessProtos.toProto(s))
                            .build()));
  }

  @Override
  public void getProcess(GetProcessRequest request, StreamObserver<GetProcessResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            GetProcessResponse.newBuilder()
                .setProcess(ProcessProtos.toProto(processes.get(request.getId())))
                .build());
  }

  @Override
  public void listProcesses(
      ListProcessesRequest request, StreamObserver<ListProcessesResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          ProcessRegistry.Page page =
              processes.list(
                  request.getSessionId(),
                  ProcessProtos.toState(request.getState(), request.getStateValue()),
                  request.getName(),
                  request.getPageSize(),
                  request.getPageToken());
          ListProcessesResponse.Builder b =
              ListProcessesResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.processes().forEach(s -> b.addProcesses(ProcessProtos.toProto(s)));
          return b.build();
        });
  }

  @Override
  public void joinProcess(
      JoinProcessRequest request, StreamObserver<JoinProcessResponse> observer) {
    ParkedUnary.serve(
        observer,
        sessions,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, answer) -> {
          ProcessRegistry.JoinHandle handle =
              processes.join(
                  request.getId(),
                  wait,
                  new ProcessRegistry.JoinSink() {
                    @Override
                    public void joined(ProcessSnapshot snapshot, boolean exited) {
                      answer.answer(
                          JoinProcessResponse.newBuilder()
                              .setExited(exited)
                              .setProcess(ProcessProtos.toProto(snapshot))
                              .build());
                    }

                    @Override
                    public void failed(BrokerException e) {
                      answer.fail(e);
                    }
                  });
          return Parked.of(handle::cancel, handle::fail);
        });
  }

  @Override
  public void signalProcess(
      SignalProcessRequest request, StreamObserver<SignalProcessResponse> observer) {
    Rpcs.unaryAsync(
        observer,
        () ->
            processes
                .signal(
                    request.getId(),
                    ProcessProtos.toSignal(request.getSignal()),
                    request.getProcessOnly())
                .thenApply(
                    r ->
                        SignalProcessResponse.newBuilder()
                            .setSent(r.sent())
                            .setProcess(ProcessProtos.toProto(r.snapshot()))
                            .build()));
  }

  @Override
  public void deleteProcess(
      DeleteProcessRequest request, StreamObserver<DeleteProcessResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteProcessResponse.newBuilder()
                .setDeleted(processes.delete(request.getId(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void readOutput(ReadOutputRequest request, StreamObserver<ReadOutputResponse> observer) {
    ServerCallStreamObserver<ReadOutputResponse> call =
        (ServerCallStreamObserver<ReadOutputResponse>) observer;
    // grpc-java accepts these handlers only before this method returns; the reader exists later.
    AtomicReference<OutputReader> reader = new AtomicReference<>();
    call.setOnReadyHandler(
        () -> {
          OutputReader r = reader.get();
          if (r != null) {
            r.drain();
          }
        });
    call.setOnCancelHandler(
        () -> {
          OutputReader r = reader.getAndSet(null);
          if (r != null) {
            r.cancel();
          }
        });
    try {
      ProcessRegistry.StdStream stream =
          ProcessProtos.toStream(request.getStream(), request.getStreamValue());
      OutputReader r =
          processes.readOutput(
              request.getId(), stream, request.getOffset(), request.getFollow(), new Sink(call));
      reader.set(r);
      if (call.isCancelled()) {
        r.cancel();
      }
    } catch (RuntimeException e) {
      call.onError(StatusMapping.toStatusException(e));
    }
  }

  /** One output stream's response side; the reader serialises its calls. */
  private static final class Sink implements OutputSink {
    private final ServerCallStreamObserver<ReadOutputResponse> call;
    private boolean closed; // guarded by this

    Sink(ServerCallStreamObserver<ReadOutputResponse> call) {
      this.call = call;
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public synchronized boolean send(long offset, byte[] data) {
      if (closed || call.isCancelled()) {
        return false;
      }
      call.onNext(
          ReadOutputResponse.newBuilder()
              .setOffset(offset)
              // The reader made the copy; the message may own it.
              .setData(UnsafeByteOperations.unsafeWrap(data))
              .build());
      return true;
    }

    @Override
    public synchronized void complete() {
      if (!closed && !call.isCancelled()) {
        closed = true;
        call.onCompleted();
      }
    }

    @Override
    public synchronized void fail(BrokerException e) {
      if (!closed && !call.isCancelled()) {
        closed = true;
        call.onError(StatusMapping.toStatusException(e));
      }
    }
  }
}
