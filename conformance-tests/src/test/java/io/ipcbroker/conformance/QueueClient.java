package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client process's view of a queue, as Python's {@code Queue} object gives it: {@code put} and
 * {@code get} with {@code block}/{@code timeout}, over either the streaming RPCs (what SDKs use) or
 * the unary ones (what the thinnest clients use). Scenarios written against it run on both paths.
 */
public interface QueueClient extends AutoCloseable {
  /** Which RPCs carry the items. */
  enum Api {
    /** {@code PutItems} and {@code Consume} (acking each item at once). */
    STREAM,
    /** {@code PutItem} and {@code GetItem}. */
    UNARY
  }

  /** A get's outcome and, when delivered, the item's text. */
  record Got(PullOutcome outcome, String text) {
    /** Whether an item came. */
    public boolean delivered() {
      return outcome == PullOutcome.PULL_OUTCOME_DELIVERED;
    }
  }

  /** Puts {@code text}; {@code timeoutSeconds} null means no timeout. */
  CompletableFuture<PutOutcome> put(String text, Double timeoutSeconds, boolean nowait);

  /** Gets one item; {@code timeoutSeconds} null means no timeout. */
  CompletableFuture<Got> get(Double timeoutSeconds, boolean nowait);

  /** Ends the client's streams gracefully. */
  @Override
  void close();

  /** Opens a client of {@code queue} on {@code channel} over {@code api}. */
  static QueueClient open(Api api, Channel channel, String queue) {
    return api == Api.STREAM ? new Streaming(channel, queue) : new UnaryCalls(channel, queue);
  }

  /** Over {@code PutItems} and {@code Consume}. */
  final class Streaming implements QueueClient {
    private final PutClient producer;
    private final ConsumeClient consumer;

    Streaming(Channel channel, String queue) {
      producer = PutClient.open(channel, queue);
      consumer = ConsumeClient.open(channel, queue);
    }

    @Override
    public CompletableFuture<PutOutcome> put(String text, Double timeoutSeconds, boolean nowait) {
      long id = producer.put(List.of(Items.text(text)), timeoutSeconds, nowait);
      return producer.result(id).thenApply(r -> r.getOutcome());
    }

    @Override
    public CompletableFuture<Got> get(Double timeoutSeconds, boolean nowait) {
      long id = consumer.pull(1, timeoutSeconds, nowait);
      return consumer.result(id).thenApply(this::take);
    }

    private Got take(PullResult r) {
      if (r.getOutcome() != PullOutcome.PULL_OUTCOME_DELIVERED) {
        return new Got(r.getOutcome(), null);
      }
      consumer.ack(Items.ids(r));
      return new Got(r.getOutcome(), Items.text(r.getDeliveries(0)));
    }

    @Override
    public void close() {
      producer.halfCloseAndAwait();
      consumer.halfCloseAndAwait();
    }
  }

  /** Over {@code PutItem} and {@code GetItem}, each call with a 30 s deadline. */
  final class UnaryCalls implements QueueClient {
    private final Channel channel;
    private final String queue;

    UnaryCalls(Channel channel, String queue) {
      this.channel = channel;
      this.queue = queue;
    }

    private QueueServiceGrpc.QueueServiceStub stub() {
      return QueueServiceGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<PutOutcome> put(String text, Double timeoutSeconds, boolean nowait) {
      PutItemRequest.Builder b =
          PutItemRequest.newBuilder().setQueue(queue).setItem(Items.text(text)).setNowait(nowait);
      if (timeoutSeconds != null) {
        b.setTimeoutSeconds(timeoutSeconds);
      }
      return Unary.<PutItemResponse>call(o -> stub().putItem(b.build(), o))
          .thenApply(r -> r.getOutcome());
    }

    @Override
    public CompletableFuture<Got> get(Double timeoutSeconds, boolean nowait) {
      GetItemRequest.Builder b = GetItemRequest.newBuilder().setQueue(queue).setNowait(nowait);
      if (timeoutSeconds != null) {
        b.setTimeoutSeconds(timeoutSeconds);
      }
      return Unary.<GetItemResponse>call(o -> stub().getItem(b.build(), o))
          .thenApply(
              r ->
                  new Got(
                      r.getOutcome(),
                      r.getOutcome() == PullOutcome.PULL_OUTCOME_DELIVERED
                          ? Items.text(r.getDelivery())
                          : null));
    }

    @Override
    public void close() {}
  }
}
