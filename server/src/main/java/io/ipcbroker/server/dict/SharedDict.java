package io.ipcbroker.server.dict;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.PageSizes;
import io.ipcbroker.server.core.Reason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One dict with Python's semantics: string keys, values in insertion order (writing an existing key
 * keeps its place; a key deleted and set again moves to the end). Every method is atomic.
 *
 * <p>Paging does not snapshot: each entry carries a sequence number that grows with every insert,
 * and a page token holds the number of the last entry returned. The next page starts after it, so a
 * walk returns every entry present throughout exactly once, entries added meanwhile once (they join
 * the end) and entries deleted before their page not at all.
 *
 * @param <V> the value type, opaque to the dict
 */
public final class SharedDict<V> {
  /** The longest key, in Unicode code points. */
  public static final int MAX_KEY_LENGTH = 1024;

  /**
   * What an entry counts against the byte quota besides its key and value: an estimate of its own
   * objects on the heap (the map nodes, the key's string, the value's message objects).
   */
  public static final int ENTRY_OVERHEAD_BYTES = 256;

  private static final String TOKEN_PREFIX = "d1:";

  /** What a lookup found: the value, or the default if {@code found} is false. */
  public record Found<V>(boolean found, V value) {}

  /** What a compare-and-set did, and the key's value now (null if it is missing). */
  public record Swap<V>(boolean swapped, V current) {}

  /** One page of a listing; {@code nextToken} is empty on the last page. */
  public record Page<T>(List<T> items, String nextToken) {}

  private static final class Entry<V> {
    final String key;
    final long seq;
    V value;

    Entry(String key, long seq, V value) {
      this.key = key;
      this.seq = seq;
      this.value = value;
    }
  }

  // Identifies this incarnation of the name in page tokens: a token of another dict, or of a dict
  // deleted and re-created under the same name, is refused instead of resuming somewhere else.
  private final long uid = ThreadLocalRandom.current().nextLong();
  private final String name;
  private final ToLongFunction<V> sizer;
  private final long pageBytes;
  // UNLIMITED once deleted: a call that still holds the object counts nothing more.
  private ByteQuota quota; // guarded by this
  private final HashMap<String, Entry<V>> byKey = new HashMap<>();
  private final TreeMap<Long, Entry<V>> inOrder = new TreeMap<>();
  private long nextSeq = 1;
  // What the entries count against the quota; given back when the dict is deleted.
  private long heldBytes;

  /**
   * An empty dict called {@code name} (in error metadata).
   *
   * @param sizer the size of a value in bytes, for the page limit
   * @param pageBytes the most bytes of keys and values a page holds (a page has at least one entry)
   */
  public SharedDict(String name, ToLongFunction<V> sizer, long pageBytes) {
    this(name, sizer, pageBytes, ByteQuota.UNLIMITED);
  }

  /** As above, with the entries' bytes counted in {@code quota}. */
  public SharedDict(String name, ToLongFunction<V> sizer, long pageBytes, ByteQuota quota) {
    this.name = name;
    this.sizer = sizer;
    this.pageBytes = pageBytes;
    this.quota = quota;
  }

  /** What an entry counts: its key (two bytes a char), its value and a fixed overhead. */
  private long entryBytes(String key, V value) {
    return 2L * key.length() + sizer.applyAsLong(value) + ENTRY_OVERHEAD_BYTES;
  }

