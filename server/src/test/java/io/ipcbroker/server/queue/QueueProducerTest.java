package io.ipcbroker.server.queue;

import static io.ipcbroker.server.queue.QueueFixture.SECOND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the put side of the queue core: the {@code maxsize} bound, prefix acceptance of a frame
 * when its wait ends (nowait, timeout, revoke), the order of one producer's frames even when a
 * later frame times out while an earlier one is parked, first come first served among parked
 * producers, and that every frame is answered exactly once.
 */
@Timeout(60)
class QueueProducerTest {
  private final QueueFixture f = new QueueFixture();

  private static ProducerProbe.Result result(long id, PutOutcome o, int accepted) {
    return new ProducerProbe.Result(id, o, accepted);
  }

  /** Takes one item with a fresh consumer and acks it. */
  private String takeOne(BoundedQueue<String> q) {
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    c.pull(1, 1, Wait.NO_WAIT);
    ConsumerProbe.Result r = probe.result(1);
    assertThat(r.outcome()).isEqualTo(PullOutcome.DELIVERED);
    c.ack(r.ids());
    c.close();
    return r.items().get(0);
  }

  @Test
  void nowaitFrameAcceptsThePrefixThatFits() {
    BoundedQueue<String> q = f.queue("bound", 2);
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe).put(1, List.of("a", "b", "c"), Wait.NO_WAIT);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.FULL, 2));
    QueueInfo info = q.info();
    assertThat(info.size()).isEqualTo(2);
    assertThat(info.full()).isTrue();
    assertThat(info.waitingPutters()).isZero();
    assertThat(f.drain(q)).containsExactly("a", "b");
  }

  @Test
  void nowaitPutOnFullQueueIsFullWithNothingAccepted() {
    BoundedQueue<String> q = f.queue("full", 1);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe).put(1, List.of("a"), Wait.NO_WAIT);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.FULL, 0));
    assertThat(f.drain(q)).containsExactly("x");
  }

  @Test
  void putWhoseDeadlinePassedEnqueuesNothingEvenWithRoom() {
    BoundedQueue<String> q = f.queue("expired", 0);
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe).put(1, List.of("a"), Wait.EXPIRED);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.FULL, 0));
    assertThat(q.info().size()).isZero();
  }

  @Test
  void unboundedQueueTakesEverything() {
    BoundedQueue<String> q = f.queue("unbounded", 0);
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 4096; i++) {
      many.add("i" + i);
    }
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe).put(1, many, Wait.NO_WAIT);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.OK, 4096));
    assertThat(q.info().full()).isFalse();
    assertThat(f.drain(q)).isEqualTo(many);
  }

  @Test
  void timedOutFrameReportsThePrefixItEnqueued() {
    BoundedQueue<String> q = f.queue("prefix", 2);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe).put(1, List.of("a", "b", "c"), Wait.ofNanos(SECOND));
    assertThat(probe.results()).isEmpty();
    assertThat(q.info().waitingPutters()).isEqualTo(1);

    // Room opens while it waits: the next item goes in, the frame keeps waiting.
    assertThat(takeOne(q)).isEqualTo("x");
    assertThat(probe.results()).isEmpty();

    f.timer.advanceNanos(SECOND);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.FULL, 2));
    assertThat(q.info().waitingPutters()).isZero();
    assertThat(f.drain(q)).containsExactly("a", "b");
  }

  @Test
  void frameLargerThanMaxsizeGoesInWhole() {
    BoundedQueue<String> q = f.queue("larger", 2);
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe).put(1, List.of("a", "b", "c", "d", "e"), Wait.FOREVER);
    List<String> taken = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      taken.add(takeOne(q));
    }
    assertThat(taken).containsExactly("a", "b", "c", "d", "e");
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.OK, 5));
  }

  @Test
  void completionCancelsTheFramesTimeout() {
    BoundedQueue<String> q = f.queue("timer", 1);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    q.newProducer(probe).put(1, List.of("a"), Wait.ofNanos(SECOND));
    assertThat(f.timer.pendingTasks()).isEqualTo(1);
    takeOne(q);
    assertThat(f.timer.pendingTasks()).isZero();
    f.timer.advanceNanos(2 * SECOND);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.OK, 1));
  }

  @Test
  void laterFrameThatTimesOutBehindAParkedFrameNeverOvertakesIt() {
    BoundedQueue<String> q = f.queue("order", 1);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a"), Wait.ofNanos(10 * SECOND));
    p.put(2, List.of("b"), Wait.ofNanos(SECOND));
    assertThat(q.info().waitingPutters()).isEqualTo(2);

    f.timer.advanceNanos(SECOND);
    assertThat(probe.results()).containsExactly(result(2, PutOutcome.FULL, 0));
    assertThat(q.info().waitingPutters()).isEqualTo(1);

    assertThat(takeOne(q)).isEqualTo("x");
    assertThat(probe.results(1)).containsExactly(result(1, PutOutcome.OK, 1));
    p.put(3, List.of("c"), Wait.FOREVER);
    assertThat(takeOne(q)).isEqualTo("a");
    assertThat(takeOne(q)).isEqualTo("c");
    assertThat(probe.results(3)).containsExactly(result(3, PutOutcome.OK, 1));
    assertThat(q.info().size()).isZero();
  }

  @Test
  void laterFrameWaitsBehindAPartlyAcceptedFrameUntilItEnds() {
    BoundedQueue<String> q = f.queue("partial", 2);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a", "b"), Wait.ofNanos(SECOND)); // a goes in, b waits
    p.put(2, List.of("c"), Wait.ofNanos(10 * SECOND));
    assertThat(q.info().waitingPutters()).isEqualTo(2);

    f.timer.advanceNanos(SECOND);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.FULL, 1));
    // Frame 2 is now first; it parks because the queue is still full.
    assertThat(q.info().waitingPutters()).isEqualTo(1);
    assertThat(takeOne(q)).isEqualTo("x");
    assertThat(probe.results(2)).containsExactly(result(2, PutOutcome.OK, 1));
    assertThat(f.drain(q)).containsExactly("a", "c");
  }

  @Test
  void laterFramesDoNotTakeRoomBeforeTheEarlierFrameCompletes() {
    BoundedQueue<String> q = f.queue("no-overtake", 1);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a", "b"), Wait.FOREVER);
    p.put(2, List.of("c"), Wait.FOREVER);
    List<String> taken = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      taken.add(takeOne(q));
    }
    assertThat(taken).containsExactly("x", "a", "b", "c");
    assertThat(probe.results())
        .containsExactly(result(1, PutOutcome.OK, 2), result(2, PutOutcome.OK, 1));
  }

  @Test
  void nowaitFrameBehindAParkedFrameIsFullWithNothingAccepted() {
    BoundedQueue<String> q = f.queue("nowait-behind", 1);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a"), Wait.FOREVER);
    p.put(2, List.of("b"), Wait.NO_WAIT);
    assertThat(probe.results()).containsExactly(result(2, PutOutcome.FULL, 0));
    assertThat(takeOne(q)).isEqualTo("x");
    assertThat(probe.results(1)).containsExactly(result(1, PutOutcome.OK, 1));
    assertThat(f.drain(q)).containsExactly("a");
  }

  @Test
  void parkedPuttersAreServedFirstComeFirstServedAcrossProducers() {
    BoundedQueue<String> q = f.queue("putters-fcfs", 1);
    f.put(q, "x");
    List<ProducerProbe> probes = new ArrayList<>();
    for (String item : List.of("p1", "p2", "p3")) {
      ProducerProbe probe = new ProducerProbe();
      probes.add(probe);
      q.newProducer(probe).put(1, List.of(item), Wait.FOREVER);
    }
    assertThat(q.info().waitingPutters()).isEqualTo(3);
    assertThat(takeOne(q)).isEqualTo("x");
    assertThat(probes.get(0).results()).hasSize(1);
    assertThat(probes.get(1).results()).isEmpty();
    assertThat(takeOne(q)).isEqualTo("p1");
    assertThat(takeOne(q)).isEqualTo("p2");
    assertThat(takeOne(q)).isEqualTo("p3");
    for (ProducerProbe probe : probes) {
      assertThat(probe.results()).containsExactly(result(1, PutOutcome.OK, 1));
    }
  }

  @Test
  void newPutJoinsBehindParkedPuttersEvenWhenRoomOpensForIt() {
    BoundedQueue<String> q = f.queue("no-barging", 2);
    f.put(q, "x", "y");
    ProducerProbe first = new ProducerProbe();
    q.newProducer(first).put(1, List.of("a", "b"), Wait.FOREVER);
    // One slot opens: "a" moves in and the frame still waits for "b".
    assertThat(takeOne(q)).isEqualTo("x");
    ProducerProbe late = new ProducerProbe();
    q.newProducer(late).put(1, List.of("z"), Wait.NO_WAIT);
    assertThat(late.results()).containsExactly(result(1, PutOutcome.FULL, 0));
    assertThat(takeOne(q)).isEqualTo("y");
    assertThat(first.results()).containsExactly(result(1, PutOutcome.OK, 2));
    assertThat(f.drain(q)).containsExactly("a", "b");
  }

  @Test
  void revokeAnswersRevokedWithTheAcceptedPrefixAndLetsTheNextFrameGo() {
    BoundedQueue<String> q = f.queue("revoke-put", 2);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a", "b"), Wait.ofNanos(SECOND));
    p.put(2, List.of("c"), Wait.FOREVER);
    p.put(3, List.of("d"), Wait.FOREVER);
    p.revoke(3); // behind the head: nothing of it went in
    p.revoke(1);
    p.revoke(1); // again: nothing more
    p.revoke(42); // never existed
    assertThat(probe.results())
        .containsExactly(result(3, PutOutcome.REVOKED, 0), result(1, PutOutcome.REVOKED, 1));
    assertThat(f.timer.pendingTasks()).isZero();
    assertThat(takeOne(q)).isEqualTo("x");
    assertThat(probe.results(2)).containsExactly(result(2, PutOutcome.OK, 1));
    assertThat(f.drain(q)).containsExactly("a", "c");
  }

  @Test
  void revokeAfterTheAnswerChangesNothing() {
    BoundedQueue<String> q = f.queue("revoke-late-put", 0);
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a"), Wait.FOREVER);
    p.revoke(1);
    assertThat(probe.results()).containsExactly(result(1, PutOutcome.OK, 1));
    assertThat(f.drain(q)).containsExactly("a");
  }

  @Test
  void failAnswersEveryPendingFrameAbortedBeforeTheFailure() {
    BoundedQueue<String> q = f.queue("fail", 2);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a", "b"), Wait.FOREVER);
    p.put(2, List.of("c"), Wait.ofNanos(SECOND));
    BrokerException cause =
        BrokerException.of(Reason.STREAM_PROTOCOL_VIOLATION, "bad frame", "detail", "test");
    p.fail(cause);
    assertThat(probe.events)
        .containsExactly(result(1, PutOutcome.ABORTED, 1), result(2, PutOutcome.ABORTED, 0), cause);
    assertThat(f.timer.pendingTasks()).isZero();
    QueueInfo info = q.info();
    assertThat(info.waitingPutters()).isZero();
    // What went in stays.
    assertThat(f.drain(q)).containsExactly("x", "a");
  }

  @Test
  void closeDropsWaitingFramesSilentlyAndKeepsWhatWentIn() {
    BoundedQueue<String> q = f.queue("close-producer", 2);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a", "b"), Wait.ofNanos(SECOND));
    p.close();
    assertThat(probe.events).isEmpty();
    assertThat(f.timer.pendingTasks()).isZero();
    assertThat(q.info().waitingPutters()).isZero();
    f.timer.advanceNanos(2 * SECOND);
    assertThat(probe.events).isEmpty();
    assertThat(f.drain(q)).containsExactly("x", "a");
  }

  @Test
  void finishDrainsAfterTheLastAnswerAndRefusesMoreFrames() {
    BoundedQueue<String> q = f.queue("finish-producer", 1);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of("a"), Wait.FOREVER);
    p.finish();
    assertThat(probe.events).isEmpty();
    takeOne(q);
    assertThat(probe.events).containsExactly(result(1, PutOutcome.OK, 1), ProducerProbe.DRAINED);
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> p.put(2, List.of("b"), Wait.NO_WAIT));
    assertThat(e.reason()).isEqualTo(Reason.STREAM_PROTOCOL_VIOLATION);
  }

  @Test
  void putIdsMustIncrease() {
    BoundedQueue<String> q = f.queue("put-ids", 0);
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(3, List.of("a"), Wait.NO_WAIT);
    for (long bad : new long[] {3, 2}) {
      BrokerException e =
          catchThrowableOfType(BrokerException.class, () -> p.put(bad, List.of("b"), Wait.NO_WAIT));
      assertThat(e.reason()).isEqualTo(Reason.STREAM_PROTOCOL_VIOLATION);
    }
    assertThat(f.drain(q)).containsExactly("a");
  }

  @Test
  void oversizedFrameAndTooManyPendingFramesAreLimitExceeded() {
    BoundedQueue<String> q = f.queue("limits", 1);
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    List<String> tooMany = new ArrayList<>();
    for (int i = 0; i <= QueueLimits.DEFAULT.maxFrameItems(); i++) {
      tooMany.add("i");
    }
    BrokerException big =
        catchThrowableOfType(BrokerException.class, () -> p.put(1, tooMany, Wait.NO_WAIT));
    assertThat(big.reason()).isEqualTo(Reason.LIMIT_EXCEEDED);
    assertThat(q.info().size()).isZero();

    f.put(q, "x");
    int limit = QueueLimits.DEFAULT.maxPendingFrames();
    for (int i = 1; i <= limit; i++) {
      p.put(i, List.of("f" + i), Wait.FOREVER);
    }
    BrokerException window =
        catchThrowableOfType(
            BrokerException.class, () -> p.put(limit + 1, List.of("over"), Wait.FOREVER));
    assertThat(window.reason()).isEqualTo(Reason.LIMIT_EXCEEDED);
    assertThat(q.info().waitingPutters()).isEqualTo(limit);
    assertThat(probe.results()).isEmpty();
  }

  @Test
  void anErrorOfTheStreamsOwnWaitsForTheAnswerAnotherThreadIsSending() throws Exception {
    // A frame that went in is answered by the thread that made room. If the stream then ends on
    // an error of its own (a bad next frame, the broker shutting down), that end must not reach
    // the client first: the client would never learn that its items were enqueued.
    BoundedQueue<String> q = f.queue("order", 1);
    f.put(q, "x");
    CountDownLatch sending = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> events = new CopyOnWriteArrayList<>();
    QueueProducer<String> p =
        q.newProducer(
            new QueueProducer.Sink() {
              @Override
              public void putDone(long putId, PutOutcome outcome, int accepted) {
                sending.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                events.add(outcome + " " + accepted);
              }

              @Override
              public void failed(BrokerException e) {
                events.add("failed");
              }

              @Override
              public void drained() {}
            });
    p.put(1, List.of("a"), Wait.FOREVER);
    Thread taker = new Thread(() -> takeOne(q)); // makes room; answers frame 1 on this thread
    taker.start();
    assertThat(sending.await(10, TimeUnit.SECONDS)).isTrue();

    p.fail(BrokerException.shuttingDown());
    p.afterAnswers(() -> events.add("stream closed"));
    assertThat(events).as("nothing overtakes the answer being sent").isEmpty();
    release.countDown();
    taker.join(10_000);
    assertThat(events).containsExactly("OK 1", "failed", "stream closed");
    assertThat(f.drain(q)).containsExactly("a");
  }
}
