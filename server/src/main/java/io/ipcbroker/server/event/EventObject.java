package io.ipcbroker.server.event;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * One named event: a flag and the calls waiting for it. All state is guarded by the object's
 * monitor; answers are sent after it is released.
 */
final class EventObject {
  /** A description. */
  record Info(String name, boolean set, int waiters) {}

  final String name;
  private final Timer timer;
  // Guarded by this.
  private boolean flag;
  private final LinkedHashSet<Waiter> waiters = new LinkedHashSet<>();
  private BrokerException closedWith;

  EventObject(String name, Timer timer) {
    this.name = name;
    this.timer = timer;
  }

  synchronized Info info() {
    checkOpen();
    return new Info(name, flag, waiters.size());
  }

  /**
   * The description, or null once deleted: listings take a snapshot of the table, and a delete
   * between the snapshot and this call must leave the object out, not fail the listing.
   */
  synchronized Info infoIfOpen() {
    return closedWith == null ? new Info(name, flag, waiters.size()) : null;
  }

  /** Python's {@code wait(timeout)}: answers the flag when the wait ends. */
  Parked await(Wait wait, Reply<Boolean> reply) {
    boolean now;
    synchronized (this) {
      checkOpen();
      if (flag || wait.isNoWait() || wait.isExpired()) {
        now = flag;
      } else {
        Waiter w = new Waiter(reply);
        waiters.add(w);
        if (!wait.isForever()) {
          w.timeout = timer.schedule(() -> w.end(), wait.nanos());
        }
        return w;
      }
    }
    reply.ok(now);
    return Parked.NONE;
  }

  /** Sets the flag and wakes every waiter; answers how many. */
  int set() {
    List<Waiter> woken;
    synchronized (this) {
      checkOpen();
      flag = true;
      woken = new ArrayList<>(waiters);
      waiters.clear();
    }
    for (Waiter w : woken) {
      w.timeout.cancel();
      w.reply.ok(true);
    }
    return woken.size();
  }

  synchronized void clear() {
    checkOpen();
    flag = false;
  }

  /** Fails every parked call with {@code e} and refuses new ones (deleted, shutdown). */
  void close(BrokerException e) {
    List<Waiter> failed;
    synchronized (this) {
      if (closedWith != null) {
        return;
      }
      closedWith = e;
      failed = new ArrayList<>(waiters);
      waiters.clear();
    }
    for (Waiter w : failed) {
      w.timeout.cancel();
      w.reply.fail(e);
    }
  }

  private void checkOpen() {
    if (closedWith != null) {
      throw closedWith;
    }
  }

  private synchronized boolean remove(Waiter w) {
    if (waiters.remove(w)) {
      w.timeout.cancel();
      return true;
    }
    return false;
  }

  private final class Waiter implements Parked {
    final Reply<Boolean> reply;
    Timer.Timeout timeout = Timer.NONE;

    Waiter(Reply<Boolean> reply) {
      this.reply = reply;
    }

    /** The timeout: answers the flag as it stands (false, or it would have been woken). */
    void end() {
      boolean now;
      synchronized (EventObject.this) {
        if (!waiters.remove(this)) {
          return;
        }
        now = flag;
      }
      reply.ok(now);
    }

    @Override
    public void cancel() {
      remove(this);
    }

    @Override
    public void fail(BrokerException e) {
      if (remove(this)) {
        reply.fail(e);
      }
    }
  }
}
