package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ValueClient.f;
import static io.ipcbroker.conformance.ValueClient.holder;
import static io.ipcbroker.conformance.ValueClient.i;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status.Code;
import io.ipcbroker.v1.AcquireValueLockResponse;
import io.ipcbroker.v1.AddAndGetResponse;
import io.ipcbroker.v1.CompareAndSetResponse;
import io.ipcbroker.v1.CreateArrayRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetValueResponse;
import io.ipcbroker.v1.LockContext;
import io.ipcbroker.v1.SetValueResponse;
import io.ipcbroker.v1.SharedValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lock of a value or array (Python's {@code get_lock()}): re-entrant per session and owner,
 * holding off other owners' reads and writes (which wait with the timeout rule and fail {@code
 * LOCK_TIMEOUT}), granted first come, first served, released when the holder's session ends, and
 * absent from raw values.
 */
@Timeout(120)
class ValueLockConformanceTest {
  /** The lock timeout of the tests that time a wait. */
  private static final double T = 0.2;

  /** The deadline of calls that test deadline-bounded waits. */
  private static final Duration DEADLINE = Duration.ofMillis(400);

  /** How long a session used by a test lives without renewal: longer than any test. */
  private static final double TTL = 120;

  /** How many locked increments each of two racing clients makes. */
  private static final int INCREMENTS = 20_000;

  /** The longest a racing client may take for its increments. */
  private static final Duration LOAD_LIMIT = Duration.ofSeconds(100);

  /** How long a release by a session's end may take to reach a parked acquirer. */
  private static final Duration RELEASE_WAIT = Duration.ofSeconds(5);

  private final TestBroker broker = new TestBroker();
  private final ValueClient values = new ValueClient(broker.channel());
  private final ExecutorService clients = Executors.newFixedThreadPool(2);

  @AfterEach
  void cleanUp() {
    clients.shutdownNow();
    try {
      values.close();
    } finally {
      broker.close();
    }
  }

  private String session() {
    return broker.createSession(TTL).getSessionId();
  }

  /** Another client connection ("process") of the test's values. */
  private ValueClient client() {
    return values.on(broker.newChannel());
  }

  private void deleteSession(String id) {
    broker.sessions().deleteSession(DeleteSessionRequest.newBuilder().setSessionId(id).build());
  }

  private static AcquireValueLockResponse granted(int count) {
    return AcquireValueLockResponse.newBuilder().setAcquired(true).setCount(count).build();
  }

  private static final AcquireValueLockResponse NOT_ACQUIRED =
      AcquireValueLockResponse.newBuilder().setAcquired(false).setCount(0).build();

  @Test
  void lockIsReentrantForItsSessionAndOwnerAndFreeWhenTheCountReachesZero() {
    String name = values.createValue("lock-reentrant", "i", i(1));
    String s = session();
    LockContext a = holder(s, "thread-1");

    assertThat(values.acquire(name, a)).isEqualTo(granted(1));
    assertThat(values.describe(name))
        .returns(true, SharedValue::getLocked)
        .returns(0, SharedValue::getLockWaiters);
    assertThat(values.acquire(name, a)).isEqualTo(granted(2));
    assertThat(values.acquire(name, a.toBuilder().setNowait(true).build())).isEqualTo(granted(3));

    assertThat(values.release(name, s, "thread-1")).isEqualTo(2);
    assertThat(values.release(name, s, "thread-1")).isEqualTo(1);
    assertThat(values.describe(name).getLocked()).isTrue();
    assertThat(values.release(name, s, "thread-1")).isZero();
    assertThat(values.describe(name).getLocked()).isFalse();

    // Free again: anyone reads and writes without waiting, and another owner can take it.
    values.set(name, i(2), ValueClient.nowait());
    assertThat(values.acquire(name, holder(s, "thread-2"))).isEqualTo(granted(1));
  }

  @Test
  void releaseByANonHolderFailsWithLockNotOwnedAndChangesNothing() {
    String name = values.createValue("lock-notowned", "i", i(1));
    String s = session();
    String other = session();

    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> values.release(name, s, "thread-1"));

