package io.ipcbroker.server.pipe;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The broker's pipes: create, look up by the pipe's or an end's name, delete. A pipe whose two ends
 * closed goes away by itself.
 *
 * @param <T> the message type, opaque to the registry
 */
public final class PipeRegistry<T> {
  /** The buffer per direction when the create asks for none. */
  public static final int DEFAULT_CAPACITY = 1024;

  /** The largest buffer per direction. */
  public static final int MAX_CAPACITY = 1_000_000;

  private final ConcurrentHashMap<String, PipeObject<T>> pipes = new ConcurrentHashMap<>();
  private final ObjectQuota quota;
  private final ByteQuota bytes;
  private final AtomicLong generated = new AtomicLong();
  private final Timer timer;
  private final SessionRegistry sessions;
  private final ToLongFunction<T> sizer;
  private volatile boolean shutdown;

  /**
   * A registry whose waits time out on {@code timer}, whose ends and readers belong to sessions of
   * {@code sessions}, and whose messages measure {@code sizer} bytes (for {@code max_bytes}).
   */
  public PipeRegistry(Timer timer, SessionRegistry sessions, ToLongFunction<T> sizer) {
    this(timer, sessions, sizer, ObjectQuota.UNLIMITED, ByteQuota.UNLIMITED);
  }

  /**
   * As above, with the pipes counted in {@code quota} and the messages they hold in {@code bytes}.
   */
  public PipeRegistry(
      Timer timer,
      SessionRegistry sessions,
      ToLongFunction<T> sizer,
      ObjectQuota quota,
      ByteQuota bytes) {
    this.quota = quota;
    this.bytes = bytes;
    this.timer = timer;
    this.sessions = sessions;
    this.sizer = sizer;
  }

