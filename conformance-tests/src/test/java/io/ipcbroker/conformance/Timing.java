package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/**
 * The suite's timing tolerance: a wait of T must take at least T - 15 ms and at most T + 250 ms,
 * measured on the client from sending the request to receiving the answer.
 */
public final class Timing {
  /** How much earlier than asked a wait may end (clock granularity). */
  public static final Duration EARLY = Duration.ofMillis(15);

  /** How much later than asked a wait may end (scheduling, GC, a loaded 2-core machine). */
  public static final Duration LATE = Duration.ofMillis(250);

  private Timing() {}

  /** A start mark: {@link System#nanoTime()}. */
  public static long start() {
    return System.nanoTime();
  }

  /** Time since {@code startNanos}. */
  public static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Asserts that the time since {@code startNanos} is within the tolerance around {@code t}. */
  public static void assertWaited(long startNanos, Duration t) {
    assertElapsed(since(startNanos), t);
  }

  /** Asserts that {@code elapsed} is within the tolerance around {@code t}. */
  public static void assertElapsed(Duration elapsed, Duration t) {
    assertThat(elapsed).as("waited (expected about %s)", t).isBetween(t.minus(EARLY), t.plus(LATE));
  }

  /** Asserts that an answer that needs no waiting came at once (within {@link #LATE}). */
  public static void assertImmediate(long startNanos) {
    assertThat(since(startNanos)).as("answered without waiting").isLessThanOrEqualTo(LATE);
  }

  /**
   * How early the contract lets the broker end a wait bounded only by a call's {@code deadline}:
   * 10% of the time left, at most 50 ms.
   */
  public static Duration deadlineMargin(Duration deadline) {
    Duration tenth = deadline.dividedBy(10);
    Duration cap = Duration.ofMillis(50);
    return tenth.compareTo(cap) < 0 ? tenth : cap;
  }

  /** Seconds as a {@link Duration}. */
  public static Duration seconds(double s) {
    return Duration.ofNanos((long) (s * 1e9));
  }
}
