package io.ipcbroker.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the one timeout rule of blocking calls ({@link Wait#of}): {@code nowait}, unset timeout
 * (forever or the deadline minus a margin of min(50 ms, 10 %)), zero, positive, invalid values and
 * a deadline that already passed.
 */
@Timeout(60)
class WaitTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long NONE = Wait.NO_DEADLINE;

  @Test
  void nowaitIsOneTryWhateverTheTimeoutAndDeadline() {
    assertThat(Wait.of(true, null, NONE).isNoWait()).isTrue();
    assertThat(Wait.of(true, 5.0, NONE).isNoWait()).isTrue();
    assertThat(Wait.of(true, null, 1000 * MS).isNoWait()).isTrue();
    assertThat(Wait.of(true, null, NONE).nanos()).isZero();
  }

  @Test
  void unsetTimeoutWithoutDeadlineWaitsForever() {
    Wait w = Wait.of(false, null, NONE);
    assertThat(w.isForever()).isTrue();
    assertThat(w.isNoWait()).isFalse();
    assertThat(w.nanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void unsetTimeoutWaitsUntilDeadlineMinusTenPercentBelowHalfASecond() {
    // 10 % of 100 ms is 10 ms, below the 50 ms cap.
    assertThat(Wait.of(false, null, 100 * MS).nanos()).isEqualTo(90 * MS);
    assertThat(Wait.of(false, null, 50 * MS).nanos()).isEqualTo(45 * MS);
    assertThat(Wait.of(false, null, 400 * MS).nanos()).isEqualTo(360 * MS);
  }

  @Test
  void unsetTimeoutWaitsUntilDeadlineMinusFiftyMillisForLongDeadlines() {
    // 10 % of 1 s is 100 ms; the margin is capped at 50 ms.
    assertThat(Wait.of(false, null, 1000 * MS).nanos()).isEqualTo(950 * MS);
    assertThat(Wait.of(false, null, 500 * MS).nanos()).isEqualTo(450 * MS);
    assertThat(Wait.of(false, null, 60_000 * MS).nanos()).isEqualTo(59_950 * MS);
  }

  @Test
  void zeroTimeoutIsOneTry() {
    assertThat(Wait.of(false, 0.0, NONE).isNoWait()).isTrue();
    assertThat(Wait.of(false, 0.0, 1000 * MS).isNoWait()).isTrue();
    assertThat(Wait.of(false, -0.0, NONE).isNoWait()).isTrue();
  }

  @Test
  void positiveTimeoutWaitsThatLong() {
    Wait w = Wait.of(false, 2.5, NONE);
    assertThat(w.nanos()).isEqualTo(2_500 * MS);
    assertThat(w.isForever()).isFalse();
    assertThat(w.isNoWait()).isFalse();
    assertThat(Wait.of(false, 0.001, NONE).nanos()).isEqualTo(MS);
  }

  @Test
  void positiveTimeoutNeverPassesTheDeadlineMargin() {
    // Timeout shorter than the budget: the timeout wins.
    assertThat(Wait.of(false, 0.05, 1000 * MS).nanos()).isEqualTo(50 * MS);
    // Timeout longer than the budget: the deadline minus its margin wins.
    assertThat(Wait.of(false, 2.0, 1000 * MS).nanos()).isEqualTo(950 * MS);
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {-1.0, -1e-9, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void invalidTimeoutIsRejectedEvenWithNowait(double timeout) {
    for (boolean nowait : new boolean[] {false, true}) {
      BrokerException e =
          catchThrowableOfType(BrokerException.class, () -> Wait.of(nowait, timeout, NONE));
      assertThat(e).as("nowait=%s timeout=%s", nowait, timeout).isNotNull();
      assertThat(e.reason()).isEqualTo(Reason.INVALID_TIMEOUT);
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(e.metadata()).containsEntry("field", "timeout_seconds");
    }
  }

  @Test
  void deadlineAlreadyPassedIsNotEvenOneTry() {
    assertThat(Wait.of(false, null, -5 * MS).isExpired()).isTrue();
    assertThat(Wait.of(false, null, 0).isExpired()).isTrue();
    assertThat(Wait.of(false, 10.0, -1).isExpired()).isTrue();
    // Also for nowait: the answer could not reach the client any more.
    assertThat(Wait.of(true, null, 0).isExpired()).isTrue();
    assertThat(Wait.of(true, null, 0).isNoWait()).isFalse();
    // A little time left is still one try.
    assertThat(Wait.of(true, null, 5 * MS).isNoWait()).isTrue();
  }

  @Test
  void ofNanosTreatsZeroAndNegativeAsOneTry() {
    assertThat(Wait.ofNanos(0).isNoWait()).isTrue();
    assertThat(Wait.ofNanos(-3).isNoWait()).isTrue();
    assertThat(Wait.ofNanos(7).nanos()).isEqualTo(7);
  }
}
