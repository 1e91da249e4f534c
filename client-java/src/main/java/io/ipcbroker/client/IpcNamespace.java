package io.ipcbroker.client;

import java.util.Optional;

/**
 * Python's {@code Manager().Namespace()}: named attributes shared by every program that opens the
 * same name. It is a view of the broker's dict of that name ({@link IpcBroker#dict}), one attribute
 * per key, so other languages read it as a dict.
 *
 * <pre>{@code
 * IpcNamespace<String> config = broker.namespace("config");
 * config.set("mode", "fast");
 * String mode = config.require("mode");
 * }</pre>
 *
 * <p>As in Python, where attributes whose name starts with {@code _} live in the local proxy only,
 * this view refuses such names with {@link IllegalArgumentException}: they are never shared. Every
 * call is atomic; a missing attribute is {@code NOT_FOUND}/{@code KEY_NOT_FOUND} for {@link
 * #require} (Python's {@code AttributeError}).
 *
 * @param <V> the attribute type, as the codec encodes it
 */
public interface IpcNamespace<V> {
  /** The namespace's name (and its dict's). */
  String name();

  /** The attribute {@code attr}, or empty if it is not set. */
  Optional<V> get(String attr);

  /**
   * The attribute {@code attr}.
   *
   * @throws IpcBrokerException {@code NOT_FOUND}/{@code KEY_NOT_FOUND} if it is not set
   */
  V require(String attr);

  /** Sets the attribute {@code attr}. */
  void set(String attr, V value);

  /** Deletes the attribute {@code attr}; returns whether it was set. */
  boolean delete(String attr);

  /** Whether the attribute {@code attr} is set. */
  boolean has(String attr);
}
