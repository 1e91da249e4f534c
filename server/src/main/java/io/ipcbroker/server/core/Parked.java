package io.ipcbroker.server.core;

import java.util.function.Consumer;

/** A call parked in the core, for the transport adapter to call off. */
public interface Parked {
  /** A call that was answered at once: nothing to call off. */
  Parked NONE = of(() -> {}, e -> {});

  /** Forgets the call: the client went away. */
  void cancel();

  /** Answers the call with {@code e} unless it was answered. */
  void fail(BrokerException e);

  /** A parked call from its two actions (usually a core handle's method references). */
  static Parked of(Runnable cancel, Consumer<BrokerException> fail) {
    return new Parked() {
      @Override
      public void cancel() {
        cancel.run();
      }

      @Override
      public void fail(BrokerException e) {
        fail.accept(e);
      }
    };
  }
}
