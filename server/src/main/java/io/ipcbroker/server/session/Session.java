package io.ipcbroker.server.session;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** A client's lease on the broker: a TTL that the client renews, and what it owns meanwhile. */
public final class Session {
  private final String id;
  private final long ttlNanos;
  private final Instant createTime;
  private final String clientName;
  private final String processId;
  private final String clientAddress;
  private final long sequence;
  // Python counts every Process() its parent constructs; a session plays the parent here.
  private final AtomicInteger processCounter = new AtomicInteger();
  private volatile long expiresAtNanos;

  // Guarded by this. Insertion order, so that release happens in the order things were taken.
  private final Set<SessionOwned> owned = new LinkedHashSet<>();
  // Guarded by this: those of owned that count against the waiter quota.
  private final Set<SessionOwned> counted = new HashSet<>();
  // Written under this; read without it on every hand-over.
  private volatile boolean ended;

  Session(
      String id,
      long ttlNanos,
      Instant createTime,
      String clientName,
      String processId,
      String clientAddress,
      long sequence,
      long nowNanos) {
    this.clientAddress = clientAddress;
    this.sequence = sequence;
    this.id = id;
    this.ttlNanos = ttlNanos;
    this.createTime = createTime;
    this.clientName = clientName;
    this.processId = processId;
    this.expiresAtNanos = nowNanos + ttlNanos;
  }

  /** The session's id. */
  public String id() {
    return id;
  }

  /** The TTL in nanoseconds. */
  public long ttlNanos() {
    return ttlNanos;
  }

  /** When the session was opened. */
  public Instant createTime() {
    return createTime;
  }

  /** The name the client gave, possibly empty. */
  public String clientName() {
    return clientName;
  }

  /** The broker-spawned process the client runs in, or empty. */
  public String processId() {
    return processId;
  }

  /** Where the client connected from when it created the session ({@code host:port}), or empty. */
  public String clientAddress() {
    return clientAddress;
  }

  /** The order of creation among the broker's sessions: 1, 2, ... */
  public long sequence() {
    return sequence;
  }

  /** The number of the next process this session creates: 1, 2, ... */
  public int nextProcessNumber() {
    return processCounter.incrementAndGet();
  }

  /** The {@code System.nanoTime()} at which the session expires unless renewed. */
  public long expiresAtNanos() {
    return expiresAtNanos;
  }

  /** Whether the session has ended. */
  public boolean isEnded() {
    return ended;
  }

  /** Renews the TTL; returns false if the session already ended. */
  synchronized boolean renew(long nowNanos) {
    if (ended) {
      return false;
    }
    expiresAtNanos = nowNanos + ttlNanos;
    return true;
  }

  /**
   * Adds {@code o} to what the session owns; returns false if the session already ended.
   *
   * @param quota the most counted things the session may own, {@code o} included; 0 when {@code o}
   *     does not count
   * @throws BrokerException {@code QUOTA_EXCEEDED} if {@code o} would pass the quota
   */
  synchronized boolean own(SessionOwned o, int quota) {
    if (ended) {
      return false;
    }
    if (quota > 0) {
      if (counted.size() >= quota) {
        throw BrokerException.of(
            Reason.QUOTA_EXCEEDED,
            "session " + id + " already has " + quota + " parked calls, streams and tasks",
            "quota",
            "waiters_per_session",
            "limit",
            quota);
      }
      counted.add(o);
    }
    owned.add(o);
    return true;
  }

  /** Removes {@code o} from what the session owns, once it was released by other means. */
  synchronized void disown(SessionOwned o) {
    owned.remove(o);
    counted.remove(o);
  }

  /** Marks the session ended; returns what it owned, or null if it had already ended. */
  synchronized List<SessionOwned> end() {
    if (ended) {
      return null;
    }
    ended = true;
    List<SessionOwned> released = new ArrayList<>(owned);
    owned.clear();
    counted.clear();
    return released;
  }

  /** How many things the session owns now. */
  public synchronized int ownedCount() {
    return owned.size();
  }

  /** How many of them count against the waiter quota (always 0 when the quota is off). */
  public synchronized int waiterCount() {
    return counted.size();
  }
}
