package io.ipcbroker.client;

import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.concurrent.CompletableFuture;

/**
 * One {@code PutItems} stream of a queue handle. The broker applies frames in the order they are
 * sent, so one handle's puts keep their order. Each put is one frame whose future completes with
 * its exact outcome: normally once the item is in the queue, with {@link QueueFullException},
 * {@link RevokedException} (the item did not go in) or the stream's failure otherwise.
 */
final class ProducerStream extends ClientStream<PutItemsRequest, PutItemsResponse, Void> {
  private final String queue;

  ProducerStream(
      QueueServiceGrpc.QueueServiceStub stub, String queue, String uid, String sessionId) {
    this.queue = queue;
    stub.putItems(this);
    send(
        PutItemsRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
  }

  /** A pending put: its stream, its frame id and the future of its outcome. */
  record Put(ProducerStream stream, long putId, CompletableFuture<Void> future) {}

  /** Sends one put frame. {@code timeoutSeconds} null waits without limit. */
  Put put(Payload item, boolean nowait, Double timeoutSeconds) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    long putId =
        start(
            future,
            id -> {
              PutItemsRequest.Builder frame =
                  PutItemsRequest.newBuilder().setPutId(id).addItems(item).setNowait(nowait);
              if (timeoutSeconds != null) {
                frame.setTimeoutSeconds(timeoutSeconds);
              }
              return frame.build();
            });
    return new Put(this, putId, future);
  }

  /**
   * Revokes a waiting put; its future then completes with the exact outcome. Returns false if the
   * stream already closed (then the future fails with the stream's end).
   */
  boolean revoke(long putId) {
    return send(PutItemsRequest.newBuilder().setRevokePutId(putId).build());
  }

  @Override
  void beforeHalfClose() {
    // The broker completes a half-closed stream only once every frame is answered: revoke the
    // waiting ones so that closing does not wait for room, and each learns its exact outcome.
    for (long id : pendingIds()) {
      send(PutItemsRequest.newBuilder().setRevokePutId(id).build());
    }
  }

  @Override
  public void onNext(PutItemsResponse response) {
    if (!response.hasResult()) {
      return;
    }
    PutResult result = response.getResult();
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
    CompletableFuture<Void> f = take(putId);
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
}
