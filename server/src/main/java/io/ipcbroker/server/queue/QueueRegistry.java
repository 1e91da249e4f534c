package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.PageSizes;
import io.ipcbroker.server.core.PageTokens;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.ToIntFunction;

/**
 * The broker's named queues: create, create-or-open, look up, list, delete.
 *
 * <p>Lookups are lock-free; creates and deletes are serialised so that a name maps to at most one
 * live queue and a create-or-open sees a consistent configuration.
 *
 * @param <T> the item type, opaque to the registry
 */
public final class QueueRegistry<T> {
  // Names ListQueues's page tokens: the last name of the previous page follows it.
  private static final String PAGE_TOKEN_PREFIX = "q1:";

  private final ConcurrentSkipListMap<String, BoundedQueue<T>> queues =
      new ConcurrentSkipListMap<>();
  private final SessionRegistry sessions;
  private final QueueContext context;
  private final Clock clock;
  private final ToIntFunction<? super T> sizer;
  // Ephemeral queues' session bindings by uid, so that deleting such a queue releases its binding
  // at once instead of when the session ends. Guarded by this.
  private final Map<String, Runnable> ephemeralBindings = new HashMap<>();
  private final ObjectQuota quota;
  private boolean shutdown; // guarded by this

  /** Creates an empty registry whose items count no bytes (no byte cap on deliveries). */
  public QueueRegistry(Timer timer, SessionRegistry sessions, QueueLimits limits) {
    this(timer, sessions, limits, item -> 0);
  }

  /**
   * Creates an empty registry.
   *
   * @param sizer an item's size in bytes, for {@link QueueLimits#maxDeliveryBytes()}
   */
  public QueueRegistry(
      Timer timer, SessionRegistry sessions, QueueLimits limits, ToIntFunction<? super T> sizer) {
    this(timer, sessions, limits, sizer, ObjectQuota.UNLIMITED, Clock.systemUTC());
  }

  /** As above, with the queues counted in {@code quota}. */
  public QueueRegistry(
      Timer timer,
      SessionRegistry sessions,
      QueueLimits limits,
      ToIntFunction<? super T> sizer,
      ObjectQuota quota) {
    this(timer, sessions, limits, sizer, quota, Clock.systemUTC());
  }

  QueueRegistry(
      Timer timer,
      SessionRegistry sessions,
      QueueLimits limits,
      ToIntFunction<? super T> sizer,
      ObjectQuota quota,
      Clock clock) {
    this.quota = quota;
    this.sessions = sessions;
    this.context = new QueueContext(timer, limits);
    this.sizer = sizer;
    this.clock = clock;
  }

  /** The result of {@link #create}: the queue, and whether this call created it. */
  public record Created<T>(BoundedQueue<T> queue, boolean created) {}

  /**
   * Creates a queue, or opens the existing one when {@code allowExisting} and the configuration
   * matches.
   *
   * @param maxsize the most items; 0 or negative means unbounded
   * @param ephemeralSessionId the session whose end deletes the queue, or null for a queue that
   *     lives until deleted
   * @throws BrokerException {@code QUOTA_EXCEEDED} if a new queue would pass the object quota
   */
  public synchronized Created<T> create(
      String name,
      long maxsize,
      boolean joinable,
      boolean allowExisting,
      String ephemeralSessionId) {
    Names.checkName("name", name);
    if (shutdown) {
      throw BrokerException.shuttingDown();
    }
    long bound = Math.max(0, maxsize);
    BoundedQueue<T> existing = queues.get(name);
    if (existing != null) {
      if (!allowExisting) {
        throw BrokerException.of(
            Reason.QUEUE_ALREADY_EXISTS, "queue " + name + " already exists", "queue", name);
      }
      if (existing.maxsize() != bound) {
        throw mismatch(name, "maxsize", existing.maxsize(), bound);
      }
      if (existing.joinable() != joinable) {
        throw mismatch(name, "kind", kind(existing.joinable()), kind(joinable));
      }
      return new Created<>(existing, false);
    }
    quota.take();
    try {
      return createNew(name, bound, joinable, ephemeralSessionId);
    } catch (RuntimeException e) {
      quota.give();
      throw e;
    }
  }

  private Created<T> createNew(
      String name, long bound, boolean joinable, String ephemeralSessionId) {
    String uid = UUID.randomUUID().toString();
    BoundedQueue<T> queue =
        new BoundedQueue<>(
            name,
            uid,
            bound,
            joinable,
            ephemeralSessionId == null ? "" : ephemeralSessionId,
            clock.instant(),
            context,
            sizer);
    if (ephemeralSessionId != null) {
      // Throws SESSION_NOT_FOUND before anything is registered.
      EphemeralOwner owner = new EphemeralOwner(name, uid);
      Session session = sessions.attach(ephemeralSessionId, owner);
      ephemeralBindings.put(uid, () -> sessions.detach(session, owner));
    }
    queues.put(name, queue);
    return new Created<>(queue, true);
  }

  private static String kind(boolean joinable) {
    return joinable ? "JOINABLE" : "STANDARD";
  }

  private static BrokerException mismatch(
      String name, String field, Object existing, Object requested) {
    return BrokerException.of(
        Reason.CONFIG_MISMATCH,
        "queue " + name + " exists with " + field + " " + existing + ", not " + requested,
        "name",
        name,
        "field",
        field,
        "existing",
        existing,
        "requested",
        requested);
  }

