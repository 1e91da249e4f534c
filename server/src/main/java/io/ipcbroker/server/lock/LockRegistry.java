package io.ipcbroker.server.lock;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.NamePages;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Owner;
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
import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker's named locks and conditions. Holders are bound to their sessions, so a client that
 * dies releases its locks; fencing tokens come from one counter, so they grow across every lock.
 */
public final class LockRegistry {
  private final ObjectTable<LockObject> locks;
  private final ObjectTable<ConditionObject> conditions;
  private final Timer timer;
  private final SessionRegistry sessions;
  private final AtomicLong tokens = new AtomicLong();
  private final Object bindings = new Object(); // guards conditions' lock bindings

  /** A registry whose waits time out on {@code timer} and whose holders belong to sessions. */
  public LockRegistry(Timer timer, SessionRegistry sessions) {
    this(timer, sessions, ObjectQuota.UNLIMITED);
  }

  /** As above, with its objects counted in {@code quota}. */
  public LockRegistry(Timer timer, SessionRegistry sessions, ObjectQuota quota) {
    this.timer = timer;
    this.sessions = sessions;
    this.locks =
        new ObjectTable<>("lock", Reason.LOCK_NOT_FOUND, Reason.LOCK_ALREADY_EXISTS, quota);
    this.conditions =
        new ObjectTable<>(
            "condition", Reason.CONDITION_NOT_FOUND, Reason.CONDITION_ALREADY_EXISTS, quota);
  }

  /** What a create did. */
  public record Created<I>(I info, boolean created) {}

  /** Creates a Lock ({@code reentrant} false) or an RLock, or opens it if its kind matches. */
  public Created<LockObject.Info> createLock(
      String name, boolean reentrant, boolean allowExisting) {
    ObjectTable.Opened<LockObject> o =
        locks.create(
            name,
            allowExisting,
            () -> new LockObject(name, reentrant, timer, new Binder(), tokens::incrementAndGet),
            existing -> {
              if (existing.reentrant != reentrant) {
                throw ObjectTable.configMismatch(
                    name, "kind", kind(existing.reentrant), kind(reentrant));
              }
            });
    return new Created<>(o.object().info(), o.created());
  }

  private static String kind(boolean reentrant) {
    return reentrant ? "rlock" : "lock";
  }

  /**
   * Describes the first {@code max} locks named after {@code after} (all when null), by name (for
   * operators).
   */
  public List<LockObject.Info> describeLocks(String after, int max) {
    return NamePages.describeAfter(locks.list(), l -> l.name, LockObject::info, after, max);
  }

  /** Describes lock {@code name}. */
  public LockObject.Info describeLock(String name) {
    return locks.get(name).info();
  }

  /** Deletes lock {@code name} and the conditions bound to it. */
  public boolean deleteLock(String name, boolean allowMissing) {
    // Exclusive with createCondition, so that no condition is created bound to a lock that is
    // being deleted.
    synchronized (bindings) {
      return locks.delete(
          name,
          allowMissing,
          lock -> {
            // Closing the lock also ends its conditions' waits; then the names go.
            lock.close(deleted(name));
            conditions.removeIf(c -> c.lock == lock, c -> {});
          });
    }
  }

  /** Acquires {@code name} for {@code owner}; the reply is the grant. */
  public Parked acquire(
      String name, Owner owner, long requestId, Wait wait, Reply<LockObject.Grant> reply) {
    return locks.get(name).acquire(owner, requestId, wait, reply);
  }

  /** Takes back a grant whose answer could not be sent. */
  public void undoAcquire(String name, Owner owner, long requestId, LockObject.Grant grant) {
    LockObject lock = locks.find(name);
    if (lock != null) {
      lock.undoAcquire(owner, requestId, grant);
    }
  }

  /** Releases one level of {@code owner}'s hold; answers the levels left. */
  public int release(String name, Owner owner) {
    LockObject lock = locks.get(name);
    sessions.get(owner.sessionId()); // a live session, as for every call that names one
    return lock.release(owner);
  }

