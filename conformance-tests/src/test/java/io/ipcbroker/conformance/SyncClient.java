package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AcquireLockResponse;
import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.AcquireSemaphoreResponse;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.CreateBarrierRequest;
import io.ipcbroker.v1.CreateConditionRequest;
import io.ipcbroker.v1.CreateEventRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateSemaphoreRequest;
import io.ipcbroker.v1.DeleteBarrierRequest;
import io.ipcbroker.v1.DeleteConditionRequest;
import io.ipcbroker.v1.DeleteEventRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteSemaphoreRequest;
import io.ipcbroker.v1.DescribeLockRequest;
import io.ipcbroker.v1.DescribeSemaphoreRequest;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.ReleaseLockRequest;
import io.ipcbroker.v1.ReleaseSemaphoreRequest;
import io.ipcbroker.v1.SemaphoreInfo;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One client's access to the lock, semaphore, event and barrier services on the raw stubs: creates
 * objects with unique names (remembering each for clean-up) and sends the common requests, each
 * call with a fresh {@link TestBroker#CALL_DEADLINE}. {@link #on} gives the same test's view from
 * another connection; {@link #close} deletes what the test created.
 */
public final class SyncClient implements AutoCloseable {
  private final Channel channel;
  private final Set<String> locks;
  private final Set<String> semaphores;
  private final Set<String> events;
  private final Set<String> barriers;
  private final Set<String> conditions;

  /** Works on {@code channel}. */
  public SyncClient(Channel channel) {
    this(
        channel,
        ConcurrentHashMap.newKeySet(),
        ConcurrentHashMap.newKeySet(),
        ConcurrentHashMap.newKeySet(),
        ConcurrentHashMap.newKeySet(),
        ConcurrentHashMap.newKeySet());
  }

  private SyncClient(
      Channel channel,
      Set<String> locks,
      Set<String> semaphores,
      Set<String> events,
      Set<String> barriers,
      Set<String> conditions) {
    this.channel = channel;
    this.locks = locks;
    this.semaphores = semaphores;
    this.events = events;
    this.barriers = barriers;
    this.conditions = conditions;
  }

  /** The same test's objects from {@code other}, another client connection. */
  public SyncClient on(Channel other) {
    return new SyncClient(other, locks, semaphores, events, barriers, conditions);
  }

  // ---- stubs with a fresh deadline ----

  public LockServiceGrpc.LockServiceBlockingStub locks() {
    return LockServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public LockServiceGrpc.LockServiceStub locksAsync() {
    return LockServiceGrpc.newStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public SemaphoreServiceGrpc.SemaphoreServiceBlockingStub semaphores() {
    return SemaphoreServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public SemaphoreServiceGrpc.SemaphoreServiceStub semaphoresAsync() {
    return SemaphoreServiceGrpc.newStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public EventServiceGrpc.EventServiceBlockingStub events() {
    return EventServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public EventServiceGrpc.EventServiceStub eventsAsync() {
    return EventServiceGrpc.newStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public BarrierServiceGrpc.BarrierServiceBlockingStub barriers() {
    return BarrierServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public BarrierServiceGrpc.BarrierServiceStub barriersAsync() {
    return BarrierServiceGrpc.newStub(channel)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- creating ----

  /** Creates a lock of {@code kind} with a unique name; returns the name. */
  public String createLock(String prefix, LockKind kind) {
    String name = Rpc.uniqueName(prefix);
    locks.add(name);
    locks().createLock(CreateLockRequest.newBuilder().setName(name).setKind(kind).build());
    return name;
  }

  /** Creates a condition bound to {@code lock}; returns its name. */
  public String createCondition(String prefix, String lock) {
    String name = Rpc.uniqueName(prefix);
    conditions.add(name);
    locks()
        .createCondition(CreateConditionRequest.newBuilder().setName(name).setLock(lock).build());
    return name;
  }

  /** Creates a semaphore; returns its name. */
  public String createSemaphore(String prefix, long value, boolean bounded) {
    String name = Rpc.uniqueName(prefix);
    semaphores.add(name);
    semaphores()
        .createSemaphore(
            CreateSemaphoreRequest.newBuilder()
                .setName(name)
                .setValue(value)
                .setBounded(bounded)
                .build());
    return name;
  }

  /** Creates an event; returns its name. */
  public String createEvent(String prefix) {
    String name = Rpc.uniqueName(prefix);
    events.add(name);
    events().createEvent(CreateEventRequest.newBuilder().setName(name).build());
    return name;
  }

  /** Creates a barrier; returns it. */
  public BarrierInfo createBarrier(String prefix, int parties, Double timeoutSeconds) {
    String name = Rpc.uniqueName(prefix);
    barriers.add(name);
    CreateBarrierRequest.Builder r =
        CreateBarrierRequest.newBuilder().setName(name).setParties(parties);
    if (timeoutSeconds != null) {
      r.setTimeoutSeconds(timeoutSeconds);
    }
    return barriers().createBarrier(r.build()).getBarrier();
  }

  // ---- common requests ----

  /** An acquire request; {@code timeout} null for none. */
  public static AcquireLockRequest acquireRequest(
      String lock, String session, String owner, long requestId, Double timeout) {
    AcquireLockRequest.Builder r =
        AcquireLockRequest.newBuilder()
            .setName(lock)
            .setSessionId(session)
            .setOwner(owner)
            .setRequestId(requestId);
    if (timeout != null) {
      r.setTimeoutSeconds(timeout);
    }
    return r.build();
  }

  /** Acquires and waits for the answer (with the call deadline). */
  public AcquireLockResponse acquire(String lock, String session, String owner, Double timeout) {
    return locks().acquireLock(acquireRequest(lock, session, owner, 0, timeout));
  }

  /** Starts an acquire whose answer completes the future. */
  public CompletableFuture<AcquireLockResponse> acquireAsync(
      String lock, String session, String owner, Double timeout) {
    return call(
        (r, o) -> locksAsync().acquireLock(r, o), acquireRequest(lock, session, owner, 0, timeout));
  }

  /** Releases one level; answers the levels left. */
  public int release(String lock, String session, String owner) {
    return locks()
        .releaseLock(
            ReleaseLockRequest.newBuilder()
                .setName(lock)
                .setSessionId(session)
                .setOwner(owner)
                .build())
        .getHoldCount();
  }

  /** Describes a lock. */
  public LockInfo describeLock(String lock) {
    return locks().describeLock(DescribeLockRequest.newBuilder().setName(lock).build()).getLock();
  }

  /** Takes a permit. */
  public AcquireSemaphoreResponse acquirePermit(String sem, String session, Double timeout) {
    AcquireSemaphoreRequest.Builder r =
        AcquireSemaphoreRequest.newBuilder().setName(sem).setSessionId(session);
    if (timeout != null) {
      r.setTimeoutSeconds(timeout);
    }
    return semaphores().acquireSemaphore(r.build());
  }

  /** Starts taking a permit. */
  public CompletableFuture<AcquireSemaphoreResponse> acquirePermitAsync(
      String sem, String session, Double timeout) {
    AcquireSemaphoreRequest.Builder r =
        AcquireSemaphoreRequest.newBuilder().setName(sem).setSessionId(session);
    if (timeout != null) {
      r.setTimeoutSeconds(timeout);
    }
    return call((q, o) -> semaphoresAsync().acquireSemaphore(q, o), r.build());
  }

  /** Gives a permit back for {@code session} (empty: nobody's); answers the value. */
  public long releasePermit(String sem, String session) {
    return semaphores()
        .releaseSemaphore(
            ReleaseSemaphoreRequest.newBuilder().setName(sem).setSessionId(session).build())
        .getValue();
  }

  /** Describes a semaphore. */
  public SemaphoreInfo describeSemaphore(String sem) {
    return semaphores()
        .describeSemaphore(DescribeSemaphoreRequest.newBuilder().setName(sem).build())
        .getSemaphore();
  }

  /** Sends one async unary call; the future completes with its answer or its status. */
  public static <Q, R> CompletableFuture<R> call(
      BiConsumer<Q, StreamObserver<R>> method, Q request) {
    return Unary.call(o -> method.accept(request, o));
  }

  /** Deletes what the test created (conditions first: deleting a lock deletes its conditions). */
  @Override
  public void close() {
    for (String n : conditions) {
      locks()
          .deleteCondition(
              DeleteConditionRequest.newBuilder().setName(n).setAllowMissing(true).build());
    }
    for (String n : locks) {
      locks().deleteLock(DeleteLockRequest.newBuilder().setName(n).setAllowMissing(true).build());
    }
    for (String n : semaphores) {
      semaphores()
          .deleteSemaphore(
              DeleteSemaphoreRequest.newBuilder().setName(n).setAllowMissing(true).build());
    }
    for (String n : events) {
      events()
          .deleteEvent(DeleteEventRequest.newBuilder().setName(n).setAllowMissing(true).build());
    }
    for (String n : barriers) {
      barriers()
          .deleteBarrier(
              DeleteBarrierRequest.newBuilder().setName(n).setAllowMissing(true).build());
    }
  }
}
