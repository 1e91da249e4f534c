package io.ipcbroker.server.rpc;

import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Serves a unary call that parks in the core until an answer or its wait ends (a queue join, a
 * process join, a pipe receive, a value read behind a lock): applies the timeout rule, binds the
 * wait to the request's session before it parks, and calls it off when the client goes away or the
 * session ends. No thread waits.
 */
public final class ParkedUnary {
  private ParkedUnary() {}

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

  /**
   * Serves one call whose core operation answers through a {@link Reply} (pipes, values): as {@link
   * #serve}, with the core's result turned into the response by {@code toProto}, and {@code
   * onUnsent} told of a result whose response could not be written (the call had ended), so that
   * what it granted can be taken back.
   */
  public static <R, T> void serveReply(
      StreamObserver<T> observer,
      SessionRegistry sessions,
      String sessionId,
      boolean nowait,
      boolean hasTimeout,
      double timeoutSeconds,
      BiFunction<Wait, Reply<R>, Parked> call,
      Function<R, T> toProto,
      Consumer<R> onUnsent) {
    serve(
        observer,
        sessions,
        sessionId,
        nowait,
        hasTimeout,
        timeoutSeconds,
        (wait, answer) ->
            call.apply(
                wait,
                new Reply<R>() {
                  @Override
                  public void ok(R result) {
                    if (!answer.answer(toProto.apply(result))) {
                      onUnsent.accept(result);
                    }
                  }

                  @Override
                  public void fail(BrokerException e) {
                    answer.fail(e);
                  }
                }));
  }
}
