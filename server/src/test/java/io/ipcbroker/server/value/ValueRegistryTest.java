package io.ipcbroker.server.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ExecutorTimer;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The value core: real widths with range checks instead of truncation, atomic operations, and the
 * lock that holds off other owners' reads and writes and dies with its holder's session.
 */
@Timeout(60)
class ValueRegistryTest {
  private final ExecutorTimer timer = new ExecutorTimer();
  private final SessionRegistry sessions = new SessionRegistry(timer);
  private final ValueRegistry values = new ValueRegistry(timer, sessions);
  private final Session a = sessions.create(0, "a");
  private final Session b = sessions.create(0, "b");
  private final Owner ownerA = new Owner(a.id(), "main");
  private final Owner ownerB = new Owner(b.id(), "main");

  @AfterEach
  void tearDown() {
    values.shutdown();
    timer.close();
  }

  private static <R> R result(CompletableFuture<R> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static <R> Reply<R> into(CompletableFuture<R> f) {
    return new Reply<>() {
      @Override
      public void ok(R r) {
        f.complete(r);
      }

      @Override
      public void fail(BrokerException e) {
        f.completeExceptionally(e);
      }
    };
  }

  private Scalar get(String name, Owner caller, Wait wait) {
    CompletableFuture<List<Scalar>> f = new CompletableFuture<>();
    values.get(name, 0, 0, caller, wait, into(f));
    return result(f).get(0);
  }

  private void set(String name, Scalar v) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    values.set(name, 0, List.of(v), null, Wait.FOREVER, into(f));
    result(f);
  }

  private static void assertReason(Runnable r, Reason reason) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @ParameterizedTest
  @CsvSource({
    "b,-128,127",
    "B,0,255",
    "h,-32768,32767",
    "H,0,65535",
    "i,-2147483648,2147483647",
    "I,0,4294967295",
    "l,-9223372036854775808,9223372036854775807",
    "q,-9223372036854775808,9223372036854775807",
  })
  void integerWidthsAcceptTheirRangeAndRefuseOneBeyond(String code, long min, long max) {
    String name = "w-" + (Character.isUpperCase(code.charAt(0)) ? "u" : "s") + code;
    values.create(name, code, false, 1, null, true, false);
    set(name, new Scalar.Int(max));
    assertThat(get(name, null, Wait.NO_WAIT)).isEqualTo(new Scalar.Int(max));
    set(name, new Scalar.Int(min));
    if (max < Long.MAX_VALUE) {
      assertReason(() -> set(name, new Scalar.Int(max + 1)), Reason.VALUE_OUT_OF_RANGE);
    }
    if (min > Long.MIN_VALUE) {
      assertReason(() -> set(name, new Scalar.Int(min - 1)), Reason.VALUE_OUT_OF_RANGE);
    }
    assertThat(get(name, null, Wait.NO_WAIT)).isEqualTo(new Scalar.Int(min));
  }

  @Test
  void unsigned64BitValuesUseAllTheirBits() {
    values.create("u64", "Q", false, 1, null, true, false);
    set("u64", new Scalar.UInt(-1L)); // 2^64 - 1
    assertThat(get("u64", null, Wait.NO_WAIT)).isEqualTo(new Scalar.UInt(-1L));
    CompletableFuture<Scalar> add = new CompletableFuture<>();
    assertReason(
        () -> values.addAndGet("u64", 0, new Scalar.Int(1), null, Wait.FOREVER, into(add)),
        Reason.VALUE_OUT_OF_RANGE);
    assertReason(() -> set("u64", new Scalar.Int(-1)), Reason.VALUE_OUT_OF_RANGE);
  }

  @Test
  void float32KeepsTheNearestFloatAndRefusesWhatOverflowsIt() {
    values.create("f", "f", false, 1, null, true, false);
    set("f", new Scalar.Real(0.1));
    assertThat(get("f", null, Wait.NO_WAIT)).isEqualTo(new Scalar.Real((double) 0.1f));
    assertReason(() -> set("f", new Scalar.Real(1e39)), Reason.VALUE_OUT_OF_RANGE);
    set("f", new Scalar.Real(Double.POSITIVE_INFINITY)); // an infinity is a float32 too
    assertReason(() -> set("f", new Scalar.Bytes(new byte[] {1})), Reason.TYPE_MISMATCH);
  }

  @Test
  void anAddThatOverflowsChangesNothingAndCompareAndSetAnswersTheCurrentValue() {
    values.create("small", "b", false, 1, List.of(new Scalar.Int(120)), true, false);
    CompletableFuture<Scalar> add = new CompletableFuture<>();
    assertReason(
        () -> values.addAndGet("small", 0, new Scalar.Int(8), null, Wait.FOREVER, into(add)),
        Reason.VALUE_OUT_OF_RANGE);
    assertThat(get("small", null, Wait.NO_WAIT)).isEqualTo(new Scalar.Int(120));

    CompletableFuture<ValueRegistry.CasResult> miss = new CompletableFuture<>();
    values.compareAndSet(
        "small", 0, new Scalar.Int(1), new Scalar.Int(2), null, Wait.FOREVER, into(miss));
    assertThat(result(miss)).isEqualTo(new ValueRegistry.CasResult(false, new Scalar.Int(120)));
    CompletableFuture<ValueRegistry.CasResult> hit = new CompletableFuture<>();
    values.compareAndSet(
        "small", 0, new Scalar.Int(120), new Scalar.Int(2), null, Wait.FOREVER, into(hit));
    assertThat(result(hit)).isEqualTo(new ValueRegistry.CasResult(true, new Scalar.Int(2)));
  }

