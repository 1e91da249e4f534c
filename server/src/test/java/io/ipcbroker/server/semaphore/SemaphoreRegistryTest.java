package io.ipcbroker.server.semaphore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Captured;
import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The semaphore core: counting, bounded over-release, FIFO, permits held per session and given back
 * when it ends, releases on a holder's behalf, and settling given-up requests.
 */
@Timeout(60)
class SemaphoreRegistryTest {
  private final FakeTimer timer = new FakeTimer();
  private final SessionRegistry sessions = new SessionRegistry(timer);
  private final SemaphoreRegistry sems = new SemaphoreRegistry(timer, sessions);
  private final Session a = sessions.create(0, "a");
  private final Session b = sessions.create(0, "b");
  private final Session c = sessions.create(0, "c");

  @AfterEach
  void tearDown() {
    sems.shutdown();
  }

  private Captured<SemaphoreObject.Grant> acquire(String name, Session s, long id, Wait wait) {
    Captured<SemaphoreObject.Grant> r = new Captured<>();
    sems.acquire(name, s.id(), id, wait, r);
    return r;
  }

  private boolean tryAcquire(String name, Session s) {
    return acquire(name, s, 0, Wait.NO_WAIT).result().acquired();
  }

  private static void assertReason(Runnable r, Reason reason) {
    assertThatThrownBy(r::run)
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(reason);
  }

  @Test
  void countsPermitsAndAnUnboundedOneGrowsOnExtraReleases() {
    sems.create("s", 2L, false, false);
    assertThat(tryAcquire("s", a)).isTrue();
    assertThat(tryAcquire("s", b)).isTrue();
    assertThat(tryAcquire("s", c)).isFalse();
    assertThat(sems.describe("s").held()).isEqualTo(2);
    assertThat(sems.release("s", a.id(), null)).isEqualTo(1);
    assertThat(sems.release("s", b.id(), null)).isEqualTo(2);
    // Python's Semaphore: releases beyond the acquires raise the value (2 -> 3 -> 5).
    assertThat(sems.release("s", "", null)).isEqualTo(3);
    assertThat(sems.release("s", "", 2)).isEqualTo(5);
    assertThat(sems.describe("s").held()).isZero();
  }

  @Test
  void defaultValueIsOneAndNegativeIsInvalid() {
    assertThat(sems.create("one", null, false, false).info().value()).isEqualTo(1);
    assertReason(() -> sems.create("neg", -1L, false, false), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> sems.create("big", 1L << 40, false, false), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> sems.release("one", "", 0), Reason.INVALID_FIELD_VALUE);
  }

  @Test
  void boundedRefusesReleasesAboveItsInitialValueAndChangesNothing() {
    sems.create("b", 1L, true, false);
    assertReason(() -> sems.release("b", "", null), Reason.SEMAPHORE_OVER_RELEASED);
    assertThat(tryAcquire("b", a)).isTrue();
    assertReason(() -> sems.release("b", a.id(), 2), Reason.SEMAPHORE_OVER_RELEASED);
    assertThat(sems.describe("b").value()).isZero();
    assertThat(sems.release("b", a.id(), null)).isEqualTo(1);
    assertReason(() -> sems.release("b", a.id(), null), Reason.SEMAPHORE_OVER_RELEASED);
    assertThat(sems.describe("b").value()).isEqualTo(1);
  }

  @Test
  void aReleaseByANonHolderGivesBackTheOldestHoldersPermit() {
    sems.create("b", 2L, true, false);
    tryAcquire("b", a);
    tryAcquire("b", b);
    // c holds nothing: it releases a's permit on a's behalf (Python lets any process release).
    assertThat(sems.release("b", c.id(), null)).isEqualTo(1);
    // So a's session ending gives nothing back twice...
    sessions.delete(a.id());
    assertThat(sems.describe("b").value()).isEqualTo(1);
    // ...and b's permit is still b's.
    sessions.delete(b.id());
    assertThat(sems.describe("b").value()).isEqualTo(2);
    assertThat(sems.describe("b").held()).isZero();
  }

  @Test
  void waitersAreServedInOrderAndAWaitEndsWithoutAPermit() {
    sems.create("s", 0L, false, false);
    Captured<SemaphoreObject.Grant> wa = acquire("s", a, 0, Wait.ofNanos(1_000_000_000L));
    Captured<SemaphoreObject.Grant> wb = acquire("s", b, 0, Wait.FOREVER);
    assertThat(sems.describe("s").waiters()).isEqualTo(2);
    sems.release("s", "", null);
    assertThat(wa.result().acquired()).isTrue();
    assertThat(wb.answered()).isFalse();
    Captured<SemaphoreObject.Grant> wc = acquire("s", c, 0, Wait.ofNanos(1_000_000_000L));
    timer.advanceMillis(1000);
    assertThat(wc.result().acquired()).isFalse();
    sems.release("s", a.id(), null);
    assertThat(wb.result().acquired()).isTrue();
  }

