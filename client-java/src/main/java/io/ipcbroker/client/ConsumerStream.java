package io.ipcbroker.client;

import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * One {@code Consume} stream of a queue handle: the acknowledged path of every get.
 *
 * <p>A get is one pull for one item. Two rules keep every item with exactly one live taker:
 *
 * <ol>
 *   <li>The get's future decides who has the item. The item handler completes it with the item; a
 *       caller that gives up (timeout, interrupt, cancel) completes it with its reason; exactly one
 *       wins. An item that arrives after the caller gave up is nacked back to the queue.
 *   <li>The taker acks before it hands the item over, under the stream's monitor, which {@code
 *       close()} also takes before half-closing. So either the ack goes out and the caller gets the
 *       item, or the stream was already closing and the caller gets no item (the broker gives it to
 *       someone else). Never both.
 * </ol>
 *
 * @param <T> the decoded item type
 */
final class ConsumerStream<T>
    extends ClientStream<ConsumeRequest, ConsumeResponse, ConsumerStream.Received> {
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
            .setOpen(StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
  }

  /**
   * The items that arrived for a get, not yet acked nor decoded: the first, and {@code rest} for a
   * batch get (empty for a get of one item). They are decoded by whoever takes them, on that
   * thread, never on the transport thread (a codec may be slow, or call the broker).
   */
  record Received(Delivery first, List<Delivery> rest) {}

  /** A pending get: the stream, its pull id, and the future that decides who has the item. */
  record Get<T>(ConsumerStream<T> stream, long pullId, CompletableFuture<Received> future) {}

  /**
   * Starts a get of one item.
   *
   * @param timeoutSeconds null to wait without limit
   */
  Get<T> get(boolean nowait, Double timeoutSeconds) {
    return get(1, nowait, timeoutSeconds);
  }

  /**
   * Starts a get of up to {@code maxItems} items (1 to 1024): one pull, answered with as many as
   * are there when the first one is.
   *
   * @param timeoutSeconds null to wait without limit
   */
  Get<T> get(int maxItems, boolean nowait, Double timeoutSeconds) {
    CompletableFuture<Received> future = new CompletableFuture<>();
    long pullId =
        start(
            future,
            id -> {
              Pull.Builder pull =
                  Pull.newBuilder().setPullId(id).setMaxItems(maxItems).setNowait(nowait);
              if (timeoutSeconds != null) {
                pull.setTimeoutSeconds(timeoutSeconds);
              }
              return ConsumeRequest.newBuilder().setPull(pull).build();
            });
    return new Get<>(this, pullId, future);
  }

  /**
   * Takes an item for the caller: acks it and returns it, or, if the stream is already closing or
   * gone (the broker will give the item to someone else), throws without returning it.
   *
   * @throws ItemDecodeException if the item could not be decoded (it is acked and carried along)
   */
  T accept(Received received) {
    boolean acked =
        send(ConsumeRequest.newBuilder().addAckIds(received.first().getDeliveryId()).build());
    if (!acked) {
      throw Errors.closed();
    }
    return decoder.apply(received.first()); // may throw ItemDecodeException: the item is taken
  }

  /**
   * Takes the items of a batch get for the caller, without losing any: the decodable items up to
   * the first one that cannot be decoded are acked and returned, and that one and the items after
   * it are nacked back to the head of the queue, in order, for the next get. If the very first
   * cannot be decoded, it alone is acked and its {@link ItemDecodeException} thrown, as {@link
   * #accept} does.
   */
  List<T> acceptAll(Received received) {
    List<Delivery> all = new ArrayList<>(1 + received.rest().size());
    all.add(received.first());
    all.addAll(received.rest());
    List<T> values = new ArrayList<>(all.size());
    ItemDecodeException firstFailure = null;
    for (Delivery d : all) {
      try {
        values.add(decoder.apply(d));
      } catch (ItemDecodeException e) {
        firstFailure = e;
        break;
      }
    }
    int usable = values.size();
    int taken = usable == 0 ? 1 : usable;
    ConsumeRequest.Builder settle = ConsumeRequest.newBuilder();
    for (int i = 0; i < all.size(); i++) {
      if (i < taken) {
        settle.addAckIds(all.get(i).getDeliveryId());
      } else {
        settle.addNackIds(all.get(i).getDeliveryId());
      }
    }
    if (!send(settle.build())) {
      throw Errors.closed();
    }
    if (usable == 0) {
      throw firstFailure;
    }
    return values;
  }

  /**
   * Gives a get up. Returns null if it was given up before an item arrived (the pull is revoked);
   * otherwise the items arrived first: {@code take} accepts them and its result is returned, and
   * the caller must use it.
   *
   * @throws IpcBrokerException if the get had already ended otherwise (empty, stream failure)
   */
  T giveUp(Get<T> get, IpcBrokerException why) {
    return giveUp(get, why, this::accept);
  }

  /** As {@link #giveUp(Get, IpcBrokerException)}, taking what arrived with {@code take}. */
  <R> R giveUp(Get<T> get, IpcBrokerException why, Function<Received, R> take) {
    if (get.future().completeExceptionally(why)) {
      send(ConsumeRequest.newBuilder().setRevokePullId(get.pullId()).build());
      return null;
    }
    Received received;
    try {
      received = get.future().join();
    } catch (CompletionException e) {
      throw Errors.translate(e.getCause());
    }
    return take.apply(received);
  }

  @Override
  void beforeHalfClose() {
    // No get may take an item once the half-close is on its way: whatever crosses it is not
    // acked and goes back to the queue for someone else.
    failAll(Errors.closed());
  }

  @Override
  public void onNext(ConsumeResponse response) {
    if (!response.hasPullResult()) {
      return;
    }
    PullResult result = response.getPullResult();
    CompletableFuture<Received> future = take(result.getPullId());
    switch (result.getOutcome()) {
      case PULL_OUTCOME_DELIVERED -> {
        List<Delivery> ds = result.getDeliveriesList();
        if (future == null || !future.complete(new Received(ds.get(0), ds.subList(1, ds.size())))) {
          // The caller gave up first, or the stream is closing: back to the head of the queue.
          ConsumeRequest.Builder back = ConsumeRequest.newBuilder();
          for (Delivery d : ds) {
            back.addNackIds(d.getDeliveryId());
          }
          send(back.build());
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
}
