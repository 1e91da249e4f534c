package io.ipcbroker.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The series read from the registries at each scrape, fed here with figures of the test's making:
 * totals become counters, objects that go take their series along, and a new object under an old
 * name has its own totals.
 */
@Timeout(30)
class BrokerMetricsTest {
  private final AtomicReference<BrokerMetrics.Snapshot> now =
      new AtomicReference<>(snapshot(List.of(), List.of(), List.of()));
  private final BrokerMetrics metrics = new BrokerMetrics(now::get);

  @AfterEach
  void close() {
    metrics.close();
  }

  private static BrokerMetrics.Snapshot snapshot(
      List<BrokerMetrics.QueueFigures> queues,
      List<BrokerMetrics.PoolFigures> pools,
      List<BrokerMetrics.SyncFigures> sync) {
    return new BrokerMetrics.Snapshot(0, 0, queues, List.of(), pools, sync);
  }

  private static BrokerMetrics.QueueFigures queue(long put, long got, double waitSeconds) {
    return new BrokerMetrics.QueueFigures(
        "q",
        put - got,
        10 * (put - got),
        0,
        0,
        0,
        put > got ? 2_500_000_000L : -1,
        put,
        got,
        0,
        got,
        waitSeconds);
  }

  /** The value of the sample whose name and labels are exactly {@code series}, or null. */
  private static Double value(String scrape, String series) {
    Matcher m =
        Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
            .matcher(scrape);
    return m.find() ? Double.valueOf(m.group(1)) : null;
  }

  @Test
  void queueTotalsAreCountersThatGoWithTheQueue() {
    now.set(snapshot(List.of(queue(5, 2, 3.0)), List.of(), List.of()));
    String first = metrics.scrape();
    assertThat(first).contains("# TYPE ipcbroker_queue_items_put_total counter");
    assertThat(value(first, "ipcbroker_queue_items_put_total{queue=\"q\"}")).isEqualTo(5.0);
    assertThat(value(first, "ipcbroker_queue_items_got_total{queue=\"q\"}")).isEqualTo(2.0);
    assertThat(value(first, "ipcbroker_queue_wait_seconds_count{queue=\"q\"}")).isEqualTo(2.0);
    assertThat(value(first, "ipcbroker_queue_wait_seconds_sum{queue=\"q\"}")).isEqualTo(3.0);
    assertThat(value(first, "ipcbroker_queue_oldest_item_age_seconds{queue=\"q\"}")).isEqualTo(2.5);

    now.set(snapshot(List.of(queue(9, 9, 4.0)), List.of(), List.of()));
    String drained = metrics.scrape();
    assertThat(value(drained, "ipcbroker_queue_items_got_total{queue=\"q\"}")).isEqualTo(9.0);
    assertThat(value(drained, "ipcbroker_queue_oldest_item_age_seconds{queue=\"q\"}")).isZero();

    // Deleted, then a new queue of the same name: its own totals, from zero.
    now.set(snapshot(List.of(), List.of(), List.of()));
    assertThat(metrics.scrape()).doesNotContain("queue=\"q\"");
    now.set(snapshot(List.of(queue(1, 0, 0.0)), List.of(), List.of()));
    String again = metrics.scrape();
    assertThat(value(again, "ipcbroker_queue_items_put_total{queue=\"q\"}")).isEqualTo(1.0);
    assertThat(value(again, "ipcbroker_queue_items_got_total{queue=\"q\"}")).isZero();
  }

  @Test
  void poolTasksDoneAreCountedByOutcome() {
    now.set(
        snapshot(List.of(), List.of(new BrokerMetrics.PoolFigures("p", 2, 3, 1, 7, 1)), List.of()));
    String s = metrics.scrape();
    assertThat(value(s, "ipcbroker_pool_tasks_done_total{outcome=\"succeeded\",pool=\"p\"}"))
        .isEqualTo(7.0);
    assertThat(value(s, "ipcbroker_pool_tasks_done_total{outcome=\"failed\",pool=\"p\"}"))
        .isEqualTo(1.0);
    assertThat(value(s, "ipcbroker_pool_tasks{pool=\"p\",state=\"queued\"}")).isEqualTo(3.0);
    assertThat(value(s, "ipcbroker_pool_workers{pool=\"p\"}")).isEqualTo(2.0);

    now.set(snapshot(List.of(), List.of(), List.of()));
    assertThat(metrics.scrape()).doesNotContain("pool=\"p\"");
  }

  @Test
  void syncObjectsShowWaitersAndWhatIsHeld() {
    now.set(
        snapshot(
            List.of(),
            List.of(),
            List.of(
                new BrokerMetrics.SyncFigures("lock", "l", "held by w (1)", 2, 1),
                new BrokerMetrics.SyncFigures("semaphore", "s", "value 1 of 3", 0, 2),
                new BrokerMetrics.SyncFigures("barrier", "b", "1 of 3 waiting", 1, -1),
                new BrokerMetrics.SyncFigures("event", "idle", "clear", 0, -1),
                new BrokerMetrics.SyncFigures("lock", "free", "free", 0, 0))));
    String s = metrics.scrape();
    assertThat(value(s, "ipcbroker_sync_waiters{kind=\"lock\",name=\"l\"}")).isEqualTo(2.0);
    assertThat(value(s, "ipcbroker_sync_held{kind=\"lock\",name=\"l\"}")).isEqualTo(1.0);
    assertThat(value(s, "ipcbroker_sync_held{kind=\"semaphore\",name=\"s\"}")).isEqualTo(2.0);
    assertThat(value(s, "ipcbroker_sync_waiters{kind=\"barrier\",name=\"b\"}")).isEqualTo(1.0);
    // Barriers hold nothing: no held series for them.
    assertThat(s).doesNotContain("ipcbroker_sync_held{kind=\"barrier\"");
    // Idle objects have no series at all.
    assertThat(s).doesNotContain("name=\"idle\"").doesNotContain("name=\"free\"");
  }
}
