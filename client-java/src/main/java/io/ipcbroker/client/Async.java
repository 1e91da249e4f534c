package io.ipcbroker.client;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/** Completes the SDK's futures with the SDK's exceptions. */
final class Async {
  private Async() {}

  /** A failed stage carrying {@code t} translated. */
  static <T> CompletableFuture<T> fail(Throwable t) {
    return CompletableFuture.failedFuture(Errors.translate(t));
  }

  /**
   * A future that fails with translated exceptions. Cancelling it cancels {@code source}, which
   * gives the operation up on the broker; it succeeds only if {@code source} had no result yet, so
   * a value that already arrived is never dropped by a late cancel.
   */
  static <T> CompletableFuture<T> failTranslated(CompletableFuture<T> source) {
    CompletableFuture<T> out =
        new CompletableFuture<>() {
          @Override
          public boolean cancel(boolean mayInterruptIfRunning) {
            // The source's own completion handler below cancels this future.
            return source.cancel(mayInterruptIfRunning);
          }
        };
    source.whenComplete(
        (v, t) -> {
          if (t == null) {
            out.complete(v);
          } else if (t instanceof CancellationException) {
            out.completeExceptionally(t);
          } else {
            out.completeExceptionally(Errors.translate(t));
          }
        });
    return out;
  }
}
