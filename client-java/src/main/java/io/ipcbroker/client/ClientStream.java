package io.ipcbroker.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * The life cycle shared by the SDK's bidirectional streams: serialised sends, operations pending by
 * id until the broker answers them, and an end that fails whatever is still pending.
 *
 * <p>Streams end by half-closing and waiting for the broker to complete them; a cancel is only the
 * fallback when the broker does not answer, because a cancel right after a send can drop that send
 * (for a consumer: its last ack, which would make the item be delivered again). Nothing is sent
 * after the half-close: a send then reports that it did not happen.
 *
 * @param <Q> the request type
 * @param <R> the response type
 * @param <V> the value an answered operation completes with
 */
abstract class ClientStream<Q, R, V> implements ClientResponseObserver<Q, R> {
  private final Map<Long, CompletableFuture<V>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private ClientCallStreamObserver<Q> requests; // guarded by this
  private long lastId; // guarded by this
  private boolean halfClosed; // guarded by this
  private volatile IpcBrokerException failure;

  /** Whether the stream still works; a dead one is replaced by its handle. */
  final boolean isAlive() {
    return failure == null && !ended.isDone();
  }

  /**
   * Registers a new pending operation and sends the request {@code build} makes for its id, as one
   * step, so that ids go out in increasing order.
   *
   * @throws IpcBrokerException the stream's failure if it no longer works
   */
  final long start(CompletableFuture<V> future, LongFunction<Q> build) {
    synchronized (this) {
      IpcBrokerException f = failure;
      if (f != null) {
        throw f;
      }
      long id = ++lastId;
      pending.put(id, future);
      requests.onNext(build.apply(id));
      return id;
    }
  }

  /**
   * Sends {@code request}; returns false, sending nothing, once the stream half-closed or ended.
   */
  final synchronized boolean send(Q request) {
    if (halfClosed || ended.isDone()) {
      return false;
    }
    requests.onNext(request);
    return true;
  }

  /** Removes and returns the pending operation {@code id}, or null if it is no longer pending. */
  final CompletableFuture<V> take(long id) {
    return pending.remove(id);
  }

  /** Whether any operation is still waiting for the broker's answer. */
  final boolean hasPending() {
    return !pending.isEmpty();
  }

  /**
   * Runs once the stream has ended or closed and every pending operation was failed with {@code e}:
   * what a subclass holds outside the pending operations fails too.
   */
  void afterEnd(IpcBrokerException e) {}

  /** The ids of the operations still pending. */
  final List<Long> pendingIds() {
    return new ArrayList<>(pending.keySet());
  }

  /**
   * Runs under the stream's monitor just before the half-close: what must happen before the broker
   * learns that no more requests come (revokes, or failing what is pending).
   */
  abstract void beforeHalfClose();

  /** Half-closes, waits up to {@code max} for the broker to end the stream, then cancels. */
  final void close(Duration max) {
    synchronized (this) {
      if (failure == null) {
        failure = Errors.closed();
      }
      if (!halfClosed && !ended.isDone()) {
        beforeHalfClose();
        halfClosed = true;
        requests.onCompleted();
      }
    }
    try {
      ended.get(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      requests.cancel("client closing", null);
    } catch (Exception e) {
      requests.cancel("client closing", null);
    }
    failAll(Errors.closed());
    afterEnd(Errors.closed());
  }

  /** Fails every pending operation with {@code e}. */
  final void failAll(IpcBrokerException e) {
    List<CompletableFuture<V>> all = new ArrayList<>(pending.values());
    pending.clear();
    for (CompletableFuture<V> f : all) {
      f.completeExceptionally(e);
    }
  }

  @Override
  public final void beforeStart(ClientCallStreamObserver<Q> stream) {
    requests = stream;
  }

  @Override
  public final void onError(Throwable t) {
    end(Errors.translate(t));
  }

  @Override
  public final void onCompleted() {
    end(Errors.closed());
  }

  private void end(IpcBrokerException e) {
    synchronized (this) {
      if (failure == null) {
        failure = e;
      }
      ended.complete(null);
    }
    failAll(e);
    afterEnd(e);
  }
}
