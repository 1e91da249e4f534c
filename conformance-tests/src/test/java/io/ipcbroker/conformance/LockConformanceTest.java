package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.Rpc.assertFails;
import static io.ipcbroker.conformance.Rpc.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.ipcbroker.v1.AcquireLockResponse;
import io.ipcbroker.v1.CreateConditionRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateLockResponse;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteValueRequest;
import io.ipcbroker.v1.DescribeConditionRequest;
import io.ipcbroker.v1.GetValueRequest;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.NotifyConditionRequest;
import io.ipcbroker.v1.ReconcileLockRequest;
import io.ipcbroker.v1.ReconcileLockResponse;
import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.SetValueRequest;
import io.ipcbroker.v1.WaitConditionRequest;
import io.ipcbroker.v1.WaitConditionResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code LockService}: Python's manager Lock, RLock and Condition, owned by sessions, with fencing
 * tokens, abandonment and the settling of given-up requests.
 */
@Timeout(120)
class LockConformanceTest {
  private TestBroker broker;
  private SyncClient sync;
  private String sa;
  private String sb;

  @BeforeEach
  void setUp() {
    broker = new TestBroker();
    sync = new SyncClient(broker.channel());
    sa = broker.createSession(30).getSessionId();
    sb = broker.createSession(30).getSessionId();
  }

  @AfterEach
  void tearDown() {
    sync.close();
    broker.close();
  }

  private String lock() {
    return sync.createLock("lock", LockKind.LOCK_KIND_LOCK);
  }

  private String rlock() {
    return sync.createLock("rlock", LockKind.LOCK_KIND_RLOCK);
  }

  private boolean tryAcquire(String lock, String session, String owner) {
    return sync.acquire(lock, session, owner, 0.0).getAcquired();
  }

  @Test
  void lockIsExclusiveAndEachGrantHasALargerFencingToken() {
    String l = lock();
    AcquireLockResponse first = sync.acquire(l, sa, "t1", 0.0);
    assertThat(first.getAcquired()).isTrue();
    assertThat(first.getHoldCount()).isEqualTo(1);
    assertThat(first.getFencingToken()).isPositive();
    assertThat(first.getAbandoned()).isFalse();
    assertThat(tryAcquire(l, sb, "t1")).isFalse();
    assertThat(tryAcquire(l, sa, "t2")).as("another thread of the session").isFalse();
    assertThat(tryAcquire(l, sa, "t1")).as("a Lock is not re-entrant").isFalse();
    LockInfo info = sync.describeLock(l);
    assertThat(info.getLocked()).isTrue();
    assertThat(info.getHolderOwner()).isEqualTo("t1");
    assertThat(info.getFencingToken()).isEqualTo(first.getFencingToken());
    assertThat(sync.release(l, sa, "t1")).isZero();
    AcquireLockResponse second = sync.acquire(l, sb, "t1", 0.0);
    assertThat(second.getFencingToken()).isGreaterThan(first.getFencingToken());
  }

  @Test
  void onlyTheHolderReleasesAndNothingChangesOtherwise() {
    String l = lock();
    assertFails(Status.Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> sync.release(l, sa, "t1"));
    sync.acquire(l, sa, "t1", 0.0);
    assertFails(Status.Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> sync.release(l, sb, "t1"));
    assertFails(Status.Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> sync.release(l, sa, "t2"));
    assertThat(sync.describeLock(l).getHolderOwner()).isEqualTo("t1");
  }

