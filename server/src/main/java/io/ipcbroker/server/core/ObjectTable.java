package io.ipcbroker.server.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The named objects of one kind (locks, events, dicts...): create, create-or-open with the
 * config-match rule, look up, delete, and refuse everything once the broker shuts down. Names are
 * checked before anything is looked up, so a bad name is always {@code INVALID_NAME}.
 *
 * @param <T> the object type
 */
public final class ObjectTable<T> {
  /** What a create did. */
  public record Opened<T>(T object, boolean created) {}

  private final String noun;
  private final Reason notFound;
  private final Reason alreadyExists;
  private final ObjectQuota quota;
  private final ConcurrentHashMap<String, T> objects = new ConcurrentHashMap<>();
  private final Object creates = new Object();
  private volatile boolean shutdown;

  /**
   * A table of objects called {@code noun} in messages and metadata keys ("lock", "dict").
   *
   * @param notFound the reason of a lookup that finds nothing
   * @param alreadyExists the reason of a create whose name is taken
   */
  public ObjectTable(String noun, Reason notFound, Reason alreadyExists) {
    this(noun, notFound, alreadyExists, ObjectQuota.UNLIMITED);
  }

  /** As above, with the objects counted in {@code quota} while they are in the table. */
  public ObjectTable(String noun, Reason notFound, Reason alreadyExists, ObjectQuota quota) {
    this.noun = noun;
    this.notFound = notFound;
    this.alreadyExists = alreadyExists;
    this.quota = quota;
  }

  /**
   * Creates {@code name} with {@code factory}, or opens it when {@code allowExisting} is set and
   * {@code checkMatches} accepts the existing object (it throws {@link #configMismatch} if not).
   *
   * @throws BrokerException {@code QUOTA_EXCEEDED} if a new object would pass the object quota
   */
  public Opened<T> create(
      String name, boolean allowExisting, Supplier<T> factory, Consumer<T> checkMatches) {
    checkNotShutdown();
    Names.checkName("name", name);
    synchronized (creates) {
      T existing = objects.get(name);
      if (existing != null) {
        if (!allowExisting) {
          throw BrokerException.of(alreadyExists, noun + " " + name + " exists", noun, name);
        }
        checkMatches.accept(existing);
        return new Opened<>(existing, false);
      }
      quota.take();
      T created;
      try {
        created = factory.get();
      } catch (RuntimeException e) {
        quota.give();
        throw e;
      }
      objects.put(name, created);
      return new Opened<>(created, true);
    }
  }

  /**
   * The object {@code name}.
   *
   * @throws BrokerException {@code INVALID_NAME}, or the table's not-found reason
   */
  public T get(String name) {
    checkNotShutdown();
    Names.checkName("name", name);
    T object = objects.get(name);
    if (object == null) {
      throw notFound(name);
    }
    return object;
  }

  /** The object {@code name}, or null if there is none (or the table shut down). */
  public T find(String name) {
    return shutdown || name == null ? null : objects.get(name);
  }

  /** Every object, in no particular order. */
  public List<T> list() {
    checkNotShutdown();
    return new ArrayList<>(objects.values());
  }

  /**
   * Removes {@code name} and hands it to {@code close} (outside the table's lock).
   *
   * @return whether there was one; false only with {@code allowMissing}
   */
  public boolean delete(String name, boolean allowMissing, Consumer<T> close) {
    checkNotShutdown();
    Names.checkName("name", name);
    T removed;
    synchronized (creates) {
      removed = objects.remove(name);
      if (removed != null) {
        quota.give();
      }
    }
    if (removed == null) {
      if (allowMissing) {
        return false;
      }
      throw notFound(name);
    }
    close.accept(removed);
    return true;
  }

  /**
   * Removes every object that {@code which} selects and hands each to {@code close}, even during
   * shutdown (a delete that cascades must finish).
   */
  public void removeIf(Predicate<T> which, Consumer<T> close) {
    List<T> removed = new ArrayList<>();
    synchronized (creates) {
      objects.values().removeIf(o -> which.test(o) && removed.add(o));
      removed.forEach(o -> quota.give());
    }
    removed.forEach(close);
  }

  /** Refuses every later call with {@code SERVER_SHUTTING_DOWN} and hands each object to close. */
  public void shutdown(Consumer<T> close) {
    shutdown = true;
    objects.values().forEach(close);
  }

  /** Throws {@code SERVER_SHUTTING_DOWN} once the table was shut down. */
  public void checkNotShutdown() {
    if (shutdown) {
      throw BrokerException.shuttingDown();
    }
  }

  /** The not-found error for {@code name}. */
  public BrokerException notFound(String name) {
    return BrokerException.of(
        notFound,
        "no " + noun + " has name " + Names.abbreviate(name),
        noun,
        Names.abbreviate(name));
  }

  /**
   * The error of a create-or-open whose configuration differs from the existing object's.
   *
   * @param field the first setting that differs
   */
  public static BrokerException configMismatch(
      String name, String field, Object existing, Object requested) {
    return BrokerException.of(
        Reason.CONFIG_MISMATCH,
        name + " exists with another " + field,
        "name",
        name,
        "field",
        field,
        "existing",
        String.valueOf(existing),
        "requested",
        String.valueOf(requested));
  }
}
