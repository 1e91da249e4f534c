package io.ipcbroker.server.rpc;

import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.function.Consumer;

/**
 * Serves a unary call that parks in the core until an answer or its wait ends (a queue join, a
 * process join): applies the timeout rule, binds the wait to the request's session before it parks,
 * and calls it off when the client goes away or the session ends. No thread waits.
 */
public final class ParkedUnary {
  private ParkedUnary() {}

  /** A wait parked in the core. */
  public interface Parked {
    /** Forgets the wait: the client went away. */
    void cancel();

    /** Answers the wait with {@code e} unless it was answered. */
    void fail(BrokerException e);
  }

  /** A parked wait from its two actions (usually the core handle's method references). */
  public static Parked parked(Runnable cancel, Consumer<BrokerException> fail) {
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

  /** Where the core answers a parked wait; each is called at most once, from any thread. */
  public interface Answer<R> {
    /**
     * Sends the response and ends the call.
     *
     * @return false if the call had already ended (the client cancelled or went away), so that the
     *     caller can take back what the answer granted
     */
    boolean answer(R response);

    /** Ends the call with {@code e}'s status. */
    void fail(BrokerException e);
  }

  /** Parks the wait in the core (or answers it at once). */
  @FunctionalInterface
  public interface Park<R> {
    Parked park(Wait wait, Answer<R> answer);
  }

  /**
   * Serves one call. Read in the handler itself, since the call's deadline is the handler's
   * context's.
   *
   * @param sessionId the request's session; empty for none
   */
  public static <R> void serve(
      StreamObserver<R> observer,
      SessionRegistry sessions,
      String sessionId,
      boolean nowait,
      boolean hasTimeout,
      double timeoutSeconds,
      Park<R> park) {
    Deadline deadline = Deadlines.current();
    ServerCallStreamObserver<R> call = (ServerCallStreamObserver<R>) observer;
    SerializedSender<R> sender = new SerializedSender<>(call);
    CallHooks hooks = CallHooks.install(call, sender);
    SessionBinding binding = new SessionBinding(sessions);
    try {
      Wait wait = Deadlines.waitFor(nowait, hasTimeout, timeoutSeconds, deadline);
      // Bound before parking, so that no parked wait outlives its session.
      binding.attach(sessionId);
      Parked parked =
          park.park(
              wait,
              new Answer<R>() {
                @Override
                public boolean answer(R response) {
                  binding.detach();
                  boolean sent = sender.send(response);
                  sender.complete();
                  return sent;
                }

                @Override
                public void fail(BrokerException e) {
                  binding.detach();
                  sender.fail(e);
                }
              });
      binding.onEnd(parked::fail);
      hooks.onCancel(
          () -> {
            parked.cancel();
            binding.detach();
          });
    } catch (RuntimeException e) {
      binding.detach();
      sender.fail(e);
    }
  }
}
