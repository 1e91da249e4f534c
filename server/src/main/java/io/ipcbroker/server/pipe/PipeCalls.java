package io.ipcbroker.server.pipe;

/** What pipe calls answer. */
public final class PipeCalls {
  private PipeCalls() {}

  /**
   * What a receive got.
   *
   * @param message the message
   * @param deliveryId what the reader acknowledges it with
   * @param redelivered whether it was delivered before without an acknowledgement
   */
  public record Received<T>(T message, String deliveryId, boolean redelivered) {}
}