  @Test
  void createOrOpenChecksTheConfiguration() {
    assertThat(values.create("cfg", "i", true, 4, null, true, false).created()).isTrue();
    assertThat(values.create("cfg", "i", true, 4, null, true, true).created()).isFalse();
    assertReason(
        () -> values.create("cfg", "i", true, 4, null, true, false), Reason.VALUE_ALREADY_EXISTS);
    assertReason(
        () -> values.create("cfg", "d", true, 4, null, true, true), Reason.CONFIG_MISMATCH);
    assertReason(
        () -> values.create("cfg", "i", true, 5, null, true, true), Reason.CONFIG_MISMATCH);
    assertReason(
        () -> values.create("cfg", "i", false, 1, null, true, true), Reason.CONFIG_MISMATCH);
    assertReason(
        () -> values.create("cfg", "i", true, 4, null, false, true), Reason.CONFIG_MISMATCH);
    assertReason(
        () -> values.create("bad", "x", false, 1, null, true, false), Reason.INVALID_FIELD_VALUE);
  }

  @Test
  void theLockHoldsOffOtherOwnersUntilItsHolderReleasesIt() {
    values.create("locked", "i", false, 1, null, true, false);
    CompletableFuture<Integer> first = new CompletableFuture<>();
    values.acquire("locked", ownerA, Wait.FOREVER, into(first));
    assertThat(result(first)).isEqualTo(1);
    CompletableFuture<Integer> again = new CompletableFuture<>();
    values.acquire("locked", ownerA, Wait.FOREVER, into(again));
    assertThat(result(again)).isEqualTo(2); // re-entrant

    // The holder reads and writes; another owner's calls wait or time out.
    assertThat(get("locked", ownerA, Wait.NO_WAIT)).isEqualTo(new Scalar.Int(0));
    assertReason(() -> get("locked", ownerB, Wait.NO_WAIT), Reason.LOCK_TIMEOUT);
    CompletableFuture<List<Scalar>> parked = new CompletableFuture<>();
    values.get("locked", 0, 1, ownerB, Wait.FOREVER, into(parked));
    CompletableFuture<Integer> otherAcquire = new CompletableFuture<>();
    values.acquire(
        "locked", ownerB, Wait.ofNanos(TimeUnit.MILLISECONDS.toNanos(100)), into(otherAcquire));
    assertThat(result(otherAcquire)).isZero(); // timed out: not acquired
    assertReason(() -> values.release("locked", ownerB), Reason.LOCK_NOT_OWNED);

    assertThat(values.release("locked", ownerA)).isEqualTo(1);
    assertThat(parked).isNotDone();
    assertThat(values.release("locked", ownerA)).isZero();
    assertThat(result(parked)).containsExactly(new Scalar.Int(0));
    assertReason(() -> values.release("locked", ownerA), Reason.LOCK_NOT_OWNED);
  }

  @Test
  void aHoldersSessionEndingReleasesTheLockToTheNextWaiter() {
    values.create("dies", "i", false, 1, null, true, false);
    CompletableFuture<Integer> held = new CompletableFuture<>();
    values.acquire("dies", ownerA, Wait.FOREVER, into(held));
    result(held);
    CompletableFuture<Integer> next = new CompletableFuture<>();
    values.acquire("dies", ownerB, Wait.FOREVER, into(next));
    assertThat(next).isNotDone();
    sessions.delete(a.id());
    assertThat(result(next)).isEqualTo(1);
    assertThat(values.describe("dies").locked()).isTrue();
  }

  @Test
  void rawValuesHaveNoLockAndDeletingFailsParkedCalls() {
    values.create("raw", "d", false, 1, null, false, false);
    CompletableFuture<Integer> f = new CompletableFuture<>();
    assertReason(() -> values.acquire("raw", ownerA, Wait.FOREVER, into(f)), Reason.NO_LOCK);

    values.create("gone", "i", false, 1, null, true, false);
    CompletableFuture<Integer> held = new CompletableFuture<>();
    values.acquire("gone", ownerA, Wait.FOREVER, into(held));
    result(held);
    CompletableFuture<Integer> waiting = new CompletableFuture<>();
    values.acquire("gone", ownerB, Wait.FOREVER, into(waiting));
    assertThat(values.delete("gone", false)).isTrue();
    assertThatThrownBy(() -> result(waiting))
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OBJECT_DELETED));
    assertReason(() -> values.describe("gone"), Reason.VALUE_NOT_FOUND);
  }

  @Test
  void arraysReadAndWriteSlicesAllOrNothing() {
    values.create(
        "arr",
        "h",
        true,
        0,
        List.of(new Scalar.Int(1), new Scalar.Int(2), new Scalar.Int(3)),
        true,
        false);
    CompletableFuture<Void> partial = new CompletableFuture<>();
    assertReason(
        () ->
            values.set(
                "arr",
                1,
                List.of(new Scalar.Int(5), new Scalar.Int(70000)),
                null,
                Wait.FOREVER,
                into(partial)),
        Reason.VALUE_OUT_OF_RANGE);
    CompletableFuture<List<Scalar>> all = new CompletableFuture<>();
    values.get("arr", 0, 0, null, Wait.FOREVER, into(all));
    assertThat(result(all))
        .containsExactly(new Scalar.Int(1), new Scalar.Int(2), new Scalar.Int(3));
    CompletableFuture<List<Scalar>> past = new CompletableFuture<>();
    assertReason(
        () -> values.get("arr", 2, 2, null, Wait.FOREVER, into(past)), Reason.INDEX_OUT_OF_RANGE);
    assertReason(
        () -> values.get("arr", -1, 1, null, Wait.FOREVER, into(past)), Reason.INDEX_OUT_OF_RANGE);
  }
}
