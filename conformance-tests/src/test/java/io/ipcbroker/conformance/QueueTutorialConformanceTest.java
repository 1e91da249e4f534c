package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.conformance.QueueClient.Api;
import io.ipcbroker.conformance.QueueClient.Got;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PutOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The queue scenarios of the seed tutorial (Python's {@code multiprocessing.Queue}), replayed with
 * one channel per Python process, over the streaming and the unary RPCs.
 */
@Timeout(60)
class QueueTutorialConformanceTest {
  private static final Duration LONG = Duration.ofSeconds(20);

  private final TestBroker broker = new TestBroker();
  private final ExecutorService processes = Executors.newCachedThreadPool();

  @AfterEach
  void cleanUp() {
    processes.shutdownNow();
    broker.close();
  }

  private QueueClient process(Api api, String queue) {
    return QueueClient.open(api, broker.newChannel(), queue);
  }

  private static <T> T await(CompletableFuture<T> f) {
    return Futures.get(f, LONG);
  }

  private static void putAll(QueueClient q, String... items) {
    for (String item : items) {
      assertThat(await(q.put(item, null, false))).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    }
  }

  private static List<String> getN(QueueClient q, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Got got = await(q.get(null, false));
      assertThat(got.outcome()).isEqualTo(PullOutcome.PULL_OUTCOME_DELIVERED);
      out.add(got.text());
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void twoWritersAndAReaderPassAllSixUrlsKeepingEachWritersOrder(Api api) {
    String name = broker.createQueue("tutorial-urls", 0);
    QueueClient reader = process(api, name);
    QueueClient writer1 = process(api, name);
    QueueClient writer2 = process(api, name);

    // As in the tutorial, the reader is already blocked in get() while the writers start.
    CompletableFuture<List<String>> read =
        CompletableFuture.supplyAsync(() -> getN(reader, 6), processes);
    CompletableFuture<Void> w1 =
        CompletableFuture.runAsync(() -> putAll(writer1, "url_1", "url_2", "url_3"), processes);
    CompletableFuture<Void> w2 =
        CompletableFuture.runAsync(() -> putAll(writer2, "url_4", "url_5", "url_6"), processes);
    await(w1);
    await(w2);
    List<String> got = await(read);

    assertThat(got).containsExactlyInAnyOrder("url_1", "url_2", "url_3", "url_4", "url_5", "url_6");
    assertThat(got.stream().filter(u -> u.compareTo("url_4") < 0))
        .containsExactly("url_1", "url_2", "url_3");
    assertThat(got.stream().filter(u -> u.compareTo("url_4") >= 0))
        .containsExactly("url_4", "url_5", "url_6");
    assertThat(broker.getQueue(name).getSize()).isZero();
    reader.close();
    writer1.close();
    writer2.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void sixthPutWithTimeoutAnswersFullAfterTheTimeoutWhileTheFiveGetsReturnOneToFive(Api api) {
    String name = broker.createQueue("tutorial-q5", 5);
    QueueClient q = process(api, name);
    putAll(q, "1", "2", "3", "4", "5");

    long t0 = Timing.start();
    PutOutcome sixth = await(q.put("6", 0.5, false));
    Timing.assertWaited(t0, Duration.ofMillis(500));
    assertThat(sixth).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);

    assertThat(getN(q, 5)).containsExactly("1", "2", "3", "4", "5");
    // The sixth item was refused, not queued.
    assertThat(await(q.get(null, true)).outcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    q.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void sixthBlockingPutCompletesOnceAnotherClientGetsOne(Api api) {
    String name = broker.createQueue("tutorial-q5", 5);
    QueueClient producer = process(api, name);
    QueueClient consumer = process(api, name);
    putAll(producer, "1", "2", "3", "4", "5");

    // Python's q.put(6) "hangs" here: the put parks until another process makes room.
    CompletableFuture<PutOutcome> sixth = producer.put("6", null, false);
    broker.awaitQueue(name, q -> q.getWaitingPutters() == 1);
    assertThat(sixth).isNotDone();

    assertThat(getN(consumer, 1)).containsExactly("1");
    assertThat(await(sixth)).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    assertThat(getN(consumer, 5)).containsExactly("2", "3", "4", "5", "6");
    producer.close();
    consumer.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void putNowaitOnAFullQueueAnswersFullAndLosesNothing(Api api) {
    String name = broker.createQueue("tutorial-q5", 5);
    QueueClient q = process(api, name);
    putAll(q, "1", "2", "3", "4", "5");

    long t0 = Timing.start();
    assertThat(await(q.put("6", null, true))).isEqualTo(PutOutcome.PUT_OUTCOME_FULL);
    Timing.assertImmediate(t0);

    assertThat(getN(q, 5)).containsExactly("1", "2", "3", "4", "5");
    t0 = Timing.start();
    assertThat(await(q.get(null, true)).outcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    Timing.assertImmediate(t0);
    q.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void getNowaitOnAnEmptyQueueAnswersEmptyAtOnce(Api api) {
    String name = broker.createQueue("tutorial-empty", 5);
    QueueClient q = process(api, name);

    long t0 = Timing.start();
    Got got = await(q.get(null, true));
    Timing.assertImmediate(t0);
    assertThat(got.outcome()).isEqualTo(PullOutcome.PULL_OUTCOME_EMPTY);
    q.close();
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void blockingGetIsWokenByAPutFromAnotherClient(Api api) {
    String name = broker.createQueue("tutorial-wake", 0);
    QueueClient reader = process(api, name);
    QueueClient writer = process(api, name);

    CompletableFuture<Got> got = reader.get(null, false);
    broker.awaitQueue(name, q -> q.getWaitingGetters() == 1);
    assertThat(got).isNotDone();

    putAll(writer, "hello");
    assertThat(await(got)).isEqualTo(new Got(PullOutcome.PULL_OUTCOME_DELIVERED, "hello"));
    reader.close();
    writer.close();
  }
}
