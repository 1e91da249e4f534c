package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.JoinQueueResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.TaskDoneRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** The SDK's queue handle: {@link IpcQueue} and {@link IpcJoinableQueue} over one client. */
final class QueueHandle<T> implements IpcJoinableQueue<T> {
  private final IpcBroker broker;
  private final Queue queue;
  private final Codec<T> codec;
  private ConsumerStream<T> consumer; // guarded by this
  private ProducerStream producer; // guarded by this
  private boolean closed; // guarded by this

  QueueHandle(IpcBroker broker, Queue queue, Codec<T> codec) {
    this.broker = broker;
    this.queue = queue;
    this.codec = codec;
  }

  @Override
  public String name() {
    return queue.getName();
  }

  @Override
  public String uid() {
    return queue.getUid();
  }

  @Override
  public long maxsize() {
    return queue.getMaxsize();
  }

  // ---- put ----

  @Override
  public void put(T item) {
    awaitPut(producer().put(encode(item), false, null), null);
  }

  @Override
  public void put(T item, Duration timeout) {
    awaitPut(producer().put(encode(item), false, Timeouts.seconds(timeout)), timeout);
  }

  @Override
  public void putNowait(T item) {
    awaitPut(producer().put(encode(item), true, null), Duration.ZERO);
  }

  @Override
  public CompletableFuture<Void> putAsync(T item) {
    return producer().putCoalesced(encode(item)); // settled on the callback executor
  }

  @Override
  public CompletableFuture<Void> putAsync(T item, Duration timeout) {
    return translated(producer().put(encode(item), false, Timeouts.seconds(timeout)).future());
  }

