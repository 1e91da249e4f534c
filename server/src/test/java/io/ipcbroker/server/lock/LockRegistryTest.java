package io.ipcbroker.server.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Captured;
import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lock core: ownership, re-entry, FIFO hand-over, fencing tokens, abandonment when a holder's
 * session ends, settling given-up requests, and conditions that release and re-acquire.
 */
@Timeout(60)
class LockRegistryTest {
  private final FakeTimer timer = new FakeTimer();
  private final SessionRegistry sessions = new SessionRegistry(timer);
  private final LockRegistry locks = new LockRegistry(timer, sessions);
  private final Session sa = sessions.create(0, "a");
  private final Session sb = sessions.create(0, "b");
  private final Session sc = sessions.create(0, "c");
  private final Owner a = new Owner(sa.id(), "main");
  private final Owner b = new Owner(sb.id(), "main");
  private final Owner c = new Owner(sc.id(), "main");
  private final Wait second = Wait.ofNanos(1_000_000_000L);

  @AfterEach
  void tearDown() {
    locks.shutdown();
  }

  private Captured<LockObject.Grant> acquire(String name, Owner o, long requestId, Wait wait) {
    Captured<LockObject.Grant> r = new Captured<>();
    locks.acquire(name, o, requestId, wait, r);
    return r;
  }

  private LockObject.Grant acquireNow(String name, Owner o) {
    return acquire(name, o, 0, Wait.NO_WAIT).result();
  }

  private static void assertReason(Runnable r, Reason reason) {
    assertThatThrownBy(r::run)
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(reason);
  }

  @Test
  void lockIsExclusiveAndOnlyItsHolderReleasesIt() {
    locks.createLock("l", false, false);
    assertThat(acquireNow("l", a).acquired()).isTrue();
    assertThat(acquireNow("l", b).acquired()).isFalse();
    // A Lock is not re-entrant: its holder's second try fails too.
    assertThat(acquireNow("l", a).acquired()).isFalse();
    assertReason(() -> locks.release("l", b), Reason.LOCK_NOT_OWNED);
    assertThat(locks.describeLock("l").holderOwner()).isEqualTo("main");
    assertThat(locks.release("l", a)).isZero();
    assertReason(() -> locks.release("l", a), Reason.LOCK_NOT_OWNED);
    assertThat(acquireNow("l", b).acquired()).isTrue();
  }

  @Test
  void rlockCountsItsHoldersAcquiresAndKeepsItsToken() {
    locks.createLock("r", true, false);
    LockObject.Grant first = acquireNow("r", a);
    LockObject.Grant again = acquireNow("r", a);
    assertThat(again.holdCount()).isEqualTo(2);
    assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
    assertThat(acquireNow("r", b).acquired()).isFalse();
    assertThat(locks.release("r", a)).isEqualTo(1);
    assertThat(acquireNow("r", b).acquired()).isFalse();
    assertThat(locks.release("r", a)).isZero();
    LockObject.Grant next = acquireNow("r", b);
    assertThat(next.fencingToken()).isGreaterThan(first.fencingToken());
  }

  @Test
  void fencingTokensGrowAcrossLocksAndRecreation() {
    locks.createLock("x", false, false);
    long t1 = acquireNow("x", a).fencingToken();
    locks.deleteLock("x", false);
    locks.createLock("x", false, false);
    locks.createLock("y", false, false);
    long t2 = acquireNow("y", a).fencingToken();
    long t3 = acquireNow("x", a).fencingToken();
    assertThat(t1).isPositive();
    assertThat(t2).isGreaterThan(t1);
    assertThat(t3).isGreaterThan(t2);
  }

  @Test
  void waitersAreServedFirstComeFirstServed() {
    locks.createLock("l", false, false);
    acquireNow("l", a);
    Captured<LockObject.Grant> wb = acquire("l", b, 0, second);
    Captured<LockObject.Grant> wc = acquire("l", c, 0, second);
    assertThat(locks.describeLock("l").waiters()).isEqualTo(2);
    locks.release("l", a);
    assertThat(wb.result().acquired()).isTrue();
    assertThat(wc.answered()).isFalse();
    // A newcomer does not overtake the queue while the lock is held.
    assertThat(acquireNow("l", a).acquired()).isFalse();
    locks.release("l", b);
    assertThat(wc.result().acquired()).isTrue();
  }

  @Test
  void aWaitThatEndsAnswersNotAcquired() {
    locks.createLock("l", false, false);
    acquireNow("l", a);
    Captured<LockObject.Grant> wb = acquire("l", b, 0, second);
    timer.advanceMillis(999);
    assertThat(wb.answered()).isFalse();
    timer.advanceMillis(1);
    assertThat(wb.result().acquired()).isFalse();
    assertThat(locks.describeLock("l").waiters()).isZero();
  }

