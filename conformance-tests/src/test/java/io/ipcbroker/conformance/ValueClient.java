package io.ipcbroker.conformance;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.ipcbroker.v1.AcquireValueLockRequest;
import io.ipcbroker.v1.AcquireValueLockResponse;
import io.ipcbroker.v1.AddAndGetRequest;
import io.ipcbroker.v1.AddAndGetResponse;
import io.ipcbroker.v1.CompareAndSetRequest;
import io.ipcbroker.v1.CompareAndSetResponse;
import io.ipcbroker.v1.CreateArrayRequest;
import io.ipcbroker.v1.CreateArrayResponse;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.CreateValueResponse;
import io.ipcbroker.v1.DeleteValueRequest;
import io.ipcbroker.v1.DescribeValueRequest;
import io.ipcbroker.v1.GetValueRequest;
import io.ipcbroker.v1.GetValueResponse;
import io.ipcbroker.v1.LockContext;
import io.ipcbroker.v1.ReleaseValueLockRequest;
import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.SetValueRequest;
import io.ipcbroker.v1.SetValueResponse;
import io.ipcbroker.v1.SharedValue;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One client's access to the {@code ValueService} on the raw stubs: creates values and arrays
 * (remembering each name for clean-up), reads, writes, adds, compares-and-sets, and takes and
 * releases their locks, each call with a fresh {@link TestBroker#CALL_DEADLINE}.
 *
 * <p>{@link #on} gives the same test's view from another client connection; {@link #close} on any
 * of them deletes every value the test created. Create one per test instance and close it in {@code
 * AfterEach}, before the {@link TestBroker}.
 */
public final class ValueClient implements AutoCloseable {
  /** 2^64 - 1, the largest {@code L} and {@code Q}. */
  public static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private final Channel channel;
  private final Set<String> names;

  /** Works on {@code channel}, one of the test's client connections. */
  public ValueClient(Channel channel) {
    this(channel, ConcurrentHashMap.newKeySet());
  }

  private ValueClient(Channel channel, Set<String> names) {
    this.channel = channel;
    this.names = names;
  }

  /** The same test's values from {@code other}, another client connection ("process"). */
  public ValueClient on(Channel other) {
    return new ValueClient(other, names);
  }

  /** A blocking value stub on {@code c} with a fresh {@link TestBroker#CALL_DEADLINE}. */
  public static ValueServiceGrpc.ValueServiceBlockingStub values(Channel c) {
    return ValueServiceGrpc.newBlockingStub(c)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An async value stub on {@code c} with a fresh {@link TestBroker#CALL_DEADLINE}. */
  public static ValueServiceGrpc.ValueServiceStub valuesAsync(Channel c) {
    return ValueServiceGrpc.newStub(c)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A blocking stub on this client's channel with a fresh deadline. */
  public ValueServiceGrpc.ValueServiceBlockingStub stub() {
    return values(channel);
  }

  /** A blocking stub on this client's channel whose calls end after {@code deadline}. */
  public ValueServiceGrpc.ValueServiceBlockingStub stub(Duration deadline) {
    return ValueServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An async stub on this client's channel with a fresh deadline, for calls that park. */
  public ValueServiceGrpc.ValueServiceStub async() {
    return valuesAsync(channel);
  }

  /** The channel this client works on. */
  public Channel channel() {
    return channel;
  }

  // Scalars.

  /** An integer in {@code int_value}. */
  public static Scalar i(long v) {
    return Scalar.newBuilder().setIntValue(v).build();
  }

  /** An unsigned integer in {@code uint_value} ({@code bits} read as unsigned). */
  public static Scalar u(long bits) {
    return Scalar.newBuilder().setUintValue(bits).build();
  }

  /**
   * An integer as the contract carries it: {@code int_value} where it fits a signed 64-bit integer,
   * else {@code uint_value} (up to 2^64 - 1); null for an integer that no scalar can carry.
   */
  public static Scalar integer(BigInteger v) {
    if (v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0) {
      return i(v.longValueExact());
    }
    if (v.signum() > 0 && v.compareTo(U64_MAX) <= 0) {
      return u(v.longValue());
    }
    return null;
  }

  /** A float in {@code float_value}. */
  public static Scalar f(double v) {
    return Scalar.newBuilder().setFloatValue(v).build();
  }

  /** Bytes in {@code char_value} (one byte for a {@code c} element). */
  public static Scalar c(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int k = 0; k < bytes.length; k++) {
      b[k] = (byte) bytes[k];
    }
    return Scalar.newBuilder().setCharValue(ByteString.copyFrom(b)).build();
  }

  /** Integers {@code from}, {@code from + 1}, ..., {@code n} of them. */
  public static List<Scalar> ints(long from, int n) {
    return java.util.stream.LongStream.range(from, from + n).mapToObj(ValueClient::i).toList();
  }

  // Lock contexts.

  /** The identity of a (would-be) lock holder: {@code owner} in {@code sessionId}. */
  public static LockContext holder(String sessionId, String owner) {
    return LockContext.newBuilder().setSessionId(sessionId).setOwner(owner).build();
  }

  /** A caller that makes one try. */
  public static LockContext nowait() {
    return LockContext.newBuilder().setNowait(true).build();
  }

  /** A caller that waits at most {@code seconds} for the lock. */
  public static LockContext timeout(double seconds) {
    return LockContext.newBuilder().setTimeoutSeconds(seconds).build();
  }

  // Objects.

  /** Sends {@code request} and remembers the name for clean-up. */
  public CreateValueResponse create(CreateValueRequest.Builder request) {
    names.add(request.getName());
    return stub().createValue(request.build());
  }

  /** Sends {@code request} and remembers the name for clean-up. */
  public CreateArrayResponse createArray(CreateArrayRequest.Builder request) {
    names.add(request.getName());
    return stub().createArray(request.build());
  }

  /** Creates a value (with a lock) of {@code typecode} with a unique name; returns the name. */
  public String createValue(String prefix, String typecode, Scalar initial) {
    CreateValueRequest.Builder b =
        CreateValueRequest.newBuilder().setName(Rpc.uniqueName(prefix)).setTypecode(typecode);
    if (initial != null) {
      b.setInitial(initial);
    }
    return create(b).getValue().getName();
  }

  /** Creates a value of {@code typecode} without a lock (a {@code RawValue}); returns the name. */
  public String createRawValue(String prefix, String typecode, Scalar initial) {
    CreateValueRequest.Builder b =
        CreateValueRequest.newBuilder()
            .setName(Rpc.uniqueName(prefix))
            .setTypecode(typecode)
            .setLock(false);
    if (initial != null) {
      b.setInitial(initial);
    }
    return create(b).getValue().getName();
  }

  /** Creates an array (with a lock) of {@code initializer} with a unique name; returns the name. */
  public String createArray(String prefix, String typecode, List<Scalar> initializer) {
    return createArray(
            CreateArrayRequest.newBuilder()
                .setName(Rpc.uniqueName(prefix))
                .setTypecode(typecode)
                .addAllInitializer(initializer))
        .getArray()
        .getName();
  }

  /** Remembers a name for clean-up (for objects created by raw calls). */
  public void track(String name) {
    names.add(name);
  }

  /** The value's or array's description. */
  public SharedValue describe(String name) {
    return stub().describeValue(DescribeValueRequest.newBuilder().setName(name).build()).getValue();
  }

  /** Waits (at most 5 s) until the description satisfies {@code condition}; returns it. */
  public SharedValue awaitDescribed(String name, Predicate<SharedValue> condition) {
    SharedValue[] last = new SharedValue[1];
    await()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5))
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              last[0] = describe(name);
              return condition.test(last[0]);
            });
    return last[0];
  }

  /** Waits until exactly {@code n} calls wait for the object's lock. */
  public void awaitLockWaiters(String name, int n) {
    awaitDescribed(name, v -> v.getLockWaiters() == n);
  }

  /** Deletes {@code name}; returns {@code deleted}. */
  public boolean delete(String name) {
    return stub().deleteValue(DeleteValueRequest.newBuilder().setName(name).build()).getDeleted();
  }

  // Reads and writes.

  /** A value's element, read without a lock context. */
  public Scalar get(String name) {
    return get(name, LockContext.getDefaultInstance());
  }

  /** A value's element, read with {@code lock}. */
  public Scalar get(String name, LockContext lock) {
    List<Scalar> values = slice(name, 0, 0, lock);
    if (values.size() != 1) {
      throw new AssertionError("GetValue of a value answered " + values.size() + " elements");
    }
    return values.get(0);
  }

  /** {@code count} elements from {@code index} (0: to the end). */
  public List<Scalar> slice(String name, int index, int count) {
    return slice(name, index, count, LockContext.getDefaultInstance());
  }

  /** {@code count} elements from {@code index}, read with {@code lock}. */
  public List<Scalar> slice(String name, int index, int count, LockContext lock) {
    return stub().getValue(getRequest(name, index, count, lock)).getValuesList();
  }

  /** A {@code GetValue} request. */
  public static GetValueRequest getRequest(String name, int index, int count, LockContext lock) {
    return GetValueRequest.newBuilder()
        .setName(name)
        .setIndex(index)
        .setCount(count)
        .setLock(lock)
        .build();
  }

  /** Writes a value's element without a lock context. */
  public void set(String name, Scalar value) {
    set(name, value, LockContext.getDefaultInstance());
  }

  /** Writes a value's element with {@code lock}. */
  public void set(String name, Scalar value, LockContext lock) {
    stub().setValue(setRequest(name, 0, List.of(value), lock));
  }

  /** Writes {@code values} from {@code index}. */
  public void setSlice(String name, int index, List<Scalar> values) {
    stub().setValue(setRequest(name, index, values, LockContext.getDefaultInstance()));
  }

  /** A {@code SetValue} request. */
  public static SetValueRequest setRequest(
      String name, int index, List<Scalar> values, LockContext lock) {
    return SetValueRequest.newBuilder()
        .setName(name)
        .setIndex(index)
        .addAllValues(values)
        .setLock(lock)
        .build();
  }

  /** Adds {@code delta} to the element at {@code index}; returns the result. */
  public Scalar add(String name, int index, Scalar delta) {
    return add(name, index, delta, LockContext.getDefaultInstance());
  }

  /** Adds {@code delta} with {@code lock}; returns the result. */
  public Scalar add(String name, int index, Scalar delta, LockContext lock) {
    return stub()
        .addAndGet(
            AddAndGetRequest.newBuilder()
                .setName(name)
                .setIndex(index)
                .setDelta(delta)
                .setLock(lock)
                .build())
        .getValue();
  }

  /** Compares-and-sets the element at {@code index}. */
  public CompareAndSetResponse cas(String name, int index, Scalar expected, Scalar newValue) {
    return cas(name, index, expected, newValue, LockContext.getDefaultInstance());
  }

  /** Compares-and-sets the element at {@code index} with {@code lock}. */
  public CompareAndSetResponse cas(
      String name, int index, Scalar expected, Scalar newValue, LockContext lock) {
    return stub()
        .compareAndSet(
            CompareAndSetRequest.newBuilder()
                .setName(name)
                .setIndex(index)
                .setExpected(expected)
                .setNewValue(newValue)
                .setLock(lock)
                .build());
  }

  // Locks.

  /** Acquires the object's lock for {@code lock}'s session and owner. */
  public AcquireValueLockResponse acquire(String name, LockContext lock) {
    return stub().acquireValueLock(acquireRequest(name, lock));
  }

  /** An {@code AcquireValueLock} request. */
  public static AcquireValueLockRequest acquireRequest(String name, LockContext lock) {
    return AcquireValueLockRequest.newBuilder().setName(name).setLock(lock).build();
  }

  /** Releases one level of the lock; returns the holder's count after it. */
  public int release(String name, String sessionId, String owner) {
    return stub()
        .releaseValueLock(
            ReleaseValueLockRequest.newBuilder()
                .setName(name)
                .setSessionId(sessionId)
                .setOwner(owner)
                .build())
        .getCount();
  }

  // Parked calls.

  /** Starts an acquire that may park; its answer comes as a future. */
  public CompletableFuture<AcquireValueLockResponse> acquireAsync(String name, LockContext lock) {
    return Unary.call(o -> async().acquireValueLock(acquireRequest(name, lock), o));
  }

  /** Starts a read that may park. */
  public CompletableFuture<GetValueResponse> getAsync(String name, int index, LockContext lock) {
    return Unary.call(o -> async().getValue(getRequest(name, index, 1, lock), o));
  }

  /** Starts a write that may park. */
  public CompletableFuture<SetValueResponse> setAsync(
      String name, int index, Scalar value, LockContext lock) {
    return Unary.call(o -> async().setValue(setRequest(name, index, List.of(value), lock), o));
  }

  /** Starts an add that may park. */
  public CompletableFuture<AddAndGetResponse> addAsync(
      String name, int index, Scalar delta, LockContext lock) {
    AddAndGetRequest r =
        AddAndGetRequest.newBuilder()
            .setName(name)
            .setIndex(index)
            .setDelta(delta)
            .setLock(lock)
            .build();
    return Unary.call(o -> async().addAndGet(r, o));
  }

  /** Starts a compare-and-set that may park. */
  public CompletableFuture<CompareAndSetResponse> casAsync(
      String name, int index, Scalar expected, Scalar newValue, LockContext lock) {
    CompareAndSetRequest r =
        CompareAndSetRequest.newBuilder()
            .setName(name)
            .setIndex(index)
            .setExpected(expected)
            .setNewValue(newValue)
            .setLock(lock)
            .build();
    return Unary.call(o -> async().compareAndSet(r, o));
  }

  /** Deletes every value and array the test created (ignoring what is already gone). */
  @Override
  public void close() {
    ManagedChannel admin = ConformanceTarget.newChannel();
    try {
      for (String name : names) {
        values(admin)
            .deleteValue(
                DeleteValueRequest.newBuilder().setName(name).setAllowMissing(true).build());
      }
    } finally {
      ConformanceTarget.close(admin);
    }
  }
}