  private void awaitPut(ProducerStream.Put put, Duration timeout) {
    try {
      await(put.future(), timeout);
    } catch (InterruptedException e) {
      // Revoke, then learn exactly whether the item went in before the revoke did.
      put.stream().revoke(put.putId());
      boolean wentIn;
      try {
        put.future().get(broker.waitGrace().toMillis(), TimeUnit.MILLISECONDS);
        wentIn = true;
      } catch (InterruptedException | ExecutionException | TimeoutException again) {
        wentIn = false;
      }
      Thread.currentThread().interrupt();
      if (!wentIn) {
        throw Errors.interrupted(e);
      }
    } catch (TimeoutException e) {
      put.stream().revoke(put.putId());
      throw Errors.unresponsive("a put");
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
  }

  // ---- get ----

  @Override
  public T get() {
    return awaitGet(consumer().get(false, null), null);
  }

  @Override
  public T get(Duration timeout) {
    return awaitGet(consumer().get(false, Timeouts.seconds(timeout)), timeout);
  }

  @Override
  public T getNowait() {
    return awaitGet(consumer().get(true, null), Duration.ZERO);
  }

  @Override
  public CompletableFuture<T> getAsync() {
    return AsyncGet.start(consumer().get(false, null), broker.callbacks());
  }

  @Override
  public CompletableFuture<T> getAsync(Duration timeout) {
    return AsyncGet.start(consumer().get(false, Timeouts.seconds(timeout)), broker.callbacks());
  }

  @Override
  public List<T> getMany(int maxItems, Duration timeout) {
    if (maxItems < 1 || maxItems > 1024) {
      throw new IllegalArgumentException("maxItems must be in [1, 1024], not " + maxItems);
    }
    ConsumerStream.Get<T> get = consumer().get(maxItems, false, Timeouts.seconds(timeout));
    return awaitGet(get, timeout, get.stream()::acceptAll);
  }

  private T awaitGet(ConsumerStream.Get<T> get, Duration timeout) {
    return awaitGet(get, timeout, get.stream()::accept);
  }

  /** Waits for a get's items and takes them with {@code take}; a get given up loses nothing. */
  private <R> R awaitGet(
      ConsumerStream.Get<T> get, Duration timeout, Function<ConsumerStream.Received, R> take) {
    ConsumerStream.Received received;
    try {
      received = await(get.future(), timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      R crossed = get.stream().giveUp(get, Errors.interrupted(e), take);
      if (crossed != null) {
        return crossed; // the items arrived first: they are the caller's now, not lost
      }
      throw Errors.interrupted(e);
    } catch (TimeoutException e) {
      R crossed = get.stream().giveUp(get, Errors.unresponsive("a get"), take);
      if (crossed != null) {
        return crossed;
      }
      throw Errors.unresponsive("a get");
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
    return take.apply(received);
  }

  /**
   * Waits for an answer that the broker gives at the end of the wait; the local bound only catches
   * a broker that stopped answering.
   */
  private <R> R await(CompletableFuture<R> future, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (timeout == null) {
      return future.get();
    }
    return future.get(
        Timeouts.saturatedMillis(timeout) + broker.waitGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  private T decode(Delivery d) {
    Payload p = d.getPayload();
    byte[] data = p.getData().toByteArray();
    try {
      return codec.decode(data, p.getContentType());
    } catch (RuntimeException e) {
      throw new ItemDecodeException(name(), data, p.getContentType(), e);
    }
  }

  private Payload encode(T item) {
    if (item == null) {
      throw new NullPointerException("item");
    }
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(codec.encode(item)))
        .setContentType(codec.contentType())
        .build();
  }

  /** A future failing with the SDK's exceptions, completed off the gRPC threads. */
  private <R> CompletableFuture<R> translated(CompletableFuture<R> source) {
    CompletableFuture<R> out = new CompletableFuture<>();
    source.whenCompleteAsync(
        (v, t) -> {
          if (t == null) {
            out.complete(v);
          } else {
            out.completeExceptionally(Errors.translate(t));
          }
        },
        broker.callbacks());
    return out;
  }

  // ---- figures ----

  @Override
  public long qsize() {
    return describe().getSize();
  }

  @Override
  public boolean isEmpty() {
    return describe().getEmpty();
  }

  @Override
  public boolean isFull() {
    return describe().getFull();
  }

  @Override
  public long unfinishedTasks() {
    return describe().getUnfinishedTasks();
  }

  /** The queue's live figures, for tests in this package. */
  Queue describeForTests() {
    return describe();
  }

  private Queue describe() {
    return broker.call(
        stub ->
            stub.getQueue(GetQueueRequest.newBuilder().setName(name()).setUid(uid()).build())
                .getQueue());
  }

  // ---- joinable ----

  @Override
  public void taskDone() {
    broker.call(
        stub ->
            stub.taskDone(
                TaskDoneRequest.newBuilder().setQueue(name()).setUid(uid()).setCount(1).build()));
  }

  @Override
  public void join() {
    startJoin(null).await("a join");
  }

  @Override
  public boolean join(Duration timeout) {
    return startJoin(timeout).await("a join");
  }

  @Override
  public CompletableFuture<Boolean> joinAsync(Duration timeout) {
    return startJoin(timeout).toFuture(broker.callbacks());
  }

  private ParkedCall<Boolean> startJoin(Duration timeout) {
    checkUsable();
    JoinQueueRequest.Builder request =
        JoinQueueRequest.newBuilder()
            .setQueue(name())
            .setUid(uid())
            .setSessionId(broker.sessionId());
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    return broker.park(
        broker.asyncStub(),
        QueueServiceGrpc.QueueServiceStub::joinQueue,
        request.build(),
        timeout,
        JoinQueueResponse::getDone);
  }

  // ---- streams ----

  private synchronized ConsumerStream<T> consumer() {
    checkUsable();
    if (consumer == null || !consumer.isAlive()) {
      consumer =
          new ConsumerStream<>(broker.asyncStub(), name(), uid(), broker.sessionId(), this::decode);
    }
    return consumer;
  }

  /** Frames of this handle's current put stream that carried several coalesced puts (tests). */
  synchronized long coalescedFrames() {
    return producer == null ? 0 : producer.coalescedFrames();
  }

  private synchronized ProducerStream producer() {
    checkUsable();
    if (producer == null || !producer.isAlive()) {
      producer =
          new ProducerStream(
              broker.asyncStub(), name(), uid(), broker.sessionId(), broker.callbacks());
    }
    return producer;
  }

  private void checkUsable() {
    if (closed) {
      throw Errors.closed();
    }
    broker.checkUsable();
  }

  @Override
  public void close() {
    ConsumerStream<T> c;
    ProducerStream p;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = consumer;
      p = producer;
    }
    Duration max = broker.waitGrace();
    if (p != null) {
      p.close(max);
    }
    if (c != null) {
      c.close(max);
    }
    broker.forget(this);
  }

  @Override
  public String toString() {
    return "IpcQueue[" + name() + "]";
  }
}
