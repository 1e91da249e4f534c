package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's queues against a real broker: Python's semantics in Java idioms. */
@Timeout(120)
class IpcQueueTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  private IpcBroker client;
  private IpcBroker other;

  @BeforeEach
  void connect() {
    client = broker.connect();
    other = broker.connect();
  }

  @AfterEach
  void disconnect() {
    client.close();
    other.close();
  }

  @Test
  void tutorialWritersAndReaderKeepEachWritersOrder() throws Exception {
    List<String> got = QueueTutorialExample.run(broker.target(), EmbeddedBroker.uniqueName("urls"));

    assertThat(got).containsExactlyInAnyOrder("url_1", "url_2", "url_3", "url_4", "url_5", "url_6");
    assertThat(got.stream().filter(u -> u.compareTo("url_4") < 0))
        .containsExactly("url_1", "url_2", "url_3");
    assertThat(got.stream().filter(u -> u.compareTo("url_4") >= 0))
        .containsExactly("url_4", "url_5", "url_6");
  }

  @Test
  void fullQueueRefusesPutNowaitAndLosesNothing() {
    IpcQueue<String> q = client.queue(EmbeddedBroker.uniqueName("five"), 5);
    for (int i = 1; i <= 5; i++) {
      q.put(Integer.toString(i));
    }
    assertThat(q.isFull()).isTrue();

    QueueFullException full =
        catchThrowableOfType(QueueFullException.class, () -> q.putNowait("6"));
    assertThat(full.reason()).isEqualTo("QUEUE_FULL");
    assertThat(full.code()).isEqualTo(IpcBrokerException.Code.OK);

    List<String> got = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      got.add(q.get());
    }
    assertThat(got).containsExactly("1", "2", "3", "4", "5");
    assertThatThrownBy(q::getNowait)
        .isInstanceOfSatisfying(
            QueueEmptyException.class, e -> assertThat(e.reason()).isEqualTo("QUEUE_EMPTY"));
  }

  @Test
  void putWithTimeoutOnFullQueueAnswersFullAfterTheTimeout() {
    IpcQueue<String> q = client.queue(EmbeddedBroker.uniqueName("five"), 5);
    for (int i = 1; i <= 5; i++) {
      q.put(Integer.toString(i));
    }
    long start = System.nanoTime();
    assertThatThrownBy(() -> q.put("6", Duration.ofMillis(300)))
        .isInstanceOf(QueueFullException.class);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(tookMs).isBetween(300L - 15, 300L + 250);
    assertThat(q.qsize()).isEqualTo(5);
  }

  @Test
  void getWithTimeoutOnEmptyQueueAnswersEmptyAfterTheTimeout() {
    IpcQueue<String> q = client.queue(EmbeddedBroker.uniqueName("empty"), 0);
    long start = System.nanoTime();
    assertThatThrownBy(() -> q.get(Duration.ofMillis(300))).isInstanceOf(QueueEmptyException.class);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(tookMs).isBetween(300L - 15, 300L + 250);
  }

  @Test
  void blockedPutCompletesWhenAnotherClientGets() throws Exception {
    String name = EmbeddedBroker.uniqueName("five");
    IpcQueue<String> q = client.queue(name, 1);
    q.put("first");
    CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> q.put("second"));
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingPutters(q) == 1);
    assertThat(blocked).isNotDone();

    IpcQueue<String> theirs = other.queue(name, 1);
    assertThat(theirs.get()).isEqualTo("first");
    blocked.get(5, TimeUnit.SECONDS);
    assertThat(theirs.get()).isEqualTo("second");
  }

  @Test
  void blockedGetIsWokenByAPutFromAnotherClient() throws Exception {
    String name = EmbeddedBroker.uniqueName("wake");
    IpcQueue<String> q = client.queue(name, 0);
    CompletableFuture<String> got = q.getAsync();
    IpcQueue<String> theirs = other.queue(name, 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingGetters(theirs) == 1);
    theirs.put("hello");
    assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo("hello");
  }

  @Test
  void qsizeEmptyAndFullAreExact() {
    IpcQueue<String> q = client.queue(EmbeddedBroker.uniqueName("figures"), 2);
    assertThat(q.qsize()).isZero();
    assertThat(q.isEmpty()).isTrue();
    q.put("a");
    assertThat(q.qsize()).isEqualTo(1);
    assertThat(q.isEmpty()).isFalse();
    assertThat(q.isFull()).isFalse();
    q.put("b");
    assertThat(q.isFull()).isTrue();
    q.get();
    assertThat(q.qsize()).isEqualTo(1);
  }

  @Test
  void interruptedGetLosesNothing() throws Exception {
    String name = EmbeddedBroker.uniqueName("interrupt");
    IpcQueue<String> q = client.queue(name, 0);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread getter =
        new Thread(
            () -> {
              try {
                q.get();
              } catch (Throwable t) {
                thrown.set(t);
                flag.set(Thread.currentThread().isInterrupted());
              }
            });
    getter.start();
    IpcQueue<String> theirs = other.queue(name, 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingGetters(theirs) == 1);
    getter.interrupt();
    getter.join(5000);

    assertThat(thrown.get())
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.INTERRUPTED));
    assertThat(flag.get()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingGetters(theirs) == 0);
    theirs.put("kept");
    assertThat(theirs.get(Duration.ofSeconds(5))).isEqualTo("kept");
  }

  @Test
  void cancelledAsyncGetDoesNotSwallowTheNextItem() throws Exception {
    String name = EmbeddedBroker.uniqueName("cancel");
    IpcQueue<String> q = client.queue(name, 0);
    CompletableFuture<String> get = q.getAsync();
    IpcQueue<String> theirs = other.queue(name, 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingGetters(theirs) == 1);

    assertThat(get.cancel(true)).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingGetters(theirs) == 0);
    theirs.put("next");
    assertThat(q.get(Duration.ofSeconds(5))).isEqualTo("next");
  }

  @Test
  void interruptedPutIsRevokedAndNotEnqueued() throws Exception {
    String name = EmbeddedBroker.uniqueName("iput");
    IpcQueue<String> q = client.queue(name, 1);
    q.put("only");
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread putter =
        new Thread(
            () -> {
              try {
                q.put("blocked");
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    putter.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingPutters(q) == 1);
    putter.interrupt();
    putter.join(5000);

    assertThat(thrown.get())
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.INTERRUPTED));
    assertThat(q.get()).isEqualTo("only");
    assertThatThrownBy(() -> q.get(Duration.ofMillis(100))).isInstanceOf(QueueEmptyException.class);
  }

  @Test
  void joinableQueueCountsTasks() throws Exception {
    String name = EmbeddedBroker.uniqueName("tasks");
    IpcJoinableQueue<String> q = client.joinableQueue(name, 0);
    q.put("a");
    q.put("b");
    assertThat(q.join(Duration.ofMillis(100))).isFalse();

    IpcJoinableQueue<String> worker = other.joinableQueue(name, 0);
    CompletableFuture<Boolean> joined = q.joinAsync(Duration.ofSeconds(10));
    worker.get();
    worker.taskDone();
    worker.get();
    assertThat(joined).isNotDone();
    worker.taskDone();
    assertThat(joined.get(5, TimeUnit.SECONDS)).isTrue();

    IpcBrokerException tooMany = catchThrowableOfType(IpcBrokerException.class, worker::taskDone);
    assertThat(tooMany.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
    assertThat(tooMany.reason()).isEqualTo("TASK_DONE_TOO_MANY_TIMES");
  }

  @Test
  void openingWithAnotherMaxsizeIsAConfigMismatch() {
    String name = EmbeddedBroker.uniqueName("mismatch");
    client.queue(name, 5);
    IpcBrokerException e =
        catchThrowableOfType(IpcBrokerException.class, () -> other.queue(name, 6));
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
    assertThat(e.reason()).isEqualTo("CONFIG_MISMATCH");
    assertThat(e.metadata()).containsEntry("field", "maxsize");
  }

  @Test
  void badNameIsInvalidArgument() {
    IpcBrokerException e =
        catchThrowableOfType(IpcBrokerException.class, () -> client.queue("no spaces", 1));
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.INVALID_ARGUMENT);
    assertThat(e.reason()).isEqualTo("INVALID_NAME");
  }

  @Test
  void bytesAndProtobufCodecsRoundTrip() {
    IpcQueue<byte[]> bytes = client.queue(EmbeddedBroker.uniqueName("bytes"), 0, Codecs.bytes());
    bytes.put(new byte[] {0, 1, 2, (byte) 255});
    assertThat(bytes.get()).containsExactly(0, 1, 2, 255);

    IpcQueue<Timestamp> stamps =
        client.queue(
            EmbeddedBroker.uniqueName("stamps"),
            0,
            Codecs.protobuf(Timestamp.getDefaultInstance()));
    Timestamp t = Timestamp.newBuilder().setSeconds(42).setNanos(7).build();
    stamps.put(t);
    assertThat(stamps.get()).isEqualTo(t);
  }

  @Test
  void undecodableItemIsHandedOverInTheException() {
    String name = EmbeddedBroker.uniqueName("decode");
    client.queue(name, 0).put("not a timestamp");
    IpcQueue<Timestamp> stamps =
        other.queue(name, 0, Codecs.protobuf(Timestamp.getDefaultInstance()));
    ItemDecodeException e = catchThrowableOfType(ItemDecodeException.class, stamps::get);
    assertThat(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("not a timestamp");
    assertThat(e.contentType()).startsWith("text/plain");
    assertThat(stamps.qsize()).isZero();
  }

  @Test
  void closingTheClientFailsAPendingGetAndEndsTheSession() throws Exception {
    IpcBroker closing = broker.connect();
    String name = EmbeddedBroker.uniqueName("closing");
    IpcQueue<String> q = closing.queue(name, 0);
    CompletableFuture<String> pending = q.getAsync();
    IpcQueue<String> theirs = other.queue(name, 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> waitingGetters(theirs) == 1);
    String session = closing.sessionId();

    closing.close();

    assertThat(pending)
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.CLIENT_CLOSED));
    assertThat(waitingGetters(theirs)).isZero();
    assertThatThrownBy(() -> broker.server().sessions().get(session))
        .hasFieldOrPropertyWithValue("reason", io.ipcbroker.server.core.Reason.SESSION_NOT_FOUND);
    assertThatThrownBy(() -> q.get())
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.CLIENT_CLOSED));
  }

  @Test
  void manyConcurrentGettersShareItemsWithoutLossOrDuplicates() throws Exception {
    String name = EmbeddedBroker.uniqueName("shared");
    IpcQueue<String> producer = client.queue(name, 10);
    IpcQueue<String> consumer = other.queue(name, 10);
    int items = 2000;
    List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger taken =
        new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> getters = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread getter =
          new Thread(
              () -> {
                // Stop once every item was taken; the long empty-wait only ends a getter that is
                // parked when the last item goes elsewhere.
                while (taken.get() < items) {
                  try {
                    got.add(consumer.get(Duration.ofSeconds(5)));
                    taken.incrementAndGet();
                  } catch (QueueEmptyException e) {
                    return;
                  }
                }
              });
      getter.start();
      getters.add(getter);
    }
    for (int i = 0; i < items; i++) {
      producer.put(Integer.toString(i));
    }
    for (Thread getter : getters) {
      getter.join(30_000);
      assertThat(getter.isAlive()).isFalse();
    }
    assertThat(got).hasSize(items).doesNotHaveDuplicates();
  }

  static int waitingGetters(IpcQueue<?> q) {
    return describe(q).getWaitingGetters();
  }

  static int waitingPutters(IpcQueue<?> q) {
    return describe(q).getWaitingPutters();
  }

  static io.ipcbroker.v1.Queue describe(IpcQueue<?> q) {
    QueueHandle<?> h = (QueueHandle<?>) q;
    return h.describeForTests();
  }

  @Test
  void manyAsyncPutsAreCoalescedInOrderAndEachLearnsItsOutcome() throws Exception {
    IpcQueue<String> q = client.queue(EmbeddedBroker.uniqueName("burst"), 0);
    int n = 20_000;
    List<CompletableFuture<Void>> puts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      puts.add(q.putAsync(Integer.toString(i)));
    }
    CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
    assertThat(q.qsize()).isEqualTo(n);
    assertThat(((QueueHandle<String>) q).coalescedFrames())
        .as("frames of several puts")
        .isPositive();
    List<String> got = new ArrayList<>(n);
    while (got.size() < n) {
      got.addAll(other.queue(q.name(), 0).getMany(1024, Duration.ofSeconds(10)));
    }
    List<String> expected = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      expected.add(Integer.toString(i));
    }
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void coalescedFramesOfLargeItemsStayUnderTheMessageLimit() throws Exception {
    IpcQueue<byte[]> q = client.queue(EmbeddedBroker.uniqueName("large"), 0, Codecs.bytes());
    byte[] item = new byte[64 * 1024];
    List<CompletableFuture<Void>> puts = new ArrayList<>();
    for (int i = 0; i < 600; i++) { // 37.5 MiB in flight at once: many frames, none too large
      puts.add(q.putAsync(item));
    }
    CompletableFuture.allOf(puts.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
    assertThat(q.qsize()).isEqualTo(600);
  }

  @Test
  void aCoalescedFrameCutShortSettlesEachPutExactly() throws Exception {
    String name = EmbeddedBroker.uniqueName("prefix");
    IpcBroker writer = broker.connect();
    IpcQueue<String> q = writer.queue(name, 1);
    q.put("fill");
    CompletableFuture<Void> x = q.putAsync("x"); // parks: the queue is full
    List<CompletableFuture<Void>> b = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      b.add(q.putAsync("b" + i)); // coalesced behind x
    }
    IpcQueue<String> reader = other.queue(name, 1);
    assertThat(reader.get(Duration.ofSeconds(5))).isEqualTo("fill"); // x goes in; b0..b2 are sent
    x.get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> waitingPutters(reader) == 1);
    assertThat(reader.get(Duration.ofSeconds(5))).isEqualTo("x"); // b0 goes in: accepted 1 of 3
    await().atMost(Duration.ofSeconds(10)).until(() -> reader.qsize() == 1);
    writer.close(); // revokes the frame: b0 is in, b1 and b2 are not
    b.get(0).get(10, TimeUnit.SECONDS);
    assertThat(b.get(1)).failsWithin(Duration.ofSeconds(10));
    assertThat(b.get(2)).failsWithin(Duration.ofSeconds(10));
    assertThat(reader.get(Duration.ofSeconds(5))).isEqualTo("b0");
    assertThatThrownBy(() -> reader.get(Duration.ofMillis(200)))
        .isInstanceOf(QueueEmptyException.class);
  }

  @Test
  void putsWaitingToBeCoalescedFailWhenTheClientClosesAndNeverGoIn() throws Exception {
    String name = EmbeddedBroker.uniqueName("closing");
    IpcBroker writer = broker.connect();
    IpcQueue<String> q = writer.queue(name, 1);
    q.put("fills it");
    CompletableFuture<Void> waiting = q.putAsync("in flight"); // parks: the queue is full
    List<CompletableFuture<Void>> coalesced = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      coalesced.add(q.putAsync("behind " + i));
    }
    writer.close();
    for (CompletableFuture<Void> f : coalesced) {
      assertThat(f).failsWithin(Duration.ofSeconds(10));
    }
    assertThat(waiting).failsWithin(Duration.ofSeconds(10));
    IpcQueue<String> reader = other.queue(name, 1);
    assertThat(reader.get(Duration.ofSeconds(5))).isEqualTo("fills it");
    assertThatThrownBy(() -> reader.get(Duration.ofMillis(200)))
        .isInstanceOf(QueueEmptyException.class);
  }

  @Test
  void getManyTakesWhatIsThereAndStopsAtAnUndecodableItemWithoutLosingIt() {
    String name = EmbeddedBroker.uniqueName("many");
    IpcQueue<Timestamp> stamps =
        client.queue(name, 0, Codecs.protobuf(Timestamp.getDefaultInstance()));
    Timestamp three = Timestamp.newBuilder().setSeconds(3).build();
    Timestamp four = Timestamp.newBuilder().setSeconds(4).build();
    Timestamp five = Timestamp.newBuilder().setSeconds(5).build();
    stamps.put(three);
    stamps.put(four);
    client.queue(name, 0).put("x"); // text: not a Timestamp
    stamps.put(five);
    IpcQueue<Timestamp> reader =
        other.queue(name, 0, Codecs.protobuf(Timestamp.getDefaultInstance()));
    // The decodable prefix is taken; the undecodable item and what follows stay, in order.
    assertThat(reader.getMany(10, Duration.ofSeconds(5))).containsExactly(three, four);
    assertThat(reader.qsize()).isEqualTo(2);
    // Now it is first: it alone is taken, and handed over in the exception, as a get does.
    ItemDecodeException e =
        catchThrowableOfType(
            ItemDecodeException.class, () -> reader.getMany(10, Duration.ofSeconds(5)));
    assertThat(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("x");
    assertThat(reader.getMany(10, Duration.ofSeconds(5))).containsExactly(five);
    assertThatThrownBy(() -> reader.getMany(10, Duration.ofMillis(200)))
        .isInstanceOf(QueueEmptyException.class);
    assertThatThrownBy(() -> reader.getMany(0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    awaitSettled(reader);
  }

  /** Waits until nothing is in flight: no unacknowledged delivery and no parked getter. */
  static void awaitSettled(IpcQueue<?> q) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              io.ipcbroker.v1.Queue d = describe(q);
              return d.getUnacked() == 0 && d.getWaitingGetters() == 0;
            });
  }
}
