package io.ipcbroker.conformance;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.Queue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the raw-stub drivers of the broker's two bidirectional streams share: the {@code opened}
 * answer, one answer per request id, the stream's end, and a log of everything the broker sent, in
 * order ({@code opened}, one {@code result:...} line per answer, then {@code completed} or {@code
 * error:<CODE>}), so that tests can check what came before the end of the stream.
 *
 * @param <Q> the request type
 * @param <R> the response type
 * @param <V> the answer to one request (a pull's or a put frame's result)
 */
abstract class StreamDriver<Q, R, V> implements ClientResponseObserver<Q, R> {
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<V>> results = new ConcurrentHashMap<>();
  private final CompletableFuture<Queue> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private ClientCallStreamObserver<Q> requests;

  /** Records the broker's {@code opened} answer. */
  final void opened(Queue queue) {
    events.add("opened");
    opened.complete(queue);
  }

  /** Records the answer to request {@code id}; {@code event} is its line in the log. */
  final void answered(long id, V answer, String event) {
    events.add(event);
    results.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(answer);
  }

  @Override
  public final void beforeStart(ClientCallStreamObserver<Q> stream) {
    requests = stream;
  }

  @Override
  public final void onError(Throwable t) {
    events.add("error:" + Status.fromThrowable(t).getCode());
    opened.completeExceptionally(t);
    ended.completeExceptionally(t);
  }

  @Override
  public final void onCompleted() {
    events.add("completed");
    opened.completeExceptionally(new AssertionError("stream completed before opened"));
    ended.complete(null);
  }

  /** Sends a raw frame. */
  public synchronized void send(Q request) {
    requests.onNext(request);
  }

  /** Waits for {@code opened}; throws the stream's error if it failed instead. */
  public Queue awaitOpened() {
    return Futures.get(opened, Duration.ofSeconds(10));
  }

  /** The next request id this driver would use. */
  final long nextId() {
    return ids.incrementAndGet();
  }

  /** The answer to request {@code id}, as a future. */
  public CompletableFuture<V> result(long id) {
    return results.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  /** Waits up to {@code max} for the answer to request {@code id}. */
  public V awaitResult(long id, Duration max) {
    return Futures.get(result(id), max);
  }

  /** Waits up to 10 s for the answer to request {@code id}. */
  public V awaitResult(long id) {
    return awaitResult(id, Duration.ofSeconds(10));
  }

  /** Half-closes without waiting. */
  public void halfClose() {
    synchronized (this) {
      requests.onCompleted();
    }
  }

  /** Half-closes and waits for the broker to end the stream. */
  public void halfCloseAndAwait() {
    halfClose();
    Futures.get(ended, Duration.ofSeconds(10));
  }

  /** Cancels the stream abruptly, as a crashing client would. */
  public void cancel() {
    requests.cancel("test cancels", null);
  }

  /** The end of the stream: completes normally, or exceptionally with the stream's status. */
  public CompletableFuture<Void> ended() {
    return ended;
  }

  /** What the broker sent so far, in order (see the class comment). */
  public List<String> events() {
    return List.copyOf(events);
  }

  /** Waits for the stream to fail and returns its error; fails if it ends otherwise. */
  public Throwable awaitError() {
    try {
      ended.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("stream did not fail in time", e);
    }
    throw new AssertionError("stream completed without an error");
  }
}
