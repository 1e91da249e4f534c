package io.ipcbroker.client;

import io.grpc.stub.AbstractStub;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A unary call that parks on the broker until it has an answer ({@code JoinQueue}, {@code
 * JoinProcess}), with the SDK's conventions for waiting on one.
 *
 * <p>The broker answers a wait at its timeout, a little before the call's deadline. So the deadline
 * and the caller's local wait are the timeout plus the client's wait grace: they only catch a
 * broker that stopped answering, which is then reported as {@code BROKER_UNRESPONSIVE} rather than
 * as the transport's {@code DEADLINE_EXCEEDED}. A caller that gives up (an interrupt, a cancelled
 * future, a closing client) cancels the call, so that it does not stay parked on the broker.
 *
 * @param <V> what the answer means to the caller
 */
final class ParkedCall<V> implements BrokerCall {
  /** A stub's unary method, as a method reference ({@code ProcessServiceStub::joinProcess}). */
  @FunctionalInterface
  interface Method<S, Q, R> {
    void invoke(S stub, Q request, StreamObserver<R> responses);
  }

  private final CompletableFuture<V> result = new CompletableFuture<>();
  private final Duration timeout;
  private final Duration grace;
  private volatile ClientCallStreamObserver<?> call;

  private ParkedCall(Duration timeout, Duration grace) {
    this.timeout = timeout;
    this.grace = grace;
  }

  /**
   * Starts {@code method} on {@code stub}; {@code timeout} is the one the request carries (null:
   * none, the call then has no deadline either).
   */
  static <S extends AbstractStub<S>, Q, R, V> ParkedCall<V> start(
      S stub,
      Method<S, Q, R> method,
      Q request,
      Duration timeout,
      Duration grace,
      Function<R, V> answer) {
    ParkedCall<V> parked = new ParkedCall<>(timeout, grace);
    if (timeout != null) {
      stub = stub.withDeadlineAfter(parked.localBoundMillis(), TimeUnit.MILLISECONDS);
    }
    method.invoke(
        stub,
        request,
        new ClientResponseObserver<Q, R>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<Q> c) {
            parked.call = c;
          }

          @Override
          public void onNext(R value) {
            V v;
            try {
              v = answer.apply(value);
            } catch (RuntimeException e) {
              parked.result.completeExceptionally(e);
              return;
            }
            parked.result.complete(v);
          }

          @Override
          public void onError(Throwable t) {
            parked.result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return parked;
  }

  /** Completes (either way) when the call has its answer or was given up. */
  CompletableFuture<V> result() {
    return result;
  }

  /**
   * Waits for the answer.
   *
   * @param what the call, for the exception of an unresponsive broker ({@code "a join"})
   * @throws IpcBrokerException the call's failure, translated; {@code INTERRUPTED} (the thread's
   *     interrupt flag set again) or {@code BROKER_UNRESPONSIVE}, the call then given up
   */
  V await(String what) {
    try {
      if (timeout == null) {
        return result.get();
      }
      return result.get(localBoundMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      cancel();
      Thread.currentThread().interrupt();
      throw Errors.interrupted(e);
    } catch (TimeoutException e) {
      cancel();
      throw Errors.unresponsive(what);
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
  }

  /**
   * As {@link #await}, for a call that may take something on the broker (an acquire): when the
   * caller gives up or the answer is lost ({@link Errors#outcomeUnknown}), {@code settle} tells the
   * broker before the failure is thrown, so that nothing stays taken that nobody knows of.
   */
  V awaitOrSettle(String what, Runnable settle) {
    try {
      return await(what);
    } catch (IpcBrokerException e) {
      if (Errors.outcomeUnknown(e)) {
        settle.run();
      }
      throw e;
    }
  }

  /**
   * A future of the answer that fails with the SDK's exceptions and completes on {@code callbacks},
   * never on a gRPC thread. Cancelling it, or completing it exceptionally from outside, gives the
   * call up on the broker.
   */
  CompletableFuture<V> toFuture(Executor callbacks) {
    CompletableFuture<V> out =
        new CompletableFuture<>() {
          @Override
          public boolean cancel(boolean mayInterruptIfRunning) {
            ParkedCall.this.cancel(); // a wait given up must not stay parked on the broker
            return super.cancel(mayInterruptIfRunning);
          }

          @Override
          public boolean completeExceptionally(Throwable ex) {
            ParkedCall.this.cancel();
            return super.completeExceptionally(ex);
          }
        };
    result.whenCompleteAsync(
        (v, t) -> {
          if (t == null) {
            out.complete(v);
          } else {
            out.completeExceptionally(Errors.translate(t));
          }
        },
        callbacks);
    return out;
  }

  /** Fails the wait with {@code why} and gives the call up on the broker. */
  @Override
  public void abort(IpcBrokerException why) {
    if (result.completeExceptionally(why)) {
      cancelCall();
    }
  }

  private void cancel() {
    if (!result.isDone()) {
      cancelCall();
    }
  }

  private void cancelCall() {
    ClientCallStreamObserver<?> c = call;
    if (c != null) {
      c.cancel("wait given up", null);
    }
  }

  private long localBoundMillis() {
    return Timeouts.saturatedMillis(timeout) + grace.toMillis();
  }
}
