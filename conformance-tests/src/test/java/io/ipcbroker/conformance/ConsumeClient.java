package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test driver for one {@code Consume} stream on the raw async stub: sends frames, and lets the
 * test wait for the answer to each pull and for the end of the stream.
 */
public final class ConsumeClient {
  private final AtomicLong pullIds = new AtomicLong();
  private final Map<Long, CompletableFuture<PullResult>> results = new ConcurrentHashMap<>();
  private final CompletableFuture<Queue> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private ClientCallStreamObserver<ConsumeRequest> requests;

  private ConsumeClient() {}

  /** Opens a stream on {@code queue} (optionally in {@code sessionId}) without waiting. */
  public static ConsumeClient start(Channel channel, String queue, String sessionId) {
    return start(QueueServiceGrpc.newStub(channel), queue, "", sessionId);
  }

  /** Opens a stream with a given stub (for example one with a deadline) without waiting. */
  public static ConsumeClient start(
      QueueServiceGrpc.QueueServiceStub stub, String queue, String uid, String sessionId) {
    ConsumeClient c = new ConsumeClient();
    stub.consume(c.observer());
    c.send(
        ConsumeRequest.newBuilder()
            .setOpen(
                StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
    return c;
  }

  /** Opens a stream and waits for the broker's {@code opened} answer. */
  public static ConsumeClient open(Channel channel, String queue) {
    ConsumeClient c = start(channel, queue, "");
    c.awaitOpened();
    return c;
  }

  private ClientResponseObserver<ConsumeRequest, ConsumeResponse> observer() {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ConsumeRequest> stream) {
        requests = stream;
      }

      @Override
      public void onNext(ConsumeResponse r) {
        if (r.hasOpened()) {
          opened.complete(r.getOpened());
        } else if (r.hasPullResult()) {
          results
              .computeIfAbsent(r.getPullResult().getPullId(), k -> new CompletableFuture<>())
              .complete(r.getPullResult());
        }
      }

      @Override
      public void onError(Throwable t) {
        opened.completeExceptionally(t);
        ended.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    };
  }

  /** Sends a raw frame. */
  public synchronized void send(ConsumeRequest request) {
    requests.onNext(request);
  }

  /** Waits for {@code opened}; throws the stream's error if it failed instead. */
  public Queue awaitOpened() {
    return Futures.get(opened, Duration.ofSeconds(10));
  }

  /** Sends a pull and returns its id. {@code timeoutSeconds} null means no timeout. */
  public long pull(int maxItems, Double timeoutSeconds, boolean nowait) {
    long id = pullIds.incrementAndGet();
    results.computeIfAbsent(id, k -> new CompletableFuture<>());
    Pull.Builder pull = Pull.newBuilder().setPullId(id).setMaxItems(maxItems).setNowait(nowait);
    if (timeoutSeconds != null) {
      pull.setTimeoutSeconds(timeoutSeconds);
    }
    send(ConsumeRequest.newBuilder().setPull(pull).build());
    return id;
  }

  /** The answer to pull {@code id}, as a future. */
  public CompletableFuture<PullResult> result(long id) {
    return results.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  /** Waits up to {@code max} for the answer to pull {@code id}. */
  public PullResult awaitResult(long id, Duration max) {
    return Futures.get(result(id), max);
  }

  /** One blocking get: a pull of one item, waiting for its answer. */
  public PullResult get(Double timeoutSeconds) {
    long id = pull(1, timeoutSeconds, false);
    double wait = timeoutSeconds == null ? 30 : timeoutSeconds + 10;
    return awaitResult(id, Duration.ofMillis((long) (wait * 1000)));
  }

  /** Acks deliveries. */
  public void ack(long... deliveryIds) {
    send(
        ConsumeRequest.newBuilder()
            .addAllAckIds(Arrays.stream(deliveryIds).boxed().toList())
            .build());
  }

  /** Nacks deliveries. */
  public void nack(long... deliveryIds) {
    send(
        ConsumeRequest.newBuilder()
            .addAllNackIds(Arrays.stream(deliveryIds).boxed().toList())
            .build());
  }

  /** Revokes pull {@code pullId}. */
  public void revoke(long pullId) {
    send(ConsumeRequest.newBuilder().setRevokePullId(pullId).build());
  }

  /** Half-closes and waits for the broker to end the stream. */
  public void halfCloseAndAwait() {
    synchronized (this) {
      requests.onCompleted();
    }
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

  /** Waits for the stream to fail and returns its error; fails if it ends otherwise. */
  public Throwable awaitError() {
    try {
      ended.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("stream did not fail in time", e);
    }
    throw new AssertionError("stream completed without an error");
  }
}
