package io.ipcbroker.server.core;

import java.util.concurrent.TimeUnit;

/**
 * How long a blocking operation may wait: the one timeout rule of every blocking call, applied to
 * the request's {@code nowait} and {@code timeout_seconds} and to the call's deadline.
 *
 * <ul>
 *   <li>{@code nowait}: one non-blocking try; the timeout is still validated but otherwise ignored.
 *   <li>no timeout: wait until the deadline, or forever if the call has none.
 *   <li>a timeout of 0: one try; a positive timeout: at most that long, and never past the
 *       deadline.
 *   <li>a negative, NaN or infinite timeout: {@link Reason#INVALID_TIMEOUT}.
 *   <li>a call whose deadline already passed: {@link #EXPIRED}, not even one try, since its answer
 *       cannot reach the client any more (an item handed to it would be lost).
 * </ul>
 *
 * <p>The broker ends a wait a little before the deadline (10% of the time left, at most 50 ms) so
 * that its own in-band answer, not the transport's DEADLINE_EXCEEDED, reaches the client.
 */
public final class Wait {
  /** One non-blocking try. */
  public static final Wait NO_WAIT = new Wait(0);

  /** No limit at all. */
  public static final Wait FOREVER = new Wait(Long.MAX_VALUE);

  /** The call's deadline passed before the operation began: answer at once, without a try. */
  public static final Wait EXPIRED = new Wait(-1);

  /** Stands for "the call has no deadline" in {@link #of}. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  // 20 ms (the prototype's figure) proved too thin on a loaded 2-core machine: answers reached
  // clients 4-16 ms before their deadline, and some lost the race to DEADLINE_EXCEEDED.
  static final long MAX_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  // Timeouts beyond this are "forever" in practice; capping keeps nanosecond arithmetic exact.
  private static final double MAX_TIMEOUT_SECONDS = 1e9;

  private final long nanos;

  private Wait(long nanos) {
    this.nanos = nanos;
  }

  /**
   * Applies the timeout rule.
   *
   * @param timeoutSeconds the request's timeout, or {@code null} when it is unset
   * @param deadlineRemainingNanos time left before the call's deadline, or {@link #NO_DEADLINE}
   * @throws BrokerException {@link Reason#INVALID_TIMEOUT} for a negative, NaN or infinite timeout
   */
  public static Wait of(boolean nowait, Double timeoutSeconds, long deadlineRemainingNanos) {
    long timeoutNanos = Long.MAX_VALUE;
    if (timeoutSeconds != null) {
      double t = timeoutSeconds;
      if (Double.isNaN(t) || Double.isInfinite(t) || t < 0) {
        throw BrokerException.of(
            Reason.INVALID_TIMEOUT,
            "timeout_seconds must be a finite number >= 0",
            "field",
            "timeout_seconds",
            "value",
            Double.toString(t));
      }
      timeoutNanos = (long) (Math.min(t, MAX_TIMEOUT_SECONDS) * 1e9);
    }
    if (deadlineRemainingNanos != NO_DEADLINE && deadlineRemainingNanos <= 0) {
      return EXPIRED;
    }
    if (nowait || timeoutNanos == 0) {
      return NO_WAIT;
    }
    if (deadlineRemainingNanos != NO_DEADLINE) {
      long margin = Math.min(MAX_MARGIN_NANOS, deadlineRemainingNanos / 10);
      long budget = deadlineRemainingNanos - margin;
      if (budget <= 0) {
        return EXPIRED;
      }
      timeoutNanos = Math.min(timeoutNanos, budget);
    }
    return timeoutNanos == Long.MAX_VALUE ? FOREVER : new Wait(timeoutNanos);
  }

  /** A bounded wait of {@code nanos} (0 is one try). */
  public static Wait ofNanos(long nanos) {
    return nanos <= 0 ? NO_WAIT : new Wait(nanos);
  }

  /** Whether the call's deadline passed: no try at all. */
  public boolean isExpired() {
    return nanos < 0;
  }

  /** Whether this is one non-blocking try. */
  public boolean isNoWait() {
    return nanos == 0;
  }

  /** Whether there is no limit. */
  public boolean isForever() {
    return nanos == Long.MAX_VALUE;
  }

  /**
   * The limit in nanoseconds: 0 for no wait, {@link Long#MAX_VALUE} for forever, negative when
   * expired.
   */
  public long nanos() {
    return nanos;
  }

  @Override
  public String toString() {
    return isForever() ? "Wait[forever]" : isExpired() ? "Wait[expired]" : "Wait[" + nanos + "ns]";
  }
}
