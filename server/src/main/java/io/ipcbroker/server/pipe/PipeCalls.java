package io.ipcbroker.server.pipe;

import io.ipcbroker.server.core.BrokerException;

/** The callback types of pipe calls. */
public final class PipeCalls {
  private PipeCalls() {}

  /** Where an answer goes; called once, from any thread, never under a pipe's monitor. */
  public interface Reply<R> {
    /** The call succeeded. */
    void ok(R result);

    /** The call failed. */
    void fail(BrokerException e);
  }

  /** A call that may be parked, for the adapter to call off. */
  public interface Handle {
    /** Forgets the call: the client went away. */
    void cancel();

    /** Answers the call with {@code e} unless it was answered. */
    void fail(BrokerException e);
  }

  /**
   * What a receive got.
   *
   * @param message the message
   * @param deliveryId what the reader acknowledges it with
   * @param redelivered whether it was delivered before without an acknowledgement
   */
  public record Received<T>(T message, String deliveryId, boolean redelivered) {}

  static final Handle DONE =
      new Handle() {
        @Override
        public void cancel() {}

        @Override
        public void fail(BrokerException e) {}
      };
}
