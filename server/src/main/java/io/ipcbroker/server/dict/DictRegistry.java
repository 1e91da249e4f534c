package io.ipcbroker.server.dict;

import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Reason;
import java.util.function.ToLongFunction;

/**
 * The broker's dicts: create or open, look up, delete. A dict has no configuration, so opening an
 * existing one always matches.
 *
 * @param <V> the value type, opaque to the registry
 */
public final class DictRegistry<V> {
  /** What a create did: the dict's length, and whether this call created it. */
  public record Created(int len, boolean created) {}

  private final ObjectTable<SharedDict<V>> table;
  private final ToLongFunction<V> sizer;
  private final long pageBytes;
  private final ByteQuota bytes;

  /**
   * A registry whose values measure {@code sizer} bytes, and whose listings answer at most {@code
   * pageBytes} of keys and values per page (and at least one entry).
   */
  public DictRegistry(ToLongFunction<V> sizer, long pageBytes) {
    this(sizer, pageBytes, ObjectQuota.UNLIMITED, ByteQuota.UNLIMITED);
  }

  /**
   * As above, with its objects counted in {@code quota} and the bytes of their contents in {@code
   * bytes}.
   */
  public DictRegistry(ToLongFunction<V> sizer, long pageBytes, ObjectQuota quota, ByteQuota bytes) {
    this.sizer = sizer;
    this.pageBytes = pageBytes;
    this.bytes = bytes;
    this.table =
        new ObjectTable<>("dict", Reason.DICT_NOT_FOUND, Reason.DICT_ALREADY_EXISTS, quota);
  }

  /**
   * Creates the empty dict {@code name}, or opens it with {@code allowExisting}.
   *
   * @throws io.ipcbroker.server.core.BrokerException {@code INVALID_NAME}, {@code
   *     DICT_ALREADY_EXISTS}, {@code SERVER_SHUTTING_DOWN}
   */
  public Created create(String name, boolean allowExisting) {
    ObjectTable.Opened<SharedDict<V>> opened =
        table.create(
            name, allowExisting, () -> new SharedDict<>(name, sizer, pageBytes, bytes), d -> {});
    return new Created(opened.object().len(), opened.created());
  }

  /**
   * The dict {@code name}.
   *
   * @throws io.ipcbroker.server.core.BrokerException {@code INVALID_NAME}, {@code DICT_NOT_FOUND},
   *     {@code SERVER_SHUTTING_DOWN}
   */
  public SharedDict<V> get(String name) {
    return table.get(name);
  }

  /**
   * Deletes the dict {@code name} and its entries.
   *
   * @return whether there was one; false only with {@code allowMissing}
   */
  public boolean delete(String name, boolean allowMissing) {
    return table.delete(name, allowMissing, SharedDict::release);
  }

  /** Refuses every later call with {@code SERVER_SHUTTING_DOWN}. */
  public void shutdown() {
    table.shutdown(d -> {});
  }
}
