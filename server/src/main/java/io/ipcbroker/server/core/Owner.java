package io.ipcbroker.server.core;

/**
 * Who holds or wants a lock: a session and an owner id that the client chooses within it (a thread
 * id, as Python's RLock belongs to a thread).
 */
public record Owner(String sessionId, String owner) {
  /**
   * An owner from a request's fields.
   *
   * @throws BrokerException {@code FIELD_REQUIRED} without a session, {@code INVALID_FIELD_VALUE}
   *     for an owner id over {@link Names#MAX_NAME_LENGTH} characters
   */
  public static Owner of(String sessionId, String owner) {
    Names.checkRequired("session_id", sessionId);
    return new Owner(sessionId, checkOwnerId(owner));
  }

  /**
   * Returns {@code owner} if it is short enough. Owner ids come back in error metadata; a bounded
   * length keeps every answer a clean status.
   */
  public static String checkOwnerId(String owner) {
    if (owner.length() > Names.MAX_NAME_LENGTH) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "owner must be at most " + Names.MAX_NAME_LENGTH + " characters",
          "field",
          "owner",
          "value",
          Names.abbreviate(owner));
    }
    return owner;
  }

  @Override
  public String toString() {
    return sessionId + "/" + owner;
  }
}
