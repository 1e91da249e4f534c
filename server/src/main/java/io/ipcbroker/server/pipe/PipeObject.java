package io.ipcbroker.server.pipe;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToLongFunction;

/**
 * One pipe: two ends, and toward each end a bounded buffer of messages with at most one outstanding
 * delivery, which leaves the pipe only when its reader acknowledges it. All state is guarded by the
 * pipe's monitor; answers and session (un)bindings run after it is released.
 *
 * @param <T> the message type, opaque here
 */
final class PipeObject<T> {
  /** What a held message counts against the byte quota besides its size: its bookkeeping. */
  static final int MESSAGE_OVERHEAD_BYTES = 128;

  /** Binds a callback to a session's end; returns how to unbind it. */
  interface Binder {
    /** Throws {@code SESSION_NOT_FOUND} if the session is not live. */
    Runnable bind(String sessionId, Runnable onSessionEnd);
  }

  private static final String ANONYMOUS = "";
  private static final Runnable NOTHING = () -> {};

  final String name;
  final boolean duplex;

  final int capacity;
  private final Timer timer;
  private final Binder binder;
  private final Runnable onBothClosed;
  // Messages held (buffered or delivered and not yet acknowledged) count against the quota.
  private final ToLongFunction<T> sizer;
  private final ByteQuota quota;
  private final End endA = new End('a');
  private final End endB = new End('b');
  private long deliveries; // guarded by this
  // Makes delivery ids unique across pipes that reuse a name, so that a stale acknowledgement from
  // a deleted pipe's reader can never commit a delivery of its successor.
  private final String incarnation = Long.toHexString(ThreadLocalRandom.current().nextLong());

  PipeObject(
      String name,
      boolean duplex,
      int capacity,
      Timer timer,
      Binder binder,
      Runnable onBothClosed,
      ToLongFunction<T> sizer,
      ByteQuota quota) {
    this.name = name;
    this.duplex = duplex;
    this.capacity = capacity;
    this.timer = timer;
    this.binder = binder;
    this.onBothClosed = onBothClosed;
    this.sizer = sizer;
    this.quota = quota;
  }

  /** A message as buffered: whether it was delivered before without an acknowledgement. */
  private record Msg<T>(T value, boolean delivered) {}

  /** The delivery an end's reader has not acknowledged yet. */
  private record Outstanding<T>(Msg<T> msg, String id, String reader, Runnable unbind) {}

  /** One end, and the direction toward it (what it reads). */
  private final class End {
    final char id;
    boolean closed;
    Runnable ownerUnbind = NOTHING;
    Object ownerToken; // which claim owns the end; a replaced owner's session end is ignored
    final ArrayDeque<Msg<T>> buffer = new ArrayDeque<>();
    Outstanding<T> outstanding;
    final List<Waiter> readers = new ArrayList<>(); // parked receives and polls at this end
    final ArrayDeque<SendWaiter> senders = new ArrayDeque<>(); // parked sends from this end

    End(char id) {
      this.id = id;
    }

    String endName() {
      return name + "." + id;
    }

    boolean readable() {
      return duplex || id == 'a';
    }

    boolean writable() {
      return duplex || id == 'b';
    }

    int room() {
      return capacity - buffer.size() - (outstanding != null ? 1 : 0);
    }
  }

  /** What a held message counts against the byte quota: its size and a fixed overhead. */
  private long bytes(T message) {
    return sizer.applyAsLong(message) + MESSAGE_OVERHEAD_BYTES;
  }

  private End end(char id) {
    return id == 'a' ? endA : endB;
  }

  private End peer(End e) {
    return e == endA ? endB : endA;
  }

  // ---- information ----

  /** A description of the pipe now. */
  synchronized PipeInfo info() {
    return new PipeInfo(
        name,
        duplex,
        capacity,
        endA.closed,
        endB.closed,
        endA.buffer.size() + (endA.outstanding != null ? 1 : 0),
        endB.buffer.size() + (endB.outstanding != null ? 1 : 0));
  }

  // ---- calls ----

