package io.ipcbroker.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.DeleteValueRequest;
import io.ipcbroker.v1.DescribeValueRequest;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The floor of anything that goes through gRPC here: a bare grpc-java echo server ({@link
 * GrpcEcho}) in a process of its own, called from this one over a channel configured as the SDK's
 * (Netty, direct executor). Three figures: a blocking unary round trip (next to the broker's
 * cheapest unary call), a round trip of one message on an open bidi stream (the shape of a blocking
 * put or get on the SDK's streams), and a bidi stream's one-way message rate.
 */
final class GrpcFloorScenario implements Bench.Scenario {
  static final String UNARY = "gRPC floor: unary round trip, 100 B";
  static final String PING_PONG = "gRPC floor: bidi stream round trip of one message, 100 B";
  static final String ONE_WAY = "gRPC floor: bidi stream one-way rate, 100 B messages";

  private final ManagedChannel broker;

  GrpcFloorScenario(ManagedChannel broker) {
    this.broker = broker;
  }

  /** A running echo server and a channel to it; closing stops both. */
  static final class Echo implements AutoCloseable {
    final BenchChild server;
    final ManagedChannel channel;
    final String address;

    Echo() throws Exception {
      server = BenchChild.start(GrpcEcho.class);
      String ready;
      try {
        // Bounded: a child that hangs before it listens must not hang the bench.
        ready =
            CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return server.readLine();
                      } catch (IOException e) {
                        throw new UncheckedIOException(e);
                      }
                    })
                .get(60, TimeUnit.SECONDS);
        if (!ready.startsWith("ready ")) {
          throw new IllegalStateException("the echo server said " + ready);
        }
      } catch (Exception e) {
        server.kill();
        throw e;
      }
      address = "127.0.0.1:" + ready.substring(6).trim();
      channel = NettyChannelBuilder.forTarget(address).usePlaintext().directExecutor().build();
    }

    /**
     * Round trips of one message on one open bidi stream, each timed on its own, in microseconds:
     * the caller sends and parks until the answer arrives, as a blocking get or put of the SDK
     * does.
     */
    double[] pingPong(int rounds) throws Exception {
      BlockingQueue<BytesValue> answers = new ArrayBlockingQueue<>(1);
      StreamObserver<BytesValue> out =
          ClientCalls.asyncBidiStreamingCall(
              channel.newCall(GrpcEcho.PING_PONG, CallOptions.DEFAULT), answersTo(answers));
      BytesValue message = message(100);
      double[] samples = new double[rounds];
      try {
        for (int i = 0; i < rounds; i++) {
          long t0 = System.nanoTime();
          out.onNext(message);
          if (answers.poll(30, TimeUnit.SECONDS) == null) {
            throw new IllegalStateException("the echo server stopped answering");
          }
          samples[i] = (System.nanoTime() - t0) / 1e3;
        }
      } finally {
        out.onCompleted();
      }
      return samples;
    }

    @Override
    public void close() throws Exception {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
    }
  }

  static BytesValue message(int size) {
    return BytesValue.newBuilder().setValue(ByteString.copyFrom(new byte[size])).build();
  }

  private static StreamObserver<BytesValue> answersTo(BlockingQueue<BytesValue> answers) {
    return new StreamObserver<>() {
      @Override
      public void onNext(BytesValue value) {
        answers.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /** The median of {@code samples}. */
  static double median(double[] samples) {
    double[] s = samples.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    List<Bench.Row> rows = new ArrayList<>();
    try (Echo echo = new Echo()) {
      BytesValue message = message(100);
      // The broker's cheapest unary call, a read of a value, next to the bare echo.
      ValueServiceGrpc.ValueServiceBlockingStub values = ValueServiceGrpc.newBlockingStub(broker);
      String probe = "bench-floor-" + System.nanoTime();
      values.createValue(CreateValueRequest.newBuilder().setName(probe).setTypecode("q").build());
      try {
        DescribeValueRequest describe = DescribeValueRequest.newBuilder().setName(probe).build();
        rows.add(
            new Bench.Row(
                UNARY,
                "ipcbroker DescribeValue (a read of a value), blocking stub",
                "us/call",
                Bench.measure(
                    plan,
                    () -> values.withDeadlineAfter(30, TimeUnit.SECONDS).describeValue(describe)),
                false));
      } finally {
        values.deleteValue(DeleteValueRequest.newBuilder().setName(probe).build());
      }
      rows.add(
          new Bench.Row(
              UNARY,
              "raw grpc-java echo server, blocking unary call",
              "us/call",
              Bench.measure(
                  plan,
                  () ->
                      ClientCalls.blockingUnaryCall(
                          echo.channel,
                          GrpcEcho.UNARY,
                          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                          message)),
              true));

      echo.pingPong(plan.warmup());
      double[] pingPong = new double[plan.batches()];
      for (int b = 0; b < pingPong.length; b++) {
        pingPong[b] = median(echo.pingPong(plan.batchSize()));
      }
      rows.add(
          new Bench.Row(
              PING_PONG,
              "raw grpc-java echo server, one message each way on an open stream (p50)",
              "us/round trip",
              pingPong,
              true));

      int burst = plan.batchSize() * 50;
      oneWay(echo.channel, plan.warmup() * 10, message);
      double[] rate = new double[plan.batches()];
      for (int b = 0; b < rate.length; b++) {
        long t0 = System.nanoTime();
        oneWay(echo.channel, burst, message);
        rate[b] = (System.nanoTime() - t0) / 1e3 / burst;
      }
      rows.add(
          new Bench.Row(
              ONE_WAY,
              "raw grpc-java echo server, messages sent back to back, one count answered",
              "us/message",
              rate,
              true));
    }
    return rows;
  }

  /**
   * Sends {@code count} messages on a new Sink stream back to back (without waiting for the stream
   * to be ready: grpc-java buffers what the transport has not taken yet, and the figure is from the
   * first send to the server's count), then an empty one, and waits for the count.
   */
  private static void oneWay(ManagedChannel channel, int count, BytesValue message)
      throws Exception {
    BlockingQueue<BytesValue> answers = new ArrayBlockingQueue<>(1);
    ClientCall<BytesValue, BytesValue> call =
        channel.newCall(GrpcEcho.SINK, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    StreamObserver<BytesValue> out = ClientCalls.asyncBidiStreamingCall(call, answersTo(answers));
    try {
      for (int i = 0; i < count; i++) {
        out.onNext(message);
      }
      out.onNext(BytesValue.getDefaultInstance());
      BytesValue answer = answers.poll(60, TimeUnit.SECONDS);
      if (answer == null || Long.parseLong(answer.getValue().toStringUtf8()) != count) {
        throw new IllegalStateException("the echo server counted " + answer + " of " + count);
      }
    } finally {
      out.onCompleted();
    }
  }
}