  @Test
  void aHolderWhoseSessionEndsAbandonsTheLockToTheNextWaiter() {
    locks.createLock("l", true, false);
    acquireNow("l", a);
    acquireNow("l", a);
    Captured<LockObject.Grant> wb = acquire("l", b, 0, second);
    sessions.delete(sa.id());
    LockObject.Grant g = wb.result();
    assertThat(g.acquired()).isTrue();
    assertThat(g.abandoned()).isTrue();
    locks.release("l", b);
    // Said once: the grant after that is a normal one.
    assertThat(acquireNow("l", c).abandoned()).isFalse();
  }

  @Test
  void nothingIsGrantedToAnEndedSession() {
    locks.createLock("l", false, false);
    acquireNow("l", a);
    Captured<LockObject.Grant> wb = acquire("l", b, 0, Wait.FOREVER);
    Captured<LockObject.Grant> wc = acquire("l", c, 0, Wait.FOREVER);
    // In the broker the session binding ends b's wait; here it stays queued to test the grant.
    sessions.delete(sb.id());
    locks.release("l", a);
    assertThat(wb.reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(wc.result().acquired()).isTrue();
    assertThat(locks.describeLock("l").holderOwner()).isEqualTo("main");
  }

  @Test
  void reconcileTakesBackAGrantStillHeld() {
    locks.createLock("l", true, false);
    acquire("l", a, 1, Wait.NO_WAIT).result();
    acquire("l", a, 2, Wait.NO_WAIT).result();
    Captured<LockObject.Grant> wb = acquire("l", b, 0, Wait.FOREVER);
    LockObject.Reconciled r = locks.reconcile("l", a, 2);
    assertThat(r.released()).isTrue();
    assertThat(r.holdCount()).isEqualTo(1);
    assertThat(locks.reconcile("l", a, 2).released()).as("idempotent").isFalse();
    assertThat(locks.reconcile("l", a, 1).holdCount()).isZero();
    assertThat(wb.result().acquired()).isTrue();
  }

  @Test
  void reconcileWithdrawsAWaitingRequestAndRefusesOneNotYetSeen() {
    locks.createLock("l", false, false);
    acquireNow("l", a);
    Captured<LockObject.Grant> wb = acquire("l", b, 7, Wait.FOREVER);
    LockObject.Reconciled r = locks.reconcile("l", b, 7);
    assertThat(r.wasWaiting()).isTrue();
    assertThat(wb.result().acquired()).isFalse();
    assertThat(locks.reconcile("l", b, 8).wasWaiting()).isFalse();
    locks.release("l", a);
    // Request 8 arrives after its client gave up on it: it gets nothing, the lock stays free.
    assertThat(acquire("l", b, 8, Wait.NO_WAIT).result().acquired()).isFalse();
    assertThat(locks.describeLock("l").locked()).isFalse();
  }

  @Test
  void reconcileNeedsARequestIdAndALiveSession() {
    locks.createLock("l", false, false);
    assertReason(() -> locks.reconcile("l", a, 0), Reason.FIELD_REQUIRED);
    sessions.delete(sc.id());
    assertReason(() -> locks.reconcile("l", c, 1), Reason.SESSION_NOT_FOUND);
  }

  @Test
  void undoAcquireGivesBackOnlyThatGrant() {
    locks.createLock("l", true, false);
    acquire("l", a, 1, Wait.NO_WAIT).result();
    LockObject.Grant g = acquire("l", a, 2, Wait.NO_WAIT).result();
    locks.undoAcquire("l", a, 2, g);
    assertThat(locks.describeLock("l").holdCount()).isEqualTo(1);
    locks.release("l", a);
    LockObject.Grant other = acquireNow("l", b);
    // A stale undo (the old hold's token) leaves the new holder alone.
    locks.undoAcquire("l", a, 2, g);
    assertThat(locks.describeLock("l").holdCount()).isEqualTo(1);
    assertThat(other.acquired()).isTrue();
  }

  @Test
  void conditionWaitReleasesEveryLevelAndRestoresThemAfterNotify() {
    locks.createLock("r", true, false);
    locks.createCondition("c", "r", false);
    acquireNow("r", a);
    acquireNow("r", a);
    Captured<LockObject.Waited> w = new Captured<>();
    locks.await("c", a, 0, Wait.FOREVER, w);
    assertThat(locks.describeLock("r").locked()).isFalse();
    assertThat(locks.describeCondition("c").waiters()).isEqualTo(1);
    assertThat(acquireNow("r", b).acquired()).isTrue();
    assertThat(locks.notify("c", b, null, false)).isEqualTo(1);
    // Woken, but the notifier still holds the lock.
    assertThat(w.answered()).isFalse();
    locks.release("r", b);
    LockObject.Waited got = w.result();
    assertThat(got.notified()).isTrue();
    assertThat(got.grant().holdCount()).isEqualTo(2);
    assertThat(locks.describeLock("r").holdCount()).isEqualTo(2);
  }

  @Test
  void conditionWaitThatTimesOutStillReacquiresBeforeAnswering() {
    locks.createLock("l", false, false);
    locks.createCondition("c", "l", false);
    acquireNow("l", a);
    Captured<LockObject.Waited> w = new Captured<>();
    locks.await("c", a, 0, second, w);
    acquireNow("l", b);
    timer.advanceMillis(1000);
    assertThat(w.answered()).isFalse();
    locks.release("l", b);
    assertThat(w.result().notified()).isFalse();
    assertThat(w.result().grant().holdCount()).isEqualTo(1);
  }

  @Test
  void waitingOrNotifyingWithoutTheLockFails() {
    locks.createLock("l", false, false);
    locks.createCondition("c", "l", false);
    assertReason(
        () -> locks.await("c", a, 0, Wait.FOREVER, new Captured<>()), Reason.LOCK_NOT_OWNED);
    assertReason(() -> locks.notify("c", a, 1, false), Reason.LOCK_NOT_OWNED);
    acquireNow("l", b);
    assertReason(() -> locks.notify("c", a, 1, false), Reason.LOCK_NOT_OWNED);
  }

  @Test
  void notifyWakesAtMostNCurrentWaitersAndIsLostWithoutThem() {
    locks.createLock("l", false, false);
    locks.createCondition("c", "l", false);
    acquireNow("l", a);
    assertThat(locks.notify("c", a, 5, false)).isZero();
    Captured<LockObject.Waited> w1 = new Captured<>();
    locks.await("c", a, 0, Wait.FOREVER, w1);
    acquireNow("l", b);
    Captured<LockObject.Waited> w2 = new Captured<>();
    locks.await("c", b, 0, Wait.FOREVER, w2);
    acquireNow("l", c);
    Captured<LockObject.Waited> w3 = new Captured<>();
    locks.await("c", c, 0, Wait.FOREVER, w3);
    acquireNow("l", a);
    assertThat(locks.notify("c", a, 2, false)).isEqualTo(2);
    locks.release("l", a);
    assertThat(w1.result().notified()).isTrue();
    assertThat(w2.answered()).isFalse();
    locks.release("l", a);
    assertThat(w2.result().notified()).isTrue();
    locks.release("l", b);
    assertThat(locks.describeCondition("c").waiters()).isEqualTo(1);
    acquireNow("l", a);
    assertReason(() -> locks.notify("c", a, -1, false), Reason.INVALID_FIELD_VALUE);
    assertThat(locks.notify("c", a, null, true)).isEqualTo(1);
    locks.release("l", a);
    assertThat(w3.result().notified()).isTrue();
  }

  @Test
  void reconcileOfAConditionWaitReportsTheLevelsItLost() {
    locks.createLock("r", true, false);
    locks.createCondition("c", "r", false);
    acquireNow("r", a);
    acquireNow("r", a);
    Captured<LockObject.Waited> w = new Captured<>();
    locks.await("c", a, 9, Wait.FOREVER, w);
    LockObject.Reconciled r = locks.reconcile("r", a, 9);
    assertThat(r.wasWaiting()).isTrue();
    assertThat(r.lostLevels()).isEqualTo(2);
    assertThat(r.holdCount()).isZero();
    assertThat(w.result().grant().acquired()).isFalse();
    assertThat(locks.describeCondition("c").waiters()).isZero();
  }

  @Test
  void deletingALockFailsItsWaitersAndDeletesItsConditions() {
    locks.createLock("l", false, false);
    locks.createCondition("c", "l", false);
    acquireNow("l", a);
    Captured<LockObject.Waited> w = new Captured<>();
    locks.await("c", a, 0, Wait.FOREVER, w);
    acquireNow("l", b);
    Captured<LockObject.Grant> wc = acquire("l", c, 0, Wait.FOREVER);
    assertThat(locks.deleteLock("l", false)).isTrue();
    assertThat(w.reason()).isEqualTo(Reason.OBJECT_DELETED);
    assertThat(wc.reason()).isEqualTo(Reason.OBJECT_DELETED);
    assertReason(() -> locks.describeCondition("c"), Reason.CONDITION_NOT_FOUND);
    assertReason(() -> locks.describeLock("l"), Reason.LOCK_NOT_FOUND);
    assertThat(locks.deleteLock("l", true)).isFalse();
  }

  @Test
  void createOrOpenChecksTheKindAndTheConditionsLock() {
    assertThat(locks.createLock("l", false, false).created()).isTrue();
    assertThat(locks.createLock("l", false, true).created()).isFalse();
    assertReason(() -> locks.createLock("l", false, false), Reason.LOCK_ALREADY_EXISTS);
    assertReason(() -> locks.createLock("l", true, true), Reason.CONFIG_MISMATCH);
    locks.createLock("m", false, false);
    locks.createCondition("c", "l", false);
    assertThat(locks.createCondition("c", "l", true).created()).isFalse();
    assertReason(() -> locks.createCondition("c", "m", true), Reason.CONFIG_MISMATCH);
    assertReason(() -> locks.createCondition("d", "nope", false), Reason.LOCK_NOT_FOUND);
    assertReason(() -> locks.createCondition("d", "", false), Reason.INVALID_NAME);
    assertReason(() -> locks.createLock("bad name", false, false), Reason.INVALID_NAME);
  }

  @Test
  void cancelledWaitLeavesTheQueue() {
    locks.createLock("l", false, false);
    acquireNow("l", a);
    Captured<LockObject.Grant> wb = new Captured<>();
    Parked p = locks.acquire("l", b, 0, Wait.FOREVER, wb);
    p.cancel();
    assertThat(locks.describeLock("l").waiters()).isZero();
    locks.release("l", a);
    assertThat(wb.answered()).isFalse();
    assertThat(locks.describeLock("l").locked()).isFalse();
  }

  @Test
  void shutdownEndsParkedCalls() {
    locks.createLock("l", false, false);
    acquireNow("l", a);
    Captured<LockObject.Grant> wb = acquire("l", b, 0, Wait.FOREVER);
    locks.shutdown();
    assertThat(wb.reason()).isEqualTo(Reason.SERVER_SHUTTING_DOWN);
    assertReason(() -> locks.describeLock("l"), Reason.SERVER_SHUTTING_DOWN);
  }

  @Test
  void anUndoAfterTheClientSettledTheSameRequestTakesNothingMore() {
    locks.createLock("r", true, false);
    acquire("r", a, 1, Wait.NO_WAIT).result();
    LockObject.Grant g = acquire("r", a, 2, Wait.NO_WAIT).result();
    // The client gave up on request 2 and settled it before the broker learnt that the answer
    // could not be sent.
    assertThat(locks.reconcile("r", a, 2).holdCount()).isEqualTo(1);
    locks.undoAcquire("r", a, 2, g);
    assertThat(locks.describeLock("r").holdCount()).isEqualTo(1);
  }

  @Test
  void anUndoneConditionWaitThatItsClientSettledKeepsTheLock() {
    locks.createLock("l", false, false);
    locks.createCondition("c", "l", false);
    acquireNow("l", a);
    Captured<LockObject.Waited> w = new Captured<>();
    locks.await("c", a, 5, Wait.NO_WAIT, w);
    LockObject.Grant g = w.result().grant();
    // Settled first: the broker says the owner holds the lock, and then must keep it so.
    assertThat(locks.reconcile("l", a, 5).holdCount()).isEqualTo(1);
    locks.undoWait("c", a, 5, g);
    assertThat(locks.describeLock("l").holderOwner()).isEqualTo("main");
  }

  @Test
  void deletingALockEndsItsConditionsWaitsForANotify() {
    locks.createLock("l", false, false);
    locks.createCondition("c", "l", false);
    acquireNow("l", a);
    Captured<LockObject.Waited> w = new Captured<>();
    locks.await("c", a, 0, Wait.FOREVER, w);
    locks.deleteLock("l", false);
    assertThat(w.reason()).isEqualTo(Reason.OBJECT_DELETED);
    // A condition of the same name can be bound to a new lock of the same name.
    locks.createLock("l", false, false);
    assertThat(locks.createCondition("c", "l", true).created()).isTrue();
  }

  @Test
  void releaseAndNotifyNeedALiveSession() {
    locks.createLock("l", false, false);
    locks.createCondition("c", "l", false);
    acquireNow("l", a);
    sessions.delete(sa.id());
    assertReason(() -> locks.release("l", a), Reason.SESSION_NOT_FOUND);
    assertReason(() -> locks.notify("c", a, 1, false), Reason.SESSION_NOT_FOUND);
    assertThat(locks.describeLock("l").locked()).isFalse();
  }
}
