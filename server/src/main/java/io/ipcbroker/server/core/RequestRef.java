package io.ipcbroker.server.core;

/**
 * One request a client tagged so that it can settle it later if its answer is lost: the session
 * that sent it and a number the session never used before.
 */
public record RequestRef(String sessionId, long id) {
  /** The request's reference, or null for an untagged request ({@code id} 0). */
  public static RequestRef of(String sessionId, long id) {
    return id == 0 ? null : new RequestRef(sessionId, id);
  }

  /**
   * The reference of a request to settle.
   *
   * @throws BrokerException {@code FIELD_REQUIRED} without a session or a request id
   */
  public static RequestRef required(String sessionId, long id) {
    Names.checkRequired("session_id", sessionId);
    if (id == 0) {
      throw BrokerException.of(
          Reason.FIELD_REQUIRED, "request_id is required", "field", "request_id");
    }
    return new RequestRef(sessionId, id);
  }
}
