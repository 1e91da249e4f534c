package io.ipcbroker.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueKind;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

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
 * <p>Connecting opens a session that the client keeps alive in the background; closing the client
 * ends it, and the broker then releases whatever the client still held (parked calls, items it got
 * but had not finished receiving). A client is thread-safe; one per process is the norm.
 */
public final class IpcBroker implements AutoCloseable {
  private final String target;
  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final Duration rpcTimeout;
  private final Duration waitGrace;
  private final ScheduledExecutorService scheduler;
  // Completes the futures of *Async methods, so that code chained on them never runs on (and
  // never blocks) a gRPC thread.
  private final ExecutorService callbacks;
  private final SessionKeeper session;
  private final QueueServiceGrpc.QueueServiceStub asyncStub;
  private final QueueServiceGrpc.QueueServiceBlockingStub blockingStub;
  private final Set<QueueHandle<?>> handles = ConcurrentHashMap.newKeySet();
  private final Set<BrokerCall> openCalls = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private IpcBroker(Builder b) {
    this.target = b.target;
    this.rpcTimeout = b.rpcTimeout;
    this.waitGrace = b.waitGrace;
    if (b.channel != null) {
      this.channel = b.channel;
      this.ownsChannel = false;
    } else {
      this.channel =
          NettyChannelBuilder.forTarget(b.target)
              .usePlaintext()
              // Inside the broker's permitted ping rate; finds a dead broker on a silent link.
              .keepAliveTime(20, TimeUnit.SECONDS)
              .keepAliveTimeout(10, TimeUnit.SECONDS)
              .maxInboundMessageSize(32 << 20)
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
    try {
      this.session = new SessionKeeper(channel, b.sessionTtl, b.clientName, rpcTimeout, scheduler);
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

  /** The target this client connected to. */
  public String target() {
    return target;
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
    checkUsable();
    try {
      return rpc.apply(
          blockingStub.withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (RuntimeException e) {
      throw Errors.translate(e);
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

  QueueServiceGrpc.QueueServiceStub asyncStub() {
    return asyncStub;
  }

  Duration waitGrace() {
    return waitGrace;
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

  Executor callbacks() {
    return callbacks;
  }

  /** Builds an {@link IpcBroker}. */
  public static final class Builder {
    private String target = "localhost:50051";
    private String clientName = "";
    private Duration sessionTtl = Duration.ofSeconds(10);
    private Duration rpcTimeout = Duration.ofSeconds(30);
    private Duration waitGrace = Duration.ofSeconds(5);
    private ManagedChannel channel;

    private Builder() {}

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
