package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * One producer client of a race: puts uniquely numbered items in frames of 1 to 3 over one {@code
 * PutItems} stream, one frame at a time, with a random pause between frames so that the queue stays
 * nearly empty and gets really park. Every item is recorded in the ledger before it is sent and
 * marked OK when its frame's answer says it was enqueued.
 */
final class RaceProducer {
  static final long BACKLOG = 10;

  private final Channel channel;
  private final String queue;
  private final RaceLedger ledger;
  private final AtomicLong nextItem;
  private final long maxItems;
  private final long maxPauseNanos;
  private final LongSupplier queueSize;
  private final SplittableRandom random;

  /**
   * @param nextItem the numbering shared by a phase's producers; items are numbered from 1 and no
   *     producer sends an item numbered above {@code maxItems}
   * @param maxPauseNanos the longest pause between two frames while the queue is nearly empty
   * @param queueSize a recent sample of the queue's size
   */
  RaceProducer(
      Channel channel,
      String queue,
      RaceLedger ledger,
      AtomicLong nextItem,
      long maxItems,
      long maxPauseNanos,
      LongSupplier queueSize,
      SplittableRandom random) {
    this.channel = channel;
    this.queue = queue;
    this.ledger = ledger;
    this.nextItem = nextItem;
    this.maxItems = maxItems;
    this.maxPauseNanos = maxPauseNanos;
    this.queueSize = queueSize;
    this.random = random;
  }

  /** Puts frames until {@code stop}, {@code endNanos} or the item limit; returns items put OK. */
  long run(BooleanSupplier stop, long endNanos) throws InterruptedException {
    AtomicReference<CompletableFuture<PutResult>> pending = new AtomicReference<>();
    CompletableFuture<Void> opened = new CompletableFuture<>();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    ClientCallStreamObserver<PutItemsRequest>[] out = newArray();
    QueueServiceGrpc.newStub(channel)
        .putItems(
            new ClientResponseObserver<PutItemsRequest, PutItemsResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<PutItemsRequest> stream) {
                out[0] = stream;
              }

              @Override
              public void onNext(PutItemsResponse r) {
                if (r.hasOpened()) {
                  opened.complete(null);
                } else {
                  CompletableFuture<PutResult> f = pending.getAndSet(null);
                  if (f != null) {
                    f.complete(r.getResult());
                  } else {
                    onError(new IllegalStateException("unexpected put answer " + r));
                  }
                }
              }

              @Override
              public void onError(Throwable t) {
                opened.completeExceptionally(t);
                ended.completeExceptionally(t);
                CompletableFuture<PutResult> f = pending.get();
                if (f != null) {
                  f.completeExceptionally(t);
                }
              }

              @Override
              public void onCompleted() {
                ended.complete(null);
              }
            });
    out[0].onNext(
        PutItemsRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue(queue)).build());
    long ok = 0;
    try {
      await(opened, "opened");
      long putId = 0;
      while (!stop.getAsBoolean() && System.nanoTime() - endNanos < 0) {
        int n = 1 + random.nextInt(3);
        long first = nextItem.getAndAdd(n);
        if (first + n - 1 > maxItems) {
          break;
        }
        PutItemsRequest.Builder frame = PutItemsRequest.newBuilder().setPutId(++putId);
        for (long id = first; id < first + n; id++) {
          ledger.sent(id);
          frame.addItems(RaceLedger.payload(id));
        }
        CompletableFuture<PutResult> answer = new CompletableFuture<>();
        pending.set(answer);
        out[0].onNext(frame.build());
        // No timeout on the frame: it may only wait for room, which the consumers make.
        PutResult r = await(answer, "put " + putId);
        for (int i = 0; i < r.getAccepted(); i++) {
          ledger.putOk(first + i);
        }
        ok += r.getAccepted();
        if (r.getOutcome() != PutOutcome.PUT_OUTCOME_OK || r.getAccepted() != n) {
          throw new IllegalStateException("put " + putId + " answered " + r);
        }
        long pause = random.nextLong(maxPauseNanos + 1);
        LockSupport.parkNanos(queueSize.getAsLong() > BACKLOG ? 5 * maxPauseNanos : pause);
      }
      out[0].onCompleted();
      await(ended, "the end of the put stream");
      return ok;
    } catch (RuntimeException | Error | InterruptedException e) {
      out[0].cancel("race producer failed", e);
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private static ClientCallStreamObserver<PutItemsRequest>[] newArray() {
    return new ClientCallStreamObserver[1];
  }

  private static <T> T await(CompletableFuture<T> f, String what) throws InterruptedException {
    try {
      return f.get(RaceConsumer.ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("producer failed waiting for " + what, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("producer got no answer in time: " + what, e);
    }
  }
}
