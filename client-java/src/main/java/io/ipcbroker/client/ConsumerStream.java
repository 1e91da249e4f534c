package io.ipcbroker.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
final class ConsumerStream<T> {
  private final String queue;
  private final Function<Delivery, T> decoder;
  private final Map<Long, CompletableFuture<T>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private ClientCallStreamObserver<ConsumeRequest> requests; // sends guarded by this
  private long lastPullId; // guarded by this
  private volatile IpcBrokerException failure;

  ConsumerStream(
      QueueServiceGrpc.QueueServiceStub stub,
      String queue,
      String uid,
      String sessionId,
      Function<Delivery, T> decoder) {
    this.queue = queue;
    this.decoder = decoder;
    stub.consume(new Responses());
    send(
        ConsumeRequest.newBuilder()
            .setOpen(
                StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
  }

  /** Whether the stream still works; a dead one is replaced by the handle. */
  boolean isAlive() {
    return failure == null && !ended.isDone();
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
    long id;
    synchronized (this) {
      IpcBrokerException f = failure;
      if (f != null) {
        throw f;
      }
      id = ++lastPullId;
      pending.put(id, future);
      Pull.Builder pull = Pull.newBuilder().setPullId(id).setMaxItems(1).setNowait(nowait);
      if (timeoutSeconds != null) {
        pull.setTimeoutSeconds(timeoutSeconds);
      }
      requests.onNext(ConsumeRequest.newBuilder().setPull(pull).build());
    }
    long pullId = id;
    // A caller that cancels the future gives the get up: revoke it on the broker, so that it does
    // not keep waiting; an item that crosses the revoke is nacked by the handler.
    future.whenComplete(
        (v, t) -> {
          if (t != null && pending.containsKey(pullId)) {
            revoke(pullId);
          }
        });
    return new Get<>(id, future);
  }

  /**
   * Gives up a get unless its item already arrived; returns the item if it did (the caller must
   * use it), or null if the get was given up.
   */
  T giveUp(Get<T> get, IpcBrokerException why) {
    if (get.future().completeExceptionally(why)) {
      return null; // the handler will nack whatever crosses the revoke
    }
    return get.future().getNow(null);
  }

  private void revoke(long pullId) {
    send(ConsumeRequest.newBuilder().setRevokePullId(pullId).build());
  }

  private synchronized void send(ConsumeRequest request) {
    if (ended.isDone()) {
      return;
    }
    requests.onNext(request);
  }

  /**
   * Half-closes the stream and waits up to {@code max} for the broker to end it (it answers
   * pending pulls and takes back what was not acked), then cancels as a last resort. A bare
   * cancel right after an ack could drop that ack; half-closing first never does.
   */
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
    List<CompletableFuture<T>> all = new ArrayList<>(pending.values());
    pending.clear();
    for (CompletableFuture<T> f : all) {
      f.completeExceptionally(e);
    }
  }

  private void onResult(PullResult result) {
    CompletableFuture<T> future = pending.remove(result.getPullId());
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
    boolean taken;
    if (future == null) {
      taken = false;
    } else {
      T value;
      try {
        value = decoder.apply(d);
      } catch (ItemDecodeException e) {
        // The exception carries the item to the caller: that counts as handing it over.
        taken = future.completeExceptionally(e);
        ack(d, taken);
        return;
      }
      taken = future.complete(value);
    }
    ack(d, taken);
  }

  private void ack(Delivery d, boolean taken) {
    ConsumeRequest.Builder frame = ConsumeRequest.newBuilder();
    if (taken) {
      frame.addAckIds(d.getDeliveryId());
    } else {
      frame.addNackIds(d.getDeliveryId());
    }
    send(frame.build());
  }

  private final class Responses implements ClientResponseObserver<ConsumeRequest, ConsumeResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<ConsumeRequest> stream) {
      requests = stream;
    }

    @Override
    public void onNext(ConsumeResponse response) {
      if (response.hasPullResult()) {
        onResult(response.getPullResult());
      }
    }

    @Override
    public void onError(Throwable t) {
      IpcBrokerException e = Errors.translate(t);
      synchronized (ConsumerStream.this) {
        if (failure == null) {
          failure = e;
        }
        ended.complete(null);
      }
      failAll(e);
    }

    @Override
    public void onCompleted() {
      synchronized (ConsumerStream.this) {
        if (failure == null) {
          failure = Errors.closed();
        }
        ended.complete(null);
      }
      failAll(Errors.closed());
    }
  }
}
