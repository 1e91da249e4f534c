package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status.Code;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateQueueResponse;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.DeleteQueueResponse;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.ListQueuesRequest;
import io.ipcbroker.v1.ListQueuesResponse;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueKind;
import io.ipcbroker.v1.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Queue life cycle: create and create-or-open, exact figures, uids across re-creation, listing and
 * paging, delete with and without force, and ephemeral queues.
 */
@Timeout(60)
class QueueLifecycleConformanceTest {
  private final TestBroker broker = new TestBroker();

  @AfterEach
  void cleanUp() {
    broker.close();
  }

  private CreateQueueResponse create(CreateQueueRequest.Builder request) {
    broker.track(request.getName());
    return broker.queues().createQueue(request.build());
  }

  private DeleteQueueResponse delete(DeleteQueueRequest.Builder request) {
    return broker.queues().deleteQueue(request.build());
  }

  private CompletableFuture<GetItemResponse> parkGetItem(String queue) {
    GetItemRequest request = GetItemRequest.newBuilder().setQueue(queue).build();
    return Unary.call(o -> TestBroker.queuesAsync(broker.newChannel()).getItem(request, o));
  }

  private CompletableFuture<PutItemResponse> parkPutItem(String queue, String text) {
    PutItemRequest request =
        PutItemRequest.newBuilder().setQueue(queue).setItem(Items.text(text)).build();
    return Unary.call(o -> TestBroker.queuesAsync(broker.newChannel()).putItem(request, o));
  }

  @Test
  void createAnswersTheNewQueueWithItsConfigurationAndEmptyFigures() {
    String name = Rpc.uniqueName("life-create");
    CreateQueueResponse r = create(CreateQueueRequest.newBuilder().setName(name).setMaxsize(5));

    assertThat(r.getCreated()).isTrue();
    Queue q = r.getQueue();
    assertThat(q.getName()).isEqualTo(name);
    assertThat(q.getUid()).isNotEmpty();
    assertThat(q.getMaxsize()).isEqualTo(5);
    // UNSPECIFIED in a request means STANDARD; a response never says UNSPECIFIED.
    assertThat(q.getKind()).isEqualTo(QueueKind.QUEUE_KIND_STANDARD);
    assertThat(q.getOwnerSessionId()).isEmpty();
    assertThat(q.hasCreateTime()).isTrue();
    assertThat(q.getSize()).isZero();
    assertThat(q.getEmpty()).isTrue();
    assertThat(q.getFull()).isFalse();
    assertThat(broker.getQueue(name).getUid()).isEqualTo(q.getUid());
  }

  @Test
  void createOfAnExistingNameFailsWithQueueAlreadyExists() {
    String name = broker.createQueue("life-dup", 5);
    Rpc.assertFails(
        Code.ALREADY_EXISTS,
        "QUEUE_ALREADY_EXISTS",
        () -> create(CreateQueueRequest.newBuilder().setName(name).setMaxsize(5)));
  }

  @Test
  void allowExistingWithTheSameConfigurationOpensTheExistingQueue() {
    String name = Rpc.uniqueName("life-open");
    Queue first =
        create(
                CreateQueueRequest.newBuilder()
                    .setName(name)
                    .setMaxsize(3)
                    .setKind(QueueKind.QUEUE_KIND_STANDARD))
            .getQueue();
    broker.put(name, "kept");

    // UNSPECIFIED is STANDARD, so this is the same configuration.
    CreateQueueResponse again =
        create(CreateQueueRequest.newBuilder().setName(name).setMaxsize(3).setAllowExisting(true));
    assertThat(again.getCreated()).isFalse();
    assertThat(again.getQueue().getUid()).isEqualTo(first.getUid());
    assertThat(again.getQueue().getSize()).isEqualTo(1);
    assertThat(broker.take(name, 1)).containsExactly("kept");
  }

