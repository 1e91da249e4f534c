package io.ipcbroker.client;

import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One {@code Consume} stream of a queue handle: the acknowledged path of every get.
 *
 * <p>A get is one pull for one item. Its future is the single point of decision: the item handler
 * and a caller that gives up (timeout, interrupt, cancel) race to complete it, and exactly one
 * wins. If the handler wins, the caller has the item and it is acked; if the caller gave up first,
 * the item that crossed the give-up is nacked back to the head of the queue. Nothing is lost
 * either way, and a live client never sees an item twice.
 *
 * @param <T> the decoded item type
 */
final class ConsumerStream<T> extends ClientStream<ConsumeRequest, ConsumeResponse, T> {
  private final String queue;
  private final Function<Delivery, T> decoder;

  ConsumerStream(
      QueueServiceGrpc.QueueServiceStub stub,
      String queue,
      String uid,
      String sessionId,
      Function<Delivery, T> decoder) {
    this.queue = queue;
    this.decoder = decoder;
    stub.consume(this);
    send(
        ConsumeRequest.newBuilder()
            .setOpen(
                StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
  }

  /** A pending get: its pull id and the future the item will complete. */
  record Get<T>(long pullId, CompletableFuture<T> future) {}

  /**
   * Starts a get.
   *
   * @param timeoutSeconds null to wait without limit
   */
  Get<T> get(boolean nowait, Double timeoutSeconds) {
    CompletableFuture<T> future = new CompletableFuture<>();
    long pullId =
        start(
            future,
            id -> {
              Pull.Builder pull = Pull.newBuilder().setPullId(id).setMaxItems(1).setNowait(nowait);
              if (timeoutSeconds != null) {
                pull.setTimeoutSeconds(timeoutSeconds);
              }
              return ConsumeRequest.newBuilder().setPull(pull).build();
            });
    // A caller that cancels the future gives the get up: revoke it on the broker so that it stops
    // waiting; an item that crosses the revoke is nacked by the handler.
    future.whenComplete(
        (v, t) -> {
          if (t != null && pending.containsKey(pullId)) {
            send(ConsumeRequest.newBuilder().setRevokePullId(pullId).build());
          }
        });
    return new Get<>(pullId, future);
  }

  /**
   * Gives up a get unless its item already arrived; returns the item if it did (the caller must
   * use it), or null if the get was given up.
   */
  T giveUp(Get<T> get, IpcBrokerException why) {
    if (get.future().completeExceptionally(why)) {
      return null; // the handler nacks whatever crosses the revoke
    }
    return get.future().getNow(null);
  }

  @Override
  public void onNext(ConsumeResponse response) {
    if (!response.hasPullResult()) {
      return;
    }
    PullResult result = response.getPullResult();
    CompletableFuture<T> future = take(result.getPullId());
    switch (result.getOutcome()) {
      case PULL_OUTCOME_DELIVERED -> {
        for (Delivery d : result.getDeliveriesList()) {
          handOver(future, d);
        }
      }
      case PULL_OUTCOME_EMPTY -> {
        if (future != null) {
          future.completeExceptionally(new QueueEmptyException(queue));
        }
      }
      default -> {
        if (future != null) {
          future.completeExceptionally(Errors.closed());
        }
      }
    }
  }

  private void handOver(CompletableFuture<T> future, Delivery d) {
    boolean taken = false;
    if (future != null) {
      try {
        taken = future.complete(decoder.apply(d));
      } catch (ItemDecodeException e) {
        // The exception carries the item to the caller: that counts as handing it over.
        taken = future.completeExceptionally(e);
      }
    }
    ConsumeRequest.Builder frame = ConsumeRequest.newBuilder();
    if (taken) {
      frame.addAckIds(d.getDeliveryId());
    } else {
      frame.addNackIds(d.getDeliveryId());
    }
    send(frame.build());
  }
}
