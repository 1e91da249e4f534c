package io.ipcbroker.client;

import java.util.Map;
import java.util.Optional;

/**
 * A named dict on the broker, shared by every program that opens the same name: the {@code dict}
 * that Python's {@code multiprocessing.Manager} serves, with string keys and values of one {@link
 * Codec}.
 *
 * <pre>{@code
 * IpcDict<String> scores = broker.dict("scores");
 * scores.put("alice", "3");
 * scores.setDefault("bob", "0");                 // atomic: only the first caller sets it
 * Optional<String> a = scores.get("alice");     // Optional.empty() for a missing key
 * for (Map.Entry<String, String> e : scores.items()) { ... }   // insertion order, paged
 * }</pre>
 *
 * <p>Every call is one atomic operation on the broker, {@link #update} and {@link #clear} included;
 * for a read-modify-write use {@link #compareAndSet} in a loop, or {@link #setDefault}. Keys are
 * any strings of at most 1,024 characters (the empty string too); a longer key fails {@code
 * INVALID_ARGUMENT}/{@code INVALID_FIELD_VALUE}. A value over the broker's item limit fails {@code
 * INVALID_ARGUMENT}/{@code ITEM_TOO_LARGE}. Once the dict is deleted, calls fail {@code
 * NOT_FOUND}/{@code DICT_NOT_FOUND}. A value that the codec cannot decode throws {@link
 * ItemDecodeException}, which carries the raw bytes.
 *
 * <p>{@link #keys()}, {@link #values()} and {@link #items()} fetch pages lazily as the iteration
 * proceeds (insertion order, as Python's dict). They are not snapshots: if the dict changes during
 * an iteration, entries present throughout are seen exactly once (with their value when their page
 * is read), entries added meanwhile are seen once, and entries deleted before their page are not
 * seen. Never a {@code ConcurrentModificationException}.
 *
 * <p>A handle names the dict, not one incarnation of it. Handles are thread-safe and hold nothing
 * to close.
 *
 * @param <V> the value type, as the codec encodes it
 */
public interface IpcDict<V> {
  /** The dict's name. */
  String name();

  /** The value of {@code key}, or empty if the dict does not have it. */
  Optional<V> get(String key);

  /** The value of {@code key}, or {@code defaultValue} if the dict does not have it. */
  V getOrDefault(String key, V defaultValue);

  /**
   * The value of {@code key} (Python's {@code d[key]}).
   *
   * @throws IpcBrokerException {@code NOT_FOUND}/{@code KEY_NOT_FOUND} if the dict does not have it
   */
  V require(String key);

  /** Sets {@code key} to {@code value}; an existing key keeps its place in the order. */
  void put(String key, V value);

  /** Removes {@code key}; returns its value, or empty if the dict did not have it. */
  Optional<V> remove(String key);

  /**
   * Removes {@code key} and returns its value (Python's {@code d.pop(key)}).
   *
   * @throws IpcBrokerException {@code NOT_FOUND}/{@code KEY_NOT_FOUND} if the dict does not have it
   */
  V pop(String key);

  /** Whether the dict has {@code key}. */
  boolean containsKey(String key);

  /** The number of entries. */
  int size();

  /** Whether the dict has no entries. */
  boolean isEmpty();

  /** The keys in insertion order, fetched a page at a time as the iteration proceeds. */
  Iterable<String> keys();

  /** The values in insertion order, fetched a page at a time. */
  Iterable<V> values();

  /** The entries in insertion order, fetched a page at a time. */
  Iterable<Map.Entry<String, V>> items();

  /** Sets every entry of {@code entries} at once (atomic); in its iteration order. */
  void update(Map<String, ? extends V> entries);

  /**
   * The value of {@code key}, setting it to {@code defaultValue} first if the dict does not have it
   * (Python's {@code setdefault}); atomic, so of racing callers exactly one sets it.
   */
  V setDefault(String key, V defaultValue);

  /** Removes every entry. */
  void clear();

  /**
   * Sets {@code key} to {@code newValue} if it now holds {@code expected} (the same bytes and
   * content type as the codec encodes it); atomic.
   *
   * @param expected the value {@code key} must hold, or null: {@code key} must be missing
   * @param newValue the value to store, or null: delete {@code key}
   * @return whether it was changed
   */
  boolean compareAndSet(String key, V expected, V newValue);
}
