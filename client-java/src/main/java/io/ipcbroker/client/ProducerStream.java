package io.ipcbroker.client;

import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@code PutItems} stream of a queue handle. The broker applies frames in the order they are
 * sent, so one handle's puts keep their order. Each put completes its future with its exact
 * outcome: normally once the item is in the queue, with {@link QueueFullException}, {@link
 * RevokedException} (the item did not go in) or the stream's failure otherwise.
 *
 * <p>Asynchronous puts without a timeout are coalesced, as Python's queue feeder thread batches its
 * writes: while a frame is in flight, such puts wait here and go out together as one frame when it
 * is answered (or at {@value #MAX_FRAME_ITEMS} items or {@value #MAX_FRAME_BYTES} bytes). An idle
 * stream sends a put at once, so a lone put pays no delay; a busy one sends one message per round
 * trip instead of one per item, which is where the throughput of a gRPC stream goes. A frame's
 * answer says how many of its items went in (a prefix), so every put still learns exactly what
 * happened to its own item.
 */
final class ProducerStream extends ClientStream<PutItemsRequest, PutItemsResponse, Void> {
  /** The broker's limit of items per frame. */
  static final int MAX_FRAME_ITEMS = 4096;

  /**
   * The most bytes of items a coalesced frame carries (a lone larger item goes alone): far below
   * the broker's message limit, and large enough that the per-message cost is amortised.
   */
  static final int MAX_FRAME_BYTES = 1 << 20;

  private final String queue;
  // Puts waiting for the frame in flight to be answered; guarded by this.
  private final List<Payload> waitingItems = new ArrayList<>();
  private final List<CompletableFuture<Void>> waitingPuts = new ArrayList<>();
  private long waitingBytes; // guarded by this
  // The per-put futures of each coalesced frame in flight, by frame id.
  private final Map<Long, List<CompletableFuture<Void>>> coalesced = new ConcurrentHashMap<>();

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

  /**
   * Sends one put frame of its own. {@code timeoutSeconds} null waits without limit. Puts waiting
   * to be coalesced go out first, so that the handle's order holds.
   */
  Put put(Payload item, boolean nowait, Double timeoutSeconds) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    long putId;
    synchronized (this) {
      flushWaiting();
      putId =
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
    }
    return new Put(this, putId, future);
  }

  /**
   * An asynchronous put without a timeout: sent at once if nothing is in flight, else coalesced
   * with the puts that follow it into the next frame.
   */
  CompletableFuture<Void> putCoalesced(Payload item) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    synchronized (this) {
      int size = item.getSerializedSize();
      if (!waitingItems.isEmpty() && waitingBytes + size > MAX_FRAME_BYTES) {
        flushWaiting(); // a frame stays well under the broker's message limit
      }
      waitingItems.add(item);
      waitingPuts.add(future);
      waitingBytes += size;
      if (!hasPending()
          || waitingItems.size() >= MAX_FRAME_ITEMS
          || waitingBytes >= MAX_FRAME_BYTES) {
        flushWaiting();
      }
    }
    return future;
  }

  /** Sends the waiting puts as one frame. Runs under the monitor. */
  private void flushWaiting() {
    if (waitingItems.isEmpty()) {
      return;
    }
    List<Payload> items = new ArrayList<>(waitingItems);
    List<CompletableFuture<Void>> puts = new ArrayList<>(waitingPuts);
    waitingItems.clear();
    waitingPuts.clear();
    waitingBytes = 0;
    CompletableFuture<Void> frame = new CompletableFuture<>();
    // The frame's end settles whichever of its puts its answer did not (see onNext).
    frame.whenComplete(
        (v, failure) -> {
          for (CompletableFuture<Void> put : puts) {
            if (failure == null) {
              put.complete(null);
            } else {
              put.completeExceptionally(failure);
            }
          }
        });
    long id;
    try {
      id =
          start(
              frame,
              putId -> {
                coalesced.put(putId, puts);
                return PutItemsRequest.newBuilder().setPutId(putId).addAllItems(items).build();
              });
    } catch (IpcBrokerException e) {
      frame.completeExceptionally(e);
      return;
    }
    if (frame.isDone()) {
      coalesced.remove(id);
    }
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
    // Coalesced puts not sent yet never went in: they fail with the close, exactly.
    failWaiting(Errors.closed());
    // The broker completes a half-closed stream only once every frame is answered: revoke the
    // waiting ones so that closing does not wait for room, and each learns its exact outcome.
    for (long id : pendingIds()) {
      send(PutItemsRequest.newBuilder().setRevokePutId(id).build());
    }
  }

  @Override
  void afterEnd(IpcBrokerException e) {
    synchronized (this) {
      failWaiting(e);
    }
  }

  private void failWaiting(IpcBrokerException e) {
    for (CompletableFuture<Void> put : waitingPuts) {
      put.completeExceptionally(e);
    }
    waitingItems.clear();
    waitingPuts.clear();
    waitingBytes = 0;
  }

  @Override
  public void onNext(PutItemsResponse response) {
    if (!response.hasResult()) {
      return;
    }
    PutResult result = response.getResult();
    List<CompletableFuture<Void>> puts = coalesced.remove(result.getPutId());
    if (puts != null) {
      // The first `accepted` puts of a coalesced frame went in, whatever the outcome says of the
      // rest; the frame's completion below settles the rest.
      for (int i = 0; i < Math.min(result.getAccepted(), puts.size()); i++) {
        puts.get(i).complete(null);
      }
    }
    if (result.getOutcome() == PutOutcome.PUT_OUTCOME_OK) {
      complete(result.getPutId(), null);
    } else if (result.getOutcome() == PutOutcome.PUT_OUTCOME_FULL) {
      complete(result.getPutId(), new QueueFullException(queue));
    } else if (result.getOutcome() == PutOutcome.PUT_OUTCOME_REVOKED) {
      complete(result.getPutId(), new RevokedException());
    }
    // ABORTED: the stream's status follows and fails the future with the broker's reason.
    synchronized (this) {
      if (!hasPending()) {
        flushWaiting(); // the frame in flight is answered: the puts that waited for it go now
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
