package io.ipcbroker.client;

import java.util.Collection;
import java.util.List;

/**
 * A named list on the broker, shared by every program that opens the same name: the {@code list}
 * that Python's {@code multiprocessing.Manager} serves, with elements of one {@link Codec}.
 *
 * <pre>{@code
 * IpcList<String> log = broker.list("log");
 * log.append("started");
 * String last = log.get(-1);                    // negative indices count from the end
 * List<String> firstTwo = log.slice(0, 2);     // Python's log[0:2]
 * }</pre>
 *
 * <p>Indices follow Python: a negative index counts from the end; one out of range after that fails
 * {@code OUT_OF_RANGE}/{@code INDEX_OUT_OF_RANGE} (Python's {@code IndexError}), and so does a pop
 * from an empty list. {@link #insert} clamps its index, and slices clamp their bounds, as Python
 * does. Every call is one atomic operation on the broker ({@link #extend} and {@link #clear}
 * included), except a slice too large for one answer (over the broker's item limit in bytes), which
 * the SDK reads in several. An element over the item limit fails {@code INVALID_ARGUMENT}/{@code
 * ITEM_TOO_LARGE}; once the list is deleted, calls fail {@code NOT_FOUND}/{@code LIST_NOT_FOUND}.
 *
 * <p>A handle names the list, not one incarnation of it. Handles are thread-safe and hold nothing
 * to close.
 *
 * @param <V> the element type, as the codec encodes it
 */
public interface IpcList<V> {
  /** The list's name. */
  String name();

  /** Appends {@code value}. */
  void append(V value);

  /** Appends every element of {@code values}, in order, at once. */
  void extend(Collection<? extends V> values);

  /** The element at {@code index} (negative: from the end). */
  V get(int index);

  /** Replaces the element at {@code index}. */
  void set(int index, V value);

  /** Removes and returns the last element. */
  V pop();

  /** Removes and returns the element at {@code index}. */
  V pop(int index);

  /** Inserts {@code value} before {@code index}, clamped to the list (Python's {@code insert}). */
  void insert(int index, V value);

  /** Removes the element at {@code index} (Python's {@code del l[index]}). */
  void removeAt(int index);

  /** The number of elements. */
  int size();

  /** Python's {@code l[from:to]}: negative bounds count from the end, bounds are clamped. */
  List<V> slice(int from, int to);

  /**
   * Python's {@code l[from:to:step]}.
   *
   * @throws IllegalArgumentException for a step of 0
   */
  List<V> slice(int from, int to, int step);

  /** Every element, in order (Python's {@code l[:]}). */
  List<V> toList();

  /** Removes every element. */
  void clear();
}