  @Test
  void rlockIsReleasedOnlyWhenItsCountReturnsToZero() {
    String r = rlock();
    long token = sync.acquire(r, sa, "t1", 0.0).getFencingToken();
    AcquireLockResponse again = sync.acquire(r, sa, "t1", 0.0);
    assertThat(again.getHoldCount()).isEqualTo(2);
    assertThat(again.getFencingToken()).isEqualTo(token);
    assertThat(sync.acquire(r, sa, "t1", 0.0).getHoldCount()).isEqualTo(3);
    assertThat(tryAcquire(r, sb, "t1")).isFalse();
    assertThat(sync.release(r, sa, "t1")).isEqualTo(2);
    assertThat(sync.release(r, sa, "t1")).isEqualTo(1);
    assertThat(tryAcquire(r, sb, "t1")).isFalse();
    assertThat(sync.release(r, sa, "t1")).isZero();
    assertThat(tryAcquire(r, sb, "t1")).isTrue();
  }

  @Test
  void waitersAreServedInArrivalOrderAndATimedOutOneAnswersNotAcquired() {
    String l = lock();
    sync.acquire(l, sa, "t1", 0.0);
    CompletableFuture<AcquireLockResponse> b = sync.acquireAsync(l, sb, "t1", 5.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeLock(l).getWaiters() == 1);
    CompletableFuture<AcquireLockResponse> c = sync.acquireAsync(l, sb, "t2", 5.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeLock(l).getWaiters() == 2);
    long t0 = Timing.start();
    assertThat(sync.acquire(l, sa, "t3", 0.3).getAcquired()).isFalse();
    Timing.assertWaited(t0, Duration.ofMillis(300));
    sync.release(l, sa, "t1");
    assertThat(Unary.await(b).getAcquired()).isTrue();
    assertThat(c).isNotDone();
    sync.release(l, sb, "t1");
    assertThat(Unary.await(c).getAcquired()).isTrue();
  }

