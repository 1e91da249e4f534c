package io.ipcbroker.conformance;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ipcbroker.v1.ClaimPipeEndRequest;
import io.ipcbroker.v1.ClosePipeEndRequest;
import io.ipcbroker.v1.CreatePipeRequest;
import io.ipcbroker.v1.DeletePipeRequest;
import io.ipcbroker.v1.GetPipeRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Pipe;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.PollPipeRequest;
import io.ipcbroker.v1.RecvPipeRequest;
import io.ipcbroker.v1.RecvPipeResponse;
import io.ipcbroker.v1.SendPipeRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The pipe calls of one client connection, over the raw stubs, with the reader's bookkeeping that
 * the contract asks for: the last delivery received is acknowledged by the next call at that end.
 */
final class PipeClient {
  private static final long CALL_SECONDS = 30;

  private final PipeServiceGrpc.PipeServiceBlockingStub stub;
  private final String sessionId;
  private String lastDelivery = "";

  PipeClient(ManagedChannel channel, String sessionId) {
    this.stub = PipeServiceGrpc.newBlockingStub(channel);
    this.sessionId = sessionId;
  }

  PipeServiceGrpc.PipeServiceBlockingStub stub() {
    return stub.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  Pipe create(String name, boolean duplex, int capacity) {
    return stub()
        .createPipe(
            CreatePipeRequest.newBuilder()
                .setName(name)
                .setDuplex(duplex)
                .setCapacity(capacity)
                .setSessionId(sessionId)
                .build())
        .getPipe();
  }

  Pipe get(String name) {
    return stub().getPipe(GetPipeRequest.newBuilder().setName(name).build()).getPipe();
  }

  void claim(String end) {
    stub()
        .claimPipeEnd(ClaimPipeEndRequest.newBuilder().setEnd(end).setSessionId(sessionId).build());
  }

  static Payload text(String s) {
    return Payload.newBuilder().setData(ByteString.copyFrom(s, StandardCharsets.UTF_8)).build();
  }

  boolean send(String end, String message) {
    return stub()
        .sendPipe(
            SendPipeRequest.newBuilder()
                .setEnd(end)
                .setPayload(text(message))
                .setSessionId(sessionId)
                .build())
        .getSent();
  }

  boolean sendNowait(String end, String message) {
    return stub()
        .sendPipe(
            SendPipeRequest.newBuilder()
                .setEnd(end)
                .setPayload(text(message))
                .setNowait(true)
                .setSessionId(sessionId)
                .build())
        .getSent();
  }

  /** One receive that acknowledges the last delivery; the message text, or null if none came. */
  String recv(String end, Double timeoutSeconds) {
    RecvPipeResponse r = recvRaw(end, timeoutSeconds, 0);
    return r.getReceived() ? r.getPayload().getData().toString(StandardCharsets.UTF_8) : null;
  }

  RecvPipeResponse recvRaw(String end, Double timeoutSeconds, long maxBytes) {
    RecvPipeRequest.Builder b =
        RecvPipeRequest.newBuilder()
            .setEnd(end)
            .setAckDeliveryId(lastDelivery)
            .setMaxBytes(maxBytes)
            .setSessionId(sessionId);
    if (timeoutSeconds != null) {
      b.setTimeoutSeconds(timeoutSeconds);
    }
    RecvPipeResponse r = stub().recvPipe(b.build());
    if (r.getReceived()) {
      lastDelivery = r.getDeliveryId();
    }
    return r;
  }

  boolean poll(String end, Double timeoutSeconds) {
    PollPipeRequest.Builder b = PollPipeRequest.newBuilder().setEnd(end).setSessionId(sessionId);
    if (timeoutSeconds != null) {
      b.setTimeoutSeconds(timeoutSeconds);
    } else {
      b.setNowait(true);
    }
    return stub().pollPipe(b.build()).getReady();
  }

  void close(String end) {
    stub()
        .closePipeEnd(
            ClosePipeEndRequest.newBuilder().setEnd(end).setAckDeliveryId(lastDelivery).build());
    lastDelivery = "";
  }

  void delete(String name) {
    stub().deletePipe(DeletePipeRequest.newBuilder().setName(name).setAllowMissing(true).build());
  }
}