  /** Sends {@code message} from end {@code from}; the reply says whether it was sent. */
  Parked send(char from, T message, Wait wait, Reply<Boolean> reply) {
    List<Runnable> out = new ArrayList<>();
    Parked handle = Parked.NONE;
    synchronized (this) {
      End e = end(from);
      checkNotClosed(e);
      if (!e.writable()) {
        throw wrongDirection(e);
      }
      End to = peer(e);
      if (to.closed) {
        throw closed(e);
      }
      if (e.senders.isEmpty() && to.room() > 0 && !wait.isExpired()) {
        quota.take(bytes(message)); // refused before anything changed
        to.buffer.add(new Msg<>(message, false));
        out.add(() -> reply.ok(true));
        serveReadersLocked(to, out);
      } else if (wait.isNoWait() || wait.isExpired()) {
        out.add(() -> reply.ok(false));
      } else {
        SendWaiter w = new SendWaiter(e, message, reply);
        e.senders.add(w);
        schedule(w, wait);
        handle = w;
      }
    }
    out.forEach(Runnable::run);
    return handle;
  }

  /**
   * Takes back {@code message} (this very object) sent from end {@code from}, if no reader took it
   * yet: its sender was never told that it was sent (the call ended first), and would send it
   * again.
   *
   * @return whether it was taken back
   */
  boolean unsend(char from, T message) {
    List<Runnable> out = new ArrayList<>();
    boolean removed = false;
    synchronized (this) {
      End to = peer(end(from));
      Iterator<Msg<T>> it = to.buffer.iterator();
      while (it.hasNext()) {
        if (it.next().value() == message) {
          it.remove();
          quota.give(bytes(message));
          removed = true;
          serveSendersLocked(to, out); // room for a parked send
          break;
        }
      }
    }
    out.forEach(Runnable::run);
    return removed;
  }

  /**
   * Receives at end {@code at}, after acknowledging {@code ackId}; the reply is null when the wait
   * ended without a message.
   */
  Parked recv(
      char at,
      String reader,
      String ackId,
      long maxBytes,
      ToLongFunction<T> measure,
      Wait wait,
      Reply<PipeCalls.Received<T>> reply) {
    List<Runnable> out = new ArrayList<>();
    Parked handle = Parked.NONE;
    synchronized (this) {
      End e = end(at);
      checkNotClosed(e);
      if (!e.readable()) {
        throw wrongDirection(e);
      }
      ackLocked(e, ackId, out);
      RecvWaiter w = new RecvWaiter(e, reader(reader), maxBytes, measure, reply);
      supersedeLocked(e, w.reader, out);
      Runnable answer = wait.isExpired() ? null : tryRecvLocked(w);
      if (answer != null) {
        out.add(answer);
        // A receive without a session takes its message for good (with a session, room comes
        // with the acknowledgement).
        refillLocked(e, out);
      } else if (wait.isNoWait() || wait.isExpired()) {
        out.add(() -> reply.ok(null));
      } else {
        e.readers.add(w);
        schedule(w, wait);
        handle = w;
      }
    }
    out.forEach(Runnable::run);
    return handle;
  }

  /** Answers whether a receive at {@code at} would return at once, waiting until it would. */
  Parked poll(char at, String reader, String ackId, Wait wait, Reply<Boolean> reply) {
    List<Runnable> out = new ArrayList<>();
    Parked handle = Parked.NONE;
    synchronized (this) {
      End e = end(at);
      checkNotClosed(e);
      if (!e.readable()) {
        throw wrongDirection(e);
      }
      ackLocked(e, ackId, out);
      String r = reader(reader);
      if (readyLocked(e, r)) {
        out.add(() -> reply.ok(true));
      } else if (wait.isNoWait() || wait.isExpired()) {
        out.add(() -> reply.ok(false));
      } else {
        PollWaiter w = new PollWaiter(e, r, reply);
        e.readers.add(w);
        schedule(w, wait);
        handle = w;
      }
    }
    out.forEach(Runnable::run);
    return handle;
  }

  /** Acknowledges {@code deliveryId} at end {@code at}; false if it was not outstanding. */
  boolean ack(char at, String deliveryId) {
    List<Runnable> out = new ArrayList<>();
    boolean acked;
    synchronized (this) {
      End e = end(at);
      checkNotClosed(e);
      acked = ackLocked(e, deliveryId, out);
    }
    out.forEach(Runnable::run);
    return acked;
  }