  /**
   * Returns {@code key} if it is a valid key: any string of at most {@link #MAX_KEY_LENGTH} code
   * points, the empty string included.
   *
   * @throws BrokerException {@code INVALID_FIELD_VALUE} otherwise
   */
  public static String checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.length() > MAX_KEY_LENGTH && key.codePointCount(0, key.length()) > MAX_KEY_LENGTH) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "a key has at most " + MAX_KEY_LENGTH + " characters",
          "field",
          "key",
          "value",
          Names.abbreviate(key));
    }
    return key;
  }

  /** The number of entries. */
  public synchronized int len() {
    return byKey.size();
  }

  /**
   * The value of {@code key}.
   *
   * @param defaultValue what to answer for a missing key; null to fail instead
   * @throws BrokerException {@code KEY_NOT_FOUND} for a missing key without a default
   */
  public synchronized Found<V> get(String key, V defaultValue) {
    checkKey(key);
    Entry<V> e = byKey.get(key);
    if (e != null) {
      return new Found<>(true, e.value);
    }
    if (defaultValue == null) {
      throw keyNotFound(key);
    }
    return new Found<>(false, defaultValue);
  }

  /**
   * Sets {@code key} to {@code value}.
   *
   * @return whether the key was new
   */
  public synchronized boolean set(String key, V value) {
    checkKey(key);
    Objects.requireNonNull(value, "value");
    return put(key, value);
  }

  /**
   * Deletes {@code key}.
   *
   * @return whether it was there; false only with {@code allowMissing}
   * @throws BrokerException {@code KEY_NOT_FOUND} for a missing key without {@code allowMissing}
   */
  public synchronized boolean delete(String key, boolean allowMissing) {
    checkKey(key);
    if (remove(key) != null) {
      return true;
    }
    if (allowMissing) {
      return false;
    }
    throw keyNotFound(key);
  }

  /** Whether the dict has {@code key}. */
  public synchronized boolean contains(String key) {
    checkKey(key);
    return byKey.containsKey(key);
  }

  /**
   * Sets every entry of {@code entries} in order (a key given twice ends with its last value). All
   * keys are checked before anything is set.
   *
   * @return the number of entries after the update
   */
  public synchronized int update(List<Map.Entry<String, V>> entries) {
    for (Map.Entry<String, V> e : entries) {
      checkKey(e.getKey());
      Objects.requireNonNull(e.getValue(), "value");
    }
    // The batch's net growth is taken once, before anything changes: a refusal sets nothing.
    Map<String, V> last = new HashMap<>();
    for (Map.Entry<String, V> e : entries) {
      last.put(e.getKey(), e.getValue());
    }
    long delta = 0;
    for (Map.Entry<String, V> e : last.entrySet()) {
      Entry<V> old = byKey.get(e.getKey());
      delta += entryBytes(e.getKey(), e.getValue()) - (old == null ? 0 : bytesOf(old));
    }
    quota.change(delta);
    heldBytes += delta;
    for (Map.Entry<String, V> e : entries) {
      store(e.getKey(), e.getValue());
    }
    return byKey.size();
  }

  /**
   * Removes {@code key} and answers its value.
   *
   * @param defaultValue what to answer for a missing key; null to fail instead
   * @throws BrokerException {@code KEY_NOT_FOUND} for a missing key without a default
   */
  public synchronized Found<V> pop(String key, V defaultValue) {
    checkKey(key);
    Entry<V> e = remove(key);
    if (e != null) {
      return new Found<>(true, e.value);
    }
    if (defaultValue == null) {
      throw keyNotFound(key);
    }
    return new Found<>(false, defaultValue);
  }

  /**
   * The value of {@code key}, set to {@code defaultValue} first if it is missing (Python's {@code
   * setdefault}); {@code found} is false when this call set it.
   */
  public synchronized Found<V> setDefault(String key, V defaultValue) {
    checkKey(key);
    Objects.requireNonNull(defaultValue, "defaultValue");
    Entry<V> e = byKey.get(key);
    if (e != null) {
      return new Found<>(true, e.value);
    }
    put(key, defaultValue);
    return new Found<>(false, defaultValue);
  }

  /**
   * Removes every entry.
   *
   * @return how many there were
   */
  public synchronized int clear() {
    int n = byKey.size();
    byKey.clear();
    inOrder.clear();
    quota.give(heldBytes);
    heldBytes = 0;
    return n;
  }

  /**
   * Gives the entries' bytes back to the quota: the dict was deleted. A call that looked it up
   * before the delete may still change it; that counts nothing, taken or given.
   */
  public synchronized void release() {
    quota.give(heldBytes);
    heldBytes = 0;
    quota = ByteQuota.UNLIMITED;
  }

  /**
   * Replaces the value of {@code key} with {@code newValue} (deletes the key if it is null) if the
   * key holds a value equal to {@code expected}, or is missing when {@code expected} is null.
   */
  public synchronized Swap<V> compareAndSet(String key, V expected, V newValue) {
    checkKey(key);
    Entry<V> e = byKey.get(key);
    boolean matches = expected == null ? e == null : e != null && expected.equals(e.value);
    if (!matches) {
      return new Swap<>(false, e == null ? null : e.value);
    }
    if (newValue == null) {
      remove(key);
    } else {
      put(key, newValue);
    }
    return new Swap<>(true, newValue);
  }

  /** A page of keys in insertion order, after the position {@code pageToken} marks. */
  public Page<String> keys(int pageSize, String pageToken) {
    return page(pageSize, pageToken, e -> e.key);
  }

  /** A page of values in insertion order. */
  public Page<V> values(int pageSize, String pageToken) {
    return page(pageSize, pageToken, e -> e.value);
  }

  /** A page of entries in insertion order. */
  public Page<Map.Entry<String, V>> items(int pageSize, String pageToken) {
    return page(pageSize, pageToken, e -> Map.entry(e.key, e.value));
  }

  private synchronized <T> Page<T> page(
      int pageSize, String pageToken, Function<Entry<V>, T> view) {
    int limit = PageSizes.limit(pageSize);
    long after = decodeToken(pageToken);
    List<T> items = new ArrayList<>(Math.min(limit, inOrder.size()));
    long bytes = 0;
    long last = after;
    for (Entry<V> e : inOrder.tailMap(after, false).values()) {
      if (items.size() == limit) {
        break;
      }
      // A key takes at most 3 bytes per UTF-16 unit in UTF-8; a little more per entry for framing.
      long size = 3L * e.key.length() + sizer.applyAsLong(e.value) + 16;
      if (!items.isEmpty() && bytes + size > pageBytes) {
        break;
      }
      bytes += size;
      items.add(view.apply(e));
      last = e.seq;
    }
    boolean more = !inOrder.tailMap(last, false).isEmpty();
    return new Page<>(items, more ? encodeToken(last) : "");
  }

  /**
   * Sets {@code key}, counting the change in bytes first.
   *
   * @throws BrokerException {@code QUOTA_EXCEEDED} if the dicts and lists cannot grow by it
   */
  private boolean put(String key, V value) {
    Entry<V> old = byKey.get(key);
    long delta = entryBytes(key, value) - (old == null ? 0 : bytesOf(old));
    quota.change(delta);
    heldBytes += delta;
    return store(key, value);
  }

  private long bytesOf(Entry<V> e) {
    return entryBytes(e.key, e.value);
  }

  /** Sets {@code key} whose bytes were already counted. */
  private boolean store(String key, V value) {
    Entry<V> e = byKey.get(key);
    if (e != null) {
      e.value = value;
      return false;
    }
    e = new Entry<>(key, nextSeq++, value);
    byKey.put(key, e);
    inOrder.put(e.seq, e);
    return true;
  }

  private Entry<V> remove(String key) {
    Entry<V> e = byKey.remove(key);
    if (e != null) {
      inOrder.remove(e.seq);
      long bytes = bytesOf(e);
      quota.give(bytes);
      heldBytes -= bytes;
    }
    return e;
  }

  private String encodeToken(long seq) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            (TOKEN_PREFIX + Long.toHexString(uid) + ":" + seq).getBytes(StandardCharsets.UTF_8));
  }

  /** The sequence number after which the page starts: 0 for an empty token. */
  private long decodeToken(String token) {
    if (token == null || token.isEmpty()) {
      return 0;
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalidToken(token);
    }
    String expected = TOKEN_PREFIX + Long.toHexString(uid) + ":";
    if (!text.startsWith(expected)) {
      throw invalidToken(token);
    }
    try {
      long seq = Long.parseLong(text.substring(expected.length()));
      if (seq < 1 || seq >= nextSeq) {
        throw invalidToken(token);
      }
      return seq;
    } catch (NumberFormatException e) {
      throw invalidToken(token);
    }
  }

  private static BrokerException invalidToken(String token) {
    return BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "page_token was not issued by this dict",
        "field",
        "page_token",
        "value",
        Names.abbreviate(token));
  }

  private BrokerException keyNotFound(String key) {
    return BrokerException.of(
        Reason.KEY_NOT_FOUND,
        "dict " + name + " has no key " + Names.abbreviate(key),
        "dict",
        name,
        "key",
        Names.abbreviate(key));
  }
}
