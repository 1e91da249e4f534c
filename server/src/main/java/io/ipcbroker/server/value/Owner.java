package io.ipcbroker.server.value;

/**
 * Who holds or wants a lock: a session and an owner id that the client chooses within it (a thread
 * id, as Python's RLock belongs to a thread).
 */
public record Owner(String sessionId, String owner) {
  @Override
  public String toString() {
    return sessionId + "/" + owner;
  }
}
