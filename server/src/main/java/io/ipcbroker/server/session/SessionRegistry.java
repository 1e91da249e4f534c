package io.ipcbroker.server.session;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live sessions. Ends a session on request or when its TTL passes without a renewal, and then
 * releases everything it owned.
 */
public final class SessionRegistry {
  private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

  /** The TTL given when a client asks for none. */
  public static final double DEFAULT_TTL_SECONDS = 10;

  /** The shortest TTL accepted. */
  public static final double MIN_TTL_SECONDS = 0.5;

  /** The longest TTL accepted. */
  public static final double MAX_TTL_SECONDS = 3600;

  /** How often expired sessions are looked for: the precision of expiry. */
  static final long SWEEP_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** The default {@code --max-sessions}. */
  public static final int DEFAULT_MAX_SESSIONS = 10_000;

  /** The default {@code --max-waiters-per-session}. */
  public static final int DEFAULT_MAX_WAITERS_PER_SESSION = 10_000;

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Object creates = new Object();
  private final AtomicLong sequence = new AtomicLong();
  private final int maxSessions;
  private final int maxWaitersPerSession;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final String serverId = UUID.randomUUID().toString();
  private final Timer timer;
  private final Timer.Timeout sweeper;
  private volatile boolean shutdown;

  /** Creates a registry that looks for expired sessions on {@code timer}. */
  public SessionRegistry(Timer timer) {
    this(timer, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_WAITERS_PER_SESSION);
  }

  /**
   * Creates a registry with quotas (0: none).
   *
   * @param maxSessions the most sessions live at once
   * @param maxWaitersPerSession the most parked calls, open streams, pending tasks and other things
   *     (lock holds and processes aside) that one session may own at once
   */
  public SessionRegistry(Timer timer, int maxSessions, int maxWaitersPerSession) {
    this(timer, Clock.systemUTC(), System::nanoTime, maxSessions, maxWaitersPerSession);
  }

  SessionRegistry(Timer timer, Clock clock, LongSupplier nanoTime) {
    this(timer, clock, nanoTime, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_WAITERS_PER_SESSION);
  }

  private SessionRegistry(
      Timer timer, Clock clock, LongSupplier nanoTime, int maxSessions, int maxWaitersPerSession) {
    if (maxSessions < 0 || maxWaitersPerSession < 0) {
      throw new IllegalArgumentException("session quotas must be 0 (none) or positive");
    }
    this.maxSessions = maxSessions;
    this.maxWaitersPerSession = maxWaitersPerSession;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.timer = timer;
    this.sweeper = timer.scheduleAtFixedRate(this::sweep, SWEEP_PERIOD_NANOS);
  }

  /** Identifies this run of the broker. */
  public String serverId() {
    return serverId;
  }

  /**
   * Opens a session.
   *
   * @param ttlSeconds the TTL; 0 means {@link #DEFAULT_TTL_SECONDS}
   */
  public Session create(double ttlSeconds, String clientName) {
    return create(ttlSeconds, clientName, "");
  }

  /**
   * Opens a session for a client that runs in broker-spawned process {@code processId} (empty if
   * none); the caller checked that the process exists.
   *
   * @param ttlSeconds the TTL; 0 means {@link #DEFAULT_TTL_SECONDS}
   */
  public Session create(double ttlSeconds, String clientName, String processId) {
    return create(ttlSeconds, clientName, processId, "");
  }

