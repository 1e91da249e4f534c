package io.ipcbroker.server.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The most named objects (queues, pipes, locks, dicts, pools...) that the broker holds at once,
 * counted across every kind. Names are chosen by clients and objects outlive the sessions that made
 * them, so without a bound a client could fill the heap one empty lock at a time.
 */
public final class ObjectQuota {
  /** The default {@code --max-objects}. */
  public static final int DEFAULT_MAX_OBJECTS = 100_000;

  /** No bound (tests and embedders that bring their own). */
  public static final ObjectQuota UNLIMITED = new ObjectQuota(0);

  private final int max;
  private final AtomicInteger live = new AtomicInteger();

  /** A quota of {@code max} objects; 0 means none. */
  public ObjectQuota(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max objects must be 0 (none) or positive");
    }
    this.max = max;
  }

  /**
   * Counts one more object.
   *
   * @throws BrokerException {@code QUOTA_EXCEEDED} if the broker already holds {@code max}
   */
  public void take() {
    if (max == 0) {
      return; // nothing to bound; UNLIMITED is shared, so it keeps no count either
    }
    int n;
    do {
      n = live.get();
      if (n >= max) {
        throw BrokerException.of(
            Reason.QUOTA_EXCEEDED,
            "the broker already holds " + max + " objects; delete some first",
            "quota",
            "objects",
            "limit",
            max);
      }
    } while (!live.compareAndSet(n, n + 1));
  }

  /** Counts one object fewer: it was deleted, or its create failed after {@link #take}. */
  public void give() {
    if (max != 0) {
      live.decrementAndGet();
    }
  }

  /** How many objects are counted now (always 0 without a bound). */
  public int live() {
    return live.get();
  }
}
