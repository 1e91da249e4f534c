package io.ipcbroker.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One {@code PutItems} stream of a queue handle. Frames are applied by the broker in the order
 * they are sent, so one handle's puts keep their order. Each put is one frame whose future
 * completes with its outcome.
 */
final class ProducerStream {
  private final String queue;
  private final Map<Long, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private ClientCallStreamObserver<PutItemsRequest> requests; // sends guarded by this
  private long lastPutId; // guarded by this
  private volatile IpcBrokerException failure;

  ProducerStream(
      QueueServiceGrpc.QueueServiceStub stub, String queue, String uid, String sessionId) {
    this.queue = queue;
    stub.putItems(new Responses());
    send(
        PutItemsRequest.newBuilder()
            .setOpen(
                StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
  }

  boolean isAlive() {
    return failure == null && !ended.isDone();
  }

  /** A pending put: its frame id and the future of its outcome. */
  record Put(long putId, CompletableFuture<Void> future) {}

  /** Sends one put frame. {@code timeoutSeconds} null waits without limit. */
  Put put(Payload item, boolean nowait, Double timeoutSeconds) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    long id;
    synchronized (this) {
      IpcBrokerException f = failure;
      if (f != null) {
        throw f;
      }
      id = ++lastPutId;
      pending.put(id, future);
      PutItemsRequest.Builder frame =
          PutItemsRequest.newBuilder().setPutId(id).addItems(item).setNowait(nowait);
      if (timeoutSeconds != null) {
        frame.setTimeoutSeconds(timeoutSeconds);
      }
      requests.onNext(frame.build());
    }
    return new Put(id, future);
  }

  /**
   * Revokes a waiting put. Its future then completes with the exact outcome: normally if the item
   * went in before the revoke arrived, with {@link RevokedException} if it did not.
   */
  void revoke(long putId) {
    send(PutItemsRequest.newBuilder().setRevokePutId(putId).build());
  }

  private synchronized void send(PutItemsRequest request) {
    if (ended.isDone()) {
      return;
    }
    requests.onNext(request);
  }

  /** Half-closes (the broker answers every frame first) and waits up to {@code max}. */
  void close(Duration max) {
    synchronized (this) {
      if (failure == null) {
        failure = Errors.closed();
      }
      if (!ended.isDone()) {
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
  }

  private void failAll(IpcBrokerException e) {
    List<CompletableFuture<Void>> all = new ArrayList<>(pending.values());
    pending.clear();
    for (CompletableFuture<Void> f : all) {
      f.completeExceptionally(e);
    }
  }

  private void onResult(PutResult result) {
    switch (result.getOutcome()) {
      case PUT_OUTCOME_OK -> complete(result.getPutId(), null);
      case PUT_OUTCOME_FULL -> complete(result.getPutId(), new QueueFullException(queue));
      case PUT_OUTCOME_REVOKED -> complete(result.getPutId(), new RevokedException());
      default -> {
        // ABORTED: the stream's status follows and fails the future with the broker's reason.
      }
    }
  }

  private void complete(long putId, RuntimeException failure) {
    CompletableFuture<Void> f = pending.remove(putId);
    if (f == null) {
      return;
    }
    if (failure == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(failure);
    }
  }

  /** The outcome of a revoked put whose item did not go in. */
  static final class RevokedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RevokedException() {
      super("put revoked", null, false, false);
    }
  }

  private final class Responses
      implements ClientResponseObserver<PutItemsRequest, PutItemsResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<PutItemsRequest> stream) {
      requests = stream;
    }

    @Override
    public void onNext(PutItemsResponse response) {
      if (response.hasResult()) {
        onResult(response.getResult());
      }
    }

    @Override
    public void onError(Throwable t) {
      IpcBrokerException e = Errors.translate(t);
      synchronized (ProducerStream.this) {
        if (failure == null) {
          failure = e;
        }
        ended.complete(null);
      }
      failAll(e);
    }

    @Override
    public void onCompleted() {
      synchronized (ProducerStream.this) {
        if (failure == null) {
          failure = Errors.closed();
        }
        ended.complete(null);
      }
      failAll(Errors.closed());
    }
  }
}