  /** Settles request {@code requestId} of {@code owner}'s session. */
  public LockObject.Reconciled reconcile(String name, Owner owner, long requestId) {
    LockObject lock = locks.get(name);
    RequestRef ref = RequestRef.required(owner.sessionId(), requestId);
    sessions.get(owner.sessionId()); // a live session, as for every call that names one
    return lock.reconcile(owner, ref);
  }

  /** Creates a condition bound to lock {@code lockName}, or opens it if bound to the same. */
  public Created<ConditionObject.Info> createCondition(
      String name, String lockName, boolean allowExisting) {
    Names.checkName("name", name);
    Names.checkName("lock", lockName);
    synchronized (bindings) {
      LockObject lock = locks.get(lockName);
      ObjectTable.Opened<ConditionObject> o =
          conditions.create(
              name,
              allowExisting,
              () -> {
                ConditionObject c = new ConditionObject(name, lock);
                lock.addCondition(c);
                return c;
              },
              existing -> {
                if (existing.lock != lock) {
                  throw ObjectTable.configMismatch(name, "lock", existing.lock.name, lockName);
                }
              });
      return new Created<>(o.object().info(), o.created());
    }
  }

  /**
   * Describes the first {@code max} conditions named after {@code after} (all when null), by name
   * (for operators).
   */
  public List<ConditionObject.Info> describeConditions(String after, int max) {
    return NamePages.describeAfter(
        conditions.list(), c -> c.name, ConditionObject::info, after, max);
  }

  /** Describes condition {@code name}. */
  public ConditionObject.Info describeCondition(String name) {
    return conditions.get(name).info();
  }

  /** Deletes condition {@code name}; its waits fail {@code OBJECT_DELETED}. */
  public boolean deleteCondition(String name, boolean allowMissing) {
    return conditions.delete(name, allowMissing, c -> c.close(deleted(name)));
  }

  /** Waits on condition {@code name}. */
  public Parked await(
      String name, Owner owner, long requestId, Wait wait, Reply<LockObject.Waited> reply) {
    return conditions.get(name).await(owner, requestId, wait, reply);
  }

  /** Takes back a condition wait's re-acquired hold whose answer could not be sent. */
  public void undoWait(String name, Owner owner, long requestId, LockObject.Grant grant) {
    ConditionObject c = conditions.find(name);
    if (c != null) {
      c.lock.undoWait(owner, requestId, grant);
    }
  }

  /** Wakes up to {@code n} waiters of condition {@code name} ({@code n} null: 1; all if all). */
  public int notify(String name, Owner owner, Integer n, boolean all) {
    ConditionObject c = conditions.get(name);
    sessions.get(owner.sessionId());
    int count = all ? Integer.MAX_VALUE : n == null ? 1 : n;
    if (count < 0) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE, "n must not be negative", "field", "n", "value", count);
    }
    return c.notify(owner, count);
  }

  /** Fails every parked call with {@code SERVER_SHUTTING_DOWN} and refuses new ones. */
  public void shutdown() {
    BrokerException e = BrokerException.shuttingDown();
    conditions.shutdown(c -> c.close(e));
    locks.shutdown(l -> l.close(e));
  }

  private static BrokerException deleted(String name) {
    return BrokerException.of(Reason.OBJECT_DELETED, name + " was deleted", "name", name);
  }

  // A holder's levels are released when its session ends.
  private final class Binder implements LockObject.Binder {
    @Override
    public Runnable bind(LockObject lock, Owner holder) {
      SessionOwned owned = s -> lock.sessionEnded(holder);
      Session session = sessions.attachUncounted(holder.sessionId(), owned);
      return () -> sessions.detach(session, owned);
    }

    @Override
    public void checkLive(String sessionId) {
      sessions.get(sessionId);
    }
  }
}
