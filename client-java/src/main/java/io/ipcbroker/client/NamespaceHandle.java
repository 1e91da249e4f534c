package io.ipcbroker.client;

import java.util.Objects;
import java.util.Optional;

/** The SDK's {@link IpcNamespace}: a dict whose keys are attribute names. */
final class NamespaceHandle<V> implements IpcNamespace<V> {
  private final DictHandle<V> dict;

  NamespaceHandle(DictHandle<V> dict) {
    this.dict = dict;
  }

  @Override
  public String name() {
    return dict.name();
  }

  @Override
  public Optional<V> get(String attr) {
    return dict.get(check(attr));
  }

  @Override
  public V require(String attr) {
    return dict.require(check(attr));
  }

  @Override
  public void set(String attr, V value) {
    dict.put(check(attr), value);
  }

  @Override
  public boolean delete(String attr) {
    return dict.delete(check(attr));
  }

  @Override
  public boolean has(String attr) {
    return dict.containsKey(check(attr));
  }

  // Python's NamespaceProxy keeps names starting with '_' in the local proxy, so they never reach
  // the manager; refusing them keeps programs from sharing what Python programs would not.
  private static String check(String attr) {
    Objects.requireNonNull(attr, "attr");
    if (attr.startsWith("_")) {
      throw new IllegalArgumentException(
          "attribute "
              + attr
              + " starts with '_': such attributes are local in Python, not shared");
    }
    return attr;
  }

  @Override
  public String toString() {
    return "IpcNamespace[" + name() + "]";
  }
}