  @Test
  void anEndedSessionsPermitsComeBackAbandoned() {
    sems.create("s", 2L, false, false);
    tryAcquire("s", a);
    tryAcquire("s", a);
    Captured<SemaphoreObject.Grant> wb = acquire("s", b, 0, Wait.FOREVER);
    sessions.delete(a.id());
    assertThat(wb.result().abandoned()).isTrue();
    SemaphoreObject.Grant next = acquire("s", c, 0, Wait.NO_WAIT).result();
    assertThat(next.abandoned()).isTrue();
    sems.release("s", c.id(), null);
    // A permit given back by a live holder is not an abandoned one.
    assertThat(acquire("s", c, 0, Wait.NO_WAIT).result().abandoned()).isFalse();
  }

  @Test
  void nothingIsGrantedToAnEndedSession() {
    sems.create("s", 0L, false, false);
    Captured<SemaphoreObject.Grant> wa = acquire("s", a, 0, Wait.FOREVER);
    Captured<SemaphoreObject.Grant> wb = acquire("s", b, 0, Wait.FOREVER);
    sessions.delete(a.id());
    sems.release("s", "", null);
    assertThat(wa.reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(wb.result().acquired()).isTrue();
    assertThat(sems.describe("s").held()).isEqualTo(1);
  }

  @Test
  void reconcileGivesBackTheRequestsPermitOrWithdrawsIt() {
    sems.create("s", 1L, true, false);
    acquire("s", a, 5, Wait.NO_WAIT).result();
    Captured<SemaphoreObject.Grant> wb = acquire("s", b, 6, Wait.FOREVER);
    Captured<SemaphoreObject.Grant> wc = acquire("s", c, 0, Wait.FOREVER);
    assertThat(sems.reconcile("s", b.id(), 6).wasWaiting()).isTrue();
    assertThat(wb.result().acquired()).isFalse();
    assertThat(sems.reconcile("s", a.id(), 5).released()).isTrue();
    assertThat(wc.result().acquired()).isTrue();
    assertThat(sems.reconcile("s", a.id(), 5).released()).as("idempotent").isFalse();
    // An acquire that arrives after its client settled it is refused.
    sems.reconcile("s", a.id(), 7);
    sems.release("s", c.id(), null);
    assertThat(acquire("s", a, 7, Wait.NO_WAIT).result().acquired()).isFalse();
    assertThat(sems.describe("s").value()).isEqualTo(1);
    assertReason(() -> sems.reconcile("s", a.id(), 0), Reason.FIELD_REQUIRED);
  }

  @Test
  void reconcileFindsAPermitThatAnotherThreadOfTheSessionGaveBack() {
    sems.create("s", 2L, true, false);
    // Thread 1's answer (request 1) is lost; thread 2 takes request 2 and releases "its" permit,
    // which the broker cannot tell from request 1's.
    acquire("s", a, 1, Wait.NO_WAIT).result();
    acquire("s", a, 2, Wait.NO_WAIT).result();
    sems.release("s", a.id(), null);
    assertThat(sems.reconcile("s", a.id(), 1).released()).isTrue();
    assertThat(sems.describe("s").held()).isZero();
    assertThat(sems.describe("s").value()).isEqualTo(2);
    assertThat(sems.reconcile("s", a.id(), 2).released()).as("released already").isFalse();
  }

  @Test
  void undoAcquireGivesBackOnlyThatRequestsPermit() {
    sems.create("s", 2L, false, false);
    acquire("s", a, 1, Wait.NO_WAIT).result();
    acquire("s", a, 2, Wait.NO_WAIT).result();
    sems.undoAcquire("s", a.id(), 2);
    sems.undoAcquire("s", a.id(), 2);
    assertThat(sems.describe("s").value()).isEqualTo(1);
    assertThat(sems.describe("s").held()).isEqualTo(1);
  }

  @Test
  void createOrOpenChecksValueAndBoundedness() {
    sems.create("s", 3L, true, false);
    assertThat(sems.create("s", 3L, true, true).created()).isFalse();
    assertReason(() -> sems.create("s", 3L, true, false), Reason.SEMAPHORE_ALREADY_EXISTS);
    assertReason(() -> sems.create("s", 2L, true, true), Reason.CONFIG_MISMATCH);
    assertReason(() -> sems.create("s", 3L, false, true), Reason.CONFIG_MISMATCH);
    assertReason(() -> sems.describe("t"), Reason.SEMAPHORE_NOT_FOUND);
  }

  @Test
  void deleteFailsParkedAcquires() {
    sems.create("s", 0L, false, false);
    Captured<SemaphoreObject.Grant> wa = acquire("s", a, 0, Wait.FOREVER);
    assertThat(sems.delete("s", false)).isTrue();
    assertThat(wa.reason()).isEqualTo(Reason.OBJECT_DELETED);
    assertThat(sems.delete("s", true)).isFalse();
    assertReason(() -> sems.delete("s", false), Reason.SEMAPHORE_NOT_FOUND);
  }
}