  /**
   * Creates a pipe.
   *
   * @param name the name, or empty for a generated one
   * @param capacity messages per direction; 0 for {@link #DEFAULT_CAPACITY}
   * @param sessionId the owner of both ends, or empty
   */
  public PipeInfo create(String name, boolean duplex, int capacity, String sessionId) {
    checkNotShutdown();
    if (name.isEmpty()) {
      name = "pipe-" + generated.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
    }
    Names.checkName("name", name);
    if (name.endsWith(".a") || name.endsWith(".b")) {
      // It would read as the end of another pipe.
      throw BrokerException.of(
          Reason.INVALID_NAME,
          "a pipe's name must not end with .a or .b",
          "field",
          "name",
          "value",
          Names.abbreviate(name));
    }
    if (name.length() > Names.MAX_NAME_LENGTH - 2) {
      throw BrokerException.of(
          Reason.INVALID_NAME,
          "a pipe's name has at most " + (Names.MAX_NAME_LENGTH - 2) + " characters",
          "field",
          "name",
          "value",
          Names.abbreviate(name));
    }
    if (capacity == 0) {
      capacity = DEFAULT_CAPACITY;
    }
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "capacity must be within [1, " + MAX_CAPACITY + "]",
          "field",
          "capacity",
          "value",
          capacity);
    }
    String pipeName = name;
    @SuppressWarnings("unchecked")
    PipeObject<T>[] holder = new PipeObject[1];
    PipeObject<T> pipe =
        new PipeObject<>(
            pipeName,
            duplex,
            capacity,
            timer,
            this::bind,
            () -> forget(pipeName, holder[0]),
            sizer,
            bytes);
    holder[0] = pipe;
    if (pipes.putIfAbsent(pipeName, pipe) != null) {
      throw BrokerException.of(
          Reason.PIPE_ALREADY_EXISTS, "pipe " + pipeName + " exists", "pipe", pipeName);
    }
    try {
      quota.take();
    } catch (BrokerException e) {
      pipes.remove(pipeName, pipe);
      throw e;
    }
    if (!sessionId.isEmpty()) {
      try {
        pipe.claim('a', sessionId);
        pipe.claim('b', sessionId);
      } catch (BrokerException e) {
        pipe.closeAll(e); // unbinds an end already claimed
        forget(pipeName, pipe);
        throw e;
      }
    }
    return pipe.info();
  }

  /** Describes the pipe named {@code name} (or whose end it names). */
  public PipeInfo get(String name) {
    checkNotShutdown();
    Names.checkRequired("name", name);
    PipeObject<T> p = pipes.get(name);
    if (p == null) {
      p = find(name).pipe;
    }
    return p.info();
  }

  /** Makes {@code sessionId} the owner of {@code end}. */
  public void claim(String end, String sessionId) {
    Names.checkRequired("session_id", sessionId);
    EndRef<T> ref = find(end);
    ref.pipe.claim(ref.id, sessionId);
  }

  /** Sends {@code message} from {@code end}. */
  public Parked send(String end, T message, Wait wait, Reply<Boolean> reply) {
    EndRef<T> ref = find(end);
    return ref.pipe.send(ref.id, message, wait, reply);
  }

  /**
   * Takes back {@code message} sent from {@code end} if it is still buffered (its sender was never
   * told it was sent); false if a reader took it, or the pipe or end is gone.
   */
  public boolean unsend(String end, T message) {
    try {
      EndRef<T> ref = find(end);
      return ref.pipe.unsend(ref.id, message);
    } catch (BrokerException e) {
      return false;
    }
  }

  /** Receives at {@code end}. */
  public Parked recv(
      String end,
      String readerSessionId,
      String ackId,
      long maxBytes,
      Wait wait,
      Reply<PipeCalls.Received<T>> reply) {
    if (maxBytes < 0) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "max_bytes must not be negative",
          "field",
          "max_bytes",
          "value",
          maxBytes);
    }
    EndRef<T> ref = find(end);
    return ref.pipe.recv(ref.id, readerSessionId, ackId, maxBytes, sizer, wait, reply);
  }

  /** Polls {@code end}. */
  public Parked poll(
      String end, String readerSessionId, String ackId, Wait wait, Reply<Boolean> reply) {
    EndRef<T> ref = find(end);
    return ref.pipe.poll(ref.id, readerSessionId, ackId, wait, reply);
  }

  /** Acknowledges {@code deliveryId} at {@code end}. */
  public boolean ack(String end, String deliveryId) {
    Names.checkRequired("delivery_id", deliveryId);
    EndRef<T> ref = find(end);
    return ref.pipe.ack(ref.id, deliveryId);
  }

  /** Closes {@code end}. */
  public void close(String end, String ackId) {
    EndRef<T> ref = find(end);
    ref.pipe.close(ref.id, ackId);
  }

  /** Closes both ends of pipe {@code name}; the pipe goes away. */
  public boolean delete(String name, boolean allowMissing) {
    Names.checkRequired("name", name);
    PipeObject<T> p = pipes.get(name);
    if (p == null) {
      if (allowMissing) {
        return false;
      }
      throw notFound(name);
    }
    p.closeAll(BrokerException.of(Reason.OBJECT_DELETED, name + " was deleted", "name", name));
    forget(name, p);
    return true;
  }

  /** Removes pipe {@code p} if it is still registered as {@code name}, and uncounts it. */
  private void forget(String name, PipeObject<T> p) {
    if (pipes.remove(name, p)) {
      quota.give();
    }
  }

  /** Fails every parked call with {@code SERVER_SHUTTING_DOWN} and refuses new pipes. */
  public void shutdown() {
    shutdown = true;
    BrokerException e = BrokerException.shuttingDown();
    pipes.values().forEach(p -> p.closeAll(e));
  }

  /** How many pipes exist. */
  public int size() {
    return pipes.size();
  }

  private record EndRef<T>(PipeObject<T> pipe, char id) {}

  private EndRef<T> find(String end) {
    checkNotShutdown();
    Names.checkRequired("end", end);
    int dot = end.lastIndexOf('.');
    if (dot > 0 && dot == end.length() - 2) {
      char id = end.charAt(dot + 1);
      PipeObject<T> p = pipes.get(end.substring(0, dot));
      if (p != null && (id == 'a' || id == 'b')) {
        return new EndRef<>(p, id);
      }
    }
    throw notFound(end);
  }

  // Uncounted: end claims are two per pipe (bounded by the object quota) and a delivery awaiting
  // its ack is one per end, bound at hand-over, when the receive that waited for it already
  // counted; a quota refusal there would strand the message.
  private Runnable bind(String sessionId, Runnable onSessionEnd) {
    SessionOwned owned = s -> onSessionEnd.run();
    Session session = sessions.attachUncounted(sessionId, owned);
    return () -> sessions.detach(session, owned);
  }

  private static BrokerException notFound(String name) {
    return BrokerException.of(
        Reason.PIPE_NOT_FOUND,
        "no pipe (or pipe end) has name " + Names.abbreviate(name),
        "pipe",
        Names.abbreviate(name));
  }

  private void checkNotShutdown() {
    if (shutdown) {
      throw BrokerException.shuttingDown();
    }
  }
}
