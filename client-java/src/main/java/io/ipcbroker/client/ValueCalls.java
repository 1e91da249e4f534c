package io.ipcbroker.client;

import io.ipcbroker.v1.AddAndGetRequest;
import io.ipcbroker.v1.AddAndGetResponse;
import io.ipcbroker.v1.CompareAndSetRequest;
import io.ipcbroker.v1.DescribeValueRequest;
import io.ipcbroker.v1.GetValueRequest;
import io.ipcbroker.v1.LockContext;
import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.SetValueRequest;
import io.ipcbroker.v1.SharedValue;
import io.ipcbroker.v1.ValueServiceGrpc.ValueServiceBlockingStub;
import io.ipcbroker.v1.ValueServiceGrpc.ValueServiceStub;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The reads and writes of one shared value or array, which {@link ValueHandle} and {@link
 * ArrayHandle} share (a value is an array of length 1 that is not indexed).
 *
 * <p>A read or write of an object with a lock may wait on the broker while another owner holds the
 * lock, so it is a {@link ParkedCall}: no deadline without a timeout (Python's accessors wait as
 * long as the lock is held), the timeout plus the wait grace with one, cancelled when the caller is
 * interrupted or the client closes. Calls that cannot wait (on a raw object, or by the thread that
 * holds the lock) take the plain path with the client's rpc timeout, which costs one thread hop
 * less. Every call names this client's session and the calling thread as the owner, so that the
 * broker lets a holder's calls through.
 */
final class ValueCalls {
  private final IpcBroker broker;
  private final SharedValue info;
  private final TypeCode type;
  private final LockHandle lock;
  private final Duration timeout; // null: wait as long as another owner holds the lock

  ValueCalls(IpcBroker broker, SharedValue info, TypeCode type, LockHandle lock, Duration timeout) {
    this.broker = broker;
    this.info = info;
    this.type = type;
    this.lock = lock;
    this.timeout = timeout;
  }

  ValueCalls withTimeout(Duration timeout) {
    Timeouts.seconds(timeout); // rejects a negative timeout now, not at the first call
    return new ValueCalls(broker, info, type, lock, timeout);
  }

  String name() {
    return info.getName();
  }

  TypeCode type() {
    return type;
  }

  int length() {
    return info.getLength();
  }

  boolean hasLock() {
    return info.getHasLock();
  }

  LockHandle lock() {
    return lock;
  }

  Scalar encode(Number n) {
    return Scalars.encode(type, n);
  }

  Number decode(Scalar s) {
    return Scalars.decode(type, s);
  }

  /** {@code count} elements from {@code index}; 0 means one for a value, the rest for an array. */
  List<Scalar> get(int index, int count) {
    GetValueRequest request =
        GetValueRequest.newBuilder()
            .setName(name())
            .setIndex(index)
            .setCount(count)
            .setLock(context())
            .build();
    return run(ValueServiceBlockingStub::getValue, ValueServiceStub::getValue, request, "a read")
        .getValuesList();
  }

  /** The one element at {@code index}. */
  Scalar getOne(int index) {
    return only(get(index, info.getIsArray() ? 1 : 0));
  }

  void set(int index, List<Scalar> values) {
    SetValueRequest request =
        SetValueRequest.newBuilder()
            .setName(name())
            .setIndex(index)
            .addAllValues(values)
            .setLock(context())
            .build();
    run(ValueServiceBlockingStub::setValue, ValueServiceStub::setValue, request, "a write");
  }

  Scalar addAndGet(int index, Scalar delta) {
    AddAndGetRequest request =
        AddAndGetRequest.newBuilder()
            .setName(name())
            .setIndex(index)
            .setDelta(delta)
            .setLock(context())
            .build();
    return run(ValueServiceBlockingStub::addAndGet, ValueServiceStub::addAndGet, request, "an add")
        .getValue();
  }

  /**
   * An add that does not wait, its answer turned into what the caller sees by {@code result}:
   * always a call that may park on the broker (while another owner holds the lock), so that a
   * closing client or a cancelled future gives it up there. The future is the call's own (not a
   * dependent stage), so that cancelling it reaches the call.
   */
  <V> CompletableFuture<V> addAndGetAsync(int index, Scalar delta, Function<Scalar, V> result) {
    try {
      AddAndGetRequest request =
          AddAndGetRequest.newBuilder()
              .setName(name())
              .setIndex(index)
              .setDelta(delta)
              .setLock(context())
              .build();
      ValueServiceStub stub = broker.valueAsyncStub();
      if (!hasLock() || lock.isHeldByCurrentThread()) {
        // No lock to wait for: the add never parks, and is bounded as the blocking form's plain
        // call is, so that a broker that stopped answering fails the future.
        stub = stub.withDeadlineAfter(broker.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS);
      }
      return broker
          .park(
              stub,
              ValueServiceStub::addAndGet,
              request,
              timeout,
              (AddAndGetResponse r) -> result.apply(r.getValue()))
          .toFuture(broker.callbacks());
    } catch (IpcBrokerException e) {
      return CompletableFuture.failedFuture(e); // a closed client, a lost session: in the future
    }
  }

  boolean compareAndSet(int index, Scalar expected, Scalar newValue) {
    CompareAndSetRequest request =
        CompareAndSetRequest.newBuilder()
            .setName(name())
            .setIndex(index)
            .setExpected(expected)
            .setNewValue(newValue)
            .setLock(context())
            .build();
    return run(
            ValueServiceBlockingStub::compareAndSet,
            ValueServiceStub::compareAndSet,
            request,
            "a compare-and-set")
        .getSwapped();
  }

  /** The object's live figures (whether it is locked, how many wait), for tests in this package. */
  SharedValue describe() {
    return broker.callValues(
        stub ->
            stub.describeValue(DescribeValueRequest.newBuilder().setName(name()).build())
                .getValue());
  }

  private LockContext context() {
    LockContext.Builder context =
        LockContext.newBuilder().setSessionId(broker.sessionId()).setOwner(LockHandle.owner());
    if (timeout != null) {
      context.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    return context.build();
  }

  private <Q, R> R run(
      BiFunction<ValueServiceBlockingStub, Q, R> plain,
      ParkedCall.Method<ValueServiceStub, Q, R> parked,
      Q request,
      String what) {
    if (!hasLock() || lock.isHeldByCurrentThread()) {
      return broker.callValues(stub -> plain.apply(stub, request));
    }
    return broker.park(broker.valueAsyncStub(), parked, request, timeout, r -> r).await(what);
  }

  private Scalar only(List<Scalar> values) {
    if (values.size() != 1) {
      throw new IllegalStateException(
          "the broker answered " + values.size() + " elements for one of " + name());
    }
    return values.get(0);
  }
}
