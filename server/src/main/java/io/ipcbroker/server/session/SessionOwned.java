package io.ipcbroker.server.session;

/**
 * Something a session owns and that must be released when the session ends: a parked call, a stream
 * with unacknowledged deliveries, an ephemeral object.
 */
public interface SessionOwned {
  /**
   * Releases what this owned on behalf of {@code session}. Called at most once, without any session
   * lock held, from whichever thread ended the session.
   */
  void sessionEnded(Session session);
}
