package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.JoinQueueResponse;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.TaskDoneRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code JoinableQueue}: unfinished tasks counted per put, {@code TaskDone} and its limits, and
 * {@code JoinQueue} with timeouts, deadlines and wake-up by another client.
 */
@Timeout(60)
class JoinableQueueConformanceTest {
  private final TestBroker broker = new TestBroker();

  @AfterEach
  void cleanUp() {
    broker.close();
  }

  private long taskDone(String queue, long count) {
    return broker
        .queues()
        .taskDone(TaskDoneRequest.newBuilder().setQueue(queue).setCount(count).build())
        .getUnfinishedTasks();
  }

  private CompletableFuture<JoinQueueResponse> join(JoinQueueRequest.Builder request) {
    return Unary.call(
        o -> TestBroker.queuesAsync(broker.newChannel()).joinQueue(request.build(), o));
  }

  private long unfinished(String queue) {
    return broker.getQueue(queue).getUnfinishedTasks();
  }

  @Test
  void eachPutAddsAnUnfinishedTaskAndTaskDoneRemovesCountOfThem() {
    String name = broker.createJoinableQueue("join-count", 0);
    broker.put(name, "a", "b", "c");
    assertThat(
            broker
                .queues()
                .putItem(
                    PutItemRequest.newBuilder().setQueue(name).setItem(Items.text("d")).build())
                .getOutcome())
        .isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    assertThat(unfinished(name)).isEqualTo(4);

    assertThat(taskDone(name, 0)).as("count 0 means 1").isEqualTo(3);
    assertThat(taskDone(name, 2)).isEqualTo(1);
    assertThat(unfinished(name)).isEqualTo(1);
  }

  @Test
  void taskDoneMoreTimesThanItemsWerePutFailsAndChangesNothing() {
    String name = broker.createJoinableQueue("join-toomany", 0);
    broker.put(name, "a", "b", "c");

    Rpc.assertFails(Code.FAILED_PRECONDITION, "TASK_DONE_TOO_MANY_TIMES", () -> taskDone(name, 4));
    assertThat(unfinished(name)).isEqualTo(3);
    assertThat(taskDone(name, 3)).isZero();
    Rpc.assertFails(Code.FAILED_PRECONDITION, "TASK_DONE_TOO_MANY_TIMES", () -> taskDone(name, 1));
    assertThat(unfinished(name)).isZero();
  }

  @Test
  void gettingOrRedeliveringItemsNeitherAddsNorFinishesTasks() {
    String name = broker.createJoinableQueue("join-gets", 0);
    broker.put(name, "a", "b");
    ConsumeClient c = ConsumeClient.open(broker.channel(), name);
    long a = c.getNowait().getDeliveries(0).getDeliveryId();
    c.nack(a);
    assertThat(c.take(2)).containsExactly("a", "b");
    c.halfCloseAndAwait();

    assertThat(broker.getQueue(name).getSize()).isZero();
    assertThat(unfinished(name)).isEqualTo(2);
  }

  @Test
  void negativeCountFailsWithInvalidFieldValue() {
    String name = broker.createJoinableQueue("join-negative", 0);
    broker.put(name, "a");
    Rpc.assertFails(Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE", () -> taskDone(name, -1));
    assertThat(unfinished(name)).isEqualTo(1);
  }

  @Test
  void taskDoneAndJoinOnAStandardQueueFailWithQueueNotJoinable() {
    String name = broker.createQueue("join-standard", 0);
    broker.put(name, "a");
    Rpc.assertFails(Code.FAILED_PRECONDITION, "QUEUE_NOT_JOINABLE", () -> taskDone(name, 1));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "QUEUE_NOT_JOINABLE",
        () ->
            broker
                .queues()
                .joinQueue(JoinQueueRequest.newBuilder().setQueue(name).setNowait(true).build()));
  }

  @Test
  void joinWithTimeoutAnswersNotDoneAfterTheTimeout() {
    String name = broker.createJoinableQueue("join-timeout", 0);
    broker.put(name, "a");

    long t0 = Timing.start();
    JoinQueueResponse r =
        broker
            .queues()
            .joinQueue(JoinQueueRequest.newBuilder().setQueue(name).setTimeoutSeconds(0.3).build());
    Timing.assertWaited(t0, Duration.ofMillis(300));
    assertThat(r.getDone()).isFalse();
    assertThat(r.getUnfinishedTasks()).isEqualTo(1);
    assertThat(broker.getQueue(name).getWaitingJoiners()).isZero();
  }

