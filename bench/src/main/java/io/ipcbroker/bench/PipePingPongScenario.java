package io.ipcbroker.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreatePipeRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeletePipeRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Pipe;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.RecvPipeRequest;
import io.ipcbroker.v1.RecvPipeResponse;
import io.ipcbroker.v1.SendPipeRequest;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ping-pong over a duplex pipe between two clients on separate connections: one round trip is a
 * send and a receive on each side. Measured in microseconds per round trip.
 */
final class PipePingPongScenario implements Bench.Scenario {
  private static final String NAME = "pipe ping-pong (2 clients, 100-byte messages)";

  private final ManagedChannel pingChannel;
  private final ManagedChannel pongChannel;

  PipePingPongScenario(ManagedChannel pingChannel, ManagedChannel pongChannel) {
    this.pingChannel = pingChannel;
    this.pongChannel = pongChannel;
  }

  /** One side: sends and receives, acknowledging each message with its next receive. */
  private static final class Side {
    private final PipeServiceGrpc.PipeServiceBlockingStub stub;
    private final String end;
    private final String session;
    private String ack = "";

    Side(ManagedChannel channel, String end) {
      this.stub = PipeServiceGrpc.newBlockingStub(channel);
      this.end = end;
      this.session =
          SessionServiceGrpc.newBlockingStub(channel)
              .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
              .getSession()
              .getSessionId();
    }

    void send(Payload p) {
      stub.withDeadlineAfter(30, TimeUnit.SECONDS)
          .sendPipe(
              SendPipeRequest.newBuilder().setEnd(end).setPayload(p).setSessionId(session).build());
    }

    Payload recv() {
      RecvPipeResponse r =
          stub.withDeadlineAfter(30, TimeUnit.SECONDS)
              .recvPipe(
                  RecvPipeRequest.newBuilder()
                      .setEnd(end)
                      .setAckDeliveryId(ack)
                      .setSessionId(session)
                      .build());
      if (!r.getReceived()) {
        throw new IllegalStateException("no message within the call's deadline");
      }
      ack = r.getDeliveryId();
      return r.getPayload();
    }
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    PipeServiceGrpc.PipeServiceBlockingStub admin = PipeServiceGrpc.newBlockingStub(pingChannel);
    Pipe pipe =
        admin
            .createPipe(
                CreatePipeRequest.newBuilder().setName("bench-pipe-" + System.nanoTime()).build())
            .getPipe();
    Side ping = new Side(pingChannel, pipe.getEndA());
    Side pong = new Side(pongChannel, pipe.getEndB());
    Payload message = Payload.newBuilder().setData(ByteString.copyFrom(new byte[100])).build();
    int rounds = plan.warmup() + plan.batches() * plan.batchSize();
    CompletableFuture<Void> echo =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < rounds; i++) {
                pong.send(pong.recv());
              }
            });
    double[] batches;
    try {
      batches =
          Bench.measure(
              plan,
              () -> {
                ping.send(message);
                ping.recv();
              });
      echo.get(60, TimeUnit.SECONDS);
    } finally {
      admin.deletePipe(DeletePipeRequest.newBuilder().setName(pipe.getName()).build());
    }
    List<Bench.Row> rows = new ArrayList<>();
    rows.add(
        new Bench.Row(
            NAME, "ipcbroker SendPipe+RecvPipe each way", "us/round trip", batches, false));
    double[] mpPipe =
        PythonAnchor.column(
            0, "pipe_anchors.py", "mp-pipe", plan.batchSize() * 5, Math.min(plan.batches(), 5));
    if (mpPipe != null) {
      rows.add(
          new Bench.Row(
              NAME,
              "Python multiprocessing.Pipe() between two processes (no broker)",
              "us/round trip",
              mpPipe,
              true));
    }
    return rows;
  }
}
