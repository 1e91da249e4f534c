package io.ipcbroker.client;

import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

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
   * The most bytes of items a coalesced frame carries (a lone larger item goes alone). The broker's
   * message limit is its item limit plus at least 64 KiB, whatever {@code --max-item-bytes} says,
   * so a frame under 48 KiB (with the framing of up to 4096 items) always fits; 48 KiB of 100-byte
   * items is about 450 of them, enough to amortise the per-message cost.
   */
  static final int MAX_FRAME_BYTES = 48 << 10;

  private final String queue;
  // Puts waiting for the frame in flight to be answered; guarded by this.
  private final List<Payload> waitingItems = new ArrayList<>();
  private final List<CompletableFuture<Void>> waitingPuts = new ArrayList<>();
  private long waitingBytes; // guarded by this
  // The coalesced frames in flight, by frame id.
  private final Map<Long, Coalesced> coalesced = new ConcurrentHashMap<>();
  // Where coalesced puts are settled: never the transport thread, one task per frame, in order.
  private final Executor callbacks;
  // Frames of more than one put sent so far (tests check that coalescing happens).
  private final AtomicLong coalescedFrames = new AtomicLong();

  /** A coalesced frame: its puts, and how many of its items went in once its answer came. */
  private static final class Coalesced {
    final List<CompletableFuture<Void>> puts;
    volatile int accepted;

    Coalesced(List<CompletableFuture<Void>> puts) {
      this.puts = puts;
    }
  }

  ProducerStream(
      QueueServiceGrpc.QueueServiceStub stub,
      String queue,
      String uid,
      String sessionId,
      Executor callbacks) {
    this.queue = queue;
    this.callbacks = callbacks;
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
   * with the puts that follow it into the next frame. The future completes on the callback executor
   * with the SDK's exceptions.
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
    Coalesced c = new Coalesced(new ArrayList<>(waitingPuts));
    waitingItems.clear();
    waitingPuts.clear();
    waitingBytes = 0;
    CompletableFuture<Void> frame = new CompletableFuture<>();
    // The frame's end settles its puts in one task, in order: its first `accepted` went in; the
    // rest share the frame's outcome.
    frame.whenComplete((v, failure) -> settleLater(c, failure));
    try {
      start(
          frame,
          putId -> {
            coalesced.put(putId, c);
            return PutItemsRequest.newBuilder().setPutId(putId).addAllItems(items).build();
          });
    } catch (IpcBrokerException e) {
      frame.completeExceptionally(Errors.notSent(e)); // the stream had ended: nothing was sent
      return;
    }
    if (c.puts.size() > 1) {
      coalescedFrames.incrementAndGet();
    }
  }

  private void settleLater(Coalesced c, Throwable failure) {
    Runnable settle =
        () -> {
          IpcBrokerException why = failure == null ? null : Errors.translate(failure);
          for (int i = 0; i < c.puts.size(); i++) {
            if (why == null || i < c.accepted) {
              c.puts.get(i).complete(null);
            } else {
              c.puts.get(i).completeExceptionally(why);
            }
          }
        };
    try {
      callbacks.execute(settle);
    } catch (RejectedExecutionException closing) {
      settle.run(); // the client is closing: settle here rather than never
    }
  }

  /** How many frames carried more than one coalesced put. */
  long coalescedFrames() {
    return coalescedFrames.get();
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
    failWaiting(Errors.notSent(Errors.closed()));
    // The broker completes a half-closed stream only once every frame is answered: revoke the
    // waiting ones so that closing does not wait for room, and each learns its exact outcome.
    for (long id : pendingIds()) {
      send(PutItemsRequest.newBuilder().setRevokePutId(id).build());
    }
  }

  @Override
  void afterEnd(IpcBrokerException e) {
    synchronized (this) {
      failWaiting(Errors.notSent(e));
    }
  }

  /** Fails the puts that were never sent (their items are certainly not in the queue). */
  private void failWaiting(IpcBrokerException e) {
    if (!waitingPuts.isEmpty()) {
      Coalesced c = new Coalesced(new ArrayList<>(waitingPuts));
      settleLater(c, e);
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
    Coalesced c = coalesced.remove(result.getPutId());
    if (c != null) {
      // The first `accepted` puts of a coalesced frame went in, whatever the outcome says of the
      // rest (also for ABORTED, whose frame the stream's end fails).
      c.accepted = result.getAccepted();
    }
    switch (result.getOutcome()) {
      case PUT_OUTCOME_OK -> complete(result.getPutId(), null);
      case PUT_OUTCOME_FULL -> complete(result.getPutId(), new QueueFullException(queue));
      case PUT_OUTCOME_REVOKED -> complete(result.getPutId(), new RevokedException());
      case PUT_OUTCOME_ABORTED -> {
        // The stream's status follows and fails the frame with the broker's reason.
      }
      default ->
          // An outcome this SDK does not know (a newer broker): what became of the items past the
          // accepted ones is unknown; the frame fails rather than holding the stream up.
          complete(
              result.getPutId(),
              new IpcBrokerException(
                  IpcBrokerException.Code.UNKNOWN,
                  "",
                  "unknown put outcome " + result.getOutcomeValue(),
                  Map.of(),
                  null));
    }
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
