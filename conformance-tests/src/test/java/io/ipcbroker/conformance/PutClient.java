package io.ipcbroker.conformance;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** A test driver for one {@code PutItems} stream on the raw async stub. */
public final class PutClient {
  private final AtomicLong putIds = new AtomicLong();
  private final Map<Long, CompletableFuture<PutResult>> results = new ConcurrentHashMap<>();
  private final CompletableFuture<Queue> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private ClientCallStreamObserver<PutItemsRequest> requests;

  private PutClient() {}

  /** Opens a stream on {@code queue} (optionally in {@code sessionId}) without waiting. */
  public static PutClient start(Channel channel, String queue, String sessionId) {
    PutClient c = new PutClient();
    QueueServiceGrpc.newStub(channel).putItems(c.observer());
    c.send(
        PutItemsRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue(queue).setSessionId(sessionId))
            .build());
    return c;
  }

  /** Opens a stream and waits for {@code opened}. */
  public static PutClient open(Channel channel, String queue) {
    PutClient c = start(channel, queue, "");
    Futures.get(c.opened, Duration.ofSeconds(10));
    return c;
  }

  private ClientResponseObserver<PutItemsRequest, PutItemsResponse> observer() {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<PutItemsRequest> stream) {
        requests = stream;
      }

      @Override
      public void onNext(PutItemsResponse r) {
        if (r.hasOpened()) {
          opened.complete(r.getOpened());
        } else if (r.hasResult()) {
          results
              .computeIfAbsent(r.getResult().getPutId(), k -> new CompletableFuture<>())
              .complete(r.getResult());
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
  public synchronized void send(PutItemsRequest request) {
    requests.onNext(request);
  }

  /** UTF-8 text as a {@code text/plain} payload. */
  public static Payload text(String s) {
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(s, StandardCharsets.UTF_8))
        .setContentType("text/plain; charset=utf-8")
        .build();
  }

  /** Sends a put frame and returns its id. {@code timeoutSeconds} null means no timeout. */
  public long put(List<Payload> items, Double timeoutSeconds, boolean nowait) {
    long id = putIds.incrementAndGet();
    results.computeIfAbsent(id, k -> new CompletableFuture<>());
    PutItemsRequest.Builder b =
        PutItemsRequest.newBuilder().setPutId(id).addAllItems(items).setNowait(nowait);
    if (timeoutSeconds != null) {
      b.setTimeoutSeconds(timeoutSeconds);
    }
    send(b.build());
    return id;
  }

  /** The answer to frame {@code id}. */
  public CompletableFuture<PutResult> result(long id) {
    return results.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  /** Puts one text item, blocking without a timeout, and waits for its answer. */
  public PutResult putText(String s) {
    return Futures.get(result(put(List.of(text(s)), null, false)), Duration.ofSeconds(30));
  }

  /** Half-closes and waits for the broker to end the stream (after answering every frame). */
  public void halfCloseAndAwait() {
    synchronized (this) {
      requests.onCompleted();
    }
    Futures.get(ended, Duration.ofSeconds(10));
  }

  /** Cancels the stream abruptly. */
  public void cancel() {
    requests.cancel("test cancels", null);
  }

  /** The end of the stream. */
  public CompletableFuture<Void> ended() {
    return ended;
  }
}
