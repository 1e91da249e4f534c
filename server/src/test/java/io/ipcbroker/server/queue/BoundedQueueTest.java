package io.ipcbroker.server.queue;

import static io.ipcbroker.server.queue.QueueFixture.SECOND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves that a queue's figures ({@link BoundedQueue#info}) are exact, and the JoinableQueue rules:
 * {@code taskDone} counts, refuses to go below zero without changing anything, is refused on a
 * standard queue, and wakes parked joins; {@code join} answers false on timeout.
 */
@Timeout(60)
class BoundedQueueTest {
  private final QueueFixture f = new QueueFixture();

  /** Records join answers. */
  private static final class JoinProbe implements BoundedQueue.JoinSink {
    record Joined(boolean done, long unfinished) {}

    final List<Object> events = new CopyOnWriteArrayList<>();

    @Override
    public void joined(boolean done, long unfinishedTasks) {
      events.add(new Joined(done, unfinishedTasks));
    }

    @Override
    public void failed(BrokerException e) {
      events.add(e);
    }
  }

  @Test
  void infoFiguresAreExactWithItemsUnackedAndParkedPutters() {
    BoundedQueue<String> q = f.joinable("figures", 2);
    f.put(q, "a", "b");
    ConsumerProbe cp = new ConsumerProbe();
    q.newConsumer(cp).pull(1, 1, Wait.NO_WAIT); // takes a, leaves room for one
    ProducerProbe p1 = new ProducerProbe();
    QueueProducer<String> producer = q.newProducer(p1);
    producer.put(1, List.of("c", "d"), Wait.FOREVER); // c goes in, d waits
    producer.put(2, List.of("e"), Wait.FOREVER); // waits behind its own frame
    q.newProducer(new ProducerProbe()).put(1, List.of("f"), Wait.FOREVER);
    q.join(Wait.FOREVER, new JoinProbe());

    QueueInfo info = q.info();
    assertThat(info.name()).isEqualTo("figures");
    assertThat(info.maxsize()).isEqualTo(2);
    assertThat(info.joinable()).isTrue();
    assertThat(info.size()).isEqualTo(2);
    assertThat(info.empty()).isFalse();
    assertThat(info.full()).isTrue();
    assertThat(info.unacked()).isEqualTo(1);
    assertThat(info.waitingGetters()).isZero();
    assertThat(info.waitingPutters()).isEqualTo(3);
    assertThat(info.waitingJoiners()).isEqualTo(1);
    // a, b and c were put; d, e and f are still waiting.
    assertThat(info.unfinishedTasks()).isEqualTo(3);
  }

  @Test
  void infoFiguresAreExactWithParkedGetters() {
    BoundedQueue<String> q = f.queue("getters", 3);
    QueueConsumer<String> c = q.newConsumer(new ConsumerProbe());
    c.pull(1, 1, Wait.FOREVER);
    c.pull(2, 4, Wait.ofNanos(SECOND));
    q.newConsumer(new ConsumerProbe()).pull(1, 1, Wait.FOREVER);

    QueueInfo info = q.info();
    assertThat(info.size()).isZero();
    assertThat(info.empty()).isTrue();
    assertThat(info.full()).isFalse();
    assertThat(info.waitingGetters()).isEqualTo(3);
    assertThat(info.waitingPutters()).isZero();
    assertThat(info.unfinishedTasks()).isZero();

    f.timer.advanceNanos(SECOND);
    assertThat(q.info().waitingGetters()).isEqualTo(2);
  }

  @Test
  void unboundedQueueIsNeverFullAndStandardQueueCountsNoTasks() {
    BoundedQueue<String> q = f.queue("std", 0);
    for (int i = 0; i < 100; i++) {
      f.put(q, "i" + i);
    }
    QueueInfo info = q.info();
    assertThat(info.size()).isEqualTo(100);
    assertThat(info.full()).isFalse();
    assertThat(info.maxsize()).isZero();
    assertThat(info.unfinishedTasks()).isZero();
  }

  @Test
  void negativeMaxsizeMeansUnbounded() {
    BoundedQueue<String> q = f.queue("neg", -5);
    assertThat(q.maxsize()).isZero();
  }