  /** Makes session {@code sessionId} the owner of end {@code at}: it closes with the session. */
  void claim(char at, String sessionId) {
    List<Runnable> out = new ArrayList<>();
    synchronized (this) {
      End e = end(at);
      checkNotClosed(e);
      Object token = new Object();
      Runnable unbind = binder.bind(sessionId, () -> closeIfOwnedBy(at, token));
      out.add(e.ownerUnbind);
      e.ownerUnbind = unbind;
      e.ownerToken = token;
    }
    out.forEach(Runnable::run);
  }

  // A session that owned the end ended; if the end was claimed by another since, it stays open.
  private void closeIfOwnedBy(char at, Object token) {
    synchronized (this) {
      if (end(at).ownerToken != token) {
        return;
      }
    }
    close(at, "");
  }

  /** Closes end {@code at} after acknowledging {@code ackId}; harmless when it is closed. */
  void close(char at, String ackId) {
    closeWith(at, ackId, null);
  }

  /** Closes both ends; their parked calls fail with {@code e} (deleted, shutdown). */
  void closeAll(BrokerException e) {
    closeWith('a', "", e);
    closeWith('b', "", e);
  }

  private void closeWith(char at, String ackId, BrokerException failure) {
    List<Runnable> out = new ArrayList<>();
    synchronized (this) {
      End e = end(at);
      if (e.closed) {
        failParkedLocked(e, failure, out); // shutdown of an already closed end: nothing parks
      } else {
        closeOpenLocked(e, ackId, failure, out);
      }
    }
    out.forEach(Runnable::run);
  }

  private void closeOpenLocked(End e, String ackId, BrokerException failure, List<Runnable> out) {
    e.closed = true; // first: the acknowledgement then moves no parked send into the buffer
    ackLocked(e, ackId, out);
    out.add(e.ownerUnbind);
    e.ownerUnbind = NOTHING;
    e.ownerToken = null;
    // Nobody will read what was sent to this end.
    if (e.outstanding != null) {
      out.add(e.outstanding.unbind());
      quota.give(bytes(e.outstanding.msg().value()));
      e.outstanding = null;
    }
    for (Msg<T> m : e.buffer) {
      quota.give(bytes(m.value()));
    }
    e.buffer.clear();
    failParkedLocked(e, failure, out);
    End p = peer(e);
    // The peer's sends toward this end can never be read.
    BrokerException peerFailure = failure != null ? failure : closed(p);
    for (SendWaiter w : p.senders) {
      w.timeout.cancel();
      out.add(() -> w.reply.fail(peerFailure));
    }
    p.senders.clear();
    if (failure != null) {
      failParkedLocked(p, failure, out);
    } else {
      serveReadersLocked(p, out); // EOF once drained; polls become ready
    }
    if (p.closed) {
      out.add(onBothClosed);
    }
  }

  private void failParkedLocked(End e, BrokerException failure, List<Runnable> out) {
    BrokerException f = failure != null ? failure : closed(e);
    for (Waiter w : e.readers) {
      w.timeout.cancel();
      out.add(() -> w.failNow(f));
    }
    e.readers.clear();
    for (SendWaiter w : e.senders) {
      w.timeout.cancel();
      out.add(() -> w.reply.fail(f));
    }
    e.senders.clear();
  }

  // ---- internals ----

  private static String reader(String sessionId) {
    return sessionId == null ? ANONYMOUS : sessionId;
  }

  /**
   * Answers the receives that {@code reader} left parked at {@code e} with nothing: an end has one
   * reader at a time, and its newest receive is the one that waits. Without this, an older receive
   * would wait while the outstanding delivery is the reader's, and later get it a second time.
   */
  private void supersedeLocked(End e, String reader, List<Runnable> out) {
    Iterator<Waiter> it = e.readers.iterator();
    while (it.hasNext()) {
      Waiter w = it.next();
      if (w instanceof RecvWaiter r && r.reader.equals(reader)) {
        it.remove();
        r.timeout.cancel();
        out.add(() -> r.reply.ok(null));
      }
    }
  }

  /** Commits the outstanding delivery of {@code e} if {@code ackId} names it. */
  private boolean ackLocked(End e, String ackId, List<Runnable> out) {
    if (ackId.isEmpty() || e.outstanding == null || !e.outstanding.id().equals(ackId)) {
      return false;
    }
    out.add(e.outstanding.unbind());
    quota.give(bytes(e.outstanding.msg().value()));
    e.outstanding = null;
    if (!e.closed) {
      serveSendersLocked(e, out);
      serveReadersLocked(e, out);
    }
    return true;
  }

