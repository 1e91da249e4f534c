package io.ipcbroker.client;

import static io.ipcbroker.client.IpcValueTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's lists against a real broker: Python's Manager list in Java idioms. */
@Timeout(120)
class IpcListTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  private IpcBroker client;
  private IpcBroker other;
  private ExecutorService threads;

  @BeforeEach
  void connect() {
    client = broker.connect();
    other = broker.connect();
    threads = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void disconnect() {
    threads.shutdownNow();
    client.close();
    other.close();
  }

  private IpcList<String> digits(int n) {
    IpcList<String> l = client.list(EmbeddedBroker.uniqueName("l"));
    l.extend(IntStream.range(0, n).mapToObj(Integer::toString).toList());
    return l;
  }

  @Test
  void twoClientsShareAListByName() {
    String name = EmbeddedBroker.uniqueName("l");
    IpcList<String> mine = client.list(name);
    mine.append("a");
    IpcList<String> theirs = other.list(name);
    assertThat(theirs.toList()).containsExactly("a");
    assertThat(theirs.name()).isEqualTo(name);
  }

  @Test
  void pythonIndicesForGetSetPopInsertAndRemoveAt() {
    IpcList<String> l = digits(5);
    assertThat(l.get(0)).isEqualTo("0");
    assertThat(l.get(-1)).isEqualTo("4");
    l.set(-2, "three");
    assertThat(l.pop()).isEqualTo("4");
    assertThat(l.pop(0)).isEqualTo("0");
    l.insert(100, "end");
    l.insert(-100, "start");
    l.insert(-1, "beforeEnd");
    l.removeAt(1);
    assertThat(l.toList()).containsExactly("start", "2", "three", "beforeEnd", "end");
    assertThat(l.size()).isEqualTo(5);
  }

  @Test
  void outOfRangeAndEmptyPopsAreIndexOutOfRange() {
    IpcList<String> l = digits(2);
    assertFails(() -> l.get(2), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
    assertFails(() -> l.get(-3), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
    assertFails(() -> l.set(5, "x"), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
    assertFails(() -> l.removeAt(-9), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
    l.clear();
    assertFails(l::pop, IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
    assertFails(() -> l.pop(0), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
  }

  @Test
  void slicesFollowPython() {
    IpcList<String> l = digits(10);
    assertThat(l.slice(2, 5)).containsExactly("2", "3", "4");
    assertThat(l.slice(-3, Integer.MAX_VALUE)).containsExactly("7", "8", "9");
    assertThat(l.slice(5, 2)).isEmpty();
    assertThat(l.slice(Integer.MAX_VALUE, Integer.MIN_VALUE, -3))
        .containsExactly("9", "6", "3", "0");
    assertThat(l.slice(1, 8, 3)).containsExactly("1", "4", "7");
    assertThatThrownBy(() -> l.slice(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aListLargerThanOneAnswerIsReadWhole() {
    IpcList<byte[]> l = client.list(EmbeddedBroker.uniqueName("big"), Codecs.bytes());
    List<byte[]> mib = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      byte[] b = new byte[1 << 20];
      b[0] = (byte) i;
      mib.add(b);
    }
    for (byte[] b : mib) {
      l.append(b); // one request each: six in one would pass the broker's message limit
    }
    List<byte[]> back = l.toList();
    assertThat(back).hasSize(6);
    for (int i = 0; i < 6; i++) {
      assertThat(back.get(i)[0]).isEqualTo((byte) i);
    }
  }

  @Test
  void limitsAndMissingListsSurfaceAsReasons() {
    String name = EmbeddedBroker.uniqueName("l");
    IpcList<String> l = client.list(name);
    assertFails(
        () -> l.append("x".repeat(4 << 20)),
        IpcBrokerException.Code.INVALID_ARGUMENT,
        "ITEM_TOO_LARGE");
    assertFails(
        () -> client.list("no spaces"), IpcBrokerException.Code.INVALID_ARGUMENT, "INVALID_NAME");
    assertThat(client.deleteList(name)).isTrue();
    assertThat(client.deleteList(name)).isFalse();
    assertFails(() -> l.append("x"), IpcBrokerException.Code.NOT_FOUND, "LIST_NOT_FOUND");
  }

  @Test
  void twoClientsAppendingConcurrentlyLoseNothing() throws Exception {
    String name = EmbeddedBroker.uniqueName("l");
    IpcList<String> a = client.list(name);
    IpcList<String> b = other.list(name);
    int n = 1000;
    CompletableFuture<Void> fa =
        CompletableFuture.runAsync(
            () -> IntStream.range(0, n).forEach(i -> a.append("a" + i)), threads);
    CompletableFuture<Void> fb =
        CompletableFuture.runAsync(
            () -> IntStream.range(0, n).forEach(i -> b.append("b" + i)), threads);
    fa.get(60, TimeUnit.SECONDS);
    fb.get(60, TimeUnit.SECONDS);
    List<String> all = a.toList();
    assertThat(all).hasSize(2 * n);
    assertThat(all.stream().filter(s -> s.startsWith("a")))
        .containsExactlyElementsOf(IntStream.range(0, n).mapToObj(i -> "a" + i).toList());
  }
}
