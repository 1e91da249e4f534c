package io.ipcbroker.server.list;

import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Reason;
import java.util.function.ToLongFunction;

/**
 * The broker's lists: create or open, look up, delete. A list has no configuration, so opening an
 * existing one always matches.
 *
 * @param <V> the element type, opaque to the registry
 */
public final class ListRegistry<V> {
  /** What a create did: the list's length, and whether this call created it. */
  public record Created(int len, boolean created) {}

  private final ObjectTable<SharedList<V>> table;
  private final ToLongFunction<V> sizer;
  private final long sliceBytes;
  private final ByteQuota bytes;

  /**
   * A registry whose elements measure {@code sizer} bytes, and whose slices answer at most {@code
   * sliceBytes} of elements at a time (and at least one element).
   */
  public ListRegistry(ToLongFunction<V> sizer, long sliceBytes) {
    this(sizer, sliceBytes, ObjectQuota.UNLIMITED, ByteQuota.UNLIMITED);
  }

  /**
   * As above, with its objects counted in {@code quota} and the bytes of their contents in {@code
   * bytes}.
   */
  public ListRegistry(
      ToLongFunction<V> sizer, long sliceBytes, ObjectQuota quota, ByteQuota bytes) {
    this.sizer = sizer;
    this.sliceBytes = sliceBytes;
    this.bytes = bytes;
    this.table =
        new ObjectTable<>("list", Reason.LIST_NOT_FOUND, Reason.LIST_ALREADY_EXISTS, quota);
  }

  /**
   * Creates the empty list {@code name}, or opens it with {@code allowExisting}.
   *
   * @throws io.ipcbroker.server.core.BrokerException {@code INVALID_NAME}, {@code
   *     LIST_ALREADY_EXISTS}, {@code SERVER_SHUTTING_DOWN}
   */
  public Created create(String name, boolean allowExisting) {
    ObjectTable.Opened<SharedList<V>> opened =
        table.create(
            name, allowExisting, () -> new SharedList<>(name, sizer, sliceBytes, bytes), l -> {});
    return new Created(opened.object().len(), opened.created());
  }

  /**
   * The list {@code name}.
   *
   * @throws io.ipcbroker.server.core.BrokerException {@code INVALID_NAME}, {@code LIST_NOT_FOUND},
   *     {@code SERVER_SHUTTING_DOWN}
   */
  public SharedList<V> get(String name) {
    return table.get(name);
  }

  /**
   * Deletes the list {@code name} and its elements.
   *
   * @return whether there was one; false only with {@code allowMissing}
   */
  public boolean delete(String name, boolean allowMissing) {
    return table.delete(name, allowMissing, SharedList::release);
  }

  /** Refuses every later call with {@code SERVER_SHUTTING_DOWN}. */
  public void shutdown() {
    table.shutdown(l -> {});
  }
}
