package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every way a caller lets go of a get or a put, racing with the hand-over: closing right after a
 * get, closing while a get waits, completing an async get from outside, interrupting a join,
 * closing over a blocked put. In each, an item ends with exactly one live taker or stays queued.
 */
@Timeout(120)
class IpcQueueGiveUpTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  private IpcBroker other;

  @BeforeEach
  void connect() {
    other = broker.connect();
  }

  @AfterEach
  void disconnect() {
    other.close();
  }

  @Test
  void closingRightAfterAGetNeverHandsTheItemToAnotherConsumer() {
    String name = EmbeddedBroker.uniqueName("get-close");
    IpcQueue<String> producer = other.queue(name, 0);
    int rounds = 40;
    for (int i = 0; i < rounds; i++) {
      producer.put("item-" + i);
    }
    // Each round is a process that gets one item and exits at once: the README's reader.
    List<String> got = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      try (IpcBroker reader = broker.connect()) {
        got.add(reader.queue(name, 0).get(Duration.ofSeconds(10)));
      }
    }
    assertThat(got).doesNotHaveDuplicates().hasSize(rounds);
    IpcQueueTest.awaitSettled(producer);
    assertThat(producer.qsize()).isZero();
  }

  @Test
  void closingWhileAGetWaitsEitherHandsTheItemOverOrLeavesItQueued() throws Exception {
    String name = EmbeddedBroker.uniqueName("close-pending");
    IpcQueue<String> theirs = other.queue(name, 0);
    for (int round = 0; round < 30; round++) {
      IpcBroker closing = broker.connect();
      CompletableFuture<String> pending = closing.queue(name, 0).getAsync();
      await().atMost(Duration.ofSeconds(5)).until(() -> IpcQueueTest.waitingGetters(theirs) == 1);
      String item = "r" + round;
      // The put and the close race: the item must end in exactly one place.
      CountDownLatch go = new CountDownLatch(1);
      CompletableFuture<Void> put =
          CompletableFuture.runAsync(
              () -> {
                awaitQuietly(go);
                theirs.put(item);
              });
      go.countDown();
      closing.close();
      put.get(10, TimeUnit.SECONDS);

      boolean handedOver;
      try {
        handedOver = item.equals(pending.get(10, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        handedOver = false;
      }
      IpcQueueTest.awaitSettled(theirs);
      long left = theirs.qsize();
      assertThat(handedOver ? 0 : 1).as("round %d: queued copies", round).isEqualTo(left);
      if (!handedOver) {
        assertThat(theirs.get(Duration.ofSeconds(5))).isEqualTo(item);
      }
    }
  }

  @Test
  void asyncGetCompletedFromOutsideDoesNotSwallowTheNextItem() throws Exception {
    String name = EmbeddedBroker.uniqueName("or-timeout");
    IpcBroker client = broker.connect();
    try {
      IpcQueue<String> q = client.queue(name, 0);
      IpcQueue<String> theirs = other.queue(name, 0);
      CompletableFuture<String> timedOut = q.getAsync().orTimeout(50, TimeUnit.MILLISECONDS);
      assertThat(catchThrowableOfType(ExecutionException.class, timedOut::get))
          .hasCauseInstanceOf(TimeoutException.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> IpcQueueTest.waitingGetters(theirs) == 0);

      theirs.put("next");
      assertThat(theirs.get(Duration.ofSeconds(5))).isEqualTo("next");
    } finally {
      client.close();
    }
  }

  @Test
  void asyncGetThatLosesTheRaceToItsItemCompletesWithTheItem() throws Exception {
    String name = EmbeddedBroker.uniqueName("late-cancel");
    IpcQueue<String> theirs = other.queue(name, 0);
    IpcBroker client = broker.connect();
    try {
      IpcQueue<String> q = client.queue(name, 0);
      int handedOver = 0;
      int stayedQueued = 0;
      int rounds = 30;
      for (int i = 0; i < rounds; i++) {
        String item = "x" + i;
        CompletableFuture<String> get = q.getAsync();
        await().atMost(Duration.ofSeconds(5)).until(() -> IpcQueueTest.waitingGetters(theirs) == 1);
        theirs.put(item);
        boolean cancelled = get.cancel(false);
        IpcQueueTest.awaitSettled(theirs);
        // The item is in exactly one place: the cancelled get's queue, or the caller's hands.
        if (cancelled) {
          assertThat(get).isCancelled();
          assertThat(theirs.qsize()).isEqualTo(1);
          assertThat(theirs.get(Duration.ofSeconds(5))).isEqualTo(item);
          stayedQueued++;
        } else {
          assertThat(get.get(5, TimeUnit.SECONDS)).isEqualTo(item);
          assertThat(theirs.qsize()).isZero();
          handedOver++;
        }
      }
      assertThat(handedOver + stayedQueued).isEqualTo(rounds);
    } finally {
      client.close();
    }
  }

  @Test
  void callbacksOfAsyncGetsMayCallTheBrokerAgain() throws Exception {
    String name = EmbeddedBroker.uniqueName("chained");
    IpcBroker client = broker.connect();
    try {
      IpcQueue<String> q = client.queue(name, 0);
      q.put("first");
      q.put("second");
      // A blocking get inside the callback: it would deadlock on a gRPC thread.
      CompletableFuture<String> both = q.getAsync().thenApply(first -> first + "+" + q.get());
      assertThat(both.get(10, TimeUnit.SECONDS)).isEqualTo("first+second");
    } finally {
      client.close();
    }
  }

  @Test
  void interruptedJoinLeavesNothingParked() throws Exception {
    String name = EmbeddedBroker.uniqueName("join-interrupt");
    IpcBroker client = broker.connect();
    try {
      IpcJoinableQueue<String> q = client.joinableQueue(name, 0);
      q.put("task");
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread joiner =
          new Thread(
              () -> {
                try {
                  q.join();
                } catch (Throwable t) {
                  thrown.set(t);
                }
              });
      joiner.start();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> IpcQueueTest.describe(q).getWaitingJoiners() == 1);
      joiner.interrupt();
      joiner.join(5000);

      assertThat(thrown.get())
          .isInstanceOfSatisfying(
              IpcBrokerException.class,
              e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.INTERRUPTED));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> IpcQueueTest.describe(q).getWaitingJoiners() == 0);
    } finally {
      client.close();
    }
  }

  @Test
  void closingOverABlockedPutIsQuickAndThePutDidNotGoIn() throws Exception {
    String name = EmbeddedBroker.uniqueName("close-put");
    IpcQueue<String> theirs = other.queue(name, 1);
    theirs.put("only");
    IpcBroker client = broker.connect(); // waitGrace 5 s: a close that waits it out would show
    IpcQueue<String> q = client.queue(name, 1);
    CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> q.put("blocked"));
    await().atMost(Duration.ofSeconds(5)).until(() -> IpcQueueTest.waitingPutters(theirs) == 1);

    long start = System.nanoTime();
    client.close();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(tookMs).isLessThan(2500);
    assertThat(
            catchThrowableOfType(ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS)))
        .cause()
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.CLIENT_CLOSED));
    assertThat(theirs.get()).isEqualTo("only");
    assertThat(theirs.qsize()).isZero();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
