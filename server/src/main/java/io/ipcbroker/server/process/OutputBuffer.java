package io.ipcbroker.server.process;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} bytes of one output stream of a process, addressed by offsets that
 * count every byte the process wrote, so that a reader can resume where it stopped and can tell
 * when bytes it did not read yet were overwritten.
 *
 * <p>The array grows with the output up to the capacity: most processes write little, and a broker
 * holding thousands of exited records must not hold a full buffer for each.
 */
final class OutputBuffer {
  private static final int INITIAL_BYTES = 4096;

  private final int capacity;
  private byte[] ring = new byte[0]; // guarded by this
  private long end; // guarded by this; total bytes written
  private boolean closed; // guarded by this; the process closed the stream
  private final List<Runnable> waiters = new ArrayList<>(); // guarded by this

  OutputBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /** One contiguous run of bytes read from the buffer. */
  record Chunk(long offset, byte[] data) {}

  /** Appends what the process wrote and wakes the readers that wait for more. */
  void append(byte[] data, int off, int len) {
    List<Runnable> wake;
    synchronized (this) {
      if (closed) {
        return;
      }
      ensureRoom(len);
      int n = ring.length;
      // Only the last n bytes of data can survive.
      int skip = Math.max(0, len - n);
      long at = end + skip;
      for (int i = skip; i < len; ) {
        int pos = (int) (at % n);
        int run = Math.min(len - i, n - pos);
        System.arraycopy(data, off + i, ring, pos, run);
        i += run;
        at += run;
      }
      end += len;
      wake = takeWaiters();
    }
    wake.forEach(Runnable::run);
  }

  /** Marks the stream closed (the process closed it or exited) and wakes the readers. */
  void close() {
    List<Runnable> wake;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      wake = takeWaiters();
    }
    wake.forEach(Runnable::run);
  }

  /**
   * Reads up to {@code max} bytes from {@code from} (or from the oldest byte kept, if {@code from}
   * is older), but not past {@code limit}.
   *
   * @return the bytes, possibly none when nothing is available yet
   */
  synchronized Chunk read(long from, int max, long limit) {
    long start = Math.max(from, oldest());
    long stop = Math.min(Math.min(end, limit), start + max);
    if (stop <= start) {
      return new Chunk(start, new byte[0]);
    }
    int len = (int) (stop - start);
    byte[] out = new byte[len];
    int n = ring.length;
    long at = start;
    for (int i = 0; i < len; ) {
      int pos = (int) (at % n);
      int run = Math.min(len - i, n - pos);
      System.arraycopy(ring, pos, out, i, run);
      i += run;
      at += run;
    }
    return new Chunk(start, out);
  }

  /**
   * Runs {@code waiter} once when more bytes arrive or the stream closes; at once if either
   * happened since {@code seenEnd}.
   */
  void awaitMore(long seenEnd, Runnable waiter) {
    synchronized (this) {
      if (end == seenEnd && !closed) {
        waiters.add(waiter);
        return;
      }
    }
    waiter.run();
  }

  /** Forgets a waiter whose reader went away. */
  synchronized void removeWaiter(Runnable waiter) {
    waiters.remove(waiter);
  }

  /** The offset after the last byte written. */
  synchronized long end() {
    return end;
  }

  /** The offset of the oldest byte still kept. */
  synchronized long oldest() {
    return Math.max(0, end - ring.length);
  }

  /** Whether the process closed the stream. */
  synchronized boolean isClosed() {
    return closed;
  }

  private void ensureRoom(int incoming) {
    if (ring.length == capacity) {
      return;
    }
    long wanted = Math.min(capacity, end + incoming);
    if (wanted <= ring.length) {
      return;
    }
    int size = Math.max(ring.length, INITIAL_BYTES);
    while (size < wanted) {
      size = (int) Math.min(capacity, 2L * size);
    }
    size = Math.min(size, capacity);
    // Before the first wrap the bytes sit at their offsets, so a plain copy keeps them in place.
    byte[] grown = new byte[size];
    System.arraycopy(ring, 0, grown, 0, (int) end);
    ring = grown;
  }

  private List<Runnable> takeWaiters() {
    if (waiters.isEmpty()) {
      return List.of();
    }
    List<Runnable> taken = new ArrayList<>(waiters);
    waiters.clear();
    return taken;
  }
}