    assertThat(values.acquire(name, holder(s, "thread-1"))).isEqualTo(granted(1));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> values.release(name, s, "thread-2"));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> values.release(name, other, "thread-1"));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> values.release(name, other, ""));
    assertThat(values.describe(name).getLocked()).isTrue();

    assertThat(values.release(name, s, "thread-1")).isZero();
    Rpc.assertFails(
        Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> values.release(name, s, "thread-1"));
    assertThat(values.describe(name).getLocked()).isFalse();
  }

  @Test
  void lockCallsOnObjectsCreatedWithoutALockFailWithNoLock() {
    String raw = values.createRawValue("lock-raw", "i", i(1));
    String rawArray =
        values
            .createArray(
                CreateArrayRequest.newBuilder()
                    .setName(Rpc.uniqueName("lock-raw-arr"))
                    .setTypecode("i")
                    .setSize(3)
                    .setLock(false))
            .getArray()
            .getName();
    String s = session();

    for (String name : List.of(raw, rawArray)) {
      Rpc.assertFails(
          Code.FAILED_PRECONDITION, "NO_LOCK", () -> values.acquire(name, holder(s, "t")));
      Rpc.assertFails(Code.FAILED_PRECONDITION, "NO_LOCK", () -> values.release(name, s, "t"));
      assertThat(values.describe(name))
          .returns(false, SharedValue::getHasLock)
          .returns(false, SharedValue::getLocked);
      // Reads and writes never wait on a raw object, with or without a holder's identity.
      values.add(name, 0, i(1), ValueClient.nowait());
      assertThat(values.slice(name, 0, 1, holder(s, "t"))).hasSize(1);
    }
    assertThat(values.get(raw)).isEqualTo(i(2));
  }

  @Test
  void acquireNamingAnUnknownSessionFailsWithSessionNotFound() {
    String name = values.createValue("lock-nosession", "i", i(1));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () -> values.acquire(name, holder("no-such-session", "t")));
    String ended = session();
    deleteSession(ended);
    Rpc.assertFails(
        Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> values.acquire(name, holder(ended, "t")));
    assertThat(values.describe(name).getLocked()).isFalse();
  }

  @Test
  void twoClientsIncrementingUnderTheLockLoseNoIncrement() {
    String name = values.createValue("lock-race", "q", i(0));
    List<String> sessions = List.of(session(), session());
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      ValueClient client = client();
      LockContext me = holder(sessions.get(k), "main");
      runs.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new AssertionError(e);
                }
                long t0 = Timing.start();
                for (int n = 0; n < INCREMENTS; n++) {
                  assertThat(client.acquire(name, me)).isEqualTo(granted(1));
                  long v = client.get(name, me).getIntValue();
                  client.set(name, i(v + 1), me);
                  assertThat(client.release(name, me.getSessionId(), me.getOwner())).isZero();
                  if (Timing.since(t0).compareTo(LOAD_LIMIT) > 0) {
                    throw new AssertionError("only " + n + " increments within " + LOAD_LIMIT);
                  }
                }
              },
              clients));
    }
    start.countDown();
    for (CompletableFuture<Void> run : runs) {
      Futures.get(run, LOAD_LIMIT.plusSeconds(10));
    }
    assertThat(values.get(name)).isEqualTo(i(2L * INCREMENTS));
    assertThat(values.describe(name).getLocked()).isFalse();
  }

  /** A read or write that must wait while another owner holds the lock. */
  enum GuardedCall {
    GET((c, n, l) -> c.slice(n, 0, 1, l)),
    SET((c, n, l) -> c.set(n, i(99), l)),
    ADD((c, n, l) -> c.add(n, 0, i(1), l)),
    CAS((c, n, l) -> c.cas(n, 0, i(7), i(99), l));

    final GuardedAction call;

    GuardedCall(GuardedAction call) {
      this.call = call;
    }
  }

  /** A call on a value with a lock context. */
  interface GuardedAction {
    void call(ValueClient client, String name, LockContext lock);
  }

  /** How a caller asks not to wait long. */
  enum ShortWait {
    NOWAIT(0, LockContext.newBuilder().setNowait(true).build()),
    NOWAIT_IGNORES_TIMEOUT(
        0, LockContext.newBuilder().setNowait(true).setTimeoutSeconds(5).build()),
    TIMEOUT_ZERO(0, LockContext.newBuilder().setTimeoutSeconds(0).build()),
    TIMEOUT(T, LockContext.newBuilder().setTimeoutSeconds(T).build());

    final double seconds;
    final LockContext lock;

    ShortWait(double seconds, LockContext lock) {
      this.seconds = seconds;
      this.lock = lock;
    }
  }

  static Stream<Arguments> guardedCallsAndShortWaits() {
    return Stream.of(GuardedCall.values())
        .flatMap(c -> Stream.of(ShortWait.values()).map(w -> Arguments.of(c, w)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("guardedCallsAndShortWaits")
  void readOrWriteByAnotherOwnerWhileTheLockIsHeldFailsWithLockTimeoutAndChangesNothing(
      GuardedCall call, ShortWait wait) {
    String name = values.createValue("lock-timeout", "i", i(7));
    String s = session();
    String other = session();
    LockContext a = holder(s, "thread-1");
    assertThat(values.acquire(name, a)).isEqualTo(granted(1));
    ValueClient b = client();

    // Another client, another owner of the holder's session, and a caller without an identity
    // (as the holder's own thread would be without passing it) all wait.
    for (LockContext who :
        List.of(
            holder(other, "thread-1"), holder(s, "thread-2"), LockContext.getDefaultInstance())) {
      LockContext lock = wait.lock.toBuilder().mergeFrom(who).build();
      long t0 = Timing.start();
      Rpc.assertFails(Code.DEADLINE_EXCEEDED, "LOCK_TIMEOUT", () -> call.call.call(b, name, lock));
      Timing.assertWaited(t0, Timing.seconds(wait.seconds));
    }

    values.awaitLockWaiters(name, 0);
    assertThat(values.get(name, a)).isEqualTo(i(7));
    assertThat(values.describe(name).getLocked()).isTrue();
    // The holder itself reads and writes without waiting.
    long t0 = Timing.start();
    call.call.call(values, name, a.toBuilder().setNowait(true).build());
    Timing.assertImmediate(t0);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void parkedWriteOfAnotherClientCompletesOnceTheHolderReleases(boolean withTimeout) {
    String name = values.createValue("lock-parked-set", "i", i(1));
    String s = session();
    LockContext a = holder(s, "thread-1");
    assertThat(values.acquire(name, a)).isEqualTo(granted(1));
    ValueClient b = client();
    LockContext bLock = withTimeout ? ValueClient.timeout(8) : LockContext.getDefaultInstance();

    CompletableFuture<SetValueResponse> set = b.setAsync(name, 0, i(2), bLock);
    values.awaitLockWaiters(name, 1);
    CompletableFuture<GetValueResponse> get = b.getAsync(name, 0, bLock);
    values.awaitLockWaiters(name, 2);
    assertThat(set).isNotDone();
    assertThat(values.get(name, a)).isEqualTo(i(1));
    values.set(name, i(5), a);

    assertThat(values.release(name, s, "thread-1")).isZero();
    Unary.await(set);
    assertThat(Unary.await(get).getValuesList()).containsExactly(i(2));
    assertThat(values.get(name)).isEqualTo(i(2));
    assertThat(values.describe(name))
        .returns(false, SharedValue::getLocked)
        .returns(0, SharedValue::getLockWaiters);
  }

  @Test
  void acquireOfAHeldLockWithATimeoutAnswersNotAcquiredAfterTheTimeout() {
    String name = values.createValue("lock-acq-timeout", "i", i(1));
    String s = session();
    String other = session();
    assertThat(values.acquire(name, holder(s, "thread-1"))).isEqualTo(granted(1));
    ValueClient b = client();

    long t0 = Timing.start();
    assertThat(b.acquire(name, holder(other, "t").toBuilder().setTimeoutSeconds(T).build()))
        .isEqualTo(NOT_ACQUIRED);
    Timing.assertWaited(t0, Timing.seconds(T));

    for (LockContext oneTry :
        List.of(
            holder(other, "t").toBuilder().setNowait(true).build(),
            holder(other, "t").toBuilder().setNowait(true).setTimeoutSeconds(5).build(),
            holder(other, "t").toBuilder().setTimeoutSeconds(0).build(),
            holder(s, "thread-2").toBuilder().setNowait(true).build())) {
      t0 = Timing.start();
      assertThat(b.acquire(name, oneTry)).isEqualTo(NOT_ACQUIRED);
      Timing.assertImmediate(t0);
    }
    assertThat(values.describe(name))
        .returns(true, SharedValue::getLocked)
        .returns(0, SharedValue::getLockWaiters);
    assertThat(values.release(name, s, "thread-1")).isZero();
  }

  /** A wait bounded by a deadline ends between the broker's margin before it and the deadline. */
  private static void assertEndedJustBeforeTheDeadline(long t0) {
    Duration elapsed = Timing.since(t0);
    assertThat(elapsed)
        .as("answered by the broker just before the deadline")
        .isGreaterThanOrEqualTo(DEADLINE.minus(Timing.deadlineMargin(DEADLINE)).minus(Timing.EARLY))
        .isLessThanOrEqualTo(DEADLINE.plus(Timing.LATE));
  }

  @Test
  void waitsBoundedOnlyByTheCallDeadlineAreAnsweredByTheBrokerBeforeIt() {
    String name = values.createValue("lock-deadline", "i", i(1));
    String s = session();
    String other = session();
    assertThat(values.acquire(name, holder(s, "thread-1"))).isEqualTo(granted(1));
    ValueClient b = client();

    // The ErrorInfo shows that the answer is the broker's, not the transport's deadline.
    long t0 = Timing.start();
    Rpc.assertFails(
        Code.DEADLINE_EXCEEDED,
        "LOCK_TIMEOUT",
        () ->
            b.stub(DEADLINE)
                .getValue(ValueClient.getRequest(name, 0, 1, LockContext.getDefaultInstance())));
    assertEndedJustBeforeTheDeadline(t0);

    t0 = Timing.start();
    Rpc.assertFails(
        Code.DEADLINE_EXCEEDED,
        "LOCK_TIMEOUT",
        () ->
            b.stub(DEADLINE)
                .setValue(ValueClient.setRequest(name, 0, List.of(i(5)), ValueClient.timeout(5))));
    assertEndedJustBeforeTheDeadline(t0);

    t0 = Timing.start();
    AcquireValueLockResponse r =
        b.stub(DEADLINE).acquireValueLock(ValueClient.acquireRequest(name, holder(other, "t")));
    assertEndedJustBeforeTheDeadline(t0);
    assertThat(r).isEqualTo(NOT_ACQUIRED);

    values.awaitLockWaiters(name, 0);
    assertThat(values.get(name, holder(s, "thread-1"))).isEqualTo(i(1));
  }

  @Test
  void deletingTheHoldersSessionReleasesTheLockToAParkedAcquirer() {
    String name = values.createValue("lock-session-delete", "i", i(1));
    String s = session();
    String other = session();
    assertThat(client().acquire(name, holder(s, "thread-1"))).isEqualTo(granted(1));
    CompletableFuture<AcquireValueLockResponse> parked =
        client().acquireAsync(name, holder(other, "t"));
    values.awaitLockWaiters(name, 1);
    assertThat(parked).isNotDone();

    deleteSession(s);

    assertThat(Futures.get(parked, RELEASE_WAIT)).isEqualTo(granted(1));
    assertThat(values.describe(name))
        .returns(true, SharedValue::getLocked)
        .returns(0, SharedValue::getLockWaiters);
    assertThat(values.release(name, other, "t")).isZero();
  }

  @Test
  void deletingTheHoldersSessionReleasesEveryLevelOfAReentrantHoldToAParkedWrite() {
    String name = values.createValue("lock-session-reentrant", "i", i(1));
    String s = session();
    LockContext a = holder(s, "thread-1");
    assertThat(values.acquire(name, a)).isEqualTo(granted(1));
    assertThat(values.acquire(name, a)).isEqualTo(granted(2));
    CompletableFuture<SetValueResponse> parked =
        client().setAsync(name, 0, i(3), LockContext.getDefaultInstance());
    values.awaitLockWaiters(name, 1);

    deleteSession(s);

    Futures.get(parked, RELEASE_WAIT);
    assertThat(values.get(name)).isEqualTo(i(3));
    assertThat(values.describe(name).getLocked()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void endOfTheHoldersKeepAliveStreamReleasesTheLockToAParkedAcquirer(boolean cancel) {
    String name = values.createValue("lock-keepalive", "i", i(1));
    String s = session(); // its TTL outlasts the test: only the stream's end can end it in time
    String other = session();
    KeepAliveClient keepAlive = KeepAliveClient.start(broker.newChannel());
    keepAlive.send(s);
    await().atMost(Duration.ofSeconds(5)).until(() -> keepAlive.responses().size() == 1);
    assertThat(client().acquire(name, holder(s, "thread-1"))).isEqualTo(granted(1));
    CompletableFuture<AcquireValueLockResponse> parked =
        client().acquireAsync(name, holder(other, "t"));
    values.awaitLockWaiters(name, 1);

    if (cancel) {
      keepAlive.cancel();
    } else {
      keepAlive.halfCloseAndAwait();
    }

    assertThat(Futures.get(parked, RELEASE_WAIT)).isEqualTo(granted(1));
    assertThat(values.release(name, other, "t")).isZero();
  }

  @Test
  void parkedAcquireOfASessionThatEndsFailsWithSessionNotFoundAndIsNeverGranted() {
    String name = values.createValue("lock-waiter-session", "i", i(1));
    String s = session();
    String waiter = session();
    String next = session();
    assertThat(values.acquire(name, holder(s, "thread-1"))).isEqualTo(granted(1));
    CompletableFuture<AcquireValueLockResponse> doomed =
        client().acquireAsync(name, holder(waiter, "t"));
    values.awaitLockWaiters(name, 1);
    CompletableFuture<AcquireValueLockResponse> after =
        client().acquireAsync(name, holder(next, "t"));
    values.awaitLockWaiters(name, 2);

    deleteSession(waiter);

    Rpc.assertStatus(Unary.awaitFailure(doomed), Code.NOT_FOUND, "SESSION_NOT_FOUND");
    values.awaitLockWaiters(name, 1);
    assertThat(values.release(name, s, "thread-1")).isZero();
    assertThat(Unary.await(after)).isEqualTo(granted(1));
  }

  @Test
  void parkedAcquiresAreGrantedFirstComeFirstServed() {
    String name = values.createValue("lock-fifo", "i", i(0));
    String holderSession = session();
    assertThat(values.acquire(name, holder(holderSession, "t"))).isEqualTo(granted(1));
    List<String> sessions = new ArrayList<>();
    List<CompletableFuture<AcquireValueLockResponse>> parked = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      sessions.add(session());
      parked.add(client().acquireAsync(name, holder(sessions.get(k), "t")));
      values.awaitLockWaiters(name, k + 1);
    }

    String releasing = holderSession;
    for (int k = 0; k < 3; k++) {
      assertThat(values.release(name, releasing, "t")).isZero();
      assertThat(Unary.await(parked.get(k))).as("waiter %d", k).isEqualTo(granted(1));
      values.awaitLockWaiters(name, 2 - k);
      for (int later = k + 1; later < 3; later++) {
        assertThat(parked.get(later)).as("waiter %d", later).isNotDone();
      }
      releasing = sessions.get(k);
    }
    assertThat(values.release(name, releasing, "t")).isZero();
    assertThat(values.describe(name).getLocked()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void parkedWritesAndAcquiresAreServedInArrivalOrder(boolean writeFirst) {
    String name = values.createValue("lock-fifo-mixed", "i", i(0));
    String a = session();
    String b = session();
    assertThat(values.acquire(name, holder(a, "t"))).isEqualTo(granted(1));
    ValueClient other = client();
    List<CompletableFuture<?>> parked = new ArrayList<>();
    Consumer<Boolean> park =
        write -> {
          parked.add(
              write
                  ? other.setAsync(name, 0, i(5), LockContext.getDefaultInstance())
                  : other.acquireAsync(name, holder(b, "t")));
          values.awaitLockWaiters(name, parked.size());
        };
    park.accept(writeFirst);
    park.accept(!writeFirst);
    CompletableFuture<?> write = parked.get(writeFirst ? 0 : 1);
    CompletableFuture<?> acquire = parked.get(writeFirst ? 1 : 0);

    assertThat(values.release(name, a, "t")).isZero();
    assertThat(Unary.await(acquire)).isEqualTo(granted(1));
    if (writeFirst) {
      Unary.await(write);
      assertThat(values.get(name, holder(b, "t"))).isEqualTo(i(5));
    } else {
      // The write came later: it waits for b's hold.
      values.awaitLockWaiters(name, 1);
      assertThat(write).isNotDone();
      assertThat(values.get(name, holder(b, "t"))).isEqualTo(i(0));
      assertThat(values.release(name, b, "t")).isZero();
      Unary.await(write);
      assertThat(values.get(name)).isEqualTo(i(5));
    }
  }

  @Test
  void deleteFailsEveryParkedCallWithObjectDeleted() {
    String name = values.createValue("lock-delete", "i", i(7));
    String s = session();
    String other = session();
    assertThat(values.acquire(name, holder(s, "t"))).isEqualTo(granted(1));
    ValueClient b = client();
    LockContext wait = LockContext.getDefaultInstance();
    List<CompletableFuture<?>> parked = new ArrayList<>();
    parked.add(b.acquireAsync(name, holder(other, "t")));
    parked.add(b.getAsync(name, 0, wait));
    parked.add(b.setAsync(name, 0, i(1), wait));
    parked.add(b.addAsync(name, 0, i(1), ValueClient.timeout(8)));
    parked.add(b.casAsync(name, 0, i(7), i(8), wait));
    values.awaitLockWaiters(name, parked.size());

    assertThat(values.delete(name)).isTrue();

    for (CompletableFuture<?> call : parked) {
      Rpc.assertStatus(Unary.awaitFailure(call), Code.NOT_FOUND, "OBJECT_DELETED");
    }
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.release(name, s, "t"));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(name));
  }

  @Test
  void arrayLockHoldsOffSliceWritesOfOthersAndItsHolderWritesSlices() {
    String name = values.createArray("lock-array", "d", List.of(f(0), f(0), f(0)));
    String s = session();
    LockContext a = holder(s, "t");
    assertThat(values.acquire(name, a)).isEqualTo(granted(1));
    ValueClient b = client();

    Rpc.assertFails(
        Code.DEADLINE_EXCEEDED,
        "LOCK_TIMEOUT",
        () ->
            b.stub()
                .setValue(
                    ValueClient.setRequest(name, 1, List.of(f(1), f(2)), ValueClient.nowait())));
    values.stub().setValue(ValueClient.setRequest(name, 0, List.of(f(4), f(5)), a));
    CompletableFuture<AddAndGetResponse> add = b.addAsync(name, 2, f(0.5), ValueClient.timeout(8));
    values.awaitLockWaiters(name, 1);
    assertThat(values.release(name, s, "t")).isZero();
    assertThat(Unary.await(add).getValue()).isEqualTo(f(0.5));
    assertThat(values.slice(name, 0, 0)).containsExactly(f(4), f(5), f(0.5));
  }

  @Test
  void compareAndSetOfTheHolderPassesAndAnswersTheCurrentValue() {
    String name = values.createValue("lock-cas", "i", i(7));
    String s = session();
    LockContext a = holder(s, "t");
    assertThat(values.acquire(name, a)).isEqualTo(granted(1));
    CompareAndSetResponse r = values.cas(name, 0, i(7), i(8), a);
    assertThat(r.getSwapped()).isTrue();
    assertThat(r.getValue()).isEqualTo(i(8));
    assertThat(values.release(name, s, "t")).isZero();
  }
}
