package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SDK's shared values against a real broker: Python's Value and RawValue in Java idioms. */
@Timeout(180)
class IpcValueTest {
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
  void createThenOpenKeepsTheValueAndIgnoresTheSecondInitial() {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 7);
    IpcValue theirs = other.value(name, TypeCode.INT, 99);

    assertThat(mine.name()).isEqualTo(name);
    assertThat(mine.type()).isEqualTo(TypeCode.INT);
    assertThat(mine.hasLock()).isTrue();
    assertThat(theirs.get()).isEqualTo(7L);
    theirs.set(8);
    assertThat(mine.getLong()).isEqualTo(8);
  }

  @Test
  void valueWithoutInitialIsZero() {
    assertThat(client.value(EmbeddedBroker.uniqueName("v"), TypeCode.LONGLONG).get()).isEqualTo(0L);
    assertThat(client.value(EmbeddedBroker.uniqueName("v"), TypeCode.DOUBLE).get()).isEqualTo(0.0);
    assertThat(client.value(EmbeddedBroker.uniqueName("v"), TypeCode.FLOAT).get()).isEqualTo(0.0f);
    assertThat(client.value(EmbeddedBroker.uniqueName("v"), TypeCode.ULONGLONG).get())
        .isEqualTo(BigInteger.ZERO);
    assertThat(client.value(EmbeddedBroker.uniqueName("v"), TypeCode.CHAR).get())
        .isEqualTo((byte) 0);
  }

  @Test
  void openingWithAnotherConfigurationFailsConfigMismatch() {
    String name = EmbeddedBroker.uniqueName("v");
    client.value(name, TypeCode.INT, 1);

    assertFails(
        () -> other.value(name, TypeCode.LONG, 1),
        IpcBrokerException.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH");
    assertFails(
        () -> other.rawValue(name, TypeCode.INT, 1),
        IpcBrokerException.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH");
    assertFails(
        () -> other.array(name, TypeCode.INT, 1),
        IpcBrokerException.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH");
  }

  @Test
  void badNameFailsInvalidName() {
    assertFails(
        () -> client.value("no spaces", TypeCode.INT, 0),
        IpcBrokerException.Code.INVALID_ARGUMENT,
        "INVALID_NAME");
  }

  @Test
  void typecodesMapBothWays() {
    for (TypeCode t : TypeCode.values()) {
      assertThat(TypeCode.of(t.code())).isSameAs(t);
    }
    assertThat(TypeCode.INT.code()).isEqualTo('i');
    assertThat(TypeCode.ULONGLONG.code()).isEqualTo('Q');
    assertThatThrownBy(() -> TypeCode.of('u')).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deleteEndsTheValue() {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue v = client.value(name, TypeCode.INT, 1);

    assertThat(other.deleteValue(name)).isTrue();
    assertFails(v::get, IpcBrokerException.Code.NOT_FOUND, "VALUE_NOT_FOUND");
    assertFails(() -> v.set(2), IpcBrokerException.Code.NOT_FOUND, "VALUE_NOT_FOUND");
    assertThat(other.deleteValue(name)).isFalse();
  }

  // ---- types and ranges ----

  @ParameterizedTest
  @EnumSource(
      value = TypeCode.class,
      names = {"FLOAT", "DOUBLE", "CHAR"},
      mode = EnumSource.Mode.EXCLUDE)
  void everyIntegerTypeTakesItsBoundsAndRefusesOneBeyondUnchanged(TypeCode type) {
    BigInteger[] bounds = bounds(type);
    BigInteger min = bounds[0];
    BigInteger max = bounds[1];
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), type, big(type, max));

    assertThat(exact(v.get())).isEqualTo(max);
    assertFails(
        () -> v.set(max.add(BigInteger.ONE)),
        IpcBrokerException.Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE");
    assertThat(exact(v.get())).isEqualTo(max);

    v.set(big(type, min));
    assertThat(exact(v.get())).isEqualTo(min);
    assertFails(
        () -> v.set(min.subtract(BigInteger.ONE)),
        IpcBrokerException.Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE");
    assertThat(exact(v.get())).isEqualTo(min);
    assertThat(v.get()).isInstanceOf(type.isUnsigned64() ? BigInteger.class : Long.class);
  }

  @ParameterizedTest
  @EnumSource(
      value = TypeCode.class,
      names = {"FLOAT", "DOUBLE", "CHAR"},
      mode = EnumSource.Mode.EXCLUDE)
  void anInitialValueOutOfRangeCreatesNothing(TypeCode type) {
    String name = EmbeddedBroker.uniqueName("v");
    BigInteger beyond = bounds(type)[1].add(BigInteger.ONE);

    assertFails(
        () -> client.value(name, type, beyond),
        IpcBrokerException.Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE");
    assertThat(client.deleteValue(name)).isFalse();
  }

  @Test
  void unsignedLongAboveLongMaxReadsExactlyAsBigIntegerAndAsBitsFromGetLong() {
    BigInteger max = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.ULONGLONG, max);

    assertThat(v.get()).isEqualTo(max);
    assertThat(v.getLong()).isEqualTo(-1L); // the two's-complement bits, as longValue() gives
    assertThat(Long.toUnsignedString(v.getLong())).isEqualTo(max.toString());

    // Writes never reinterpret bits: -1 is out of range for an unsigned type.
    assertFails(() -> v.set(-1L), IpcBrokerException.Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE");
    BigInteger twoTo63 = BigInteger.ONE.shiftLeft(63);
    v.set(twoTo63);
    assertThat(v.get()).isEqualTo(twoTo63);
    assertThat(v.addAndGet(1)).isEqualTo(Long.MIN_VALUE + 1);
    assertThat(v.get()).isEqualTo(twoTo63.add(BigInteger.ONE));
    assertThat(v.compareAndSet(twoTo63.add(BigInteger.ONE), 5)).isTrue();
    assertThat(v.get()).isEqualTo(BigInteger.valueOf(5));
  }

  @Test
  void addBeyondTheTypeFailsAndChangesNothing() {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.SHORT, Short.MAX_VALUE);

    assertFails(() -> v.addAndGet(1), IpcBrokerException.Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE");
    assertThat(v.getLong()).isEqualTo(Short.MAX_VALUE);
    assertThat(v.addAndGet(-1)).isEqualTo(Short.MAX_VALUE - 1);
  }

  @Test
  void float32KeepsTheNearestFloat() {
    IpcValue f = client.value(EmbeddedBroker.uniqueName("f"), TypeCode.FLOAT, 0.1);
    IpcValue d = client.value(EmbeddedBroker.uniqueName("d"), TypeCode.DOUBLE, 0.1);

    assertThat(f.get()).isEqualTo(0.1f);
    assertThat(f.getDouble()).isEqualTo((double) 0.1f).isNotEqualTo(0.1);
    assertThat(d.get()).isEqualTo(0.1);
    f.set(16_777_217L); // 2^24 + 1 has no float32: the nearest is 2^24
    assertThat(f.get()).isEqualTo(16_777_216f);
    assertThat(f.addAndGet(0.1)).isEqualTo((double) (16_777_216f + 0.1f));
  }

  @Test
  void wrongKindFailsTypeMismatchAndChangesNothing() {
    IpcValue i = client.value(EmbeddedBroker.uniqueName("i"), TypeCode.INT, 3);

    assertFails(() -> i.set(1.5), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertFails(() -> i.addAndGet(0.5), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertThat(i.get()).isEqualTo(3L);
    assertFails(
        () -> client.value(EmbeddedBroker.uniqueName("i"), TypeCode.INT, 2.5),
        IpcBrokerException.Code.INVALID_ARGUMENT,
        "TYPE_MISMATCH");
  }

  @Test
  void integersGoIntoFloatTypesAsPythonStoresThem() {
    IpcValue d = client.value(EmbeddedBroker.uniqueName("d"), TypeCode.DOUBLE, 2);

    assertThat(d.get()).isEqualTo(2.0);
    d.set(5);
    assertThat(d.addAndGet(0.5)).isEqualTo(5.5);
    assertThat(d.addAndGet(1L)).isEqualTo(6); // the result as getLong() reads it
    assertThat(d.getDouble()).isEqualTo(6.5);
  }

  @Test
  void charHoldsOneByte() {
    IpcValue c = client.value(EmbeddedBroker.uniqueName("c"), TypeCode.CHAR, (byte) 'x');

    assertThat(c.get()).isEqualTo((byte) 'x');
    c.set('y'); // a Java char widens to an integer, taken as the byte
    assertThat(c.get()).isEqualTo((byte) 'y');
    c.set((byte) 0xE9);
    assertThat(c.get()).isEqualTo((byte) 0xE9);
    c.set(255); // Python's c_char(255)
    assertThat(c.get()).isEqualTo((byte) -1);
    assertThat(c.compareAndSet((byte) -1, (byte) 'a')).isTrue();
    assertThat(c.get()).isEqualTo((byte) 'a');

    assertFails(() -> c.set(256), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertFails(() -> c.set(1.0), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertFails(() -> c.addAndGet(1), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertThat(c.get()).isEqualTo((byte) 'a');
  }

  // ---- atomic operations ----

  @Test
  void addAndGetAnswersTheResult() {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.INT, 0);

    assertThat(v.addAndGet(5)).isEqualTo(5);
    assertThat(v.addAndGet(-7)).isEqualTo(-2);
    assertThat(v.getLong()).isEqualTo(-2);
  }

  @Test
  void compareAndSetSetsOnlyOnAMatch() {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.INT, 0);

    assertThat(v.compareAndSet(0, 1)).isTrue();
    assertThat(v.compareAndSet(0, 2)).isFalse();
    assertThat(v.get()).isEqualTo(1L);
  }

  @Test
  void compareAndSetComparesFloatsByValue() {
    IpcValue d = client.value(EmbeddedBroker.uniqueName("d"), TypeCode.DOUBLE, -0.0);

    assertThat(d.compareAndSet(0.0, 1.0)).isTrue(); // -0.0 equals 0.0
    d.set(Double.NaN);
    assertThat(d.compareAndSet(Double.NaN, 2.0)).isFalse(); // NaN equals nothing
    assertThat(d.getDouble()).isNaN();
  }

  @Test
  void twoClientsAddingConcurrentlyLoseNothing() throws Exception {
    String name = EmbeddedBroker.uniqueName("counter");
    IpcValue counter = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);

    CompletableFuture<Void> a = runAsync(() -> addOnes(counter, 20_000));
    CompletableFuture<Void> b = runAsync(() -> addOnes(theirs, 20_000));
    CompletableFuture.allOf(a, b).get(150, TimeUnit.SECONDS);

    assertThat(counter.getLong()).isEqualTo(40_000);
  }

  @Test
  void asyncAddsInFlightFromTwoClientsAreEachAppliedExactlyOnce() throws Exception {
    String name = EmbeddedBroker.uniqueName("counter");
    IpcValue counter = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    List<CompletableFuture<Long>> results = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) { // all in flight together, from both connections
      results.add(counter.addAndGetAsync(1));
      results.add(theirs.addAndGetAsync(1));
    }
    awaitAll(results);

    // Every add saw a distinct value: none applied twice, none lost.
    assertThat(results.stream().map(CompletableFuture::join).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 4_000).boxed().toList());
    assertThat(counter.getLong()).isEqualTo(4_000);
  }

  @Test
  void asyncAddsOfOneThreadCoalesceIntoFewerCallsEachWithItsOwnResult() throws Exception {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.LONGLONG);
    List<CompletableFuture<Long>> results = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      results.add(v.addAndGetAsync(1));
    }
    awaitAll(results);

    assertThat(results.stream().map(CompletableFuture::join).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 5_000).boxed().toList());
    assertThat(v.getLong()).isEqualTo(5_000);
    // Adds made while one was in flight went out together.
    assertThat(addCalls(v)).isLessThan(5_000);
  }

  @Test
  void coalescedAddsThatWouldLeaveTheTypeFailAloneAndTheRestApply() throws Exception {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.SHORT, Short.MAX_VALUE - 3);
    List<CompletableFuture<Long>> adds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      adds.add(v.addAndGetAsync(1));
    }
    awaitAll(adds);

    List<Long> applied =
        adds.stream()
            .filter(f -> !f.isCompletedExceptionally())
            .map(CompletableFuture::join)
            .sorted()
            .toList();
    assertThat(applied)
        .containsExactly(
            (long) Short.MAX_VALUE - 2, (long) Short.MAX_VALUE - 1, (long) Short.MAX_VALUE);
    for (CompletableFuture<Long> f : adds) {
      if (f.isCompletedExceptionally()) {
        assertFails(() -> joinAsync(f), IpcBrokerException.Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE");
      }
    }
    assertThat(v.getLong()).isEqualTo(Short.MAX_VALUE);
  }

  @Test
  void coalescedAddsOfBothSignsNeverAnswerAValueOutsideTheType() throws Exception {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.SHORT, Short.MAX_VALUE);
    List<CompletableFuture<Long>> adds = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      adds.add(v.addAndGetAsync(i % 2 == 0 ? 1 : -1));
    }
    awaitAll(adds);

    long net = 0;
    for (int i = 0; i < adds.size(); i++) {
      CompletableFuture<Long> f = adds.get(i);
      if (f.isCompletedExceptionally()) {
        assertFails(() -> joinAsync(f), IpcBrokerException.Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE");
        assertThat(i % 2).as("only a +1 can leave a short at its maximum").isEqualTo(0);
      } else {
        assertThat(f.join()).isBetween((long) Short.MIN_VALUE, (long) Short.MAX_VALUE);
        net += i % 2 == 0 ? 1 : -1;
      }
    }
    assertThat(v.getLong()).isEqualTo(Short.MAX_VALUE + net);
  }

  @Test
  void anAddGivenUpWhileQueuedIsNeverAppliedAndTheOthersAre() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    CompletableFuture<Long> first;
    CompletableFuture<Long> second;
    CompletableFuture<Long> third;
    try (IpcLock held = theirs.lock().acquire()) {
      first = mine.addAndGetAsync(1); // parks on the broker
      second = mine.addAndGetAsync(10); // both wait behind it in the client
      third = mine.addAndGetAsync(100);
      await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(theirs) == 1);
      assertThat(second.cancel(true)).isTrue();
    }
    assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(third.get(30, TimeUnit.SECONDS)).isEqualTo(101);
    assertThat(mine.getLong()).isEqualTo(101);
  }

  @Test
  void manyAsyncAddsByTheLockHolderAllLandWhileItHoldsTheLock() throws Exception {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.INT, 0);
    List<CompletableFuture<Long>> adds = new ArrayList<>();
    try (IpcLock held = v.lock().acquire()) {
      for (int i = 0; i < 200; i++) {
        adds.add(v.addAndGetAsync(1));
      }
      awaitAll(adds);
      assertThat(v.getLong()).isEqualTo(200); // all applied before the release
    }
  }

  @Test
  void closingTheClientFailsTheAddsWaitingBehindAParkedOne() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcBroker third = broker.connect();
    IpcValue mine = third.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    List<CompletableFuture<Long>> adds = new ArrayList<>();
    try (IpcLock held = theirs.lock().acquire()) {
      for (int i = 0; i < 10; i++) {
        adds.add(mine.addAndGetAsync(1));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(theirs) == 1);
      third.close();
      for (CompletableFuture<Long> f : adds) {
        assertFails(() -> joinAsync(f), IpcBrokerException.Code.CANCELLED, "CLIENT_CLOSED");
      }
    }
    assertThat(theirs.getLong()).isEqualTo(0);
  }

  @Test
  void asyncAddFailsAsTheBlockingFormDoesAndChangesNothing() {
    IpcValue small = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.SHORT, Short.MAX_VALUE);
    IpcValue c = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.CHAR);
    // The calls return futures (they throw nothing themselves); the futures fail.
    CompletableFuture<Long> tooBig = small.addAndGetAsync(1);
    CompletableFuture<Double> wrongKind = small.addAndGetAsync(0.5);
    CompletableFuture<Long> onChar = c.addAndGetAsync(1);

    assertFails(
        () -> joinAsync(tooBig), IpcBrokerException.Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE");
    assertFails(
        () -> joinAsync(wrongKind), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertFails(() -> joinAsync(onChar), IpcBrokerException.Code.INVALID_ARGUMENT, "TYPE_MISMATCH");
    assertThat(small.getLong()).isEqualTo(Short.MAX_VALUE);
  }

  @Test
  void asyncAddByTheLockHolderGoesStraightThrough() throws Exception {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.INT, 0);
    try (IpcLock held = v.lock().acquire()) {
      assertThat(v.addAndGetAsync(3).get(30, TimeUnit.SECONDS)).isEqualTo(3);
    }
    assertThat(v.getLong()).isEqualTo(3);
  }

  @Test
  void closingTheClientFailsAParkedAsyncAddAndWithdrawsItsWait() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcBroker third = broker.connect();
    IpcValue mine = third.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    try (IpcLock held = theirs.lock().acquire()) {
      CompletableFuture<Long> add = mine.addAndGetAsync(5);
      await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(theirs) == 1);
      third.close();
      assertFails(() -> joinAsync(add), IpcBrokerException.Code.CANCELLED, "CLIENT_CLOSED");
      await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(theirs) == 0);
      assertFails(
          () -> joinAsync(mine.addAndGetAsync(1)),
          IpcBrokerException.Code.CANCELLED,
          "CLIENT_CLOSED");
    }
    assertThat(theirs.getLong()).isEqualTo(0);
  }

  @Test
  void asyncAddWaitsOnTheBrokerWhileAnotherOwnerHoldsTheLock() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    CompletableFuture<Long> add;
    try (IpcLock held = theirs.lock().acquire()) {
      add = mine.addAndGetAsync(5);
      await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 1);
      assertThat(add).isNotDone();
      assertFails(
          () -> joinAsync(mine.withTimeout(Duration.ZERO).addAndGetAsync(1)),
          IpcBrokerException.Code.DEADLINE_EXCEEDED,
          "LOCK_TIMEOUT");
    }
    assertThat(add.get(10, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(mine.getLong()).isEqualTo(5);
  }

  @Test
  void cancellingAnAsyncAddGivesItsWaitUpOnTheBroker() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    try (IpcLock held = theirs.lock().acquire()) {
      CompletableFuture<Long> add = mine.addAndGetAsync(5);
      await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 1);
      add.cancel(true);
      await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 0);
    }
    assertThat(mine.getLong()).isEqualTo(0); // the add that was given up never happened
  }

  /** Waits until every future is done, whichever way (at most 60 s). */
  private static void awaitAll(List<? extends CompletableFuture<?>> futures) throws Exception {
    CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
        .exceptionally(t -> null)
        .get(60, TimeUnit.SECONDS);
  }

  /** The future's value, or the SDK exception it failed with. */
  private static <V> V joinAsync(CompletableFuture<V> f) throws Exception {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void twoClientsIncrementingUnderTheLockLoseNothing() throws Exception {
    String name = EmbeddedBroker.uniqueName("counter");
    IpcValue counter = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);

    CompletableFuture<Void> a = runAsync(() -> incrementUnderLock(counter, 20_000));
    CompletableFuture<Void> b = runAsync(() -> incrementUnderLock(theirs, 20_000));
    CompletableFuture.allOf(a, b).get(170, TimeUnit.SECONDS);

    assertThat(counter.getLong()).isEqualTo(40_000);
    assertThat(counter.lock().isHeldByCurrentThread()).isFalse();
  }

  @Test
  void tutorialCounterEndsAtEveryIncrement() throws Exception {
    long printed =
        ValueTutorialExample.run(broker.target(), EmbeddedBroker.uniqueName("counter"), 4, 250);

    assertThat(printed).isEqualTo(1_000);
  }

  // ---- the lock ----

  @Test
  void lockIsReentrantAndFreeOnlyWhenTheCountReachesZero() {
    String name = EmbeddedBroker.uniqueName("v");
    IpcLock lock = client.value(name, TypeCode.INT, 0).lock();
    IpcLock theirs = other.value(name, TypeCode.INT, 0).lock();

    lock.acquire();
    assertThat(lock.acquire(Duration.ofSeconds(5))).isTrue();
    assertThat(lock.holdCount()).isEqualTo(2);
    assertThat(theirs.tryAcquire()).isFalse();

    lock.release();
    assertThat(lock.holdCount()).isEqualTo(1);
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    assertThat(theirs.tryAcquire()).isFalse();

    lock.release();
    assertThat(lock.holdCount()).isZero();
    assertThat(theirs.tryAcquire()).isTrue();
    theirs.release();
  }

  @Test
  void tryWithResourcesReleasesTheLock() {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue v = client.value(name, TypeCode.INT, 0);
    IpcLock theirs = other.value(name, TypeCode.INT, 0).lock();

    try (IpcLock held = v.lock().acquire()) {
      assertThat(held.holdCount()).isEqualTo(1);
      assertThat(theirs.tryAcquire()).isFalse();
    }
    assertThat(theirs.tryAcquire()).isTrue();
    theirs.release();
  }

  @Test
  void releaseByANonHolderFailsLockNotOwnedAndChangesNothing() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcLock lock = client.value(name, TypeCode.INT, 0).lock();
    IpcLock theirs = other.value(name, TypeCode.INT, 0).lock();

    assertFails(lock::release, IpcBrokerException.Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED");
    lock.acquire();
    assertFails(theirs::release, IpcBrokerException.Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED");
    // Another thread of the same client is another owner, as with Python's RLock.
    CompletableFuture<Void> byAnotherThread = runAsync(lock::release);
    assertThatThrownBy(() -> byAnotherThread.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
              assertThat(e.reason()).isEqualTo("LOCK_NOT_OWNED");
            });
    assertThat(theirs.tryAcquire()).isFalse();
    assertThat(lock.holdCount()).isEqualTo(1);
    lock.release();
  }

  @Test
  void anotherThreadOfTheSameClientIsAnotherOwner() throws Exception {
    IpcValue v = client.value(EmbeddedBroker.uniqueName("v"), TypeCode.INT, 0);
    v.lock().acquire();

    CompletableFuture<Boolean> tried = CompletableFuture.supplyAsync(v.lock()::tryAcquire, threads);
    assertThat(tried.get(10, TimeUnit.SECONDS)).isFalse();
    v.lock().release();
    assertThat(CompletableFuture.supplyAsync(() -> tryAndRelease(v.lock()), threads).get())
        .isTrue();
  }

  @Test
  void acquireWithTimeoutAnswersFalseWhileAnotherOwnerHoldsIt() {
    String name = EmbeddedBroker.uniqueName("v");
    IpcLock lock = client.value(name, TypeCode.INT, 0).lock();
    IpcLock theirs = other.value(name, TypeCode.INT, 0).lock();
    lock.acquire();

    long start = System.nanoTime();
    assertThat(theirs.acquire(Duration.ofMillis(300))).isFalse();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(285L, 2_000L);
    assertThat(theirs.holdCount()).isZero();
    assertThatThrownBy(() -> theirs.acquire(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    lock.release();
  }

  @Test
  void readsAndWritesOfAnotherOwnerWaitForTheLockAndTimeOutUnchanged() {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 1);
    IpcValue theirs = other.value(name, TypeCode.INT, 0).withTimeout(Duration.ofMillis(200));
    mine.lock().acquire();

    mine.set(2); // the holder's own calls pass
    assertThat(mine.addAndGet(1)).isEqualTo(3);
    assertFails(theirs::get, IpcBrokerException.Code.DEADLINE_EXCEEDED, "LOCK_TIMEOUT");
    assertFails(() -> theirs.set(9), IpcBrokerException.Code.DEADLINE_EXCEEDED, "LOCK_TIMEOUT");
    assertFails(
        () -> theirs.addAndGet(1), IpcBrokerException.Code.DEADLINE_EXCEEDED, "LOCK_TIMEOUT");
    assertFails(
        () -> theirs.compareAndSet(3, 9),
        IpcBrokerException.Code.DEADLINE_EXCEEDED,
        "LOCK_TIMEOUT");
    mine.lock().release();

    assertThat(theirs.get()).isEqualTo(3L);
  }

  @Test
  void aWaitingReadCompletesWhenTheHolderReleases() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 1);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    mine.lock().acquire();

    CompletableFuture<Long> read = CompletableFuture.supplyAsync(theirs::getLong, threads);
    await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 1);
    assertThat(read).isNotDone();
    mine.set(42);
    mine.lock().release();

    assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(42);
  }

  @Test
  void aClientThatClosesWhileHoldingTheLockReleasesIt() {
    String name = EmbeddedBroker.uniqueName("v");
    IpcLock lock = client.value(name, TypeCode.INT, 0).lock();
    try (IpcBroker third = broker.connect()) {
      third.value(name, TypeCode.INT, 0).lock().acquire();
      assertThat(lock.tryAcquire()).isFalse();
    }

    assertThat(lock.acquire(Duration.ofSeconds(10))).isTrue();
    lock.release();
  }

  @Test
  void anInterruptedAcquireGivesUpItsPlaceAndHoldsNothing() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 0);
    IpcLock theirs = other.value(name, TypeCode.INT, 0).lock();
    mine.lock().acquire();

    CompletableFuture<IpcBrokerException> failure = new CompletableFuture<>();
    CompletableFuture<Boolean> flagSetAgain = new CompletableFuture<>();
    Thread waiter =
        new Thread(
            () -> {
              try {
                theirs.acquire();
                failure.complete(null);
              } catch (IpcBrokerException e) {
                flagSetAgain.complete(Thread.currentThread().isInterrupted());
                failure.complete(e);
              }
            });
    waiter.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 1);
    waiter.interrupt();

    IpcBrokerException e = failure.get(10, TimeUnit.SECONDS);
    assertThat(e).isNotNull();
    assertThat(e.code()).isEqualTo(IpcBrokerException.Code.CANCELLED);
    assertThat(e.reason()).isEqualTo(IpcBrokerException.INTERRUPTED);
    assertThat(flagSetAgain.get()).isTrue();
    waiter.join();
    await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 0);
    mine.lock().release();
    // The given-up waiter was not granted the lock on the release: a third owner gets it at once.
    try (IpcBroker third = broker.connect()) {
      assertThat(third.value(name, TypeCode.INT, 0).lock().tryAcquire()).isTrue();
    }
  }

  @Test
  void closingTheClientEndsItsWaitingReadsWithClientClosed() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    mine.lock().acquire();

    CompletableFuture<Long> read = CompletableFuture.supplyAsync(theirs::getLong, threads);
    await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 1);
    other.close();

    assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> assertThat(e.reason()).isEqualTo(IpcBrokerException.CLIENT_CLOSED));
    await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 0);
  }

  @Test
  void deletingTheValueEndsItsWaitingCallsWithObjectDeleted() throws Exception {
    String name = EmbeddedBroker.uniqueName("v");
    IpcValue mine = client.value(name, TypeCode.INT, 0);
    IpcValue theirs = other.value(name, TypeCode.INT, 0);
    mine.lock().acquire();

    CompletableFuture<Long> read = CompletableFuture.supplyAsync(theirs::getLong, threads);
    CompletableFuture<IpcLock> acquire =
        CompletableFuture.supplyAsync(theirs.lock()::acquire, threads);
    await().atMost(Duration.ofSeconds(10)).until(() -> lockWaiters(mine) == 2);
    assertThat(client.deleteValue(name)).isTrue();

    for (CompletableFuture<?> parked : List.of(read, acquire)) {
      assertThatThrownBy(() -> parked.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              IpcBrokerException.class,
              e -> {
                assertThat(e.code()).isEqualTo(IpcBrokerException.Code.NOT_FOUND);
                assertThat(e.reason()).isEqualTo("OBJECT_DELETED");
              });
    }
  }

  @Test
  void rawValueHasNoLock() {
    IpcValue raw = client.rawValue(EmbeddedBroker.uniqueName("raw"), TypeCode.INT, 5);

    assertThat(raw.hasLock()).isFalse();
    assertThat(raw.addAndGet(1)).isEqualTo(6);
    assertFails(() -> raw.lock().acquire(), IpcBrokerException.Code.FAILED_PRECONDITION, "NO_LOCK");
    assertFails(raw.lock()::tryAcquire, IpcBrokerException.Code.FAILED_PRECONDITION, "NO_LOCK");
    assertFails(raw.lock()::release, IpcBrokerException.Code.FAILED_PRECONDITION, "NO_LOCK");
  }

  // ---- helpers ----

  private CompletableFuture<Void> runAsync(Runnable r) {
    return CompletableFuture.runAsync(r, threads);
  }

  private static void addOnes(IpcValue v, int n) {
    for (int i = 0; i < n; i++) {
      v.addAndGet(1);
    }
  }

  private static void incrementUnderLock(IpcValue v, int n) {
    IpcLock lock = v.lock();
    for (int i = 0; i < n; i++) {
      lock.acquire();
      try {
        v.set(v.getLong() + 1);
      } finally {
        lock.release();
      }
    }
  }

  private static boolean tryAndRelease(IpcLock lock) {
    boolean got = lock.tryAcquire();
    if (got) {
      lock.release();
    }
    return got;
  }

  private static long addCalls(IpcValue v) {
    return ((ValueHandle) v).addCallsForTests();
  }

  private static int lockWaiters(IpcValue v) {
    return ((ValueHandle) v).describeForTests().getLockWaiters();
  }

  /** The exact value of a number that {@code get()} returned. */
  private static BigInteger exact(Number n) {
    return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
  }

  /** {@code n} as callers pass it: a long where it fits, else a BigInteger. */
  private static Number big(TypeCode type, BigInteger n) {
    return n.bitLength() <= 63 ? (Number) n.longValue() : n;
  }

  /** The smallest and largest value of an integer type. */
  static BigInteger[] bounds(TypeCode type) {
    switch (type) {
      case BYTE:
        return range(-128, 127);
      case UBYTE:
        return range(0, 255);
      case SHORT:
        return range(-32768, 32767);
      case USHORT:
        return range(0, 65535);
      case INT:
        return range(Integer.MIN_VALUE, Integer.MAX_VALUE);
      case UINT:
        return range(0, 4_294_967_295L);
      case LONG:
      case LONGLONG:
        return range(Long.MIN_VALUE, Long.MAX_VALUE);
      case ULONG:
      case ULONGLONG:
        return new BigInteger[] {
          BigInteger.ZERO, BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)
        };
      default:
        throw new IllegalArgumentException(type.name());
    }
  }

  private static BigInteger[] range(long min, long max) {
    return new BigInteger[] {BigInteger.valueOf(min), BigInteger.valueOf(max)};
  }

  static void assertFails(ThrowingCallable call, IpcBrokerException.Code code, String reason) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.reason()).isEqualTo(reason);
            });
  }
}
