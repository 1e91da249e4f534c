package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shortest round trip: create, put over a stream, get over an acked stream. */
@Timeout(60)
class SmokeConformanceTest {
  private ManagedChannel channel;

  @BeforeEach
  void connect() {
    channel = ConformanceTarget.newChannel();
  }

  @AfterEach
  void disconnect() {
    ConformanceTarget.close(channel);
  }

  @Test
  void putThenGetRoundTrip() {
    String name = Rpc.uniqueName("smoke");
    var queues = QueueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    queues.createQueue(CreateQueueRequest.newBuilder().setName(name).setMaxsize(5).build());

    PutClient producer = PutClient.open(channel, name);
    assertThat(producer.putText("hello").getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    producer.halfCloseAndAwait();

    ConsumeClient consumer = ConsumeClient.open(channel, name);
    PullResult result = consumer.get(1.0);
    assertThat(result.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    assertThat(result.getDeliveries(0).getPayload().getData().toString(StandardCharsets.UTF_8))
        .isEqualTo("hello");
    consumer.ack(result.getDeliveries(0).getDeliveryId());
    consumer.halfCloseAndAwait();

    assertThat(
            queues
                .getQueue(GetQueueRequest.newBuilder().setName(name).build())
                .getQueue()
                .getSize())
        .isZero();
  }
}
