package io.ipcbroker.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A started {@link BrokerServer} on an in-process transport, with a channel and stubs. */
final class InProcessBroker implements AutoCloseable {
  final BrokerServer broker;
  final ManagedChannel channel;
  final QueueServiceGrpc.QueueServiceBlockingStub queues;
  final QueueServiceGrpc.QueueServiceStub queuesAsync;
  final SessionServiceGrpc.SessionServiceBlockingStub sessions;
  final SessionServiceGrpc.SessionServiceStub sessionsAsync;

  InProcessBroker(BrokerConfig config) throws IOException {
    String name = InProcessServerBuilder.generateName();
    broker = new BrokerServer(config, InProcessServerBuilder.forName(name));
    broker.start();
    channel = InProcessChannelBuilder.forName(name).build();
    queues = QueueServiceGrpc.newBlockingStub(channel);
    queuesAsync = QueueServiceGrpc.newStub(channel);
    sessions = SessionServiceGrpc.newBlockingStub(channel);
    sessionsAsync = SessionServiceGrpc.newStub(channel);
  }

  InProcessBroker() throws IOException {
    this(BrokerConfig.builder().build());
  }

  static Payload text(String s) {
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(s, StandardCharsets.UTF_8))
        .setContentType("text/plain")
        .build();
  }

  static String text(Payload p) {
    return p.getData().toString(StandardCharsets.UTF_8);
  }

  Queue create(String name, long maxsize) {
    return queues
        .createQueue(CreateQueueRequest.newBuilder().setName(name).setMaxsize(maxsize).build())
        .getQueue();
  }

  Queue queue(String name) {
    return queues.getQueue(GetQueueRequest.newBuilder().setName(name).build()).getQueue();
  }

  void put(String queue, String item) {
    PutOutcome o =
        queues
            .putItem(
                PutItemRequest.newBuilder()
                    .setQueue(queue)
                    .setItem(text(item))
                    .setNowait(true)
                    .build())
            .getOutcome();
    if (o != PutOutcome.PUT_OUTCOME_OK) {
      throw new AssertionError("put " + item + ": " + o);
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    broker.shutdown();
  }
}
