package io.ipcbroker.conformance;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Unary calls on the async stub as futures, for calls that park while the test goes on. */
public final class Unary {
  private Unary() {}

  /**
   * Starts a unary call and returns its response as a future, for example {@code Unary.call(o ->
   * stub.getItem(request, o))}.
   */
  public static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> call) {
    CompletableFuture<T> future = new CompletableFuture<>();
    call.accept(
        new StreamObserver<>() {
          @Override
          public void onNext(T value) {
            future.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            future.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            future.completeExceptionally(new AssertionError("completed without a response"));
          }
        });
    return future;
  }

  /** Waits up to 10 s for {@code future}; rethrows a failed call's status as it is. */
  public static <T> T await(CompletableFuture<T> future) {
    return Futures.get(future, Duration.ofSeconds(10));
  }

  /** Waits for {@code future} to fail and returns the failure. */
  public static Throwable awaitFailure(CompletableFuture<?> future) {
    try {
      Object value = Futures.get(future, Duration.ofSeconds(10));
      throw new AssertionError("expected a failure, got " + value);
    } catch (StatusRuntimeException e) {
      return e;
    }
  }
}
