package io.ipcbroker.server.list;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * One list with Python's index semantics: negative indices count from the end, an index out of
 * range is {@code INDEX_OUT_OF_RANGE} ({@code IndexError}), {@code insert} clamps its index and
 * slices clamp their bounds. Every method is atomic.
 *
 * @param <V> the element type, opaque to the list
 */
public final class SharedList<V> {
  /** One answer of a slice: its elements, and where the rest starts if it stopped early. */
  public record Slice<V>(List<V> values, boolean truncated, long nextStart, int len) {}

  /**
   * What an element counts against the byte quota besides its size: an estimate of its own objects
   * on the heap (the array slot and the value's message objects).
   */
  public static final int ELEMENT_OVERHEAD_BYTES = 128;

  private final String name;
  private final ToLongFunction<V> sizer;
  private final long sliceBytes;
  // UNLIMITED once deleted: a call that still holds the object counts nothing more.
  private ByteQuota quota; // guarded by this
  private final ArrayList<V> elements = new ArrayList<>();
  // What the elements count against the quota; given back when the list is deleted.
  private long heldBytes;

  /**
   * An empty list called {@code name} (in error metadata).
   *
   * @param sizer the size of an element in bytes, for the slice limit
   * @param sliceBytes the most bytes one slice answer holds (it has at least one element)
   */
  public SharedList(String name, ToLongFunction<V> sizer, long sliceBytes) {
    this(name, sizer, sliceBytes, ByteQuota.UNLIMITED);
  }

  /** As above, with the elements' bytes counted in {@code quota}. */
  public SharedList(String name, ToLongFunction<V> sizer, long sliceBytes, ByteQuota quota) {
    this.name = name;
    this.sizer = sizer;
    this.sliceBytes = sliceBytes;
    this.quota = quota;
  }

  /** What an element counts: its size and a fixed overhead. */
  private long bytesOf(V value) {
    return sizer.applyAsLong(value) + ELEMENT_OVERHEAD_BYTES;
  }

  /** Counts a change of {@code delta} bytes; throws {@code QUOTA_EXCEEDED} before any change. */
  private void count(long delta) {
    quota.change(delta);
    heldBytes += delta;
  }

  /** The number of elements. */
  public synchronized int len() {
    return elements.size();
  }

  /** Appends {@code value}; returns the length after. */
  public synchronized int append(V value) {
    count(bytesOf(Objects.requireNonNull(value, "value")));
    elements.add(value);
    return elements.size();
  }

  /** Appends {@code values} in order; returns the length after. */
  public synchronized int extend(List<V> values) {
    long bytes = 0;
    for (V v : values) {
      bytes += bytesOf(Objects.requireNonNull(v, "value"));
    }
    count(bytes);
    elements.addAll(values);
    return elements.size();
  }

  /** The element at {@code index} (negative: from the end). */
  public synchronized V get(long index) {
    return elements.get(resolve(index));
  }

  /** Replaces the element at {@code index}. */
  public synchronized void set(long index, V value) {
    Objects.requireNonNull(value, "value");
    int at = resolve(index);
    count(bytesOf(value) - bytesOf(elements.get(at)));
    elements.set(at, value);
  }

  /**
   * Inserts {@code value} before {@code index}, clamped to the list as Python's {@code insert}
   * does; returns the length after.
   */
  public synchronized int insert(long index, V value) {
    Objects.requireNonNull(value, "value");
    long n = elements.size();
    long at = index < 0 ? Math.max(0, index + n) : Math.min(index, n);
    count(bytesOf(value));
    elements.add((int) at, value);
    return elements.size();
  }

  /**
   * Removes and returns the element at {@code index}, the last one if it is null.
   *
   * @throws BrokerException {@code INDEX_OUT_OF_RANGE} for an index out of range or an empty list
   */
  public synchronized V pop(Long index) {
    if (elements.isEmpty()) {
      throw BrokerException.of(
          Reason.INDEX_OUT_OF_RANGE, "pop from empty list " + name, "list", name, "length", 0);
    }
    V removed = elements.remove(resolve(index == null ? -1 : index));
    count(-bytesOf(removed));
    return removed;
  }

  /** Removes the element at {@code index} (Python's {@code del l[index]}). */
  public synchronized void delete(long index) {
    count(-bytesOf(elements.remove(resolve(index))));
  }

  /**
   * Removes every element.
   *
   * @return how many there were
   */
  public synchronized int clear() {
    int n = elements.size();
    elements.clear();
    elements.trimToSize();
    count(-heldBytes);
    return n;
  }

  /**
   * Gives the elements' bytes back to the quota: the list was deleted. A call that looked it up
   * before the delete may still change it; that counts nothing, taken or given.
   */
  public synchronized void release() {
    count(-heldBytes);
    quota = ByteQuota.UNLIMITED;
  }

  /**
   * Python's {@code l[start:stop:step]} (null for an omitted part), stopping early where the next
   * element would take the answer past the byte limit.
   *
   * @throws BrokerException {@code INVALID_FIELD_VALUE} for a step of 0
   */
  public synchronized Slice<V> slice(Long start, Long stop, Long step) {
    long s = step == null ? 1 : step;
    if (s == 0) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE, "slice step cannot be zero", "field", "step", "value", 0);
    }
    // As CPython: a step below -PY_SSIZE_T_MAX is taken as -PY_SSIZE_T_MAX, so -step never
    // overflows.
    s = Math.max(s, -Long.MAX_VALUE);
    long n = elements.size();
    long from = bound(start, n, s, s < 0 ? n - 1 : 0);
    long to = bound(stop, n, s, s < 0 ? -1 : n);
    List<V> out = new ArrayList<>();
    long bytes = 0;
    long i = from;
    while (s > 0 ? i < to : i > to) {
      V v = elements.get((int) i);
      long size = sizer.applyAsLong(v) + 8;
      if (!out.isEmpty() && bytes + size > sliceBytes) {
        return new Slice<>(out, true, i, elements.size());
      }
      bytes += size;
      out.add(v);
      // The next index would pass the bound: stop before computing it, which might overflow.
      if (s > 0 ? to - i <= s : i - to <= -s) {
        break;
      }
      i += s;
    }
    return new Slice<>(out, false, 0, elements.size());
  }

  // PySlice_AdjustIndices for one bound.
  private static long bound(Long value, long n, long step, long omitted) {
    if (value == null) {
      return omitted;
    }
    long v = value;
    if (v < 0) {
      v += n;
      if (v < 0) {
        v = step < 0 ? -1 : 0;
      }
    } else if (v >= n) {
      v = step < 0 ? n - 1 : n;
    }
    return v;
  }

  private int resolve(long index) {
    long n = elements.size();
    long i = index < 0 ? index + n : index;
    if (i < 0 || i >= n) {
      throw BrokerException.of(
          Reason.INDEX_OUT_OF_RANGE,
          "list index " + index + " out of range for list " + name + " of length " + n,
          "list",
          name,
          "index",
          index,
          "length",
          n);
    }
    return (int) i;
  }
}
