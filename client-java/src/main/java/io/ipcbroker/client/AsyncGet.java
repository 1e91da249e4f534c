package io.ipcbroker.client;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The future {@code getAsync} returns. Whatever completes it from outside (a {@code cancel}, an
 * {@code orTimeout}, the caller's own {@code completeExceptionally}) first gives the get up on the
 * broker; if the item arrived first, the future completes with the item instead and the outside
 * attempt fails, so an item is never taken from the queue and then dropped.
 *
 * <p>The item's own completion runs on the SDK's callback executor, never on a gRPC thread, so code
 * chained on this future may block or call the broker.
 */
final class AsyncGet<T> extends CompletableFuture<T> {
  private final ConsumerStream.Get<T> get;
  private final AtomicBoolean settled = new AtomicBoolean();

  private AsyncGet(ConsumerStream.Get<T> get) {
    this.get = get;
  }

  static <T> AsyncGet<T> start(ConsumerStream.Get<T> get, Executor callbacks) {
    AsyncGet<T> out = new AsyncGet<>(get);
    get.future()
        .whenCompleteAsync((received, failure) -> out.arrived(received, failure), callbacks);
    return out;
  }

  /** The get ended on the broker's side: hand the item (acked first) or the failure over. */
  private void arrived(ConsumerStream.Received received, Throwable failure) {
    if (!settled.compareAndSet(false, true)) {
      return; // an outside completion claimed the get and settled this future itself
    }
    if (failure != null) {
      super.completeExceptionally(Errors.translate(failure));
      return;
    }
    try {
      super.complete(get.stream().accept(received));
    } catch (IpcBrokerException e) {
      super.completeExceptionally(e);
    }
  }

  /**
   * An outside completion: give the get up first. Returns whether the outside completion took
   * effect (false when the item or another outcome got there first).
   */
  private boolean claim(Runnable outside) {
    if (!settled.compareAndSet(false, true)) {
      return false;
    }
    T crossed;
    try {
      crossed =
          get.stream()
              .giveUp(
                  get,
                  new IpcBrokerException(
                      IpcBrokerException.Code.CANCELLED,
                      "",
                      "the get was completed by its caller",
                      Map.of(),
                      null));
    } catch (IpcBrokerException e) {
      super.completeExceptionally(e);
      return false;
    }
    if (crossed != null) {
      super.complete(crossed); // the item arrived first: it is this future's, not lost
      return false;
    }
    outside.run();
    return true;
  }

  @Override
  public boolean complete(T value) {
    boolean[] done = new boolean[1];
    return claim(() -> done[0] = super.complete(value)) && done[0];
  }

  @Override
  public boolean completeExceptionally(Throwable ex) {
    boolean[] done = new boolean[1];
    return claim(() -> done[0] = super.completeExceptionally(ex)) && done[0];
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean[] done = new boolean[1];
    return claim(() -> done[0] = super.cancel(mayInterruptIfRunning)) && done[0];
  }

  @Override
  public void obtrudeValue(T value) {
    claim(() -> {});
    super.obtrudeValue(value);
  }

  @Override
  public void obtrudeException(Throwable ex) {
    claim(() -> {});
    super.obtrudeException(ex);
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    // Dependent stages are plain futures: only this one owns a get.
    return new CompletableFuture<>();
  }
}
