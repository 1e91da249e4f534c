package io.ipcbroker.server.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Captured;
import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The barrier core, with Python's semantics: indices, generations, breaking, abort, reset. */
@Timeout(60)
class BarrierRegistryTest {
  private final FakeTimer timer = new FakeTimer();
  private final BarrierRegistry barriers = new BarrierRegistry(timer);

  @AfterEach
  void tearDown() {
    barriers.shutdown();
  }

  private Captured<Integer> await(Wait wait) {
    Captured<Integer> r = new Captured<>();
    barriers.await("b", wait, r);
    return r;
  }

  private static void assertReason(Runnable r, Reason reason) {
    assertThatThrownBy(r::run)
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(reason);
  }

  @Test
  void releasesAllPartiesTogetherWithDistinctIndicesGenerationAfterGeneration() {
    barriers.create("b", 3, null, false);
    for (int generation = 0; generation < 3; generation++) {
      List<Captured<Integer>> waits = new ArrayList<>();
      waits.add(await(Wait.FOREVER));
      waits.add(await(Wait.FOREVER));
      assertThat(waits.get(0).answered()).isFalse();
      assertThat(barriers.describe("b").waiting()).isEqualTo(2);
      waits.add(await(Wait.FOREVER));
      assertThat(waits.stream().map(Captured::result)).containsExactly(0, 1, 2);
      assertThat(barriers.describe("b").waiting()).isZero();
    }
  }

  @Test
  void aBarrierOfOneReturnsZeroEveryTime() {
    barriers.create("b", 1, null, false);
    assertThat(await(Wait.NO_WAIT).result()).isZero();
    assertThat(await(Wait.FOREVER).result()).isZero();
  }

  @Test
  void aWaitThatTimesOutBreaksItForEveryoneUntilReset() {
    barriers.create("b", 3, null, false);
    Captured<Integer> w1 = await(Wait.FOREVER);
    Captured<Integer> w2 = await(Wait.ofNanos(1_000_000_000L));
    timer.advanceMillis(1000);
    assertThat(w1.reason()).isEqualTo(Reason.BARRIER_BROKEN);
    assertThat(w2.reason()).isEqualTo(Reason.BARRIER_BROKEN);
    assertThat(barriers.describe("b").broken()).isTrue();
    assertReason(() -> await(Wait.FOREVER), Reason.BARRIER_BROKEN);
    barriers.reset("b");
    assertThat(barriers.describe("b").broken()).isFalse();
    await(Wait.FOREVER);
    await(Wait.FOREVER);
    assertThat(await(Wait.FOREVER).result()).isEqualTo(2);
  }

  @Test
  void aWaitOfNoTimeBreaksItUnlessItIsTheLastParty() {
    barriers.create("b", 2, null, false);
    Captured<Integer> w = await(Wait.NO_WAIT);
    assertThat(w.reason()).isEqualTo(Reason.BARRIER_BROKEN);
    barriers.reset("b");
    Captured<Integer> first = await(Wait.FOREVER);
    assertThat(await(Wait.NO_WAIT).result()).isEqualTo(1);
    assertThat(first.result()).isZero();
  }

  @Test
  void aWaiterThatGoesAwayBreaksIt() {
    barriers.create("b", 3, null, false);
    Captured<Integer> w1 = await(Wait.FOREVER);
    Captured<Integer> w2 = new Captured<>();
    Parked p = barriers.await("b", Wait.FOREVER, w2);
    p.cancel();
    assertThat(w1.reason()).isEqualTo(Reason.BARRIER_BROKEN);
    assertThat(w2.answered()).isFalse();
    barriers.reset("b");
    Captured<Integer> w3 = new Captured<>();
    Parked p3 = barriers.await("b", Wait.FOREVER, w3);
    Captured<Integer> w4 = await(Wait.FOREVER);
    p3.fail(BrokerException.of(Reason.SESSION_NOT_FOUND, "gone"));
    assertThat(w3.reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(w4.reason()).isEqualTo(Reason.BARRIER_BROKEN);
  }

  @Test
  void abortBreaksAndResetFailsCurrentWaiters() {
    barriers.create("b", 2, null, false);
    Captured<Integer> w1 = await(Wait.FOREVER);
    barriers.abort("b");
    assertThat(w1.reason()).isEqualTo(Reason.BARRIER_BROKEN);
    assertReason(() -> await(Wait.FOREVER), Reason.BARRIER_BROKEN);
    barriers.reset("b");
    Captured<Integer> w2 = await(Wait.FOREVER);
    barriers.reset("b");
    assertThat(w2.reason()).isEqualTo(Reason.BARRIER_BROKEN);
    assertThat(barriers.describe("b").broken()).isFalse();
  }

  @Test
  void createValidatesAndOpenMatchesPartiesAndTimeout() {
    assertReason(() -> barriers.create("b", 0, null, false), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> barriers.create("b", 2, -1.0, false), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> barriers.create("b", 2, Double.NaN, false), Reason.INVALID_FIELD_VALUE);
    barriers.create("b", 2, 1.5, false);
    assertThat(barriers.defaultTimeout("b")).isEqualTo(1.5);
    assertThat(barriers.create("b", 2, 1.5, true).created()).isFalse();
    assertReason(() -> barriers.create("b", 3, 1.5, true), Reason.CONFIG_MISMATCH);
    assertReason(() -> barriers.create("b", 2, null, true), Reason.CONFIG_MISMATCH);
    assertReason(() -> barriers.create("b", 2, 1.5, false), Reason.BARRIER_ALREADY_EXISTS);
  }

  @Test
  void deleteFailsWaiters() {
    barriers.create("b", 2, null, false);
    Captured<Integer> w = await(Wait.FOREVER);
    barriers.delete("b", false);
    assertThat(w.reason()).isEqualTo(Reason.OBJECT_DELETED);
    assertReason(() -> barriers.describe("b"), Reason.BARRIER_NOT_FOUND);
  }

  @Test
  void listingsSkipABarrierDeletedAfterTheirSnapshot() {
    barriers.create("b", 2, null, false);
    barriers.create("a", 3, null, false);
    assertThat(barriers.describeAll(null, 100))
        .extracting(BarrierObject.Info::name)
        .containsExactly("a", "b");
    // What a delete does after the table let go of it, while a listing holds its snapshot.
    BarrierObject gone = new BarrierObject("gone", 2, null, timer);
    gone.close(BrokerException.of(Reason.OBJECT_DELETED, "deleted"));
    assertThat(gone.infoIfOpen()).isNull();
    assertThatThrownBy(gone::info).isInstanceOf(BrokerException.class);
  }
}
