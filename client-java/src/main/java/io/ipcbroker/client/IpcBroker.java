package io.ipcbroker.client;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.ClaimPipeEndRequest;
import io.ipcbroker.v1.CreateArrayRequest;
import io.ipcbroker.v1.CreateBarrierRequest;
import io.ipcbroker.v1.CreateConditionRequest;
import io.ipcbroker.v1.CreateDictRequest;
import io.ipcbroker.v1.CreateEventRequest;
import io.ipcbroker.v1.CreateListRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreatePipeRequest;
import io.ipcbroker.v1.CreatePoolRequest;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSemaphoreRequest;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.DeleteBarrierRequest;
import io.ipcbroker.v1.DeleteConditionRequest;
import io.ipcbroker.v1.DeleteDictRequest;
import io.ipcbroker.v1.DeleteEventRequest;
import io.ipcbroker.v1.DeleteListRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeletePoolRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.DeleteSemaphoreRequest;
import io.ipcbroker.v1.DeleteValueRequest;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.GetPoolRequest;
import io.ipcbroker.v1.GetProcessRequest;
import io.ipcbroker.v1.ListProcessesRequest;
import io.ipcbroker.v1.ListProcessesResponse;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.Pipe;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueKind;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import io.ipcbroker.v1.SharedValue;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A connection to an ipcbroker: the entry point of the Java SDK.
 *
 * <pre>{@code
 * try (IpcBroker broker = IpcBroker.connect("localhost:50051")) {
 *   IpcQueue<String> urls = broker.queue("urls", 5);
 *   urls.put("url_1");
 *   String url = urls.get(Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * <p>The client also spawns and supervises processes, as Python's {@code Process} does:
 *
 * <pre>{@code
 * IpcProcess p = broker.process(JavaProcess.of(Worker.class, "urls")).name("writer-1").start();
 * p.join();
 * }</pre>
 *
 * <p>And it shares typed values and arrays, as Python's {@code Value} and {@code Array} do:
 *
 * <pre>{@code
 * IpcValue counter = broker.value("counter", TypeCode.INT, 0);
 * counter.addAndGet(1);
 * }</pre>
 *
 * <p>Connecting opens a session that the client keeps alive in the background; closing the client
 * ends it, and the broker then releases whatever the client still held (parked calls, items it got
 * but had not finished receiving, daemon processes it started). A client is thread-safe; one per
 * process is the norm.
 */
public final class IpcBroker implements AutoCloseable {
  /** The environment variable in which the broker tells its children where it is. */
  public static final String TARGET_VARIABLE = "IPCBROKER_TARGET";

  /** The environment variable in which the broker tells a child the id of its process record. */
  public static final String PROCESS_ID_VARIABLE = "IPCBROKER_PROCESS_ID";

  /**
   * The variable that holds the broker's token: read by every builder, and given by the broker to
   * the processes it spawns.
   */
  public static final String TOKEN_VARIABLE = "IPCBROKER_TOKEN";

  /** The variable that names a PEM file of the CA to trust for TLS; read by every builder. */
  public static final String TLS_CA_VARIABLE = "IPCBROKER_TLS_CA";

  private final String target;
  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final Duration rpcTimeout;
  private final Duration waitGrace;
  private final ScheduledExecutorService scheduler;
  // Completes the futures of *Async methods, so that code chained on them never runs on (and
  // never blocks) a gRPC thread.
  private final ExecutorService callbacks;
  private final Executor completer = this::complete;
  private final SessionKeeper session;
  private final QueueServiceGrpc.QueueServiceStub asyncStub;
  private final QueueServiceGrpc.QueueServiceBlockingStub blockingStub;
  private final ProcessServiceGrpc.ProcessServiceStub processAsyncStub;
  private final ProcessServiceGrpc.ProcessServiceBlockingStub processBlockingStub;
  private final ValueServiceGrpc.ValueServiceStub valueAsyncStub;
  private final ValueServiceGrpc.ValueServiceBlockingStub valueBlockingStub;
  private final PipeServiceGrpc.PipeServiceStub pipeAsyncStub;
  private final PipeServiceGrpc.PipeServiceBlockingStub pipeBlockingStub;
  // One connection per pipe end: the broker sees one reader per end and session, so two
  // connections of this client to one end would take each other's deliveries.
  private final Map<String, PipeConnection<?>> connections = new ConcurrentHashMap<>();
  // One lock handle per value name, shared by this client's handles of that name, so that each
  // sees the hold counts that the others' acquires set.
  private final Map<String, LockHandle> valueLocks = new ConcurrentHashMap<>();
  private final String processId;
  private volatile IpcProcess currentProcess;
  private final Set<QueueHandle<?>> handles = ConcurrentHashMap.newKeySet();
  private final Set<BrokerCall> openCalls = ConcurrentHashMap.newKeySet();
  // One handle per lock name, so that every handle of a name sees the holds the others set.
  private final Map<String, NamedLockHandle> namedLocks = new ConcurrentHashMap<>();
  // Tags acquires and condition waits, so that one given up can be settled with the broker.
  private final AtomicLong requestIds = new AtomicLong();
  private volatile boolean closed;

  private IpcBroker(Builder b) {
    this.target = b.target;
    this.processId = b.processId;
    this.rpcTimeout = b.rpcTimeout;
    this.waitGrace = b.waitGrace;
    if (b.channel != null) {
      if (b.explicitSecurity) {
        // The SDK cannot add credentials to a channel it did not build.
        throw new IllegalStateException(
            "authToken, tls and clientCertificate apply to channels the SDK opens; add"
                + " TokenSigner and TLS credentials to your own channel instead");
      }
      this.channel = b.channel;
      this.ownsChannel = false;
    } else {
      NettyChannelBuilder cb = NettyChannelBuilder.forTarget(b.target, b.credentials());
      if (!b.token.isEmpty()) {
        cb.intercept(new TokenSigner(b.token));
      }
      this.channel =
          cb
              // Inside the broker's permitted ping rate; finds a dead broker on a silent link.
              .keepAliveTime(20, TimeUnit.SECONDS)
              .keepAliveTimeout(10, TimeUnit.SECONDS)
              .maxInboundMessageSize(32 << 20)
              // Answers complete the SDK's futures on the transport thread that read them: no
              // hand-off to an executor thread per message (a wake-up of another core, about 30
              // us here, several times per hand-off). SDK observers never block; user callbacks
              // run on the callback executor.
              .directExecutor()
              .build();
      this.ownsChannel = true;
    }
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ipcbroker-client-session");
              t.setDaemon(true);
              return t;
            });
    this.callbacks =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "ipcbroker-client-callback");
              t.setDaemon(true);
              return t;
            });
    this.asyncStub = QueueServiceGrpc.newStub(channel);
    this.blockingStub = QueueServiceGrpc.newBlockingStub(channel);
    this.processAsyncStub = ProcessServiceGrpc.newStub(channel);
    this.processBlockingStub = ProcessServiceGrpc.newBlockingStub(channel);
    this.valueAsyncStub = ValueServiceGrpc.newStub(channel);
    this.valueBlockingStub = ValueServiceGrpc.newBlockingStub(channel);
    this.pipeAsyncStub = PipeServiceGrpc.newStub(channel);
    this.pipeBlockingStub = PipeServiceGrpc.newBlockingStub(channel);
    try {
      this.session =
          new SessionKeeper(
              channel, b.sessionTtl, b.clientName, b.processId, rpcTimeout, scheduler);
    } catch (RuntimeException e) {
      scheduler.shutdownNow();
      callbacks.shutdownNow();
      if (ownsChannel) {
        channel.shutdownNow();
      }
      throw e;
    }
  }

  /**
   * Connects to the broker at {@code target} ({@code host:port}, or {@code unix:/path}) with the
   * defaults, and opens a session.
   *
   * @throws IpcBrokerException if the broker cannot be reached or refuses the session
   */
  public static IpcBroker connect(String target) {
    return builder().target(target).build();
  }

  /**
   * Connects a program that the broker spawned back to that broker, as that process: from the
   * environment variables {@code IPCBROKER_TARGET} and {@code IPCBROKER_PROCESS_ID} that the broker
   * gives its children. The processes this client creates are then named as the children of its own
   * ({@code Process-1:1}, ...), and {@link #currentProcess()} is its record.
   *
   * @throws IllegalStateException if {@code IPCBROKER_TARGET} is not set: the program was not
   *     started by a broker
   * @throws IpcBrokerException if the broker cannot be reached or refuses the session ({@code
   *     NOT_FOUND}/{@code PROCESS_NOT_FOUND} if the process record was deleted)
   */
  public static IpcBroker fromEnvironment() {
    return builder().fromEnvironment().build();
  }

  /** A builder for a client with non-default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens the queue {@code name} that holds at most {@code maxsize} strings, creating it if it does
   * not exist (Python's {@code Queue(maxsize)}; 0 or less means unbounded).
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code CONFIG_MISMATCH} if a queue of
   *     that name exists with another maxsize or kind; {@code INVALID_ARGUMENT}/{@code
   *     INVALID_NAME} for a bad name
   */
  public IpcQueue<String> queue(String name, int maxsize) {
    return queue(name, maxsize, Codecs.string());
  }

  /** As {@link #queue(String, int)}, for items of type {@code T} converted by {@code codec}. */
  public <T> IpcQueue<T> queue(String name, int maxsize, Codec<T> codec) {
    return open(name, maxsize, QueueKind.QUEUE_KIND_STANDARD, codec);
  }

  /** Opens or creates a joinable queue of strings (Python's {@code JoinableQueue(maxsize)}). */
  public IpcJoinableQueue<String> joinableQueue(String name, int maxsize) {
    return joinableQueue(name, maxsize, Codecs.string());
  }

  /** As {@link #joinableQueue(String, int)}, with {@code codec}. */
  public <T> IpcJoinableQueue<T> joinableQueue(String name, int maxsize, Codec<T> codec) {
    return open(name, maxsize, QueueKind.QUEUE_KIND_JOINABLE, codec);
  }

  /** Opens or creates an unbounded queue of strings (Python's {@code SimpleQueue}). */
  public IpcQueue<String> simpleQueue(String name) {
    return simpleQueue(name, Codecs.string());
  }

  /** As {@link #simpleQueue(String)}, with {@code codec}. */
  public <T> IpcQueue<T> simpleQueue(String name, Codec<T> codec) {
    return open(name, 0, QueueKind.QUEUE_KIND_STANDARD, codec);
  }

  private <T> QueueHandle<T> open(String name, int maxsize, QueueKind kind, Codec<T> codec) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(codec, "codec");
    checkUsable();
    Queue queue =
        call(
            stub ->
                stub.createQueue(
                        CreateQueueRequest.newBuilder()
                            .setName(name)
                            .setMaxsize(maxsize)
                            .setKind(kind)
                            .setAllowExisting(true)
                            .build())
                    .getQueue());
    QueueHandle<T> handle = new QueueHandle<>(this, queue, codec);
    handles.add(handle);
    return handle;
  }

  /**
   * Deletes queue {@code name}. Without {@code force} it fails while the queue holds items or has
   * waiting calls ({@code FAILED_PRECONDITION}/{@code QUEUE_NOT_EMPTY} or {@code QUEUE_IN_USE});
   * with it, the items are discarded and waiting calls fail with {@code OBJECT_DELETED}.
   *
   * @return whether a queue was deleted (false if none had that name)
   */
  public boolean deleteQueue(String name, boolean force) {
    return call(
        stub ->
            stub.deleteQueue(
                    DeleteQueueRequest.newBuilder()
                        .setName(name)
                        .setForce(force)
                        .setAllowMissing(true)
                        .build())
                .getDeleted());
  }

  /**
   * Opens the shared value {@code name} of {@code type}, creating it with a lock and the value
   * {@code initial} if it does not exist: Python's {@code Value(typecode, initial)}. An existing
   * value keeps its value ({@code initial} is then ignored). {@link IpcValue} describes the numbers
   * each type takes; for {@link TypeCode#CHAR} pass a {@link Byte} or an integer from -128 to 255
   * ({@code broker.value("c", TypeCode.CHAR, (byte) 'x')}).
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code CONFIG_MISMATCH} if {@code name}
   *     exists with another type, without a lock, or as an array; {@code OUT_OF_RANGE}/{@code
   *     VALUE_OUT_OF_RANGE} or {@code INVALID_ARGUMENT}/{@code TYPE_MISMATCH} for {@code initial};
   *     {@code INVALID_ARGUMENT}/{@code INVALID_NAME} for a bad name
   */
  public IpcValue value(String name, TypeCode type, Number initial) {
    return createValue(name, type, Objects.requireNonNull(initial, "initial"), true);
  }

  /** As {@link #value(String, TypeCode, Number)}, created as zero (a zero byte for {@code c}). */
  public IpcValue value(String name, TypeCode type) {
    return createValue(name, type, null, true);
  }

  /**
   * As {@link #value(String, TypeCode, Number)}, for a value without a lock: Python's {@code
   * RawValue}. Each call is still atomic; its {@link IpcValue#lock()} fails {@code
   * FAILED_PRECONDITION}/{@code NO_LOCK}.
   */
  public IpcValue rawValue(String name, TypeCode type, Number initial) {
    return createValue(name, type, Objects.requireNonNull(initial, "initial"), false);
  }

  /** As {@link #rawValue(String, TypeCode, Number)}, created as zero. */
  public IpcValue rawValue(String name, TypeCode type) {
    return createValue(name, type, null, false);
  }

  private IpcValue createValue(String name, TypeCode type, Number initial, boolean lock) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    CreateValueRequest.Builder request =
        CreateValueRequest.newBuilder()
            .setName(name)
            .setTypecode(String.valueOf(type.code()))
            .setLock(lock)
            .setAllowExisting(true);
    if (initial != null) {
      request.setInitial(Scalars.encode(type, initial));
    }
    CreateValueRequest built = request.build();
    SharedValue value = callValues(stub -> stub.createValue(built).getValue());
    return new ValueHandle(new ValueCalls(this, value, type, valueLock(name), null));
  }

  /**
   * Opens the shared array {@code name} of {@code size} elements of {@code type}, creating it with
   * a lock and zeros if it does not exist: Python's {@code Array(typecode, size)}.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code CONFIG_MISMATCH} if {@code name}
   *     exists with another type, length or lock, or as a value; {@code INVALID_ARGUMENT}/{@code
   *     INVALID_FIELD_VALUE} for a size below 0 or above 1,048,576
   */
  public IpcArray array(String name, TypeCode type, int size) {
    return createArray(name, type, size, List.of(), true);
  }

  /**
   * Opens or creates the shared array {@code name} holding {@code initializer}: Python's {@code
   * Array(typecode, initializer)}. An existing array keeps its elements; its length must match.
   */
  public IpcArray array(String name, TypeCode type, long[] initializer) {
    return createArray(name, type, 0, encode(type, initializer), true);
  }

  /** As {@link #array(String, TypeCode, long[])}. */
  public IpcArray array(String name, TypeCode type, double[] initializer) {
    return createArray(name, type, 0, encode(type, initializer), true);
  }

  /**
   * As {@link #array(String, TypeCode, long[])}, for any numbers ({@link java.math.BigInteger}s
   * above {@code Long.MAX_VALUE} for {@code L} and {@code Q}, {@link Byte}s for {@code c}).
   */
  public IpcArray array(String name, TypeCode type, List<? extends Number> initializer) {
    return createArray(name, type, 0, encode(type, initializer), true);
  }

  /** As {@link #array(String, TypeCode, int)}, without a lock: Python's {@code RawArray}. */
  public IpcArray rawArray(String name, TypeCode type, int size) {
    return createArray(name, type, size, List.of(), false);
  }

  /** As {@link #array(String, TypeCode, long[])}, without a lock. */
  public IpcArray rawArray(String name, TypeCode type, long[] initializer) {
    return createArray(name, type, 0, encode(type, initializer), false);
  }

  /** As {@link #array(String, TypeCode, double[])}, without a lock. */
  public IpcArray rawArray(String name, TypeCode type, double[] initializer) {
    return createArray(name, type, 0, encode(type, initializer), false);
  }

  /** As {@link #array(String, TypeCode, List)}, without a lock. */
  public IpcArray rawArray(String name, TypeCode type, List<? extends Number> initializer) {
    return createArray(name, type, 0, encode(type, initializer), false);
  }

  private IpcArray createArray(
      String name, TypeCode type, int size, List<Scalar> initializer, boolean lock) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    CreateArrayRequest request =
        CreateArrayRequest.newBuilder()
            .setName(name)
            .setTypecode(String.valueOf(type.code()))
            .setSize(size)
            .addAllInitializer(initializer)
            .setLock(lock)
            .setAllowExisting(true)
            .build();
    SharedValue array = callValues(stub -> stub.createArray(request).getArray());
    return new ArrayHandle(new ValueCalls(this, array, type, valueLock(name), null));
  }

  private static List<Scalar> encode(TypeCode type, long[] values) {
    List<Scalar> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(Scalars.encode(type, v));
    }
    return out;
  }

  private static List<Scalar> encode(TypeCode type, double[] values) {
    List<Scalar> out = new ArrayList<>(values.length);
    for (double v : values) {
      out.add(Scalars.encode(type, v));
    }
    return out;
  }

  private static List<Scalar> encode(TypeCode type, List<? extends Number> values) {
    List<Scalar> out = new ArrayList<>(values.size());
    for (Number v : values) {
      out.add(Scalars.encode(type, v));
    }
    return out;
  }

  /**
   * Deletes the shared value or array {@code name}. Calls waiting on it (for its lock) fail with
   * {@code NOT_FOUND}/{@code OBJECT_DELETED}; later calls through its handles fail {@code
   * NOT_FOUND}/{@code VALUE_NOT_FOUND}.
   *
   * @return whether something was deleted (false if nothing had that name)
   */
  public boolean deleteValue(String name) {
    Objects.requireNonNull(name, "name");
    boolean deleted =
        callValues(
            stub ->
                stub.deleteValue(
                        DeleteValueRequest.newBuilder().setName(name).setAllowMissing(true).build())
                    .getDeleted());
    valueLocks.remove(name); // its holds went with it
    return deleted;
  }

  /**
   * Opens the lock {@code name}, creating it if it does not exist: Python's manager {@code Lock()}.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code CONFIG_MISMATCH} if {@code name}
   *     is an RLock; {@code INVALID_ARGUMENT}/{@code INVALID_NAME} for a bad name
   */
  public IpcNamedLock lock(String name) {
    return namedLock(name, false);
  }

  /** As {@link #lock}, for a re-entrant lock: Python's manager {@code RLock()}. */
  public IpcNamedLock rlock(String name) {
    return namedLock(name, true);
  }

  private NamedLockHandle namedLock(String name, boolean reentrant) {
    Objects.requireNonNull(name, "name");
    CreateLockRequest request =
        CreateLockRequest.newBuilder()
            .setName(name)
            .setKind(reentrant ? LockKind.LOCK_KIND_RLOCK : LockKind.LOCK_KIND_LOCK)
            .setAllowExisting(true)
            .build();
    call(LockServiceGrpc.newBlockingStub(channel), s -> s.createLock(request));
    // Keyed by kind too: the name may be deleted and re-created as the other kind.
    return namedLocks.computeIfAbsent(
        (reentrant ? "rlock:" : "lock:") + name, k -> new NamedLockHandle(this, name, reentrant));
  }

  /**
   * Opens the condition {@code name} bound to {@code lock}, creating it if it does not exist:
   * Python's manager {@code Condition(lock)}.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code CONFIG_MISMATCH} if {@code name}
   *     is bound to another lock
   */
  public IpcCondition condition(String name, IpcNamedLock lock) {
    Objects.requireNonNull(name, "name");
    CreateConditionRequest request =
        CreateConditionRequest.newBuilder()
            .setName(name)
            .setLock(lock.name())
            .setAllowExisting(true)
            .build();
    call(LockServiceGrpc.newBlockingStub(channel), s -> s.createCondition(request));
    return new ConditionHandle(this, name, namedLock(lock.name(), lock.isReentrant()));
  }

  /**
   * As {@link #condition(String, IpcNamedLock)} with Python's default lock: an RLock named {@code
   * name + ".lock"}.
   */
  public IpcCondition condition(String name) {
    return condition(name, rlock(name + ".lock"));
  }

  /**
   * Opens the semaphore {@code name}, creating it with {@code value} permits: Python's {@code
   * Semaphore(value)}.
   */
  public IpcSemaphore semaphore(String name, long value) {
    return createSemaphore(name, value, false);
  }

  /** As {@link #semaphore(String, long)} with one permit. */
  public IpcSemaphore semaphore(String name) {
    return semaphore(name, 1);
  }

  /**
   * As {@link #semaphore(String, long)}, for Python's {@code BoundedSemaphore(value)}: releases
   * above {@code value} fail {@code FAILED_PRECONDITION}/{@code SEMAPHORE_OVER_RELEASED}.
   */
  public IpcSemaphore boundedSemaphore(String name, long value) {
    return createSemaphore(name, value, true);
  }

  private IpcSemaphore createSemaphore(String name, long value, boolean bounded) {
    Objects.requireNonNull(name, "name");
    CreateSemaphoreRequest request =
        CreateSemaphoreRequest.newBuilder()
            .setName(name)
            .setValue(value)
            .setBounded(bounded)
            .setAllowExisting(true)
            .build();
    call(SemaphoreServiceGrpc.newBlockingStub(channel), s -> s.createSemaphore(request));
    return new SemaphoreHandle(this, name);
  }

  /** Opens the event {@code name}, creating it (not set) if it does not exist. */
  public IpcEvent event(String name) {
    Objects.requireNonNull(name, "name");
    CreateEventRequest request =
        CreateEventRequest.newBuilder().setName(name).setAllowExisting(true).build();
    call(EventServiceGrpc.newBlockingStub(channel), s -> s.createEvent(request));
    return new EventHandle(this, name);
  }

  /**
   * Opens the barrier {@code name} for {@code parties} callers: Python's {@code Barrier(parties)}.
   */
  public IpcBarrier barrier(String name, int parties) {
    return barrier(name, parties, null);
  }

  /**
   * As {@link #barrier(String, int)}, with a default timeout for waits (null: none): Python's
   * {@code Barrier(parties, timeout=...)}.
   */
  public IpcBarrier barrier(String name, int parties, Duration timeout) {
    Objects.requireNonNull(name, "name");
    CreateBarrierRequest.Builder request =
        CreateBarrierRequest.newBuilder().setName(name).setParties(parties).setAllowExisting(true);
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    BarrierInfo info =
        call(BarrierServiceGrpc.newBlockingStub(channel), s -> s.createBarrier(request.build()))
            .getBarrier();
    return new BarrierHandle(this, info);
  }

  /**
   * Deletes the lock {@code name} and the conditions bound to it; their waits fail {@code
   * NOT_FOUND}/{@code OBJECT_DELETED}.
   *
   * @return whether something was deleted
   */
  public boolean deleteLock(String name) {
    DeleteLockRequest request =
        DeleteLockRequest.newBuilder().setName(name).setAllowMissing(true).build();
    boolean deleted =
        call(LockServiceGrpc.newBlockingStub(channel), s -> s.deleteLock(request)).getDeleted();
    namedLocks.remove("lock:" + name);
    namedLocks.remove("rlock:" + name);
    return deleted;
  }

  /** Deletes the condition {@code name}; returns whether something was deleted. */
  public boolean deleteCondition(String name) {
    DeleteConditionRequest request =
        DeleteConditionRequest.newBuilder().setName(name).setAllowMissing(true).build();
    return call(LockServiceGrpc.newBlockingStub(channel), s -> s.deleteCondition(request))
        .getDeleted();
  }

  /** Deletes the semaphore {@code name}; returns whether something was deleted. */
  public boolean deleteSemaphore(String name) {
    DeleteSemaphoreRequest request =
        DeleteSemaphoreRequest.newBuilder().setName(name).setAllowMissing(true).build();
    return call(SemaphoreServiceGrpc.newBlockingStub(channel), s -> s.deleteSemaphore(request))
        .getDeleted();
  }

  /** Deletes the event {@code name}; returns whether something was deleted. */
  public boolean deleteEvent(String name) {
    DeleteEventRequest request =
        DeleteEventRequest.newBuilder().setName(name).setAllowMissing(true).build();
    return call(EventServiceGrpc.newBlockingStub(channel), s -> s.deleteEvent(request))
        .getDeleted();
  }

  /** Deletes the barrier {@code name}; returns whether something was deleted. */
  public boolean deleteBarrier(String name) {
    DeleteBarrierRequest request =
        DeleteBarrierRequest.newBuilder().setName(name).setAllowMissing(true).build();
    return call(BarrierServiceGrpc.newBlockingStub(channel), s -> s.deleteBarrier(request))
        .getDeleted();
  }

  // ---- pools (Python's Pool) ----

  /**
   * Opens the pool {@code name} of {@code processes} workers that the broker spawns from {@code
   * workerArgv}, creating it if it does not exist: Python's {@code Pool(processes)}, with string
   * arguments and results ({@link IpcPool#withCodecs} for others). The pool belongs to this client:
   * it is terminated when the client closes. {@link JavaProcess#of} gives the argv of a Java worker
   * ({@link PoolWorker#serveFromEnvironment}).
   *
   * @throws IpcBrokerException {@code INVALID_ARGUMENT}/{@code INVALID_FIELD_VALUE} for {@code
   *     processes} outside [1, 256]; {@code FAILED_PRECONDITION}/{@code CONFIG_MISMATCH} if {@code
   *     name} exists with another configuration; the process service's errors for the command
   *     ({@code EXECUTABLE_NOT_FOUND}, {@code SPAWN_DISABLED}, ...)
   */
  public IpcPool<String, String> pool(String name, int processes, List<String> workerArgv) {
    Objects.requireNonNull(workerArgv, "workerArgv");
    return poolBuilder(name).processes(processes).workerArgv(workerArgv).create();
  }

  /**
   * Describes the pool {@code name} to create with more settings ({@code maxTasksPerChild}, {@code
   * retryOnWorkerDeath}, the workers' environment and directory).
   */
  public IpcPool.Builder poolBuilder(String name) {
    return new IpcPool.Builder(this, name);
  }

  /**
   * Opens the pool {@code name} served only by workers that attach to it ({@link PoolWorker#serve},
   * or a program in any language on the {@code Work} stream), creating it if it does not exist. Its
   * tasks wait until a worker serving their function attaches.
   */
  public IpcPool<String, String> attachedPool(String name) {
    return poolBuilder(name).create();
  }

  /**
   * A handle on the existing pool {@code name}, whatever its configuration (one that another client
   * created, to submit tasks to it).
   *
   * @throws IpcBrokerException {@code NOT_FOUND}/{@code POOL_NOT_FOUND} if there is none
   */
  public IpcPool<String, String> openPool(String name) {
    Objects.requireNonNull(name, "name");
    GetPoolRequest request = GetPoolRequest.newBuilder().setName(name).build();
    call(PoolServiceGrpc.newBlockingStub(channel), s -> s.getPool(request));
    return new PoolHandle<>(this, name, Codecs.string(), Codecs.string());
  }

  /**
   * Terminates the pool {@code name} (its pending tasks fail with {@code POOL_TERMINATED}, its
   * workers are stopped) and forgets it.
   *
   * @return whether a pool was deleted (false if none had that name)
   */
  public boolean deletePool(String name) {
    Objects.requireNonNull(name, "name");
    DeletePoolRequest request =
        DeletePoolRequest.newBuilder().setName(name).setAllowMissing(true).build();
    return call(PoolServiceGrpc.newBlockingStub(channel), s -> s.deletePool(request)).getDeleted();
  }

  <A, R> IpcPool<A, R> createPool(
      CreatePoolRequest request, Codec<A> argCodec, Codec<R> resultCodec) {
    Objects.requireNonNull(argCodec, "argCodec");
    Objects.requireNonNull(resultCodec, "resultCodec");
    CreatePoolRequest withSession = request.toBuilder().setSessionId(sessionId()).build();
    call(PoolServiceGrpc.newBlockingStub(channel), s -> s.createPool(withSession));
    return new PoolHandle<>(this, request.getName(), argCodec, resultCodec);
  }

  /**
   * Creates a duplex pipe of strings with a generated name: Python's {@code a, b = Pipe()}. Both
   * ends belong to this client (they close when it does) until another client takes one over with
   * {@link #connection(String)}.
   */
  public IpcPipe<String> pipe() {
    return pipe(true);
  }

  /** Creates a pipe of strings; with {@code duplex} false, {@code a} only receives. */
  public IpcPipe<String> pipe(boolean duplex) {
    return pipe("", duplex, 0, Codecs.string());
  }

  /**
   * Creates a pipe.
   *
   * @param name the pipe's name; empty for a generated one
   * @param capacity messages buffered per direction; 0 for the broker's default (1024)
   */
  public <T> IpcPipe<T> pipe(String name, boolean duplex, int capacity, Codec<T> codec) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(codec, "codec");
    Pipe p =
        callPipes(
            stub ->
                stub.createPipe(
                        CreatePipeRequest.newBuilder()
                            .setName(name)
                            .setDuplex(duplex)
                            .setCapacity(capacity)
                            .setSessionId(sessionId())
                            .build())
                    .getPipe());
    return new IpcPipe<>(
        p.getName(),
        p.getDuplex(),
        endConnection(p.getEndA(), codec),
        endConnection(p.getEndB(), codec));
  }

  /**
   * Opens the pipe end named {@code end} ({@code NAME.a} or {@code NAME.b}, handed over by another
   * process) as a connection of strings, and makes it this client's: it closes when this client
   * does, so that the peer sees EOF.
   */
  public IpcConnection<String> connection(String end) {
    return connection(end, Codecs.string());
  }

  /** Opens the pipe end named {@code end} with {@code codec}, as {@link #connection(String)}. */
  public <T> IpcConnection<T> connection(String end, Codec<T> codec) {
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(codec, "codec");
    callPipes(
        stub ->
            stub.claimPipeEnd(
                ClaimPipeEndRequest.newBuilder().setEnd(end).setSessionId(sessionId()).build()));
    return endConnection(end, codec);
  }

  @SuppressWarnings("unchecked") // an end keeps the codec it was first opened with
  private <T> IpcConnection<T> endConnection(String end, Codec<T> codec) {
    PipeConnection<?> c =
        connections.compute(
            end,
            (e, existing) ->
                existing != null && !existing.closed()
                    ? existing
                    : new PipeConnection<>(this, e, codec));
    if (!c.codec().equals(codec)) {
      throw new IllegalStateException(
          "pipe end " + end + " is open in this client with another codec");
    }
    return (IpcConnection<T>) c;
  }

  void forgetConnection(PipeConnection<?> c) {
    connections.remove(c.end(), c);
  }

  // ---- dicts, lists and namespaces (Python's Manager().dict(), list(), Namespace()) ----

  /**
   * Opens the dict {@code name} of string values, creating it empty if it does not exist: Python's
   * {@code Manager().dict()}, shared by name.
   *
   * @throws IpcBrokerException {@code INVALID_ARGUMENT}/{@code INVALID_NAME} for a bad name
   */
  public IpcDict<String> dict(String name) {
    return dict(name, Codecs.string());
  }

  /** As {@link #dict(String)}, for values of type {@code V} converted by {@code codec}. */
  public <V> IpcDict<V> dict(String name, Codec<V> codec) {
    return openDict(name, codec);
  }

  /**
   * Deletes the dict (or namespace) {@code name} and its entries; later calls through its handles
   * fail {@code NOT_FOUND}/{@code DICT_NOT_FOUND}.
   *
   * @return whether a dict was deleted (false if none had that name)
   */
  public boolean deleteDict(String name) {
    Objects.requireNonNull(name, "name");
    return callDicts(
        stub ->
            stub.deleteDict(
                    DeleteDictRequest.newBuilder().setName(name).setAllowMissing(true).build())
                .getDeleted());
  }

  /**
   * Opens the list {@code name} of strings, creating it empty if it does not exist: Python's {@code
   * Manager().list()}, shared by name.
   *
   * @throws IpcBrokerException {@code INVALID_ARGUMENT}/{@code INVALID_NAME} for a bad name
   */
  public IpcList<String> list(String name) {
    return list(name, Codecs.string());
  }

  /** As {@link #list(String)}, for elements of type {@code V} converted by {@code codec}. */
  public <V> IpcList<V> list(String name, Codec<V> codec) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(codec, "codec");
    callLists(
        stub ->
            stub.createList(
                CreateListRequest.newBuilder().setName(name).setAllowExisting(true).build()));
    return new ListHandle<>(this, name, codec);
  }

  /**
   * Deletes the list {@code name} and its elements; later calls through its handles fail {@code
   * NOT_FOUND}/{@code LIST_NOT_FOUND}.
   *
   * @return whether a list was deleted (false if none had that name)
   */
  public boolean deleteList(String name) {
    Objects.requireNonNull(name, "name");
    return callLists(
        stub ->
            stub.deleteList(
                    DeleteListRequest.newBuilder().setName(name).setAllowMissing(true).build())
                .getDeleted());
  }

  /**
   * Opens the namespace {@code name} of string attributes: Python's {@code Manager().Namespace()},
   * as a view of the dict {@code name} (created empty if it does not exist; delete it with {@link
   * #deleteDict}).
   */
  public IpcNamespace<String> namespace(String name) {
    return namespace(name, Codecs.string());
  }

  /** As {@link #namespace(String)}, for attributes of type {@code V} converted by {@code codec}. */
  public <V> IpcNamespace<V> namespace(String name, Codec<V> codec) {
    return new NamespaceHandle<>(openDict(name, codec));
  }

  private <V> DictHandle<V> openDict(String name, Codec<V> codec) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(codec, "codec");
    callDicts(
        stub ->
            stub.createDict(
                CreateDictRequest.newBuilder().setName(name).setAllowExisting(true).build()));
    return new DictHandle<>(this, name, codec);
  }

  <R> R callDicts(Function<DictServiceGrpc.DictServiceBlockingStub, R> rpc) {
    // A stub is a light wrapper of the channel: made per call, it needs no field of its own.
    return call(DictServiceGrpc.newBlockingStub(channel), rpc);
  }

  <R> R callLists(Function<ListServiceGrpc.ListServiceBlockingStub, R> rpc) {
    return call(ListServiceGrpc.newBlockingStub(channel), rpc);
  }

  LockHandle valueLock(String name) {
    return valueLocks.computeIfAbsent(name, n -> new LockHandle(this, n));
  }

  /**
   * Describes a process to spawn from {@code argv} (the executable and its arguments, never through
   * a shell; the executable is looked up in the {@code PATH} when it has no {@code /}). Python's
   * {@code Process(...)}: finish with {@link IpcProcess.Builder#start()}, or {@link
   * IpcProcess.Builder#create()} to start later. For Python's {@code target=}, {@link
   * JavaProcess#of} gives the argv that runs a Java class's {@code main}.
   */
  public IpcProcess.Builder process(String... argv) {
    return process(List.of(argv));
  }

  /** As {@link #process(String...)}. */
  public IpcProcess.Builder process(List<String> argv) {
    return new IpcProcess.Builder(this, argv);
  }

  /**
   * A handle on the existing process record {@code id} (one that any client created).
   *
   * @throws IpcBrokerException {@code NOT_FOUND}/{@code PROCESS_NOT_FOUND} if there is none
   */
  public IpcProcess openProcess(String id) {
    Objects.requireNonNull(id, "id");
    return new ProcessRecordHandle(
        this,
        callProcesses(
            stub ->
                stub.getProcess(GetProcessRequest.newBuilder().setId(id).build()).getProcess()));
  }

  /**
   * The processes this client created that are running now, in creation order: Python's {@code
   * active_children()}.
   */
  public List<IpcProcess> activeChildren() {
    List<IpcProcess> running = new ArrayList<>();
    String token = "";
    do {
      ListProcessesRequest request =
          ListProcessesRequest.newBuilder()
              .setSessionId(sessionId())
              .setState(ProcessState.PROCESS_STATE_RUNNING)
              .setPageSize(1000)
              .setPageToken(token)
              .build();
      ListProcessesResponse page = callProcesses(stub -> stub.listProcesses(request));
      for (ProcessInfo p : page.getProcessesList()) {
        running.add(new ProcessRecordHandle(this, p));
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return running;
  }

  /**
   * The process record of the program this client runs in, if the client was created with a process
   * id ({@link #fromEnvironment()}, {@link Builder#processId(String)}): Python's {@code
   * current_process()}, for a program that the broker spawned.
   */
  public Optional<IpcProcess> currentProcess() {
    if (processId.isEmpty()) {
      return Optional.empty();
    }
    IpcProcess current = currentProcess;
    if (current == null) {
      current = openProcess(processId);
      currentProcess = current;
    }
    return Optional.of(current);
  }

  IpcProcess createProcess(CreateProcessRequest request) {
    CreateProcessRequest withSession = request.toBuilder().setSessionId(sessionId()).build();
    return new ProcessRecordHandle(
        this, callProcesses(stub -> stub.createProcess(withSession).getProcess()));
  }

  /** The target this client connected to. */
  public String target() {
    return target;
  }

  /** The process id this client was created with ({@link Builder#processId}); empty if none. */
  public String processId() {
    return processId;
  }

  /** The id of this client's session on the broker. */
  public String sessionId() {
    return session.sessionId();
  }

  /** Identifies the broker's run; it changes when the broker restarts. */
  public String serverId() {
    return session.serverId();
  }

  /**
   * Closes every queue handle, ends the session (the broker releases what it still held for this
   * client) and closes the connection. Never throws.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<QueueHandle<?>> open = new ArrayList<>(handles);
    for (QueueHandle<?> h : open) {
      h.close();
    }
    for (BrokerCall call : new ArrayList<>(openCalls)) {
      call.abort(Errors.closed());
    }
    session.close(rpcTimeout);
    scheduler.shutdownNow();
    callbacks.shutdown(); // answers already queued still reach their futures
    if (ownsChannel) {
      channel.shutdown();
      try {
        if (!channel.awaitTermination(waitGrace.toMillis(), TimeUnit.MILLISECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- for the handles ----

  <R> R call(Function<QueueServiceGrpc.QueueServiceBlockingStub, R> rpc) {
    return call(blockingStub, rpc);
  }

  <R> R callPipes(Function<PipeServiceGrpc.PipeServiceBlockingStub, R> rpc) {
    return call(pipeBlockingStub, rpc);
  }

  PipeServiceGrpc.PipeServiceStub pipeAsyncStub() {
    return pipeAsyncStub;
  }

  <R> R callValues(Function<ValueServiceGrpc.ValueServiceBlockingStub, R> rpc) {
    return call(valueBlockingStub, rpc);
  }

  <R> R callProcesses(Function<ProcessServiceGrpc.ProcessServiceBlockingStub, R> rpc) {
    return call(processBlockingStub, rpc);
  }

  /** Runs a non-blocking call with the client's rpc timeout as its deadline. */
  <S extends AbstractStub<S>, R> R call(S stub, Function<S, R> rpc) {
    checkUsable();
    try {
      return rpc.apply(stub.withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (RuntimeException e) {
      throw Errors.translate(e);
    }
  }

  /**
   * Runs a non-blocking call that must not be cut short by an interrupt (a release, settling a
   * request): a blocking stub cancels its call when the thread is interrupted, which could leave a
   * lock held that the caller meant to release. The interrupt is kept for the caller.
   */
  <S extends AbstractStub<S>, R> R callUninterruptibly(
      S futureStub, Function<S, ListenableFuture<R>> rpc) {
    checkUsable();
    ListenableFuture<R> answer;
    try {
      answer =
          rpc.apply(futureStub.withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (RuntimeException e) {
      throw Errors.translate(e);
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return answer.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          throw Errors.translate(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Starts a wait that parks on the broker ({@code timeout} as the request carries it; null for
   * none). A closing client fails it with {@code CLIENT_CLOSED}.
   */
  <S extends AbstractStub<S>, Q, R, V> ParkedCall<V> park(
      S stub,
      ParkedCall.Method<S, Q, R> method,
      Q request,
      Duration timeout,
      Function<R, V> answer) {
    checkUsable();
    ParkedCall<V> call = ParkedCall.start(stub, method, request, timeout, waitGrace, answer);
    track(call);
    call.result().whenComplete((v, t) -> untrack(call));
    return call;
  }

  /** Makes {@code call} end when this client closes (at once, if it already did). */
  void track(BrokerCall call) {
    openCalls.add(call);
    if (closed) {
      call.abort(Errors.closed()); // close() may have passed over it already
    }
  }

  void untrack(BrokerCall call) {
    openCalls.remove(call);
  }

  /** Starts a {@code ReadOutput} call, read as a stream that a closing client ends. */
  InputStream readOutput(ReadOutputRequest request) {
    checkUsable();
    ReadOutputStream in = new ReadOutputStream(this);
    track(in); // first: the call may end (and untrack it) before readOutput returns
    processAsyncStub.readOutput(request, in);
    return in;
  }

  ProcessServiceGrpc.ProcessServiceStub processAsyncStub() {
    return processAsyncStub;
  }

  ValueServiceGrpc.ValueServiceStub valueAsyncStub() {
    return valueAsyncStub;
  }

  QueueServiceGrpc.QueueServiceStub asyncStub() {
    return asyncStub;
  }

  Duration waitGrace() {
    return waitGrace;
  }

  Channel channel() {
    return channel;
  }

  long nextRequestId() {
    return requestIds.incrementAndGet();
  }

  /**
   * Runs a call that settles a request given up on, with the thread's interrupt flag cleared (it is
   * set again after) and a few tries while the outcome stays unknown.
   *
   * @return its answer, or null if the broker could not be asked (the session's end then releases
   *     whatever the request got)
   */
  <R> R settle(Supplier<R> call) {
    boolean interrupted = false;
    try {
      for (int attempt = 0; attempt < 5; attempt++) {
        interrupted |= Thread.interrupted();
        try {
          return call.get();
        } catch (IpcBrokerException e) {
          if (!Errors.outcomeUnknown(e) || closed || session.lost() != null) {
            return null;
          }
        }
      }
      return null;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  void forget(QueueHandle<?> handle) {
    handles.remove(handle);
  }

  private void checkOpen() {
    if (closed) {
      throw Errors.closed();
    }
  }

  /**
   * Fails fast once the client is closed or its session is lost (the keep-alive stream broke, so
   * the broker released everything the session held; calls naming it would fail anyway).
   */
  void checkUsable() {
    checkOpen();
    IpcBrokerException lost = session.lost();
    if (lost != null) {
      throw lost;
    }
  }

  /**
   * Where the futures of {@code *Async} methods complete. Once the client closed its pool refuses
   * tasks: a completion that arrives then runs on the completing thread instead of being dropped,
   * so that no future is left incomplete.
   */
  Executor callbacks() {
    return completer;
  }

  private void complete(Runnable task) {
    try {
      callbacks.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // closed: completing on this thread beats a future that never completes
    }
  }

  /** The longest a call that does not wait on the broker may take. */
  Duration rpcTimeout() {
    return rpcTimeout;
  }

  /** Builds an {@link IpcBroker}. */
  public static final class Builder {
    private String target = "localhost:50051";
    private String clientName = "";
    private String processId = "";
    private Duration sessionTtl = Duration.ofSeconds(10);
    private Duration rpcTimeout = Duration.ofSeconds(30);
    private Duration waitGrace = Duration.ofSeconds(5);
    private ManagedChannel channel;
    private String token = System.getenv().getOrDefault(TOKEN_VARIABLE, "");
    private Path tlsCa = pathOrNull(System.getenv(TLS_CA_VARIABLE));
    private Path clientCert;
    private Path clientKey;
    private boolean explicitSecurity;

    private Builder() {}

    private static Path pathOrNull(String p) {
      return p == null || p.isEmpty() ? null : Path.of(p);
    }

    /**
     * The broker's token (its {@code --auth-token-file}); by default {@code IPCBROKER_TOKEN} from
     * the environment, and none without it. Each call is signed with it; the token itself is never
     * sent.
     */
    public Builder authToken(String token) {
      this.token = Objects.requireNonNull(token, "token");
      this.explicitSecurity = true;
      return this;
    }

    /**
     * Connects with TLS, trusting the CA certificates in {@code caPem} (by default {@code
     * IPCBROKER_TLS_CA} from the environment, and plaintext without it).
     */
    public Builder tls(Path caPem) {
      this.tlsCa = Objects.requireNonNull(caPem, "caPem");
      this.explicitSecurity = true;
      return this;
    }

    /**
     * Presents this certificate chain and PKCS#8 key, in PEM, to a broker that requires client
     * certificates (mutual TLS); needs {@link #tls}.
     */
    public Builder clientCertificate(Path certChainPem, Path privateKeyPem) {
      this.clientCert = Objects.requireNonNull(certChainPem, "certChainPem");
      this.clientKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      this.explicitSecurity = true;
      return this;
    }

    /** Plaintext, or TLS with the configured CA and client certificate. */
    private ChannelCredentials credentials() {
      if (tlsCa == null) {
        if (clientCert != null) {
          throw new IllegalStateException("a client certificate needs tls(caPem)");
        }
        return InsecureChannelCredentials.create();
      }
      try {
        TlsChannelCredentials.Builder b =
            TlsChannelCredentials.newBuilder().trustManager(tlsCa.toFile());
        if (clientCert != null) {
          b.keyManager(clientCert.toFile(), clientKey.toFile());
        }
        return b.build();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the TLS files: " + e.getMessage(), e);
      }
    }

    /** Where the broker is: {@code host:port} (default {@code localhost:50051}). */
    public Builder target(String target) {
      this.target = Objects.requireNonNull(target, "target");
      return this;
    }

    /** A name operators see for this client's session. */
    public Builder clientName(String clientName) {
      this.clientName = Objects.requireNonNull(clientName, "clientName");
      return this;
    }

    /**
     * The broker-spawned process this client runs in (its {@code IPCBROKER_PROCESS_ID}): the
     * processes the client creates are then named as that process's children ({@code Process-1:1}).
     * Empty (the default) for none.
     */
    public Builder processId(String processId) {
      this.processId = Objects.requireNonNull(processId, "processId");
      return this;
    }

    /**
     * Takes the target and the process id from the environment the broker gives its children
     * ({@code IPCBROKER_TARGET}, and {@code IPCBROKER_PROCESS_ID} if set); see {@link
     * IpcBroker#fromEnvironment()}.
     *
     * @throws IllegalStateException if {@code IPCBROKER_TARGET} is not set
     */
    public Builder fromEnvironment() {
      return fromEnvironment(System.getenv());
    }

    Builder fromEnvironment(Map<String, String> env) {
      String envTarget = env.get(TARGET_VARIABLE);
      if (envTarget == null || envTarget.isEmpty()) {
        throw new IllegalStateException(
            TARGET_VARIABLE + " is not set: this program was not started by an ipcbroker");
      }
      this.target = envTarget;
      this.processId = env.getOrDefault(PROCESS_ID_VARIABLE, "");
      this.token = env.getOrDefault(TOKEN_VARIABLE, token);
      this.tlsCa = env.containsKey(TLS_CA_VARIABLE) ? pathOrNull(env.get(TLS_CA_VARIABLE)) : tlsCa;
      return this;
    }

    /**
     * How long the broker keeps this client's session after the client stops renewing it (default
     * 10 s): the time after which a vanished client's holdings are released.
     */
    public Builder sessionTtl(Duration sessionTtl) {
      this.sessionTtl = Objects.requireNonNull(sessionTtl, "sessionTtl");
      return this;
    }

    /** The deadline of non-blocking calls such as creating a queue (default 30 s). */
    public Builder rpcTimeout(Duration rpcTimeout) {
      this.rpcTimeout = Objects.requireNonNull(rpcTimeout, "rpcTimeout");
      return this;
    }

    /**
     * How long past its timeout a wait may go unanswered before the SDK declares the broker
     * unresponsive (default 5 s); also how long closing waits for the broker.
     */
    public Builder waitGrace(Duration waitGrace) {
      this.waitGrace = Objects.requireNonNull(waitGrace, "waitGrace");
      return this;
    }

    /**
     * Uses {@code channel} instead of opening one (for tests, or custom transports); the caller
     * keeps ownership and closes it.
     */
    public Builder channel(ManagedChannel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /**
     * Connects and opens the session.
     *
     * @throws IpcBrokerException if the broker cannot be reached or refuses the session
     */
    public IpcBroker build() {
      return new IpcBroker(this);
    }
  }
}