  /**
   * Returns queue {@code name}, checking its uid when {@code expectedUid} is not empty.
   *
   * @throws BrokerException {@link Reason#INVALID_NAME}, {@link Reason#QUEUE_NOT_FOUND}, {@link
   *     Reason#UID_MISMATCH}
   */
  public BoundedQueue<T> get(String name, String expectedUid) {
    Names.checkName("queue", name);
    BoundedQueue<T> queue = queues.get(name);
    if (queue == null) {
      throw notFound(name);
    }
    if (expectedUid != null && !expectedUid.isEmpty() && !expectedUid.equals(queue.uid())) {
      throw BrokerException.of(
          Reason.UID_MISMATCH,
          "queue "
              + name
              + " is not the queue with uid "
              + Names.abbreviate(expectedUid)
              + " (that one was deleted)",
          "name",
          name,
          "uid",
          queue.uid(),
          "expectedUid",
          Names.abbreviate(expectedUid));
    }
    return queue;
  }

  /** One page of {@link #list}. */
  public record Page<T>(List<BoundedQueue<T>> queues, String nextPageToken) {}

  /**
   * Lists queues in name order.
   *
   * @param pageToken the last name of the previous page, as returned in {@link Page#nextPageToken};
   *     empty for the first page
   */
  public Page<T> list(String namePrefix, int pageSize, String pageToken) {
    int size = PageSizes.limit(pageSize);
    String after = PageTokens.decode(PAGE_TOKEN_PREFIX, pageToken, "ListQueues");
    Map<String, BoundedQueue<T>> view =
        after == null
            ? queues.tailMap(namePrefix, true)
            : after.compareTo(namePrefix) >= 0
                ? queues.tailMap(after, false)
                : queues.tailMap(namePrefix, true);
    List<BoundedQueue<T>> out = new ArrayList<>(Math.min(size, 64));
    String last = null;
    boolean more = false;
    for (Map.Entry<String, BoundedQueue<T>> e : view.entrySet()) {
      if (!e.getKey().startsWith(namePrefix)) {
        break;
      }
      if (out.size() == size) {
        more = true;
        break;
      }
      out.add(e.getValue());
      last = e.getKey();
    }
    return new Page<>(out, more ? PageTokens.encode(PAGE_TOKEN_PREFIX, last) : "");
  }

  /** The result of {@link #delete}. */
  public record Deleted(boolean deleted, long discardedItems) {}

  /**
   * Deletes queue {@code name}.
   *
   * @throws BrokerException {@link Reason#QUEUE_NOT_FOUND} (unless {@code allowMissing}), {@link
   *     Reason#UID_MISMATCH}, {@link Reason#QUEUE_NOT_EMPTY} and {@link Reason#QUEUE_IN_USE}
   *     (without {@code force})
   */
  public Deleted delete(String name, String expectedUid, boolean force, boolean allowMissing) {
    List<Runnable> answers = new ArrayList<>();
    Deleted deleted = deleteCollecting(name, expectedUid, force, allowMissing, answers);
    // Answering parked calls and streams is client I/O: not under the registry's monitor, which
    // every create and delete takes.
    BoundedQueue.run(answers);
    return deleted;
  }

  private synchronized Deleted deleteCollecting(
      String name,
      String expectedUid,
      boolean force,
      boolean allowMissing,
      List<Runnable> answers) {
    BoundedQueue<T> queue;
    try {
      queue = get(name, expectedUid);
    } catch (BrokerException e) {
      if (allowMissing && e.reason() == Reason.QUEUE_NOT_FOUND) {
        return new Deleted(false, 0);
      }
      throw e;
    }
    // Without force, the idleness check and the close happen under one hold of the queue's lock
    // (a put in between would otherwise be discarded after it was answered OK); a refusal throws
    // before anything changed.
    long discarded =
        queue.close(
            BrokerException.of(
                Reason.OBJECT_DELETED, "queue " + name + " was deleted", "name", name),
            true,
            !force,
            answers);
    if (queues.remove(name, queue)) {
      quota.give();
    }
    Runnable binding = ephemeralBindings.remove(queue.uid());
    if (binding != null) {
      answers.add(binding);
    }
    return new Deleted(true, discarded);
  }

  /** How many queues exist. */
  public int size() {
    return queues.size();
  }

  /** Every queue now, in name order (for metrics and the status page). */
  public List<BoundedQueue<T>> all() {
    return new ArrayList<>(queues.values());
  }

  /** The bytes all queues hold now, as the broker-wide byte cap counts them. */
  public long heldBytes() {
    return context.budget().held();
  }

  /**
   * Ends every parked call and bound stream with {@link Reason#SERVER_SHUTTING_DOWN} and refuses
   * new work. No item is handed over afterwards.
   */
  public void shutdown() {
    List<BoundedQueue<T>> all;
    synchronized (this) {
      shutdown = true;
      all = new ArrayList<>(queues.values());
    }
    for (BoundedQueue<T> q : all) {
      q.close(BrokerException.shuttingDown(), false);
    }
  }

  private static BrokerException notFound(String name) {
    return BrokerException.of(
        Reason.QUEUE_NOT_FOUND, "queue " + name + " does not exist", "queue", name);
  }

  /** Deletes an ephemeral queue when its session ends. */
  private final class EphemeralOwner implements SessionOwned {
    private final String name;
    private final String uid;

    EphemeralOwner(String name, String uid) {
      this.name = name;
      this.uid = uid;
    }

    @Override
    public void sessionEnded(Session session) {
      try {
        delete(name, uid, true, true);
      } catch (BrokerException e) {
        // UID_MISMATCH: the queue was deleted and the name re-created by someone else; leave it.
      }
    }

    @Override
    public String toString() {
      return "ephemeral queue " + name;
    }
  }
}