  @Test
  void taskDoneTooManyTimesChangesNothing() {
    BoundedQueue<String> q = f.joinable("tasks", 0);
    f.put(q, "a", "b");
    BrokerException e = catchThrowableOfType(BrokerException.class, () -> q.taskDone(3));
    assertThat(e.reason()).isEqualTo(Reason.TASK_DONE_TOO_MANY_TIMES);
    assertThat(q.info().unfinishedTasks()).isEqualTo(2);

    assertThat(q.taskDone(1)).isEqualTo(1);
    assertThat(q.taskDone(1)).isZero();
    BrokerException again = catchThrowableOfType(BrokerException.class, () -> q.taskDone(1));
    assertThat(again.reason()).isEqualTo(Reason.TASK_DONE_TOO_MANY_TIMES);
    assertThat(q.info().unfinishedTasks()).isZero();
  }

  @Test
  void returnedItemsAreNotCountedAsNewTasks() {
    BoundedQueue<String> q = f.joinable("returns", 0);
    f.put(q, "a");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.NO_WAIT);
    c.nack(probe.result(1).ids());
    c.pull(2, 1, Wait.NO_WAIT);
    c.close();
    assertThat(q.info().unfinishedTasks()).isEqualTo(1);
  }

  @Test
  void standardQueueRefusesTaskDoneAndJoin() {
    BoundedQueue<String> q = f.queue("plain", 0);
    BrokerException done = catchThrowableOfType(BrokerException.class, () -> q.taskDone(1));
    assertThat(done.reason()).isEqualTo(Reason.QUEUE_NOT_JOINABLE);
    BrokerException join =
        catchThrowableOfType(BrokerException.class, () -> q.join(Wait.FOREVER, new JoinProbe()));
    assertThat(join.reason()).isEqualTo(Reason.QUEUE_NOT_JOINABLE);
    assertThat(q.info().waitingJoiners()).isZero();
  }

  @Test
  void joinAnswersAtOnceWhenNothingIsUnfinishedOrWithNowait() {
    BoundedQueue<String> q = f.joinable("join-now", 0);
    JoinProbe idle = new JoinProbe();
    q.join(Wait.FOREVER, idle);
    assertThat(idle.events).containsExactly(new JoinProbe.Joined(true, 0));

    f.put(q, "a");
    JoinProbe nowait = new JoinProbe();
    q.join(Wait.NO_WAIT, nowait);
    assertThat(nowait.events).containsExactly(new JoinProbe.Joined(false, 1));
    assertThat(q.info().waitingJoiners()).isZero();
  }

  @Test
  void joinTimesOutFalseThenReturnsTrueWhenEveryTaskIsDone() {
    BoundedQueue<String> q = f.joinable("join", 0);
    f.put(q, "a", "b");
    JoinProbe timed = new JoinProbe();
    q.join(Wait.ofNanos(SECOND), timed);
    JoinProbe forever = new JoinProbe();
    q.join(Wait.FOREVER, forever);
    assertThat(q.info().waitingJoiners()).isEqualTo(2);

    f.timer.advanceNanos(SECOND);
    assertThat(timed.events).containsExactly(new JoinProbe.Joined(false, 2));
    assertThat(forever.events).isEmpty();

    q.taskDone(1);
    assertThat(forever.events).isEmpty();
    JoinProbe late = new JoinProbe();
    q.join(Wait.ofNanos(SECOND), late);
    q.taskDone(1);
    assertThat(forever.events).containsExactly(new JoinProbe.Joined(true, 0));
    assertThat(late.events).containsExactly(new JoinProbe.Joined(true, 0));
    assertThat(q.info().waitingJoiners()).isZero();
    assertThat(f.timer.pendingTasks()).isZero();
  }

  @Test
  void cancelledJoinIsNotAnsweredAndFailedJoinGetsTheReason() {
    BoundedQueue<String> q = f.joinable("join-handle", 0);
    f.put(q, "a");
    JoinProbe cancelled = new JoinProbe();
    BoundedQueue.JoinHandle h1 = q.join(Wait.ofNanos(SECOND), cancelled);
    JoinProbe failed = new JoinProbe();
    BoundedQueue.JoinHandle h2 = q.join(Wait.FOREVER, failed);
    h1.cancel();
    assertThat(f.timer.pendingTasks()).isZero();
    BrokerException cause = BrokerException.of(Reason.SESSION_NOT_FOUND, "gone", "session", "s");
    h2.fail(cause);
    h2.fail(cause); // only once
    q.taskDone(1);
    f.timer.advanceNanos(2 * SECOND);
    assertThat(cancelled.events).isEmpty();
    assertThat(failed.events).containsExactly(cause);
  }
}