  /** Moves parked sends toward {@code to} into its buffer while there is room. */
  private boolean serveSendersLocked(End to, List<Runnable> out) {
    ArrayDeque<SendWaiter> senders = peer(to).senders;
    boolean moved = false;
    while (!senders.isEmpty() && to.room() > 0) {
      SendWaiter w = senders.poll();
      w.timeout.cancel();
      try {
        quota.take(bytes(w.message));
      } catch (BrokerException full) {
        out.add(() -> w.reply.fail(full)); // never buffered: the sender knows it was not sent
        continue;
      }
      to.buffer.add(new Msg<>(w.message, false));
      out.add(() -> w.reply.ok(true));
      moved = true;
    }
    return moved;
  }

  /**
   * Serves the receives and polls parked at {@code e} in order. Once one receive took a delivery,
   * the others wait for its acknowledgement (one reader at a time).
   */
  private void serveReadersLocked(End e, List<Runnable> out) {
    boolean delivered = false;
    boolean tookForGood = false;
    Iterator<Waiter> it = e.readers.iterator();
    while (it.hasNext()) {
      Waiter w = it.next();
      Runnable answer = null;
      if (w instanceof PollWaiter p) {
        if (readyLocked(e, p.reader)) {
          answer = () -> p.reply.ok(true);
        }
      } else if (!delivered) {
        RecvWaiter r = (RecvWaiter) w;
        Outstanding<T> before = e.outstanding;
        int buffered = e.buffer.size();
        answer = tryRecvLocked(r);
        delivered |= e.outstanding != null && e.outstanding != before;
        // A receive without a session takes its message for good, without an outstanding one.
        tookForGood |= e.buffer.size() < buffered && e.outstanding == before;
      }
      if (answer != null) {
        it.remove();
        w.timeout.cancel();
        out.add(answer);
      }
    }
    if (tookForGood) {
      refillLocked(e, out);
    }
  }

  /**
   * After a receive took a message for good: the room it left goes to parked sends at once, and
   * what they bring may serve the receives and polls still waiting.
   */
  private void refillLocked(End e, List<Runnable> out) {
    if (serveSendersLocked(e, out)) {
      serveReadersLocked(e, out);
    }
  }

  private boolean readyLocked(End e, String reader) {
    if (e.outstanding != null) {
      return e.outstanding.reader().equals(reader);
    }
    return !e.buffer.isEmpty() || peer(e).closed;
  }

  /** The answer to {@code w} now, or null if it must wait. */
  private Runnable tryRecvLocked(RecvWaiter w) {
    End e = w.end;
    if (e.outstanding != null) {
      if (!e.outstanding.reader().equals(w.reader)) {
        return null;
      }
      Outstanding<T> o = e.outstanding;
      BrokerException tooLong = tooLong(w, o.msg().value());
      if (tooLong != null) {
        return () -> w.reply.fail(tooLong);
      }
      return () -> w.reply.ok(new PipeCalls.Received<>(o.msg().value(), o.id(), true));
    }
    if (!e.buffer.isEmpty()) {
      Msg<T> m = e.buffer.peek();
      BrokerException tooLong = tooLong(w, m.value());
      if (tooLong != null) {
        return () -> w.reply.fail(tooLong); // the message stays for a receive with room for it
      }
      String id = name + ":" + incarnation + ":" + e.id + ":" + (++deliveries);
      if (w.reader.equals(ANONYMOUS)) {
        // Without a session nothing can give an unacknowledged delivery back: best-effort, as the
        // queue's unary GetItem, so that an abandoned anonymous call never blocks the end.
        e.buffer.poll();
        quota.give(bytes(m.value()));
        return () -> w.reply.ok(new PipeCalls.Received<>(m.value(), id, m.delivered()));
      }
      Runnable unbind;
      try {
        // Bound before the message is taken: a dead reader's session takes nothing.
        unbind = binder.bind(w.reader, () -> readerGone(e.id, id));
      } catch (BrokerException ended) {
        // The reader's session ended (its TTL passed before the sweeper saw it): this receive
        // fails, and the message stays for the next reader. Never thrown out of a serve loop.
        return () -> w.reply.fail(ended);
      }
      e.buffer.poll();
      e.outstanding = new Outstanding<>(m, id, w.reader, unbind);
      return () -> w.reply.ok(new PipeCalls.Received<>(m.value(), id, m.delivered()));
    }
    if (peer(e).closed) {
      BrokerException eof =
          BrokerException.of(
              Reason.PIPE_EOF, "the peer of " + e.endName() + " closed", "end", e.endName());
      return () -> w.reply.fail(eof);
    }
    return null;
  }

