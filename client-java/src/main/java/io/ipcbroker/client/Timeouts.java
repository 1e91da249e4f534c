package io.ipcbroker.client;

import java.time.Duration;

/** The SDK's one reading of a caller's timeout. */
final class Timeouts {
  private Timeouts() {}

  /**
   * {@code timeout} in seconds, as requests carry it.
   *
   * @throws IllegalArgumentException if it is negative: a caller's mistake, not a request the
   *     broker should see
   */
  static double seconds(Duration timeout) {
    if (timeout == null) {
      throw new NullPointerException("timeout");
    }
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    return timeout.getSeconds() + timeout.getNano() / 1e9;
  }

  /** {@code d} in milliseconds, capped so that adding a grace period cannot overflow. */
  static long saturatedMillis(Duration d) {
    try {
      return Math.min(d.toMillis(), Long.MAX_VALUE / 4);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  /**
   * {@code d} in nanoseconds, capped (at about 73 years) so that adding it to a clock cannot wrap.
   */
  static long saturatedNanos(Duration d) {
    try {
      return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }
}
