package io.ipcbroker.server.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The most bytes that the broker's dicts, lists and pipes hold together. What they hold lives as
 * long as the objects do, whoever wrote it, so without a bound one client could fill the heap; past
 * it a write that would add bytes is refused and the broker keeps serving.
 */
public final class ByteQuota {
  /** No bound (tests and embedders that bring their own). */
  public static final ByteQuota UNLIMITED = new ByteQuota(0);

  private final long max;
  private final AtomicLong held = new AtomicLong();

  /** A quota of {@code max} bytes; 0 means none. */
  public ByteQuota(long max) {
    if (max < 0) {
      throw new IllegalArgumentException("max bytes must be 0 (none) or positive");
    }
    this.max = max;
  }

  /**
   * Counts {@code bytes} more (nothing for 0 or less).
   *
   * @throws BrokerException {@code QUOTA_EXCEEDED} if they would take the total past the quota
   */
  public void take(long bytes) {
    if (max == 0 || bytes <= 0) {
      return;
    }
    long n;
    do {
      n = held.get();
      if (n + bytes > max) {
        throw BrokerException.of(
            Reason.QUOTA_EXCEEDED,
            "dicts, lists and pipes already hold "
                + n
                + " of their "
                + max
                + " bytes; this write needs "
                + bytes
                + " more",
            "quota",
            "shared_bytes",
            "limit",
            max);
      }
    } while (!held.compareAndSet(n, n + bytes));
  }

  /** Counts {@code bytes} fewer: entries were removed or shrank. */
  public void give(long bytes) {
    if (max != 0 && bytes > 0) {
      held.addAndGet(-bytes);
    }
  }

  /**
   * Counts a change of {@code delta} bytes: takes a growth (which may be refused), gives a
   * shrinkage back.
   */
  public void change(long delta) {
    if (delta > 0) {
      take(delta);
    } else {
      give(-delta);
    }
  }

  /** The bytes counted now (always 0 without a bound). */
  public long held() {
    return held.get();
  }
}