  /**
   * As above, for a client that connected from {@code clientAddress} ({@code host:port}, or empty
   * when unknown).
   */
  public Session create(
      double ttlSeconds, String clientName, String processId, String clientAddress) {
    checkNotShutdown();
    if (ttlSeconds == 0) {
      ttlSeconds = DEFAULT_TTL_SECONDS;
    }
    if (!(ttlSeconds >= MIN_TTL_SECONDS && ttlSeconds <= MAX_TTL_SECONDS)) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "ttl_seconds must be 0 (default) or within ["
              + MIN_TTL_SECONDS
              + ", "
              + MAX_TTL_SECONDS
              + "]",
          "field",
          "ttl_seconds",
          "value",
          Double.toString(ttlSeconds));
    }
    if (clientName.length() > Names.MAX_NAME_LENGTH) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "client_name must be at most " + Names.MAX_NAME_LENGTH + " characters",
          "field",
          "client_name",
          "value",
          Names.abbreviate(clientName));
    }
    Session session;
    synchronized (creates) {
      // The sequence is taken under the lock that inserts, so a listing made under it sees
      // sessions in sequence order with no gaps (paging skips none).
      session =
          new Session(
              UUID.randomUUID().toString(),
              (long) (ttlSeconds * 1e9),
              clock.instant(),
              clientName,
              processId,
              clientAddress,
              sequence.incrementAndGet(),
              nanoTime.getAsLong());
      if (maxSessions > 0 && sessions.size() >= maxSessions) {
        throw BrokerException.of(
            Reason.QUOTA_EXCEEDED,
            "the broker already has " + maxSessions + " live sessions",
            "quota",
            "sessions",
            "limit",
            maxSessions);
      }
      sessions.put(session.id(), session);
    }
    return session;
  }

  /**
   * Returns the live session {@code id}.
   *
   * @throws BrokerException {@link Reason#SESSION_NOT_FOUND} if it does not exist, ended or expired
   */
  public Session get(String id) {
    Names.checkRequired("session_id", id);
    Session session = sessions.get(id);
    if (session == null || session.isEnded()) {
      throw notFound(id);
    }
    if (session.expiresAtNanos() - nanoTime.getAsLong() < 0) {
      // The sweeper has not reached it yet; nothing is granted to an expired session. Its release
      // runs on the timer, not here: the caller may hold locks (a registry's monitor) that
      // releasing everything the session owned must not run under.
      timer.schedule(() -> end(session, "expired"), 0);
      throw notFound(id);
    }
    return session;
  }

  /**
   * The session {@code id} if it has not ended, else null; for operators' views, which describe and
   * grant nothing (unlike {@link #get}, it neither checks the TTL nor throws).
   */
  public Session peek(String id) {
    Session session = sessions.get(id);
    return session == null || session.isEnded() ? null : session;
  }

  /** Renews the TTL of session {@code id} and returns it. */
  public Session refresh(String id) {
    Session session = get(id);
    if (!session.renew(nanoTime.getAsLong())) {
      throw notFound(id);
    }
    return session;
  }

  /** Ends session {@code id} now and releases what it owned. */
  public void delete(String id) {
    end(get(id), "closed");
  }

  /** Ends {@code session} (if it has not ended) and releases what it owned. */
  public void end(Session session, String why) {
    sessions.remove(session.id(), session);
    List<SessionOwned> released = session.end();
    if (released == null) {
      return;
    }
    log.debug("session {} ended ({}), releasing {} owned", session.id(), why, released.size());
    for (SessionOwned o : released) {
      try {
        o.sessionEnded(session);
      } catch (RuntimeException e) {
        // One faulty release must not keep the others from being released.
        log.error("releasing {} of session {} failed", o, session.id(), e);
      }
    }
  }

  /**
   * Makes {@code owned} belong to session {@code id}, so that it is released when the session ends.
   * It counts against the session's waiter quota.
   *
   * @throws BrokerException {@link Reason#SESSION_NOT_FOUND} if the session is not live, {@link
   *     Reason#QUOTA_EXCEEDED} if it already owns {@code --max-waiters-per-session} things
   */
  public Session attach(String id, SessionOwned owned) {
    return attach(id, owned, maxWaitersPerSession);
  }

  /**
   * As {@link #attach}, for what does not count against the waiter quota: a lock hold or permit
   * (granted to a call that counted while it waited, and bounded by the object), a process (which
   * has its own quota), the session's own keep-alive stream.
   */
  public Session attachUncounted(String id, SessionOwned owned) {
    return attach(id, owned, 0);
  }

  private Session attach(String id, SessionOwned owned, int quota) {
    Session session = get(id);
    if (!session.own(owned, quota)) {
      throw notFound(id);
    }
    return session;
  }

  /** Forgets {@code owned}, which was released by other means. */
  public void detach(Session session, SessionOwned owned) {
    if (session != null) {
      session.disown(owned);
    }
  }

  /** One page of {@link #list}: the sessions, and the sequence to continue after (0: no more). */
  public record Page(List<Session> sessions, long nextAfter) {}

  /**
   * The live sessions created after the one of sequence {@code after} (0: from the first), oldest
   * first, at most {@code max}.
   */
  public Page list(long after, int max) {
    List<Session> live = new ArrayList<>();
    long now = nanoTime.getAsLong();
    synchronized (creates) {
      for (Session s : sessions.values()) {
        // Expired ones are live until the sweeper ends them, but nothing is granted to them.
        if (!s.isEnded() && s.expiresAtNanos() - now >= 0 && s.sequence() > after) {
          live.add(s);
        }
      }
    }
    live.sort(Comparator.comparingLong(Session::sequence));
    if (live.size() <= max) {
      return new Page(live, 0);
    }
    List<Session> page = new ArrayList<>(live.subList(0, max));
    return new Page(page, page.get(max - 1).sequence());
  }

  /** How many sessions are live. */
  public int size() {
    return sessions.size();
  }

  /** Converts a monotonic {@link Session#expiresAtNanos()} to wall-clock time. */
  public Instant toInstant(long monotonicNanos) {
    return clock.instant().plusNanos(monotonicNanos - nanoTime.getAsLong());
  }

  void sweep() {
    long now = nanoTime.getAsLong();
    for (Session session : sessions.values()) {
      if (session.expiresAtNanos() - now < 0) {
        end(session, "expired");
      }
    }
  }

  /** Stops expiring sessions and refuses new ones; live sessions stay as they are. */
  public void shutdown() {
    shutdown = true;
    sweeper.cancel();
  }

  private void checkNotShutdown() {
    if (shutdown) {
      throw BrokerException.shuttingDown();
    }
  }

  private static BrokerException notFound(String id) {
    return BrokerException.of(
        Reason.SESSION_NOT_FOUND,
        "session " + Names.abbreviate(id) + " does not exist, was closed or expired",
        "session",
        Names.abbreviate(id));
  }
}
