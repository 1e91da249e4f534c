package io.ipcbroker.server.auth;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nonces of the signatures that may still be presented, so that each is accepted once.
 *
 * <p>A signature counts while its own timestamp {@code ts} is within one window of the broker's
 * clock. Nonces are filed by the window their {@code ts} falls in, and a window's nonces are
 * dropped once the latest clock reading seen (a high-water mark, which never goes back) is more
 * than one window past its end: from then on every signature of that window is refused as expired,
 * whatever the clock says later. So a clock that steps back cannot make a forgotten nonce valid
 * again; it only refuses, for as long as the step, signatures older than the mark allows. Memory
 * follows the rate of calls over about three windows (8 bytes a nonce, in tables kept at most half
 * full). When more than {@code capacity} nonces are held a call is refused with {@code
 * LIMIT_EXCEEDED} rather than forgetting nonces early, which would let a replay through.
 */
final class NonceLedger {
  /** Some 11,000 signed calls a second sustained over three windows of 60 s; 16-32 MiB. */
  static final int DEFAULT_CAPACITY = 2_000_000;

  private final long windowMillis;
  private final int capacity;
  // Window index (floorDiv(ts, window)) to the nonces signed in it.
  private final TreeMap<Long, LongSet> byWindow = new TreeMap<>();
  private long highWater = Long.MIN_VALUE;
  private int size;

  NonceLedger(long windowMillis, int capacity) {
    this.windowMillis = windowMillis;
    this.capacity = capacity;
  }

  /** The oldest timestamp still acceptable at {@code nowMillis}: one window before the mark. */
  synchronized long oldestAcceptable(long nowMillis) {
    advance(nowMillis);
    return highWater - windowMillis;
  }

  /**
   * Records the nonce of a signature made at {@code ts}; false if it was already recorded. The
   * caller has checked that {@code ts} is not older than {@link #oldestAcceptable}.
   *
   * @throws BrokerException {@code LIMIT_EXCEEDED} when the ledger is full
   */
  synchronized boolean firstUse(long nonce, long ts, long nowMillis) {
    advance(nowMillis);
    long window = Math.floorDiv(ts, windowMillis);
    LongSet set = byWindow.get(window);
    if (set != null && set.contains(nonce)) {
      return false;
    }
    if (size >= capacity) {
      throw BrokerException.of(
          Reason.LIMIT_EXCEEDED,
          "more than " + capacity + " signed calls within the replay window",
          "limit",
          "signed_calls_per_window");
    }
    if (set == null) {
      set = new LongSet();
      byWindow.put(window, set);
    }
    set.add(nonce);
    size++;
    return true;
  }

  synchronized int size() {
    return size;
  }

  /** Moves the mark to {@code nowMillis} if later, and drops the windows wholly before it. */
  private void advance(long nowMillis) {
    if (nowMillis <= highWater) {
      return;
    }
    highWater = nowMillis;
    long oldest = highWater - windowMillis;
    Iterator<Map.Entry<Long, LongSet>> it = byWindow.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, LongSet> e = it.next();
      // The window's last millisecond is (index + 1) * window - 1.
      if ((e.getKey() + 1) * windowMillis - 1 >= oldest) {
        break; // sorted: the later windows are still needed too
      }
      size -= e.getValue().size();
      it.remove();
    }
  }

  /** An open-addressing set of longs that grows by doubling; 0 stands for an empty slot. */
  private static final class LongSet {
    private long[] slots = new long[64];
    private int size;
    private boolean hasZero;

    boolean contains(long k) {
      if (k == 0) {
        return hasZero;
      }
      long[] s = slots;
      for (int i = index(k, s.length); ; i = (i + 1) & (s.length - 1)) {
        if (s[i] == 0) {
          return false;
        }
        if (s[i] == k) {
          return true;
        }
      }
    }

    void add(long k) {
      if (k == 0) {
        hasZero = true;
        size++;
        return;
      }
      if ((size + 1) * 2 > slots.length) {
        grow();
      }
      insert(slots, k);
      size++;
    }

    int size() {
      return size;
    }

    private void grow() {
      long[] bigger = new long[slots.length * 2];
      for (long k : slots) {
        if (k != 0) {
          insert(bigger, k);
        }
      }
      slots = bigger;
    }

    private static void insert(long[] s, long k) {
      int i = index(k, s.length);
      while (s[i] != 0) {
        i = (i + 1) & (s.length - 1);
      }
      s[i] = k;
    }

    private static int index(long k, int length) {
      long h = k * 0x9E3779B97F4A7C15L; // spreads clustered keys; nonces are random anyway
      return (int) (h >>> 32) & (length - 1);
    }
  }
}
