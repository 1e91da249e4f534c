package io.ipcbroker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests whose bytes are not a valid message of the method's request type (a client bug, or
 * another program on the port) are bad input like any other: {@code INVALID_ARGUMENT} with reason
 * {@code MALFORMED_REQUEST}, never the library's {@code INTERNAL}, and the broker keeps serving.
 */
@Timeout(60)
class MalformedRequestTest {
  private BrokerServer broker;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    broker = new BrokerServer(BrokerConfig.builder().host("127.0.0.1").port(0).build());
    broker.start();
    channel = NettyChannelBuilder.forTarget(broker.address()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    broker.shutdown();
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** The same method, sending raw bytes instead of a GetItemRequest. */
  private static MethodDescriptor<byte[], byte[]> rawGetItem() {
    return QueueServiceGrpc.getGetItemMethod().toBuilder(BYTES, BYTES).build();
  }

  @Test
  void malformedFrameOnAConsumeStreamEndsItAndHandsBackWhatItHeld() throws Exception {
    var queues = QueueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    queues.createQueue(CreateQueueRequest.newBuilder().setName("held").build());
    queues.putItem(
        PutItemRequest.newBuilder()
            .setQueue("held")
            .setItem(Payload.newBuilder().setData(ByteString.copyFromUtf8("x")))
            .build());
    MethodDescriptor<byte[], byte[]> rawConsume =
        QueueServiceGrpc.getConsumeMethod().toBuilder(BYTES, BYTES).build();
    ClientCall<byte[], byte[]> call = channel.newCall(rawConsume, CallOptions.DEFAULT);
    CompletableFuture<Status> closed = new CompletableFuture<>();
    CompletableFuture<byte[]> first = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            first.complete(message);
            call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(
        ConsumeRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue("held"))
            .setPull(Pull.newBuilder().setPullId(1))
            .build()
            .toByteArray());
    first.get(5, TimeUnit.SECONDS); // "opened"; the pull's delivery follows
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                queues
                        .getQueue(GetQueueRequest.newBuilder().setName("held").build())
                        .getQueue()
                        .getUnacked()
                    == 1);

    call.sendMessage(new byte[] {0x0a, (byte) 0xff, 0x01});

    assertThat(closed.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              var q =
                  queues.getQueue(GetQueueRequest.newBuilder().setName("held").build()).getQueue();
              return q.getUnacked() == 0 && q.getSize() == 1;
            });
  }

  @Test
  void unparseableRequestIsInvalidArgumentAndTheBrokerKeepsServing() throws Exception {
    // A length-delimited field whose length runs past the end of the message.
    byte[] garbage = {0x0a, (byte) 0xff, 0x01, 'q'};
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    rawGetItem(),
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    garbage));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertThat(details).isNotNull();
    assertThat(details.getDetails(0).unpack(ErrorInfo.class).getReason())
        .isEqualTo("MALFORMED_REQUEST");

    var queues = QueueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    queues.createQueue(CreateQueueRequest.newBuilder().setName("still-serving").build());
    assertThat(
            queues
                .getItem(
                    GetItemRequest.newBuilder().setQueue("still-serving").setNowait(true).build())
                .getOutcome())
        .isNotNull();
  }

  @Test
  void aUnaryCallWithNoRequestOrTwoIsMalformedNotInternal() throws Exception {
    // Left to grpc-java, a unary call half-closed without its request ends with INTERNAL.
    // As a bidi call on the wire, so that the client sends what it is told to.
    MethodDescriptor<byte[], byte[]> raw =
        rawGetItem().toBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING).build();
    byte[] request =
        GetItemRequest.newBuilder().setQueue("nowhere").setNowait(true).build().toByteArray();
    for (int messages : new int[] {0, 2}) {
      ClientCall<byte[], byte[]> call =
          channel.newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
      CompletableFuture<Status> closed = new CompletableFuture<>();
      CompletableFuture<Metadata> trailers = new CompletableFuture<>();
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata t) {
              trailers.complete(t);
              closed.complete(status);
            }
          },
          new Metadata());
      call.request(1);
      for (int i = 0; i < messages; i++) {
        call.sendMessage(request);
      }
      call.halfClose();
      Status status = closed.get(10, TimeUnit.SECONDS);
      if (messages == 2 && status.getCode() == Status.Code.CANCELLED) {
        // grpc-java's transport may reset a unary call's stream as its second message arrives,
        // before the broker sees it; the client then sees CANCELLED, never INTERNAL.
        continue;
      }
      assertThat(status.getCode())
          .as("%d messages: %s", messages, status)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              StatusProto.fromStatusAndTrailers(status, trailers.get())
                  .getDetails(0)
                  .unpack(ErrorInfo.class)
                  .getReason())
          .isEqualTo("MALFORMED_REQUEST");
    }
  }
}
