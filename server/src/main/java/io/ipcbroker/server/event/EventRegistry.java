package io.ipcbroker.server.event;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.NamePages;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.List;

/** The broker's named events. */
public final class EventRegistry {
  private final ObjectTable<EventObject> events;
  private final Timer timer;

  /** A registry whose waits time out on {@code timer}. */
  public EventRegistry(Timer timer) {
    this(timer, ObjectQuota.UNLIMITED);
  }

  /** As above, with its objects counted in {@code quota}. */
  public EventRegistry(Timer timer, ObjectQuota quota) {
    this.timer = timer;
    this.events =
        new ObjectTable<>("event", Reason.EVENT_NOT_FOUND, Reason.EVENT_ALREADY_EXISTS, quota);
  }

  /** What a create did. */
  public record Created(EventObject.Info info, boolean created) {}

  /** Creates an event, or opens it. */
  public Created create(String name, boolean allowExisting) {
    ObjectTable.Opened<EventObject> o =
        events.create(name, allowExisting, () -> new EventObject(name, timer), existing -> {});
    return new Created(o.object().info(), o.created());
  }

  /**
   * Describes the first {@code max} events named after {@code after} (all when null), by name (for
   * operators); one deleted since the table's snapshot is left out.
   */
  public List<EventObject.Info> describeAll(String after, int max) {
    return NamePages.describeAfter(events.list(), o -> o.name, EventObject::infoIfOpen, after, max);
  }

  /** Describes {@code name}. */
  public EventObject.Info describe(String name) {
    return events.get(name).info();
  }

  /** Deletes {@code name}; its parked waits fail {@code OBJECT_DELETED}. */
  public boolean delete(String name, boolean allowMissing) {
    return events.delete(
        name,
        allowMissing,
        e ->
            e.close(
                BrokerException.of(Reason.OBJECT_DELETED, name + " was deleted", "name", name)));
  }

  /** Sets {@code name}'s flag; answers how many waiters it woke. */
  public int set(String name) {
    return events.get(name).set();
  }

  /** Clears {@code name}'s flag. */
  public void clear(String name) {
    events.get(name).clear();
  }

  /** Waits for {@code name}'s flag. */
  public Parked await(String name, Wait wait, Reply<Boolean> reply) {
    return events.get(name).await(wait, reply);
  }

  /** Fails every parked call with {@code SERVER_SHUTTING_DOWN} and refuses new ones. */
  public void shutdown() {
    BrokerException e = BrokerException.shuttingDown();
    events.shutdown(ev -> ev.close(e));
  }
}
