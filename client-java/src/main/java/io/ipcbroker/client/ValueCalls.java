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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
      return sendAdd(index, delta, context(), canSkipLock(), result);
    } catch (IpcBrokerException e) {
      return CompletableFuture.failedFuture(e); // a closed client, a lost session: in the future
    }
  }

  /** Whether a call of the current thread cannot wait for the lock: none, or this thread has it. */
  private boolean canSkipLock() {
    return !hasLock() || lock.isHeldByCurrentThread();
  }

  /** Sends one add with a lock context captured on the caller's thread (see addAndGetAsync). */
  private <V> CompletableFuture<V> sendAdd(
      int index, Scalar delta, LockContext context, boolean plain, Function<Scalar, V> result) {
    try {
      AddAndGetRequest request =
          AddAndGetRequest.newBuilder()
              .setName(name())
              .setIndex(index)
              .setDelta(delta)
              .setLock(context)
              .build();
      ValueServiceStub stub = broker.valueAsyncStub();
      if (plain) {
        // No lock to wait for: the add never parks, and is bounded as the blocking form's plain
        // call is, so that a broker that stopped answering fails the future.
        stub = stub.withDeadlineAfter(broker.rpcTimeout().toMillis(), TimeUnit.MILLISECONDS);
      }
      addCalls.incrementAndGet();
      return broker
          .park(
              stub,
              ValueServiceStub::addAndGet,
              request,
              timeout,
              (AddAndGetResponse r) -> result.apply(r.getValue()))
          .toFuture(broker.callbacks());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- coalesced integer adds ----

  /** At most this many adds go out as one call. */
  static final int MAX_COALESCED_ADDS = 4096;

  // The adds each owner (thread) made while its previous round of adds on this value was in flight.
  private final Map<String, AddBatch> batches = new ConcurrentHashMap<>();
  private final AtomicLong addCalls = new AtomicLong();

  /** One add waiting to be sent, with the lock context of the thread that made it. */
  private record PendingAdd(long delta, CompletableFuture<Long> future, LockContext context) {}

  /** One owner's adds: at most one round of calls in flight, and the adds made meanwhile. */
  private static final class AddBatch {
    boolean inFlight; // guarded by this
    boolean retired; // guarded by this: removed from the map, a new batch takes over
    final ArrayDeque<PendingAdd> queued = new ArrayDeque<>(); // guarded by this
  }

  /**
   * An add of an integer delta to element 0 that coalesces: while a round of this thread's adds on
   * this handle is in flight, the adds it makes meanwhile wait; when the round is answered they go
   * out together, as one add of the sum of the non-negative deltas and one of the negative ones (at
   * most {@value #MAX_COALESCED_ADDS} each, all at once), and each future gets the value after its
   * own add as if they were applied back to back (which they were, atomically). One sign per call
   * keeps every intermediate value between the values before and after the call, so within the
   * type. A combined add that fails VALUE_OUT_OF_RANGE changed nothing and is sent again one add at
   * a time, so that exactly the adds that do not fit fail; any other failure is every member's.
   *
   * <p>Not coalesced: floats and 64-bit unsigned types, and the adds of a thread that holds the
   * lock (they must reach the broker while it still holds it).
   */
  CompletableFuture<Long> addAndGetAsyncCoalesced(long delta) {
    if (!type.isInteger() || type.isUnsigned64() || (hasLock() && lock.isHeldByCurrentThread())) {
      return addAndGetAsync(0, encode(delta), s -> decode(s).longValue());
    }
    PendingAdd add;
    try {
      add = new PendingAdd(delta, new CompletableFuture<>(), context());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    String owner = LockHandle.owner();
    while (true) {
      AddBatch batch = batches.computeIfAbsent(owner, o -> new AddBatch());
      synchronized (batch) {
        if (batch.retired) {
          continue; // emptied and removed just now: the next one is in the map
        }
        batch.queued.add(add);
        if (batch.inFlight) {
          return add.future(); // goes with the next round
        }
        batch.inFlight = true;
      }
      drain(owner, batch);
      return add.future();
    }
  }

  /** Calls sent by the async adds so far, for tests in this package. */
  long addCallsForTests() {
    return addCalls.get();
  }

  /**
   * Sends every add queued in {@code batch} as one round, or retires the batch if none is left.
   * Loops instead of recursing when a round ends at once (a closed client fails it synchronously),
   * so that a long queue cannot overflow the stack.
   */
  private void drain(String owner, AddBatch batch) {
    while (true) {
      List<AddCall> calls = new ArrayList<>();
      synchronized (batch) {
        CallBuilder positive = new CallBuilder(calls);
        CallBuilder negative = new CallBuilder(calls);
        for (PendingAdd a : batch.queued) {
          if (!a.future().isDone()) { // one given up before it was sent is never applied
            (a.delta() < 0 ? negative : positive).add(a);
          }
        }
        positive.finish();
        negative.finish();
        batch.queued.clear();
        if (calls.isEmpty()) {
          batch.inFlight = false;
          batch.retired = true;
          batches.remove(owner, batch);
          return;
        }
      }
      AtomicInteger left = new AtomicInteger(calls.size());
      boolean roundOver = false;
      for (AddCall c : calls) {
        CompletableFuture<Scalar> call = send(c);
        if (call.isDone()) {
          settle(c, call);
          roundOver = left.decrementAndGet() == 0;
        } else {
          call.whenComplete(
              (v, t) -> {
                // The next round goes out before this one's callers run their callbacks: a
                // callback that waits for a later add must not hold it back.
                if (left.decrementAndGet() == 0) {
                  broker.callbacks().execute(() -> drain(owner, batch));
                }
                settle(c, call);
              });
        }
      }
      if (!roundOver) {
        return; // the last call to end starts the next round
      }
    }
  }

  /** Sends one call for {@code c}'s adds; never throws. */
  private CompletableFuture<Scalar> send(AddCall c) {
    CompletableFuture<Scalar> call =
        sendAdd(0, encode(c.sum()), c.adds().get(0).context(), !hasLock(), s -> s);
    // A member given up in flight was perhaps applied already; the call is given up only when
    // every member was, so that no other caller's add is dropped with it (once it has answered,
    // settling completes every member, and the cancel does nothing).
    AtomicInteger pending = new AtomicInteger(c.adds().size());
    for (PendingAdd a : c.adds()) {
      a.future()
          .whenComplete(
              (v, t) -> {
                if (pending.decrementAndGet() == 0) {
                  call.cancel(true);
                }
              });
    }
    return call;
  }

  /** Completes the futures of {@code c}'s adds from their call's outcome. */
  private void settle(AddCall c, CompletableFuture<Scalar> call) {
    Scalar end;
    try {
      end = call.join();
    } catch (CancellationException | CompletionException e) {
      Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      boolean retryEach = c.adds().size() > 1 && Errors.isValueOutOfRange(t);
      for (PendingAdd a : c.adds()) {
        if (!retryEach) {
          a.future().completeExceptionally(t);
        } else if (!a.future().isDone()) { // one given up meanwhile is not sent again
          // Nothing was added; this add alone may fit.
          sendAdd(0, encode(a.delta()), a.context(), !hasLock(), s -> decode(s).longValue())
              .whenComplete(
                  (v, failure) -> {
                    if (failure == null) {
                      a.future().complete(v);
                    } else {
                      a.future().completeExceptionally(failure);
                    }
                  });
        }
      }
      return;
    }
    long value = decode(end).longValue() - c.sum();
    for (PendingAdd a : c.adds()) {
      value += a.delta();
      a.future().complete(value);
    }
  }

  /** The adds of one call (all of one sign) and their sum. */
  private record AddCall(List<PendingAdd> adds, long sum) {}

  /**
   * Groups adds of one sign into calls of at most {@value #MAX_COALESCED_ADDS} adds whose sum fits
   * a long, appending each finished call to a list.
   */
  private static final class CallBuilder {
    private final List<AddCall> calls;
    private List<PendingAdd> adds = new ArrayList<>();
    private long sum;

    CallBuilder(List<AddCall> calls) {
      this.calls = calls;
    }

    void add(PendingAdd a) {
      long grown = sum + a.delta();
      boolean overflows = ((sum ^ grown) & (a.delta() ^ grown)) < 0;
      if (adds.size() == MAX_COALESCED_ADDS || overflows) {
        finish();
        grown = a.delta();
      }
      adds.add(a);
      sum = grown;
    }

    void finish() {
      if (!adds.isEmpty()) {
        calls.add(new AddCall(adds, sum));
        adds = new ArrayList<>();
        sum = 0;
      }
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
