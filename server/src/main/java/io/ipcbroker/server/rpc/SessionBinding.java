package io.ipcbroker.server.rpc;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.function.Consumer;

/**
 * Binds a parked call that is not itself a core object (a queue join, a process join) to the
 * session named in its request, so that the call is answered {@code SESSION_NOT_FOUND} when the
 * session ends instead of outliving it.
 */
public final class SessionBinding implements SessionOwned {
  private final SessionRegistry sessions;
  private Session session; // guarded by this
  private Consumer<BrokerException> onEnd; // guarded by this
  private BrokerException endedWith; // guarded by this

  /** A binding to sessions of {@code sessions}. */
  public SessionBinding(SessionRegistry sessions) {
    this.sessions = sessions;
  }

  /**
   * Binds to session {@code sessionId}; nothing when it is empty (the session is optional).
   *
   * @throws BrokerException {@code SESSION_NOT_FOUND} if the session is not live
   */
  public synchronized void attach(String sessionId) {
    if (!sessionId.isEmpty()) {
      session = sessions.attach(sessionId, this);
    }
  }

  /** Binds what to do when the session ends; runs it at once if it already ended. */
  public void onEnd(Consumer<BrokerException> action) {
    BrokerException e;
    synchronized (this) {
      onEnd = action;
      e = endedWith;
    }
    if (e != null) {
      action.accept(e);
    }
  }

  /** Unbinds, once the call was answered. */
  public void detach() {
    Session s;
    synchronized (this) {
      s = session;
      session = null;
    }
    sessions.detach(s, this);
  }

  @Override
  public void sessionEnded(Session ended) {
    BrokerException e =
        BrokerException.of(
            Reason.SESSION_NOT_FOUND, "session " + ended.id() + " ended", "session", ended.id());
    Consumer<BrokerException> action;
    synchronized (this) {
      session = null;
      endedWith = e;
      action = onEnd;
    }
    if (action != null) {
      action.accept(e);
    }
  }
}
