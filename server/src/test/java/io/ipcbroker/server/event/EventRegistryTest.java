package io.ipcbroker.server.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Captured;
import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The event core: set wakes every waiter, a wait answers the flag, clear, delete. */
@Timeout(60)
class EventRegistryTest {
  private final FakeTimer timer = new FakeTimer();
  private final EventRegistry events = new EventRegistry(timer);

  @AfterEach
  void tearDown() {
    events.shutdown();
  }

  private Captured<Boolean> await(Wait wait) {
    Captured<Boolean> r = new Captured<>();
    events.await("e", wait, r);
    return r;
  }

  @Test
  void setWakesEveryWaiterAndLaterWaitsReturnAtOnce() {
    events.create("e", false);
    Captured<Boolean> w1 = await(Wait.FOREVER);
    Captured<Boolean> w2 = await(Wait.ofNanos(5_000_000_000L));
    assertThat(events.describe("e").waiters()).isEqualTo(2);
    assertThat(events.set("e")).isEqualTo(2);
    assertThat(w1.result()).isTrue();
    assertThat(w2.result()).isTrue();
    assertThat(await(Wait.FOREVER).result()).isTrue();
    assertThat(events.set("e")).as("idempotent").isZero();
  }

  @Test
  void aWaitThatEndsAnswersFalse() {
    events.create("e", false);
    assertThat(await(Wait.NO_WAIT).result()).isFalse();
    Captured<Boolean> w = await(Wait.ofNanos(1_000_000_000L));
    timer.advanceMillis(999);
    assertThat(w.answered()).isFalse();
    timer.advanceMillis(1);
    assertThat(w.result()).isFalse();
  }

  @Test
  void clearMakesWaitsWaitAgain() {
    events.create("e", false);
    events.set("e");
    events.clear("e");
    assertThat(events.describe("e").set()).isFalse();
    Captured<Boolean> w = await(Wait.FOREVER);
    assertThat(w.answered()).isFalse();
    events.set("e");
    assertThat(w.result()).isTrue();
  }

  @Test
  void cancelledWaitIsForgotten() {
    events.create("e", false);
    Captured<Boolean> w = new Captured<>();
    Parked p = events.await("e", Wait.FOREVER, w);
    p.cancel();
    assertThat(events.describe("e").waiters()).isZero();
    events.set("e");
    assertThat(w.answered()).isFalse();
  }

  @Test
  void deleteFailsWaitersAndOpenChecksNothingElse() {
    events.create("e", false);
    assertThat(events.create("e", true).created()).isFalse();
    assertThatThrownBy(() -> events.create("e", false))
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.EVENT_ALREADY_EXISTS);
    Captured<Boolean> w = await(Wait.FOREVER);
    events.delete("e", false);
    assertThat(w.reason()).isEqualTo(Reason.OBJECT_DELETED);
    assertThatThrownBy(() -> events.set("e"))
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.EVENT_NOT_FOUND);
  }

  @Test
  void listingsSkipAnEventDeletedAfterTheirSnapshot() {
    events.create("b", false);
    events.create("a", false);
    assertThat(events.describeAll(null, 100))
        .extracting(EventObject.Info::name)
        .containsExactly("a", "b");
    // What a delete does after the table let go of it, while a listing holds its snapshot.
    EventObject gone = new EventObject("gone", timer);
    gone.close(BrokerException.of(Reason.OBJECT_DELETED, "deleted"));
    assertThat(gone.infoIfOpen()).isNull();
    assertThatThrownBy(gone::info).isInstanceOf(BrokerException.class);
  }
}