  @Test
  void allowExistingWithAnotherMaxsizeOrKindFailsWithConfigMismatch() {
    String name = broker.createQueue("life-mismatch", 3);
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            create(
                CreateQueueRequest.newBuilder()
                    .setName(name)
                    .setMaxsize(4)
                    .setAllowExisting(true)));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            create(
                CreateQueueRequest.newBuilder()
                    .setName(name)
                    .setMaxsize(3)
                    .setKind(QueueKind.QUEUE_KIND_JOINABLE)
                    .setAllowExisting(true)));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            create(
                CreateQueueRequest.newBuilder()
                    .setName(name)
                    .setMaxsize(0)
                    .setAllowExisting(true)));
    assertThat(broker.getQueue(name).getMaxsize()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, -1000})
  void maxsizeOfZeroOrLessIsStoredAsZeroAndMeansUnbounded(long maxsize) {
    String name = Rpc.uniqueName("life-unbounded");
    Queue q = create(CreateQueueRequest.newBuilder().setName(name).setMaxsize(maxsize)).getQueue();
    assertThat(q.getMaxsize()).isZero();
    // Any non-positive maxsize is the same (unbounded) configuration.
    assertThat(
            create(
                    CreateQueueRequest.newBuilder()
                        .setName(name)
                        .setMaxsize(-7)
                        .setAllowExisting(true))
                .getCreated())
        .isFalse();

    PutClient producer = PutClient.open(broker.channel(), name);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(producer.put(List.of(Items.text("item-" + i)), null, true));
    }
    for (long id : ids) {
      assertThat(producer.awaitResult(id).getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    }
    producer.halfCloseAndAwait();

    Queue after = broker.getQueue(name);
    assertThat(after.getSize()).isEqualTo(1000);
    assertThat(after.getFull()).isFalse();
  }

  @Test
  void getQueueFiguresAreExactAtEveryStep() {
    String name = broker.createQueue("life-figures", 2);
    ConsumeClient consumer = ConsumeClient.open(broker.newChannel(), name);

    long p1 = consumer.pull(1, null, false);
    Queue q = broker.awaitQueue(name, x -> x.getWaitingGetters() == 1);
    assertFigures(q, 0, 0, 1, 0);

    // One frame of four: "a" goes to the parked pull, "b" and "c" fill the queue, "d" waits.
    PutClient producer = PutClient.open(broker.newChannel(), name);
    long frame = producer.put(Items.texts("a", "b", "c", "d"), null, false);
    assertThat(Items.texts(consumer.awaitResult(p1))).containsExactly("a");
    q = broker.awaitQueue(name, x -> x.getWaitingPutters() == 1);
    assertFigures(q, 2, 1, 0, 1);
    assertThat(q.getFull()).isTrue();

    // Taking "b" and "c" makes room for "d", which completes the frame.
    long p2 = consumer.pull(2, null, false);
    PullResult bc = consumer.awaitResult(p2);
    assertThat(Items.texts(bc)).containsExactly("b", "c");
    assertThat(producer.awaitResult(frame).getOutcome()).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    assertFigures(broker.getQueue(name), 1, 3, 0, 0);

    // Acks of "a", "b", "c" and a pull in one frame: the pull's answer orders the acks first.
    Pull.Builder p3 = consumer.newPull(1, null, true);
    consumer.send(
        ConsumeRequest.newBuilder()
            .addAckIds(consumer.awaitResult(p1).getDeliveries(0).getDeliveryId())
            .addAllAckIds(bc.getDeliveriesList().stream().map(d -> d.getDeliveryId()).toList())
            .setPull(p3)
            .build());
    assertThat(Items.texts(consumer.awaitResult(p3.getPullId()))).containsExactly("d");
    assertFigures(broker.getQueue(name), 0, 1, 0, 0);

    // Half-closing hands the unacked "d" back to the queue.
    consumer.halfCloseAndAwait();
    assertFigures(broker.getQueue(name), 1, 0, 0, 0);
    producer.halfCloseAndAwait();
  }

  private static void assertFigures(
      Queue q, long size, long unacked, int waitingGetters, int waitingPutters) {
    assertThat(q.getSize()).as("size").isEqualTo(size);
    assertThat(q.getEmpty()).as("empty").isEqualTo(size == 0);
    assertThat(q.getFull()).as("full").isEqualTo(q.getMaxsize() > 0 && size >= q.getMaxsize());
    assertThat(q.getUnacked()).as("unacked").isEqualTo(unacked);
    assertThat(q.getWaitingGetters()).as("waiting_getters").isEqualTo(waitingGetters);
    assertThat(q.getWaitingPutters()).as("waiting_putters").isEqualTo(waitingPutters);
    assertThat(q.getUnfinishedTasks()).as("unfinished_tasks of a standard queue").isZero();
    assertThat(q.getWaitingJoiners()).as("waiting_joiners").isZero();
  }

  @Test
  void recreatedQueueHasANewUidAndTheOldUidIsRefusedWithUidMismatch() {
    String name = Rpc.uniqueName("life-uid");
    String oldUid = create(CreateQueueRequest.newBuilder().setName(name)).getQueue().getUid();
    delete(DeleteQueueRequest.newBuilder().setName(name).setUid(oldUid));
    String newUid = create(CreateQueueRequest.newBuilder().setName(name)).getQueue().getUid();
    assertThat(newUid).isNotEqualTo(oldUid);

    Rpc.assertFails(
        Code.NOT_FOUND,
        "UID_MISMATCH",
        () ->
            broker
                .queues()
                .getQueue(GetQueueRequest.newBuilder().setName(name).setUid(oldUid).build()));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "UID_MISMATCH",
        () ->
            broker
                .queues()
                .putItem(
                    PutItemRequest.newBuilder()
                        .setQueue(name)
                        .setUid(oldUid)
                        .setItem(Items.text("lost?"))
                        .build()));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "UID_MISMATCH",
        () ->
            broker
                .queues()
                .getItem(
                    GetItemRequest.newBuilder()
                        .setQueue(name)
                        .setUid(oldUid)
                        .setNowait(true)
                        .build()));
    Rpc.assertStatus(
        ConsumeClient.start(TestBroker.queuesAsync(broker.channel()), name, oldUid, "")
            .awaitError(),
        Code.NOT_FOUND,
        "UID_MISMATCH");
    Rpc.assertStatus(
        PutClient.start(TestBroker.queuesAsync(broker.channel()), name, oldUid, "").awaitError(),
        Code.NOT_FOUND,
        "UID_MISMATCH");
    Rpc.assertFails(
        Code.NOT_FOUND,
        "UID_MISMATCH",
        () -> delete(DeleteQueueRequest.newBuilder().setName(name).setUid(oldUid).setForce(true)));

    // Nothing reached the new queue, which answers to its own uid.
    Queue q =
        broker
            .queues()
            .getQueue(GetQueueRequest.newBuilder().setName(name).setUid(newUid).build())
            .getQueue();
    assertThat(q.getSize()).isZero();
  }

  /** Creates queues {@code prefix + s} for each suffix, in the given (unsorted) order. */
  private void createAll(String prefix, String... suffixes) {
    for (String s : suffixes) {
      create(CreateQueueRequest.newBuilder().setName(prefix + s).setMaxsize(s.length()));
    }
  }

  private static List<String> names(ListQueuesResponse r) {
    return r.getQueuesList().stream().map(Queue::getName).collect(Collectors.toList());
  }

  @Test
  void listQueuesAnswersTheQueuesWithThePrefixInNameOrder() {
    String prefix = Rpc.uniqueName("life-list") + "-";
    createAll(prefix, "c", "a", "e", "bb", "d");
    // Sorts among them but lacks the prefix's last character.
    create(CreateQueueRequest.newBuilder().setName(prefix.substring(0, prefix.length() - 1)));

    ListQueuesResponse r =
        broker.queues().listQueues(ListQueuesRequest.newBuilder().setNamePrefix(prefix).build());
    assertThat(names(r))
        .containsExactly(prefix + "a", prefix + "bb", prefix + "c", prefix + "d", prefix + "e");
    assertThat(r.getNextPageToken()).isEmpty();
    assertThat(r.getQueues(1).getMaxsize()).isEqualTo(2);
    assertThat(r.getQueues(1).getUid()).isNotEmpty();
  }

  @Test
  void listQueuesPagesWithPageSizeAndNextPageToken() {
    String prefix = Rpc.uniqueName("life-page") + "-";
    createAll(prefix, "c", "a", "e", "b", "d");

    ListQueuesResponse p1 =
        broker
            .queues()
            .listQueues(
                ListQueuesRequest.newBuilder().setNamePrefix(prefix).setPageSize(2).build());
    assertThat(names(p1)).containsExactly(prefix + "a", prefix + "b");
    assertThat(p1.getNextPageToken()).isNotEmpty();

    // Between pages the set changes: a deleted queue is skipped, a new one later in order shows.
    delete(DeleteQueueRequest.newBuilder().setName(prefix + "c"));
    createAll(prefix, "f");

    ListQueuesResponse p2 =
        broker
            .queues()
            .listQueues(
                ListQueuesRequest.newBuilder()
                    .setNamePrefix(prefix)
                    .setPageSize(2)
                    .setPageToken(p1.getNextPageToken())
                    .build());
    assertThat(names(p2)).containsExactly(prefix + "d", prefix + "e");
    assertThat(p2.getNextPageToken()).isNotEmpty();

    ListQueuesResponse p3 =
        broker
            .queues()
            .listQueues(
                ListQueuesRequest.newBuilder()
                    .setNamePrefix(prefix)
                    .setPageSize(2)
                    .setPageToken(p2.getNextPageToken())
                    .build());
    assertThat(names(p3)).containsExactly(prefix + "f");
    assertThat(p3.getNextPageToken()).isEmpty();
  }

  @Test
  void listQueuesEndsWhenTheTokenIsEmptyEvenIfTheLastPageIsFull() {
    String prefix = Rpc.uniqueName("life-fit") + "-";
    createAll(prefix, "a", "b", "c", "d");
    List<String> all = new ArrayList<>();
    String token = "";
    for (int pages = 0; pages < 4; pages++) {
      ListQueuesResponse r =
          broker
              .queues()
              .listQueues(
                  ListQueuesRequest.newBuilder()
                      .setNamePrefix(prefix)
                      .setPageSize(2)
                      .setPageToken(token)
                      .build());
      assertThat(r.getQueuesCount()).isLessThanOrEqualTo(2);
      all.addAll(names(r));
      token = r.getNextPageToken();
      if (token.isEmpty()) {
        break;
      }
    }
    assertThat(token).as("paging ended").isEmpty();
    assertThat(all).containsExactly(prefix + "a", prefix + "b", prefix + "c", prefix + "d");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not-a-token", "!!!", "AAAA", "cTE6"})
  void listQueuesRejectsAPageTokenItDidNotReturn(String token) {
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            broker.queues().listQueues(ListQueuesRequest.newBuilder().setPageToken(token).build()));
  }

  @Test
  void deleteWithoutForceOfAQueueHoldingItemsFailsWithQueueNotEmpty() {
    String name = broker.createQueue("life-notempty", 0);
    broker.put(name, "x");
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "QUEUE_NOT_EMPTY",
        () -> delete(DeleteQueueRequest.newBuilder().setName(name)));
    assertThat(broker.getQueue(name).getSize()).isEqualTo(1);

    // An item delivered and not yet acked still counts.
    ConsumeClient consumer = ConsumeClient.open(broker.channel(), name);
    assertThat(consumer.getNowait().getOutcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "QUEUE_NOT_EMPTY",
        () -> delete(DeleteQueueRequest.newBuilder().setName(name)));
    consumer.halfCloseAndAwait();
    assertThat(broker.take(name, 1)).containsExactly("x");
  }

  @Test
  void deleteWithoutForceOfAQueueWithAParkedGetterFailsWithQueueInUse() {
    String name = broker.createQueue("life-inuse", 0);
    CompletableFuture<GetItemResponse> parked = parkGetItem(name);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 1);

    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "QUEUE_IN_USE",
        () -> delete(DeleteQueueRequest.newBuilder().setName(name)));

    // The parked getter was left alone and still gets the next item.
    broker.put(name, "still-served");
    assertThat(Items.text(Unary.await(parked).getDelivery())).isEqualTo("still-served");
  }

  @Test
  void deleteWithoutForceOfAnIdleQueueEndsItsOpenStreamsWithObjectDeleted() {
    String name = broker.createQueue("life-idle", 0);
    ConsumeClient consumer = ConsumeClient.open(broker.newChannel(), name);
    PutClient producer = PutClient.open(broker.newChannel(), name);

    DeleteQueueResponse r = delete(DeleteQueueRequest.newBuilder().setName(name));
    assertThat(r.getDeleted()).isTrue();
    assertThat(r.getDiscardedItems()).isZero();

    Rpc.assertStatus(consumer.awaitError(), Code.NOT_FOUND, "OBJECT_DELETED");
    Rpc.assertStatus(producer.awaitError(), Code.NOT_FOUND, "OBJECT_DELETED");
  }

  @Test
  void forceDeleteEndsParkedGettersAndBoundStreamsWithObjectDeleted() {
    String name = broker.createQueue("life-force-get", 0);
    CompletableFuture<GetItemResponse> getter = parkGetItem(name);
    ConsumeClient consumer = ConsumeClient.open(broker.newChannel(), name);
    long pull = consumer.pull(1, null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 2);

    DeleteQueueResponse r = delete(DeleteQueueRequest.newBuilder().setName(name).setForce(true));
    assertThat(r.getDeleted()).isTrue();

    Rpc.assertStatus(Unary.awaitFailure(getter), Code.NOT_FOUND, "OBJECT_DELETED");
    Rpc.assertStatus(consumer.awaitError(), Code.NOT_FOUND, "OBJECT_DELETED");
    assertThat(consumer.result(pull)).isNotDone();
    Rpc.assertFails(Code.NOT_FOUND, "QUEUE_NOT_FOUND", () -> broker.getQueue(name));
  }

  @Test
  void forceDeleteAnswersPendingPutFramesAbortedBeforeEndingParkedPuttersWithObjectDeleted() {
    String name = broker.createQueue("life-force-put", 3);
    broker.put(name, "a", "b");
    ConsumeClient consumer = ConsumeClient.open(broker.newChannel(), name);
    assertThat(Items.texts(consumer.getNowait())).containsExactly("a"); // held, unacked

    // "c" and "d" fill the queue; "e" waits, so the frame has accepted 2 so far; "f" waits behind.
    PutClient producer = PutClient.open(broker.newChannel(), name);
    long frame1 = producer.put(Items.texts("c", "d", "e"), null, false);
    long frame2 = producer.put(Items.texts("f"), null, false);
    CompletableFuture<PutItemResponse> putter = parkPutItem(name, "g");
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 3);

    DeleteQueueResponse r = delete(DeleteQueueRequest.newBuilder().setName(name).setForce(true));
    assertThat(r.getDeleted()).isTrue();
    assertThat(r.getDiscardedItems()).as("b, c, d queued and a unacked").isEqualTo(4);

    Rpc.assertStatus(producer.awaitError(), Code.NOT_FOUND, "OBJECT_DELETED");
    assertThat(producer.events())
        .containsExactly(
            "opened",
            "result:" + frame1 + ":PUT_OUTCOME_ABORTED:2",
            "result:" + frame2 + ":PUT_OUTCOME_ABORTED:0",
            "error:NOT_FOUND");
    Rpc.assertStatus(Unary.awaitFailure(putter), Code.NOT_FOUND, "OBJECT_DELETED");
    Rpc.assertStatus(consumer.awaitError(), Code.NOT_FOUND, "OBJECT_DELETED");
  }

  @Test
  void deleteOfAnUnknownQueueFailsUnlessAllowMissing() {
    String name = Rpc.uniqueName("life-missing");
    Rpc.assertFails(
        Code.NOT_FOUND,
        "QUEUE_NOT_FOUND",
        () -> delete(DeleteQueueRequest.newBuilder().setName(name)));
    DeleteQueueResponse r =
        delete(DeleteQueueRequest.newBuilder().setName(name).setAllowMissing(true));
    assertThat(r.getDeleted()).isFalse();
    assertThat(r.getDiscardedItems()).isZero();
  }

  @Test
  void ephemeralQueueNeedsALiveSession() {
    String name = Rpc.uniqueName("life-eph");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () -> create(CreateQueueRequest.newBuilder().setName(name).setEphemeral(true)));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () ->
            create(
                CreateQueueRequest.newBuilder()
                    .setName(name)
                    .setEphemeral(true)
                    .setSessionId("no-such-session")));
    Rpc.assertFails(Code.NOT_FOUND, "QUEUE_NOT_FOUND", () -> broker.getQueue(name));
  }

  @Test
  void ephemeralQueueIsDeletedWhenItsSessionIsDeleted() {
    Session session = broker.createSession(0);
    String ephemeral = Rpc.uniqueName("life-eph");
    String durable = Rpc.uniqueName("life-durable");
    Queue q =
        create(
                CreateQueueRequest.newBuilder()
                    .setName(ephemeral)
                    .setEphemeral(true)
                    .setSessionId(session.getSessionId()))
            .getQueue();
    assertThat(q.getOwnerSessionId()).isEqualTo(session.getSessionId());
    // Without ephemeral the session id is ignored.
    Queue d =
        create(
                CreateQueueRequest.newBuilder()
                    .setName(durable)
                    .setSessionId(session.getSessionId()))
            .getQueue();
    assertThat(d.getOwnerSessionId()).isEmpty();
    broker.put(ephemeral, "dropped");
    CompletableFuture<GetItemResponse> getter = parkGetItem(durable);
    broker.awaitQueue(durable, x -> x.getWaitingGetters() == 1);

    broker
        .sessions()
        .deleteSession(
            DeleteSessionRequest.newBuilder().setSessionId(session.getSessionId()).build());

    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(10))
        .untilAsserted(
            () ->
                Rpc.assertFails(
                    Code.NOT_FOUND, "QUEUE_NOT_FOUND", () -> broker.getQueue(ephemeral)));
    // The durable queue and the call parked on it are untouched.
    assertThat(broker.getQueue(durable).getWaitingGetters()).isEqualTo(1);
    broker.put(durable, "served");
    assertThat(Items.text(Unary.await(getter).getDelivery())).isEqualTo("served");
  }
}
