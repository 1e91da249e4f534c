package io.ipcbroker.server.rpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/** Helpers that keep each adapter method to translation only. */
public final class Rpcs {
  private Rpcs() {}

  /**
   * Answers a unary call with what {@code call} returns, or with the status its failure maps to.
   */
  public static <R> void unary(StreamObserver<R> observer, Supplier<R> call) {
    R response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      observer.onError(StatusMapping.toStatusException(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  /**
   * Answers a unary call with what the future {@code call} returns completes with, or with the
   * status its failure (thrown at once or completing the future) maps to.
   */
  public static <R> void unaryAsync(
      StreamObserver<R> observer, Supplier<CompletableFuture<R>> call) {
    CompletableFuture<R> future;
    try {
      future = call.get();
    } catch (RuntimeException e) {
      observer.onError(StatusMapping.toStatusException(e));
      return;
    }
    future.whenComplete(
        (response, failure) -> {
          if (failure != null) {
            Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            if (cause instanceof CancellationException) {
              // The core gave up because the caller went away; nobody reads this answer.
              observer.onError(Status.CANCELLED.withDescription("call cancelled").asException());
              return;
            }
            observer.onError(StatusMapping.toStatusException(cause));
          } else {
            observer.onNext(response);
            observer.onCompleted();
          }
        });
  }
}