  /** Two clients update a counter (read, then write) under the lock: the count is exact. */
  @Test
  void mutualExclusionUnderContentionKeepsACounterExact() throws Exception {
    String l = lock();
    String counter = Rpc.uniqueName("counter");
    ValueClient.values(broker.channel())
        .createValue(CreateValueRequest.newBuilder().setName(counter).setTypecode("q").build());
    int perClient = 150;
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      ManagedChannel ch = broker.newChannel();
      SyncClient mine = sync.on(ch);
      String session = broker.createSession(30).getSessionId();
      clients.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < perClient; i++) {
                  assertThat(mine.acquire(l, session, "main", null).getAcquired()).isTrue();
                  long v =
                      ValueClient.values(ch)
                          .getValue(GetValueRequest.newBuilder().setName(counter).build())
                          .getValues(0)
                          .getIntValue();
                  ValueClient.values(ch)
                      .setValue(
                          SetValueRequest.newBuilder()
                              .setName(counter)
                              .addValues(Scalar.newBuilder().setIntValue(v + 1))
                              .build());
                  mine.release(l, session, "main");
                }
              }));
    }
    for (CompletableFuture<Void> f : clients) {
      Futures.get(f, Duration.ofSeconds(90));
    }
    long total =
        ValueClient.values(broker.channel())
            .getValue(GetValueRequest.newBuilder().setName(counter).build())
            .getValues(0)
            .getIntValue();
    ValueClient.values(broker.channel())
        .deleteValue(DeleteValueRequest.newBuilder().setName(counter).build());
    assertThat(total).isEqualTo(2L * perClient);
  }

  @Test
  void anEndedSessionReleasesItsLockAndTheNextGrantSaysItWasAbandoned() {
    String r = rlock();
    String doomed = broker.createSession(30).getSessionId();
    sync.acquire(r, doomed, "t1", 0.0);
    sync.acquire(r, doomed, "t1", 0.0);
    CompletableFuture<AcquireLockResponse> next = sync.acquireAsync(r, sb, "t1", 8.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeLock(r).getWaiters() == 1);
    broker.deleteSession(doomed);
    AcquireLockResponse got = Unary.await(next);
    assertThat(got.getAcquired()).isTrue();
    assertThat(got.getAbandoned()).isTrue();
    sync.release(r, sb, "t1");
    assertThat(sync.acquire(r, sa, "t1", 0.0).getAbandoned()).as("said once").isFalse();
    // Nothing is granted to an ended session.
    assertFails(
        Status.Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> sync.acquire(r, doomed, "t1", 0.0));
  }

  @Test
  void aParkedAcquireEndsWithItsSession() {
    String l = lock();
    sync.acquire(l, sa, "t1", 0.0);
    String doomed = broker.createSession(30).getSessionId();
    CompletableFuture<AcquireLockResponse> waiting = sync.acquireAsync(l, doomed, "t1", null);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeLock(l).getWaiters() == 1);
    broker.deleteSession(doomed);
    assertStatus(Unary.awaitFailure(waiting), Status.Code.NOT_FOUND, "SESSION_NOT_FOUND");
    sync.release(l, sa, "t1");
    assertThat(sync.describeLock(l).getLocked()).isFalse();
  }

  @Test
  void reconcileTakesBackAGrantWithdrawsAWaitAndRefusesALateRequest() {
    String l = lock();
    assertThat(
            sync.locks().acquireLock(SyncClient.acquireRequest(l, sa, "t1", 11, 0.0)).getAcquired())
        .isTrue();
    CompletableFuture<AcquireLockResponse> waiting =
        SyncClient.call(
            (q, o) -> sync.locksAsync().acquireLock(q, o),
            SyncClient.acquireRequest(l, sb, "t1", 21, null));
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeLock(l).getWaiters() == 1);
    ReconcileLockResponse withdrawn = reconcile(l, sb, "t1", 21);
    assertThat(withdrawn.getWasWaiting()).isTrue();
    assertThat(withdrawn.getReleased()).isFalse();
    assertThat(Unary.await(waiting).getAcquired()).isFalse();
    ReconcileLockResponse released = reconcile(l, sa, "t1", 11);
    assertThat(released.getReleased()).isTrue();
    assertThat(released.getHoldCount()).isZero();
    assertThat(sync.describeLock(l).getLocked()).isFalse();
    assertThat(reconcile(l, sa, "t1", 11).getReleased()).as("idempotent").isFalse();
    // Settled before it arrived: the request is refused when it does.
    reconcile(l, sb, "t1", 22);
    assertThat(
            sync.locks().acquireLock(SyncClient.acquireRequest(l, sb, "t1", 22, 0.0)).getAcquired())
        .isFalse();
    assertThat(sync.describeLock(l).getLocked()).isFalse();
    assertFails(Status.Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> reconcile(l, sa, "t1", 0));
  }

  private ReconcileLockResponse reconcile(String lock, String session, String owner, long id) {
    return sync.locks()
        .reconcileLock(
            ReconcileLockRequest.newBuilder()
                .setName(lock)
                .setSessionId(session)
                .setOwner(owner)
                .setRequestId(id)
                .build());
  }

  // ---- conditions ----

  private CompletableFuture<WaitConditionResponse> waitAsync(
      String cond, String session, String owner, Double timeout) {
    WaitConditionRequest.Builder r =
        WaitConditionRequest.newBuilder().setName(cond).setSessionId(session).setOwner(owner);
    if (timeout != null) {
      r.setTimeoutSeconds(timeout);
    }
    return SyncClient.call((q, o) -> sync.locksAsync().waitCondition(q, o), r.build());
  }

  private int notify(String cond, String session, String owner, int n, boolean all) {
    return sync.locks()
        .notifyCondition(
            NotifyConditionRequest.newBuilder()
                .setName(cond)
                .setSessionId(session)
                .setOwner(owner)
                .setN(n)
                .setAll(all)
                .build())
        .getWoken();
  }

  private int conditionWaiters(String cond) {
    return sync.locks()
        .describeCondition(DescribeConditionRequest.newBuilder().setName(cond).build())
        .getCondition()
        .getWaiters();
  }

  /** Producer/consumer: the consumer waits, the producer notifies under the lock. */
  @Test
  void conditionWaitReleasesTheLockAndGetsItBackAfterANotify() {
    String r = rlock();
    String c = sync.createCondition("cond", r);
    sync.acquire(r, sa, "consumer", 0.0);
    sync.acquire(r, sa, "consumer", 0.0);
    CompletableFuture<WaitConditionResponse> waiting = waitAsync(c, sa, "consumer", 8.0);
    await().atMost(Duration.ofSeconds(10)).until(() -> conditionWaiters(c) == 1);
    // The wait gave up every level: the producer gets the lock.
    assertThat(sync.acquire(r, sb, "producer", 5.0).getAcquired()).isTrue();
    assertThat(notify(c, sb, "producer", 1, false)).isEqualTo(1);
    assertThat(waiting).isNotDone(); // it needs the lock back first
    sync.release(r, sb, "producer");
    WaitConditionResponse got = Unary.await(waiting);
    assertThat(got.getNotified()).isTrue();
    assertThat(got.getHoldCount()).isEqualTo(2);
    LockInfo info = sync.describeLock(r);
    assertThat(info.getHolderOwner()).isEqualTo("consumer");
    assertThat(info.getHoldCount()).isEqualTo(2);
  }

  @Test
  void conditionWaitThatTimesOutAnswersFalseHoldingTheLock() {
    String l = lock();
    String c = sync.createCondition("cond", l);
    sync.acquire(l, sa, "t1", 0.0);
    long t0 = Timing.start();
    WaitConditionResponse got = Unary.await(waitAsync(c, sa, "t1", 0.3));
    Timing.assertWaited(t0, Duration.ofMillis(300));
    assertThat(got.getNotified()).isFalse();
    assertThat(got.getHoldCount()).isEqualTo(1);
    assertThat(sync.describeLock(l).getHolderOwner()).isEqualTo("t1");
  }

  @Test
  void notifyWakesAtMostNWaitersAndIsLostWithoutAny() {
    String l = lock();
    String c = sync.createCondition("cond", l);
    sync.acquire(l, sa, "n", 0.0);
    assertThat(notify(c, sa, "n", 3, false)).isZero();
    sync.release(l, sa, "n");
    List<CompletableFuture<WaitConditionResponse>> waits = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String owner = "w" + i;
      assertThat(sync.acquire(l, sb, owner, 5.0).getAcquired()).isTrue();
      waits.add(waitAsync(c, sb, owner, 20.0));
      int expected = i + 1;
      await().atMost(Duration.ofSeconds(10)).until(() -> conditionWaiters(c) == expected);
    }
    sync.acquire(l, sa, "n", 5.0);
    assertThat(notify(c, sa, "n", 2, false)).isEqualTo(2);
    sync.release(l, sa, "n");
    assertThat(Unary.await(waits.get(0)).getNotified()).isTrue();
    sync.release(l, sb, "w0");
    assertThat(Unary.await(waits.get(1)).getNotified()).isTrue();
    sync.release(l, sb, "w1");
    assertThat(conditionWaiters(c)).isEqualTo(1);
    sync.acquire(l, sa, "n", 5.0);
    assertThat(notify(c, sa, "n", 0, true)).isEqualTo(1);
    sync.release(l, sa, "n");
    assertThat(Unary.await(waits.get(2)).getNotified()).isTrue();
  }

  @Test
  void waitingOrNotifyingWithoutTheLockFails() {
    String l = lock();
    String c = sync.createCondition("cond", l);
    assertStatus(
        Unary.awaitFailure(waitAsync(c, sa, "t1", 1.0)),
        Status.Code.FAILED_PRECONDITION,
        "LOCK_NOT_OWNED");
    assertFails(
        Status.Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> notify(c, sa, "t1", 1, false));
    sync.acquire(l, sb, "t1", 0.0);
    assertFails(
        Status.Code.FAILED_PRECONDITION, "LOCK_NOT_OWNED", () -> notify(c, sa, "t1", 1, true));
  }

  // ---- objects and bad input ----

  @Test
  void createOrOpenChecksTheKindAndDeleteEndsWaits() {
    String l = lock();
    CreateLockResponse opened =
        sync.locks()
            .createLock(
                CreateLockRequest.newBuilder()
                    .setName(l)
                    .setKind(LockKind.LOCK_KIND_LOCK)
                    .setAllowExisting(true)
                    .build());
    assertThat(opened.getCreated()).isFalse();
    assertFails(
        Status.Code.ALREADY_EXISTS,
        "LOCK_ALREADY_EXISTS",
        () ->
            sync.locks()
                .createLock(
                    CreateLockRequest.newBuilder()
                        .setName(l)
                        .setKind(LockKind.LOCK_KIND_LOCK)
                        .build()));
    assertFails(
        Status.Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            sync.locks()
                .createLock(
                    CreateLockRequest.newBuilder()
                        .setName(l)
                        .setKind(LockKind.LOCK_KIND_RLOCK)
                        .setAllowExisting(true)
                        .build()));
    String c = sync.createCondition("cond", l);
    sync.acquire(l, sa, "t1", 0.0);
    CompletableFuture<AcquireLockResponse> waiting = sync.acquireAsync(l, sb, "t1", null);
    await().atMost(Duration.ofSeconds(10)).until(() -> sync.describeLock(l).getWaiters() == 1);
    assertThat(
            sync.locks().deleteLock(DeleteLockRequest.newBuilder().setName(l).build()).getDeleted())
        .isTrue();
    assertStatus(Unary.awaitFailure(waiting), Status.Code.NOT_FOUND, "OBJECT_DELETED");
    assertFails(Status.Code.NOT_FOUND, "LOCK_NOT_FOUND", () -> sync.describeLock(l));
    assertFails(Status.Code.NOT_FOUND, "CONDITION_NOT_FOUND", () -> conditionWaiters(c));
  }

  @Test
  void badInputGetsClearStatuses() {
    String l = lock();
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            sync.locks()
                .createLock(CreateLockRequest.newBuilder().setName(Rpc.uniqueName("k")).build()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_NAME",
        () ->
            sync.locks()
                .createLock(
                    CreateLockRequest.newBuilder()
                        .setName("no spaces")
                        .setKind(LockKind.LOCK_KIND_LOCK)
                        .build()));
    assertFails(Status.Code.INVALID_ARGUMENT, "INVALID_NAME", () -> sync.describeLock(""));
    assertFails(
        Status.Code.NOT_FOUND, "LOCK_NOT_FOUND", () -> sync.describeLock(Rpc.uniqueName("none")));
    assertFails(
        Status.Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> sync.acquire(l, "", "t1", 0.0));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () -> sync.acquire(l, sa, "x".repeat(129), 0.0));
    assertFails(
        Status.Code.INVALID_ARGUMENT, "INVALID_TIMEOUT", () -> sync.acquire(l, sa, "t1", -1.0));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_TIMEOUT",
        () -> sync.acquire(l, sa, "t1", Double.NaN));
    assertFails(
        Status.Code.NOT_FOUND, "SESSION_NOT_FOUND", () -> sync.acquire(l, "no-such", "t1", 0.0));
    assertFails(
        Status.Code.NOT_FOUND,
        "LOCK_NOT_FOUND",
        () ->
            sync.locks()
                .createCondition(
                    CreateConditionRequest.newBuilder()
                        .setName(Rpc.uniqueName("c"))
                        .setLock(Rpc.uniqueName("none"))
                        .build()));
    String c = sync.createCondition("cond", l);
    sync.acquire(l, sa, "t1", 0.0);
    assertFails(
        Status.Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE", () -> notify(c, sa, "t1", -1, false));
    assertThat(sync.describeLock(l).getHolderOwner()).isEqualTo("t1");
  }
}
