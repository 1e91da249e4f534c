package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.JoinQueueResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.TaskDoneRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
    double seconds = seconds(timeout);
    awaitPut(producer().put(encode(item), false, seconds), timeout);
  }

  @Override
  public void putNowait(T item) {
    awaitPut(producer().put(encode(item), true, null), Duration.ZERO);
  }

  @Override
  public CompletableFuture<Void> putAsync(T item) {
    return producer().put(encode(item), false, null).future().exceptionallyCompose(Async::fail);
  }

  @Override
  public CompletableFuture<Void> putAsync(T item, Duration timeout) {
    return producer()
        .put(encode(item), false, seconds(timeout))
        .future()
        .exceptionallyCompose(Async::fail);
  }

  private void awaitPut(ProducerStream.Put put, Duration timeout) {
    try {
      await(put.future(), timeout);
    } catch (InterruptedException e) {
      // Revoke, then learn exactly whether the item went in before the revoke did.
      producerIfOpen().revoke(put.putId());
      try {
        put.future().get(broker.waitGrace().toMillis(), TimeUnit.MILLISECONDS);
        Thread.currentThread().interrupt(); // it went in; keep the interrupt for the caller
      } catch (InterruptedException | ExecutionException | TimeoutException again) {
        throw Errors.interrupted(e);
      }
    } catch (TimeoutException e) {
      producerIfOpen().revoke(put.putId());
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
    return awaitGet(consumer().get(false, seconds(timeout)), timeout);
  }

  @Override
  public T getNowait() {
    return awaitGet(consumer().get(true, null), Duration.ZERO);
  }

  @Override
  public CompletableFuture<T> getAsync() {
    return Async.failTranslated(consumer().get(false, null).future());
  }

  @Override
  public CompletableFuture<T> getAsync(Duration timeout) {
    return Async.failTranslated(consumer().get(false, seconds(timeout)).future());
  }

  private T awaitGet(ConsumerStream.Get<T> get, Duration timeout) {
    ConsumerStream<T> stream = consumerIfOpen();
    try {
      return await(get.future(), timeout);
    } catch (InterruptedException e) {
      T crossed = stream.giveUp(get, Errors.interrupted(e));
      if (crossed != null) {
        Thread.currentThread().interrupt();
        return crossed; // the item arrived first: it is the caller's now, not lost
      }
      throw Errors.interrupted(e);
    } catch (TimeoutException e) {
      T crossed = stream.giveUp(get, Errors.unresponsive("a get"));
      if (crossed != null) {
        return crossed;
      }
      throw Errors.unresponsive("a get");
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
  }

  /**
   * Waits for an answer that the broker gives at the end of the wait; the local bound only
   * catches a broker that stopped answering.
   */
  private <R> R await(CompletableFuture<R> future, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (timeout == null) {
      return future.get();
    }
    return future.get(
        saturatedMillis(timeout) + broker.waitGrace().toMillis(), TimeUnit.MILLISECONDS);
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
            stub.getQueue(
                    GetQueueRequest.newBuilder().setName(name()).setUid(uid()).build())
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
    try {
      joinCall(null).get();
    } catch (InterruptedException e) {
      throw Errors.interrupted(e);
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
  }

  @Override
  public boolean join(Duration timeout) {
    try {
      return await(joinCall(timeout), timeout);
    } catch (InterruptedException e) {
      throw Errors.interrupted(e);
    } catch (TimeoutException e) {
      throw Errors.unresponsive("a join");
    } catch (ExecutionException e) {
      throw Errors.translate(e.getCause());
    }
  }

  @Override
  public CompletableFuture<Boolean> joinAsync(Duration timeout) {
    return Async.failTranslated(joinCall(timeout));
  }

  private CompletableFuture<Boolean> joinCall(Duration timeout) {
    JoinQueueRequest.Builder request =
        JoinQueueRequest.newBuilder()
            .setQueue(name())
            .setUid(uid())
            .setSessionId(broker.sessionId());
    var stub = broker.asyncStub();
    if (timeout != null) {
      request.setTimeoutSeconds(seconds(timeout));
      // The broker answers at the timeout; the deadline only bounds a broker that does not.
      stub =
          stub.withDeadlineAfter(
              saturatedMillis(timeout) + broker.waitGrace().toMillis(), TimeUnit.MILLISECONDS);
    }
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    stub.joinQueue(
        request.build(),
        new StreamObserver<JoinQueueResponse>() {
          @Override
          public void onNext(JoinQueueResponse value) {
            result.complete(value.getDone());
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return result;
  }

  // ---- streams ----

  private synchronized ConsumerStream<T> consumer() {
    if (closed) {
      throw Errors.closed();
    }
    if (consumer == null || !consumer.isAlive()) {
      consumer =
          new ConsumerStream<>(
              broker.asyncStub(), name(), uid(), broker.sessionId(), this::decode);
    }
    return consumer;
  }

  private synchronized ConsumerStream<T> consumerIfOpen() {
    return consumer;
  }

  private synchronized ProducerStream producer() {
    if (closed) {
      throw Errors.closed();
    }
    if (producer == null || !producer.isAlive()) {
      producer = new ProducerStream(broker.asyncStub(), name(), uid(), broker.sessionId());
    }
    return producer;
  }

  private synchronized ProducerStream producerIfOpen() {
    return producer;
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

  // ---- helpers ----

  static double seconds(Duration timeout) {
    if (timeout == null) {
      throw new NullPointerException("timeout");
    }
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    return timeout.getSeconds() + timeout.getNano() / 1e9;
  }

  private static long saturatedMillis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  @Override
  public String toString() {
    return "IpcQueue[" + name() + "]";
  }
}
