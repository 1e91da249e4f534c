package io.ipcbroker.server.pipe;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Payloads;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.AckPipeRequest;
import io.ipcbroker.v1.AckPipeResponse;
import io.ipcbroker.v1.ClaimPipeEndRequest;
import io.ipcbroker.v1.ClaimPipeEndResponse;
import io.ipcbroker.v1.ClosePipeEndRequest;
import io.ipcbroker.v1.ClosePipeEndResponse;
import io.ipcbroker.v1.CreatePipeRequest;
import io.ipcbroker.v1.CreatePipeResponse;
import io.ipcbroker.v1.DeletePipeRequest;
import io.ipcbroker.v1.DeletePipeResponse;
import io.ipcbroker.v1.GetPipeRequest;
import io.ipcbroker.v1.GetPipeResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Pipe;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.PollPipeRequest;
import io.ipcbroker.v1.PollPipeResponse;
import io.ipcbroker.v1.RecvPipeRequest;
import io.ipcbroker.v1.RecvPipeResponse;
import io.ipcbroker.v1.SendPipeRequest;
import io.ipcbroker.v1.SendPipeResponse;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/** Serves {@code ipcbroker.v1.PipeService}: translation to {@link PipeRegistry} only. */
public final class PipeServiceImpl extends PipeServiceGrpc.PipeServiceImplBase {
  private final PipeRegistry<Payload> pipes;
  private final SessionRegistry sessions;
  private final int maxItemBytes;

  /**
   * Serves {@code pipes}.
   *
   * @param maxItemBytes the largest message accepted ({@code ITEM_TOO_LARGE} above)
   */
  public PipeServiceImpl(PipeRegistry<Payload> pipes, SessionRegistry sessions, int maxItemBytes) {
    this.pipes = pipes;
    this.sessions = sessions;
    this.maxItemBytes = maxItemBytes;
  }

  @Override
  public void createPipe(CreatePipeRequest request, StreamObserver<CreatePipeResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            CreatePipeResponse.newBuilder()
                .setPipe(
                    toProto(
                        pipes.create(
                            request.getName(),
                            !request.hasDuplex() || request.getDuplex(),
                            request.getCapacity(),
                            request.getSessionId())))
                .build());
  }

  @Override
  public void getPipe(GetPipeRequest request, StreamObserver<GetPipeResponse> observer) {
    Rpcs.unary(
        observer,
        () -> GetPipeResponse.newBuilder().setPipe(toProto(pipes.get(request.getName()))).build());
  }

  @Override
  public void claimPipeEnd(
      ClaimPipeEndRequest request, StreamObserver<ClaimPipeEndResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          pipes.claim(request.getEnd(), request.getSessionId());
          return ClaimPipeEndResponse.getDefaultInstance();
        });
  }

  @Override
  public void sendPipe(SendPipeRequest request, StreamObserver<SendPipeResponse> observer) {
    serve(
        observer,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) -> {
          Payloads.check(request.getPayload(), maxItemBytes);
          return pipes.send(request.getEnd(), request.getPayload(), wait, reply);
        },
        (Boolean sent) -> SendPipeResponse.newBuilder().setSent(sent).build(),
        (Boolean sent) -> {
          // The client never learns that this send happened and may send it again: take the
          // message back while no reader has it (after that, the send stands: at least once).
          if (sent) {
            pipes.unsend(request.getEnd(), request.getPayload());
          }
        });
  }

  @Override
  public void recvPipe(RecvPipeRequest request, StreamObserver<RecvPipeResponse> observer) {
    serve(
        observer,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) ->
            pipes.recv(
                request.getEnd(),
                request.getSessionId(),
                request.getAckDeliveryId(),
                request.getMaxBytes(),
                wait,
                reply),
        (PipeCalls.Received<Payload> r) ->
            r == null
                ? RecvPipeResponse.getDefaultInstance()
                : RecvPipeResponse.newBuilder()
                    .setReceived(true)
                    .setPayload(r.message())
                    .setDeliveryId(r.deliveryId())
                    .setRedelivered(r.redelivered())
                    .build());
  }

  @Override
  public void pollPipe(PollPipeRequest request, StreamObserver<PollPipeResponse> observer) {
    serve(
        observer,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) ->
            pipes.poll(
                request.getEnd(), request.getSessionId(), request.getAckDeliveryId(), wait, reply),
        (Boolean ready) -> PollPipeResponse.newBuilder().setReady(ready).build());
  }

  @Override
  public void ackPipe(AckPipeRequest request, StreamObserver<AckPipeResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            AckPipeResponse.newBuilder()
                .setAcked(pipes.ack(request.getEnd(), request.getDeliveryId()))
                .build());
  }

  @Override
  public void closePipeEnd(
      ClosePipeEndRequest request, StreamObserver<ClosePipeEndResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          pipes.close(request.getEnd(), request.getAckDeliveryId());
          return ClosePipeEndResponse.getDefaultInstance();
        });
  }

  @Override
  public void deletePipe(DeletePipeRequest request, StreamObserver<DeletePipeResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeletePipeResponse.newBuilder()
                .setDeleted(pipes.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  // Sends, receives and polls may wait: the timeout rule, the session binding and the cancel
  // wiring of parked calls apply to all of them.
  private <R, T> void serve(
      StreamObserver<T> observer,
      String sessionId,
      boolean nowait,
      boolean hasTimeout,
      double timeoutSeconds,
      BiFunction<Wait, Reply<R>, Parked> call,
      Function<R, T> toProto) {
    serve(observer, sessionId, nowait, hasTimeout, timeoutSeconds, call, toProto, unsent -> {});
  }

  private <R, T> void serve(
      StreamObserver<T> observer,
      String sessionId,
      boolean nowait,
      boolean hasTimeout,
      double timeoutSeconds,
      BiFunction<Wait, Reply<R>, Parked> call,
      Function<R, T> toProto,
      Consumer<R> onUnsent) {
    ParkedUnary.serveReply(
        observer, sessions, sessionId, nowait, hasTimeout, timeoutSeconds, call, toProto, onUnsent);
  }

  private static Pipe toProto(PipeInfo p) {
    return Pipe.newBuilder()
        .setName(p.name())
        .setEndA(p.name() + ".a")
        .setEndB(p.name() + ".b")
        .setDuplex(p.duplex())
        .setCapacity(p.capacity())
        .setAClosed(p.aClosed())
        .setBClosed(p.bClosed())
        .setBufferedToA(p.bufferedToA())
        .setBufferedToB(p.bufferedToB())
        .build();
  }
}
