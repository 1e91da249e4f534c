package io.ipcbroker.server;

import static io.ipcbroker.server.GrpcAssertions.assertError;
import static io.ipcbroker.server.GrpcAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.queue.BoundedQueue;
import io.ipcbroker.server.queue.QueueLimits;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops under load: producers with put frames waiting for room, consumers with pulls
 * parked and deliveries unacknowledged. Every open call is answered, every item that a put
 * acknowledged is either taken by a consumer or still in the queue when the broker has stopped, no
 * item is handed over twice, and nothing that was refused or never applied shows up anywhere.
 *
 * <p>Once with the broker in this JVM, where the test can look inside the queue afterwards and so
 * account for every item; once as a real {@code BrokerMain} process stopped by SIGTERM, which must
 * also exit 0 within its grace period and take its children with it.
 */
@Timeout(120)
class ShutdownUnderLoadTest {
  private static final Duration GRACE = Duration.ofSeconds(5);

  @Test
  void everyAcknowledgedItemIsTakenOrStillQueuedAfterShutdown() throws Exception {
    BrokerServer broker =
        new BrokerServer(BrokerConfig.builder().port(0).shutdownGrace(GRACE).build());
    broker.start();
    ManagedChannel channel =
        Grpc.newChannelBuilder(broker.address(), InsecureChannelCredentials.create()).build();
    try {
      QueueServiceGrpc.newBlockingStub(channel)
          .createQueue(CreateQueueRequest.newBuilder().setName("work").setMaxsize(64).build());
      BoundedQueue<Payload> queue = broker.queues().get("work", "");
      ShutdownLoad load = new ShutdownLoad(channel, "work", 4, 3, 100_000);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> load.accepted.get() >= 5_000 && load.delivered.get() >= 2_000);

      long start = System.nanoTime();
      broker.shutdown();
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).as("shutdown within its grace period").isLessThan(GRACE);
      assertThat(load.awaitEnded(30)).as("every stream answered").isTrue();
      load.assertStreamsEnded(Status.Code.UNAVAILABLE, Reason.SERVER_SHUTTING_DOWN);
      List<Payload> left = queue.queuedItems();
      List<String> remaining = new ArrayList<>();
      long bytes = 0;
      for (Payload p : left) {
        remaining.add(ShutdownLoad.id(p));
        bytes += p.getSerializedSize() + QueueLimits.ITEM_OVERHEAD_BYTES;
      }
      ShutdownLoad.Accounting a = load.account(remaining);
      // Failed streams gave their deliveries back: the queue holds only queued items' bytes.
      assertThat(queue.heldBytes()).isEqualTo(bytes);
      System.out.printf(
          "shutdown under load: %d acknowledged, %d taken, %d acked as the stream ended,"
              + " %d given back, %d left queued; shutdown took %d ms%n",
          a.acked(), a.taken(), a.maybeTaken(), a.givenBack(), remaining.size(), took.toMillis());
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      broker.shutdown();
    }
  }

  @Test
  void sigtermUnderLoadAnswersEveryCallExitsZeroAndEndsTheChildren(@TempDir Path dir)
      throws Exception {
    Path addressFile = dir.resolve("address");
    Path log = dir.resolve("broker.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process broker =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                BrokerMain.class.getName(),
                "--port",
                "0",
                "--address-file",
                addressFile.toString(),
                "--shutdown-grace-ms",
                String.valueOf(GRACE.toMillis()),
                "--kill-grace-ms",
                "1000",
                "--max-objects",
                "3")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    ManagedChannel channel = null;
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> !broker.isAlive() || read(addressFile).endsWith("\n"));
      assertThat(broker.isAlive()).as("broker started; log:\n%s", read(log)).isTrue();
      String target = Files.readString(addressFile, StandardCharsets.UTF_8).trim();
      channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();

      String session =
          SessionServiceGrpc.newBlockingStub(channel)
              .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
              .getSession()
              .getSessionId();
      long child =
          ProcessServiceGrpc.newBlockingStub(channel)
              .createProcess(
                  CreateProcessRequest.newBuilder()
                      .setSessionId(session)
                      .addArgv("sleep")
                      .addArgv("300")
                      .setStart(true)
                      .build())
              .getProcess()
              .getPid();
      QueueServiceGrpc.QueueServiceBlockingStub queues = QueueServiceGrpc.newBlockingStub(channel);
      queues.createQueue(CreateQueueRequest.newBuilder().setName("work").setMaxsize(64).build());
      queues.createQueue(CreateQueueRequest.newBuilder().setName("idle").build());
      queues.createQueue(CreateQueueRequest.newBuilder().setName("third").build());
      // The flag reached the broker: a fourth object passes --max-objects.
      assertThat(
              assertFails(
                      () ->
                          queues.createQueue(
                              CreateQueueRequest.newBuilder().setName("fourth").build()),
                      Status.Code.RESOURCE_EXHAUSTED,
                      Reason.QUOTA_EXCEEDED)
                  .getMetadataMap())
          .containsEntry("quota", "objects")
          .containsEntry("limit", "3");
      // A unary get parked on a queue that stays empty.
      CompletableFuture<GetItemResponse> parkedGet =
          CompletableFuture.supplyAsync(
              () ->
                  queues
                      .withDeadlineAfter(60, TimeUnit.SECONDS)
                      .getItem(GetItemRequest.newBuilder().setQueue("idle").build()));
      ShutdownLoad load = new ShutdownLoad(channel, "work", 4, 3, 100_000);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> load.accepted.get() >= 5_000 && load.delivered.get() >= 2_000);

      broker.destroy(); // SIGTERM
      // Shutdown waits up to the grace for calls, then up to the kill grace for the children.
      assertThat(broker.waitFor(GRACE.toSeconds() + 10, TimeUnit.SECONDS))
          .as("exited after SIGTERM")
          .isTrue();
      assertThat(broker.exitValue()).as("exit status; log:\n%s", read(log)).isZero();

      assertThat(load.awaitEnded(10)).as("every stream answered").isTrue();
      load.assertStreamsEnded(Status.Code.UNAVAILABLE, Reason.SERVER_SHUTTING_DOWN);
      Throwable getError = parkedGet.handle((r, t) -> t).get(10, TimeUnit.SECONDS);
      assertThat(getError).isNotNull();
      assertError(getError.getCause(), Status.Code.UNAVAILABLE, Reason.SERVER_SHUTTING_DOWN);
      ShutdownLoad.Accounting a = load.account(null);
      assertThat(a.acked()).isGreaterThanOrEqualTo(5_000);
      System.out.printf(
          "SIGTERM under load: %d acknowledged, %d taken, %d acked as the stream ended,"
              + " %d held unacknowledged%n",
          a.acked(), a.taken(), a.maybeTaken(), a.givenBack());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      if (broker.isAlive()) {
        broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return ""; // not written yet
    }
  }
}