  private BrokerException tooLong(RecvWaiter w, T message) {
    long size = w.sizer.applyAsLong(message);
    if (w.maxBytes > 0 && size > w.maxBytes) {
      return BrokerException.of(
          Reason.MESSAGE_TOO_LONG,
          "the next message is longer than max_bytes",
          "size",
          size,
          "maxBytes",
          w.maxBytes);
    }
    return null;
  }

  /** The reader of delivery {@code id} ended without acknowledging it: it goes back first. */
  private void readerGone(char at, String id) {
    List<Runnable> out = new ArrayList<>();
    synchronized (this) {
      End e = end(at);
      if (e.outstanding == null || !e.outstanding.id().equals(id)) {
        return;
      }
      e.buffer.addFirst(new Msg<>(e.outstanding.msg().value(), true));
      e.outstanding = null;
      serveReadersLocked(e, out);
    }
    out.forEach(Runnable::run);
  }

  private void schedule(Waiter w, Wait wait) {
    if (!wait.isForever()) {
      w.timeout = timer.schedule(w::timedOut, wait.nanos());
    }
  }

  private void checkNotClosed(End e) {
    if (e.closed) {
      throw closed(e);
    }
  }

  private BrokerException closed(End e) {
    return BrokerException.of(
        Reason.PIPE_CLOSED, e.endName() + " or its peer is closed", "end", e.endName());
  }

  private BrokerException wrongDirection(End e) {
    return BrokerException.of(
        Reason.PIPE_WRONG_DIRECTION,
        e.endName() + (e.writable() ? " only sends" : " only receives"),
        "end",
        e.endName());
  }

  // ---- parked calls ----

  /**
   * A parked call: where it waits ({@code home}, guarded by the pipe's monitor), how it fails, and
   * what it answers when its wait ends empty-handed.
   */
  private abstract class Waiter implements Parked {
    private final Collection<?> home;
    private final Reply<?> failures;
    Timer.Timeout timeout = Timer.NONE;

    Waiter(Collection<?> home, Reply<?> failures) {
      this.home = home;
      this.failures = failures;
    }

    abstract void timedOutAnswer();

    void failNow(BrokerException e) {
      failures.fail(e);
    }

    void timedOut() {
      synchronized (PipeObject.this) {
        if (!home.remove(this)) {
          return;
        }
      }
      timedOutAnswer();
    }

    @Override
    public void cancel() {
      synchronized (PipeObject.this) {
        home.remove(this);
      }
      timeout.cancel();
    }

    @Override
    public void fail(BrokerException e) {
      boolean removed;
      synchronized (PipeObject.this) {
        removed = home.remove(this);
      }
      if (removed) {
        timeout.cancel();
        failNow(e);
      }
    }
  }

  private final class RecvWaiter extends Waiter {
    final End end;
    final String reader;
    final long maxBytes;
    final ToLongFunction<T> sizer;
    final Reply<PipeCalls.Received<T>> reply;

    RecvWaiter(
        End end,
        String reader,
        long maxBytes,
        ToLongFunction<T> sizer,
        Reply<PipeCalls.Received<T>> reply) {
      super(end.readers, reply);
      this.end = end;
      this.reader = reader;
      this.maxBytes = maxBytes;
      this.sizer = sizer;
      this.reply = reply;
    }

    @Override
    void timedOutAnswer() {
      reply.ok(null);
    }
  }

  private final class PollWaiter extends Waiter {
    final String reader;
    final Reply<Boolean> reply;

    PollWaiter(End end, String reader, Reply<Boolean> reply) {
      super(end.readers, reply);
      this.reader = reader;
      this.reply = reply;
    }

    @Override
    void timedOutAnswer() {
      reply.ok(false);
    }
  }

  private final class SendWaiter extends Waiter {
    final T message;
    final Reply<Boolean> reply;

    SendWaiter(End from, T message, Reply<Boolean> reply) {
      super(from.senders, reply);
      this.message = message;
      this.reply = reply;
    }

    @Override
    void timedOutAnswer() {
      reply.ok(false);
    }
  }
}
