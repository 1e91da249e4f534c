package io.ipcbroker.server.semaphore;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.NamePages;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.RequestRef;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.List;

/** The broker's named semaphores; permits are held by sessions and given back when they end. */
public final class SemaphoreRegistry {
  private final ObjectTable<SemaphoreObject> semaphores;
  private final Timer timer;
  private final SessionRegistry sessions;

  /** A registry whose waits time out on {@code timer} and whose permits belong to sessions. */
  public SemaphoreRegistry(Timer timer, SessionRegistry sessions) {
    this(timer, sessions, ObjectQuota.UNLIMITED);
  }

  /** As above, with its objects counted in {@code quota}. */
  public SemaphoreRegistry(Timer timer, SessionRegistry sessions, ObjectQuota quota) {
    this.timer = timer;
    this.sessions = sessions;
    this.semaphores =
        new ObjectTable<>(
            "semaphore", Reason.SEMAPHORE_NOT_FOUND, Reason.SEMAPHORE_ALREADY_EXISTS, quota);
  }

  /** What a create did. */
  public record Created(SemaphoreObject.Info info, boolean created) {}

  /**
   * Creates a semaphore, or opens it if its initial value and boundedness match.
   *
   * @param value the initial value; null for 1
   */
  public Created create(String name, Long value, boolean bounded, boolean allowExisting) {
    long initial = value == null ? 1 : value;
    if (initial < 0 || initial > Integer.MAX_VALUE) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "value must be within [0, " + Integer.MAX_VALUE + "]",
          "field",
          "value",
          "value",
          initial);
    }
    ObjectTable.Opened<SemaphoreObject> o =
        semaphores.create(
            name,
            allowExisting,
            () -> new SemaphoreObject(name, initial, bounded, timer, new Binder()),
            existing -> {
              if (existing.bounded != bounded) {
                throw ObjectTable.configMismatch(name, "bounded", existing.bounded, bounded);
              }
              if (existing.initial != initial) {
                throw ObjectTable.configMismatch(name, "value", existing.initial, initial);
              }
            });
    return new Created(o.object().info(), o.created());
  }

  /**
   * Describes the first {@code max} semaphores named after {@code after} (all when null), by name
   * (for operators).
   */
  public List<SemaphoreObject.Info> describeAll(String after, int max) {
    return NamePages.describeAfter(
        semaphores.list(), o -> o.name, SemaphoreObject::info, after, max);
  }

  /** Describes {@code name}. */
  public SemaphoreObject.Info describe(String name) {
    return semaphores.get(name).info();
  }

  /** Deletes {@code name}; its parked acquires fail {@code OBJECT_DELETED}. */
  public boolean delete(String name, boolean allowMissing) {
    return semaphores.delete(
        name,
        allowMissing,
        s ->
            s.close(
                BrokerException.of(Reason.OBJECT_DELETED, name + " was deleted", "name", name)));
  }

  /** Takes a permit of {@code name} for {@code sessionId}. */
  public Parked acquire(
      String name,
      String sessionId,
      long requestId,
      Wait wait,
      Reply<SemaphoreObject.Grant> reply) {
    SemaphoreObject s = semaphores.get(name);
    Names.checkRequired("session_id", sessionId);
    return s.acquire(sessionId, requestId, wait, reply);
  }

  /** Takes back a permit granted to a call whose answer could not be sent. */
  public void undoAcquire(String name, String sessionId, long requestId) {
    SemaphoreObject s = semaphores.find(name);
    if (s != null) {
      s.undoAcquire(sessionId, requestId);
    }
  }

  /**
   * Gives back {@code n} permits of {@code name} (null: 1).
   *
   * @param sessionId the caller's session; empty for none
   */
  public long release(String name, String sessionId, Integer n) {
    SemaphoreObject s = semaphores.get(name);
    int count = n == null ? 1 : n;
    if (count < 1) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE, "n must be at least 1", "field", "n", "value", count);
    }
    if (!sessionId.isEmpty()) {
      sessions.get(sessionId);
    }
    return s.release(sessionId.isEmpty() ? null : sessionId, count);
  }

  /** Settles request {@code requestId} of {@code sessionId}. */
  public SemaphoreObject.Reconciled reconcile(String name, String sessionId, long requestId) {
    SemaphoreObject s = semaphores.get(name);
    RequestRef ref = RequestRef.required(sessionId, requestId);
    sessions.get(sessionId);
    return s.reconcile(ref);
  }

  /** Fails every parked call with {@code SERVER_SHUTTING_DOWN} and refuses new ones. */
  public void shutdown() {
    BrokerException e = BrokerException.shuttingDown();
    semaphores.shutdown(s -> s.close(e));
  }

  // A session's permits are given back when it ends.
  private final class Binder implements SemaphoreObject.Binder {
    @Override
    public Runnable bind(SemaphoreObject semaphore, String sessionId) {
      SessionOwned owned = s -> semaphore.sessionEnded(sessionId);
      Session session = sessions.attachUncounted(sessionId, owned);
      return () -> sessions.detach(session, owned);
    }

    @Override
    public void checkLive(String sessionId) {
      sessions.get(sessionId);
    }
  }
}
