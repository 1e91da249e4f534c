package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ipcbroker.server.BrokerConfig;
import io.ipcbroker.server.BrokerServer;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client whose process is frozen (SIGSTOP) while it holds a delivery and has a pull parked: it
 * stops reading and stops answering, as a peer behind a dead network path does, without closing its
 * connection. The broker must find it, by its session's TTL or, sooner, by transport keepalive, and
 * hand what it held to the next consumer: nothing is lost, nothing stays stuck.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StalledClientConformanceTest {
  @Test
  void aFrozenClientsDeliveryGoesToTheNextConsumerWhenItsSessionExpires() throws Exception {
    try (TestBroker broker = new TestBroker()) {
      String q = broker.createQueue("stalled", 0);
      broker.put(q, "held-item");
      Duration ttl = Duration.ofSeconds(2);
      Duration returned =
          freezeAndAwaitReturn(ConformanceTarget.address(), broker.channel(), q, ttl);
      // Within the TTL after the freeze, plus the session sweep's slack.
      assertThat(returned).isLessThanOrEqualTo(ttl.plus(Timing.LATE).plusSeconds(2));
    }
  }

  @Test
  void keepaliveFindsAFrozenConnectionLongBeforeItsSessionExpires() throws Exception {
    Assumptions.assumeTrue(
        ConformanceTarget.isEmbedded(), "starts a broker of its own with a short keepalive");
    BrokerServer server =
        new BrokerServer(
            BrokerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                // The shortest keepalive grpc-java honours, and a short wait for the ping's answer.
                .keepAlive(BrokerConfig.MIN_KEEPALIVE_TIME, Duration.ofMillis(500))
                .build());
    server.start();
    ManagedChannel channel = NettyChannelBuilder.forTarget(server.address()).usePlaintext().build();
    try {
      QueueServiceGrpc.QueueServiceBlockingStub queues =
          QueueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      queues.createQueue(CreateQueueRequest.newBuilder().setName("stalled-ka").build());
      QueueServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .putItem(
              PutItemRequest.newBuilder()
                  .setQueue("stalled-ka")
                  .setItem(
                      Payload.newBuilder()
                          .setData(com.google.protobuf.ByteString.copyFromUtf8("held-item")))
                  .build());
      // A session of 120 s: only the keepalive can end the frozen client's hold in time.
      Duration returned =
          freezeAndAwaitReturn(server.address(), channel, "stalled-ka", Duration.ofSeconds(120));
      // The ping goes out once the connection was silent for 10 s, and its answer is overdue
      // 0.5 s later: the item moves about 10.5 s after the freeze (the frozen client spoke last
      // just before it). Far sooner would mean a live connection was dropped; the bound above
      // leaves a loaded machine room and is still far below the 120 s session.
      assertThat(returned).isGreaterThan(Duration.ofSeconds(5)).isLessThan(Duration.ofSeconds(20));
    } finally {
      ConformanceTarget.close(channel);
      server.shutdown();
    }
  }

  /**
   * Starts a {@link StalledHolder} on {@code queue} (which holds one item), freezes it once it
   * holds the item and has a pull parked, and returns how long after the freeze a consumer of this
   * test received the item, marked redelivered. The frozen child is killed at the end.
   */
  private static Duration freezeAndAwaitReturn(
      String target, ManagedChannel channel, String queue, Duration ttl) throws Exception {
    Process holder =
        new ProcessBuilder(
                JavaChild.command(
                    StalledHolder.class, target, queue, Long.toString(ttl.toSeconds())))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("held held-item");
      QueueServiceGrpc.QueueServiceBlockingStub queues =
          QueueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      Queue before = describe(channel, queue);
      assertThat(before.getUnacked()).isEqualTo(1);

      ConsumeClient next = ConsumeClient.open(channel, queue);
      long pull = next.pull(1, 120.0, false); // parked behind the frozen client's pull
      signal(holder.pid(), "STOP");
      long t0 = Timing.start();
      PullResult got = next.awaitResult(pull, Duration.ofSeconds(150));
      Duration returned = Timing.since(t0);
      assertThat(got.getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
      Delivery d = got.getDeliveries(0);
      assertThat(d.getPayload().getData().toStringUtf8()).isEqualTo("held-item");
      assertThat(d.getRedelivered()).isTrue();
      next.ack(d.getDeliveryId());
      // The frozen client's parked pull went with it: nothing waits on the queue, nothing is held.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                Queue now = describe(channel, queue);
                return now.getUnacked() == 0 && now.getSize() == 0 && now.getWaitingGetters() == 0;
              });
      next.halfCloseAndAwait();
      System.out.printf("frozen client's delivery handed over after %d ms%n", returned.toMillis());
      return returned;
    } finally {
      OsProcesses.sigkill(holder.pid()); // a stopped process dies of SIGKILL too
      holder.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Queue describe(ManagedChannel channel, String queue) {
    return QueueServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getQueue(GetQueueRequest.newBuilder().setName(queue).build())
        .getQueue();
  }

  private static void signal(long pid, String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(pid))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }
}