  @Test
  void joinAnswersAtOnceWhenNothingIsUnfinishedOrWithNowait() {
    String name = broker.createJoinableQueue("join-now", 0);
    long t0 = Timing.start();
    JoinQueueResponse r =
        broker.queues().joinQueue(JoinQueueRequest.newBuilder().setQueue(name).build());
    assertThat(r.getDone()).isTrue();
    assertThat(r.getUnfinishedTasks()).isZero();

    broker.put(name, "a");
    r =
        broker
            .queues()
            .joinQueue(
                JoinQueueRequest.newBuilder()
                    .setQueue(name)
                    .setNowait(true)
                    .setTimeoutSeconds(5)
                    .build());
    assertThat(r.getDone()).isFalse();
    assertThat(r.getUnfinishedTasks()).isEqualTo(1);
    r =
        broker
            .queues()
            .joinQueue(JoinQueueRequest.newBuilder().setQueue(name).setTimeoutSeconds(0).build());
    assertThat(r.getDone()).isFalse();
    Timing.assertImmediate(t0);
  }

  @Test
  void parkedJoinsReturnDoneWhenTheLastTaskDoneArrivesFromAnotherClient() {
    String name = broker.createJoinableQueue("join-wake", 0);
    broker.put(name, "a", "b");
    CompletableFuture<JoinQueueResponse> first = join(JoinQueueRequest.newBuilder().setQueue(name));
    CompletableFuture<JoinQueueResponse> second =
        join(JoinQueueRequest.newBuilder().setQueue(name).setTimeoutSeconds(30));
    broker.awaitQueue(name, q -> q.getWaitingJoiners() == 2);

    assertThat(taskDone(name, 1)).isEqualTo(1);
    assertThat(broker.getQueue(name).getWaitingJoiners()).isEqualTo(2);
    assertThat(first).isNotDone();

    assertThat(taskDone(name, 1)).isZero();
    for (CompletableFuture<JoinQueueResponse> join : List.of(first, second)) {
      JoinQueueResponse r = Unary.await(join);
      assertThat(r.getDone()).isTrue();
      assertThat(r.getUnfinishedTasks()).isZero();
    }
    assertThat(broker.getQueue(name).getWaitingJoiners()).isZero();
  }

  @Test
  void joinBoundedOnlyByTheCallDeadlineAnswersNotDoneWithStatusOk() {
    String name = broker.createJoinableQueue("join-deadline", 0);
    broker.put(name, "a");

    long t0 = Timing.start();
    JoinQueueResponse r =
        QueueServiceGrpc.newBlockingStub(broker.channel())
            .withDeadlineAfter(400, TimeUnit.MILLISECONDS)
            .joinQueue(JoinQueueRequest.newBuilder().setQueue(name).build());
    assertThat(Timing.since(t0))
        .isGreaterThanOrEqualTo(
            Duration.ofMillis(400)
                .minus(Timing.deadlineMargin(Duration.ofMillis(400)))
                .minus(Timing.EARLY));
    assertThat(r.getDone()).isFalse();
  }

  @Test
  void parkedJoinKeepsAQueueInUseAndForceDeleteEndsItWithObjectDeleted() {
    String name = broker.createJoinableQueue("join-delete", 0);
    broker.put(name, "a");
    assertThat(broker.take(name, 1)).containsExactly("a");
    CompletableFuture<JoinQueueResponse> parked =
        join(JoinQueueRequest.newBuilder().setQueue(name));
    broker.awaitQueue(name, q -> q.getWaitingJoiners() == 1);

    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "QUEUE_IN_USE",
        () -> broker.queues().deleteQueue(DeleteQueueRequest.newBuilder().setName(name).build()));
    broker
        .queues()
        .deleteQueue(DeleteQueueRequest.newBuilder().setName(name).setForce(true).build());
    Rpc.assertStatus(Unary.awaitFailure(parked), Code.NOT_FOUND, "OBJECT_DELETED");
  }
}
