package io.ipcbroker.client;

import static io.ipcbroker.client.IpcValueTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's shared arrays against a real broker: Python's Array and RawArray in Java idioms. */
@Timeout(120)
class IpcArrayTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  private IpcBroker client;
  private IpcBroker other;
  private ExecutorService threads;

  @BeforeEach
  void connect() {
    client = broker.connect();
    other = broker.connect();
    threads = Executors.newCachedThreadPool();
  }

  @AfterEach
  void disconnect() {
    threads.shutdownNow();
    client.close();
    other.close();
  }

  // ---- create and open ----

  @Test
  void sizeGivesZerosAndOpeningSharesTheElements() {
    String name = EmbeddedBroker.uniqueName("a");
    IpcArray mine = client.array(name, TypeCode.INT, 5);
    IpcArray theirs = other.array(name, TypeCode.INT, 5);

    assertThat(mine.name()).isEqualTo(name);
    assertThat(mine.type()).isEqualTo(TypeCode.INT);
    assertThat(mine.length()).isEqualTo(5);
    assertThat(mine.hasLock()).isTrue();
    assertThat(mine.getLongs(0, 5)).containsExactly(0, 0, 0, 0, 0);
    theirs.set(2, 7);
    assertThat(mine.get(2)).isEqualTo(7L);
  }

  @Test
  void initializersOfEveryShape() {
    IpcArray longs =
        client.array(EmbeddedBroker.uniqueName("a"), TypeCode.SHORT, new long[] {1, -2, 3});
    IpcArray doubles =
        client.array(EmbeddedBroker.uniqueName("a"), TypeCode.DOUBLE, new double[] {1.5, 2.5});
    BigInteger big = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    IpcArray numbers =
        client.array(EmbeddedBroker.uniqueName("a"), TypeCode.ULONG, List.of(1, 2L, big));

    assertThat(longs.getLongs(0, 3)).containsExactly(1, -2, 3);
    assertThat(doubles.length()).isEqualTo(2);
    assertThat(doubles.getDoubles(0, 2)).containsExactly(1.5, 2.5);
    assertThat(numbers.slice(0, 3))
        .containsExactly(BigInteger.ONE, BigInteger.TWO, big); // one Java type per typecode
  }

  @Test
  void openingWithAnotherConfigurationFailsConfigMismatch() {
    String name = EmbeddedBroker.uniqueName("a");
    client.array(name, TypeCode.INT, 3);

    assertFails(
        () -> other.array(name, TypeCode.INT, 4),
        IpcBrokerException.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH");
    assertFails(
        () -> other.array(name, TypeCode.UINT, 3),
        IpcBrokerException.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH");
    assertFails(
        () -> other.rawArray(name, TypeCode.INT, 3),
        IpcBrokerException.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH");
    assertFails(
        () -> other.value(name, TypeCode.INT, 0),
        IpcBrokerException.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH");
    assertThat(other.array(name, TypeCode.INT, new long[] {9, 9, 9}).getLongs(0, 3))
        .containsExactly(0, 0, 0); // opened: the initializer is ignored
  }

  @Test
  void aSizeOutOfBoundsFailsInvalidFieldValue() {
    assertFails(
        () -> client.array(EmbeddedBroker.uniqueName("a"), TypeCode.INT, -1),
        IpcBrokerException.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE");
    assertFails(
        () -> client.array(EmbeddedBroker.uniqueName("a"), TypeCode.BYTE, 1_048_577),
        IpcBrokerException.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE");
    assertThat(client.array(EmbeddedBroker.uniqueName("a"), TypeCode.BYTE, 1_048_576).length())
        .isEqualTo(1_048_576);
  }

  @Test
  void anInitializerOutOfRangeCreatesNothing() {
    String name = EmbeddedBroker.uniqueName("a");

    assertFails(
        () -> client.array(name, TypeCode.UBYTE, new long[] {1, 256}),
        IpcBrokerException.Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE");
    assertThat(client.deleteValue(name)).isFalse();
  }

  // ---- elements and slices ----

  @Test
  void slicesReadAndWriteAtomically() {
    IpcArray a = client.array(EmbeddedBroker.uniqueName("a"), TypeCode.LONG, 5);

    a.setSlice(2, new long[] {7, 8, 9});
    assertThat(a.getLongs(0, 5)).containsExactly(0, 0, 7, 8, 9);
    a.setSlice(0, 1, 2L);
    assertThat(a.slice(0, 3)).containsExactly(1L, 2L, 7L);
    assertThat(a.getDoubles(3, 5)).containsExactly(8.0, 9.0);
    assertThat(a.getLongs(5, 5)).isEmpty();
    a.setSlice(5); // Python's a[5:5] = []
    assertThat(a.getLongs(0, 5)).containsExactly(1, 2, 7, 8, 9);
  }

  @Test
  void indexesAndSlicesOutsideTheArrayFailIndexOutOfRangeAndChangeNothing() {
    IpcArray a = client.array(EmbeddedBroker.uniqueName("a"), TypeCode.INT, new long[] {1, 2, 3});

    for (int bad : new int[] {3, -1}) {
      assertFails(() -> a.get(bad), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
      assertFails(() -> a.set(bad, 0), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
      assertFails(
          () -> a.addAndGet(bad, 1), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
      assertFails(
          () -> a.compareAndSet(bad, 0, 1),
          IpcBrokerException.Code.OUT_OF_RANGE,
          "INDEX_OUT_OF_RANGE");
    }
    assertFails(() -> a.getLongs(1, 4), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
    assertFails(() -> a.getLongs(4, 4), IpcBrokerException.Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE");
    assertFails(
        () -> a.setSlice(2, new long[] {8, 9}),
        IpcBrokerException.Code.OUT_OF_RANGE,
        "INDEX_OUT_OF_RANGE");
    assertThatThrownBy(() -> a.getLongs(2, 1)).isInstanceOf(IllegalArgumentException.class);

    assertThat(a.getLongs(0, 3)).containsExactly(1, 2, 3);
  }

  @Test
  void aSliceWithOneBadElementWritesNothing() {
    IpcArray a = client.array(EmbeddedBroker.uniqueName("a"), TypeCode.BYTE, 3);

    assertFails(
        () -> a.setSlice(0, new long[] {1, 2, 128}),
        IpcBrokerException.Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE");
    assertFails(
        () -> a.setSlice(0, 1, 2.5, 3), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertThat(a.getLongs(0, 3)).containsExactly(0, 0, 0);
  }

  @Test
  void elementsAddAndCompareAndSetAtomically() {
    IpcArray a = client.array(EmbeddedBroker.uniqueName("a"), TypeCode.INT, 3);

    assertThat(a.addAndGet(1, 5)).isEqualTo(5);
    assertThat(a.compareAndSet(1, 5, 6)).isTrue();
    assertThat(a.compareAndSet(1, 5, 7)).isFalse();
    assertThat(a.getLongs(0, 3)).containsExactly(0, 6, 0);

    IpcArray f = client.array(EmbeddedBroker.uniqueName("f"), TypeCode.FLOAT, 2);
    f.set(0, 0.1);
    assertThat(f.get(0)).isEqualTo(0.1f);
    assertThat(f.addAndGet(1, 0.5)).isEqualTo(0.5);
  }

  @Test
  void charArrayHoldsBytes() {
    IpcArray c =
        client.array(
            EmbeddedBroker.uniqueName("c"), TypeCode.CHAR, List.of((byte) 'h', (byte) 'i'));

    assertThat(c.slice(0, 2)).containsExactly((byte) 'h', (byte) 'i');
    c.setSlice(0, new long[] {'o', 'k'});
    assertThat(c.get(1)).isEqualTo((byte) 'k');
  }

  @Test
  void twoClientsAddingToOneElementLoseNothing() throws Exception {
    String name = EmbeddedBroker.uniqueName("a");
    IpcArray mine = client.array(name, TypeCode.UINT, 2);
    IpcArray theirs = other.array(name, TypeCode.UINT, 2);

    CompletableFuture<Void> a = CompletableFuture.runAsync(() -> addOnes(mine, 2_000), threads);
    CompletableFuture<Void> b = CompletableFuture.runAsync(() -> addOnes(theirs, 2_000), threads);
    CompletableFuture.allOf(a, b).get(100, TimeUnit.SECONDS);

    assertThat(mine.getLongs(0, 2)).containsExactly(0, 4_000);
  }

  // ---- the lock ----

  @Test
  void theLockHoldsOffAnotherOwnersReadsAndWrites() {
    String name = EmbeddedBroker.uniqueName("a");
    IpcArray mine = client.array(name, TypeCode.INT, 3);
    IpcArray theirs = other.array(name, TypeCode.INT, 3).withTimeout(Duration.ofMillis(200));

    try (IpcLock held = mine.lock().acquire()) {
      mine.setSlice(0, new long[] {1, 2, 3});
      assertThat(held.isHeldByCurrentThread()).isTrue();
      assertFails(
          () -> theirs.getLongs(0, 3), IpcBrokerException.Code.DEADLINE_EXCEEDED, "LOCK_TIMEOUT");
      assertFails(
          () -> theirs.set(0, 9), IpcBrokerException.Code.DEADLINE_EXCEEDED, "LOCK_TIMEOUT");
    }
    assertThat(theirs.getLongs(0, 3)).containsExactly(1, 2, 3);
  }

  @Test
  void rawArrayHasNoLock() {
    IpcArray raw = client.rawArray(EmbeddedBroker.uniqueName("raw"), TypeCode.INT, new long[] {4});

    assertThat(raw.hasLock()).isFalse();
    assertThat(raw.addAndGet(0, 1)).isEqualTo(5);
    assertFails(raw.lock()::tryAcquire, IpcBrokerException.Code.FAILED_PRECONDITION, "NO_LOCK");
    assertFails(raw.lock()::release, IpcBrokerException.Code.FAILED_PRECONDITION, "NO_LOCK");
  }

  @Test
  void deleteEndsTheArray() {
    String name = EmbeddedBroker.uniqueName("a");
    IpcArray a = client.array(name, TypeCode.INT, 2);

    assertThat(other.deleteValue(name)).isTrue();
    assertFails(() -> a.get(0), IpcBrokerException.Code.NOT_FOUND, "VALUE_NOT_FOUND");
  }

  private static void addOnes(IpcArray a, int n) {
    for (int i = 0; i < n; i++) {
      a.addAndGet(1, 1);
    }
  }
}
