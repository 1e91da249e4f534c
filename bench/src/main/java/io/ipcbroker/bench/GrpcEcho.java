package io.ipcbroker.bench;

import com.google.protobuf.BytesValue;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The floor of anything that goes through gRPC on this machine: a bare grpc-java echo server in a
 * process of its own, configured as the broker is (Netty, direct executor), with no broker logic.
 *
 * <ul>
 *   <li>{@code Unary}: answers each request with itself.
 *   <li>{@code PingPong}: a bidi stream that answers each message with itself.
 *   <li>{@code Sink}: a bidi stream that counts messages and answers with one message, whose value
 *       is the count, for each empty message it receives (a "flush" mark).
 * </ul>
 *
 * <p>Run as {@code GrpcEcho}: prints "ready PORT" and serves until its stdin ends.
 */
public final class GrpcEcho {
  static final String SERVICE = "ipcbroker.bench.Echo";

  static final MethodDescriptor<BytesValue, BytesValue> UNARY =
      method(MethodDescriptor.MethodType.UNARY, "Unary");
  static final MethodDescriptor<BytesValue, BytesValue> PING_PONG =
      method(MethodDescriptor.MethodType.BIDI_STREAMING, "PingPong");
  static final MethodDescriptor<BytesValue, BytesValue> SINK =
      method(MethodDescriptor.MethodType.BIDI_STREAMING, "Sink");

  private GrpcEcho() {}

  private static MethodDescriptor<BytesValue, BytesValue> method(
      MethodDescriptor.MethodType type, String name) {
    return MethodDescriptor.<BytesValue, BytesValue>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(BytesValue.getDefaultInstance()))
        .build();
  }

  /** Serves the echo service on a free loopback port until stdin ends. */
  public static void main(String[] args) throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(
                UNARY,
                ServerCalls.asyncUnaryCall(
                    (request, answer) -> {
                      answer.onNext(request);
                      answer.onCompleted();
                    }))
            .addMethod(
                PING_PONG,
                ServerCalls.asyncBidiStreamingCall(
                    answer ->
                        new Observer() {
                          @Override
                          public void onNext(BytesValue value) {
                            answer.onNext(value);
                          }

                          @Override
                          public void onCompleted() {
                            answer.onCompleted();
                          }
                        }))
            .addMethod(
                SINK,
                ServerCalls.asyncBidiStreamingCall(
                    answer ->
                        new Observer() {
                          private long count;

                          @Override
                          public void onNext(BytesValue value) {
                            if (value.getValue().isEmpty()) {
                              answer.onNext(
                                  BytesValue.newBuilder()
                                      .setValue(
                                          com.google.protobuf.ByteString.copyFromUtf8(
                                              Long.toString(count)))
                                      .build());
                            } else {
                              count++;
                            }
                          }

                          @Override
                          public void onCompleted() {
                            answer.onCompleted();
                          }
                        }))
            .build();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .directExecutor()
            .addService(service)
            .build()
            .start();
    System.out.println("ready " + server.getPort());
    System.out.flush();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // Nothing to do: the server runs until the parent closes our stdin.
      }
    }
    server.shutdownNow();
  }

  /** A request observer whose errors end nothing but the call (the client went away). */
  private abstract static class Observer implements StreamObserver<BytesValue> {
    @Override
    public void onError(Throwable t) {}
  }
}
