package io.ipcbroker.client;

import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AcquireLockResponse;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.ReconcileLockRequest;
import io.ipcbroker.v1.ReconcileLockResponse;
import io.ipcbroker.v1.ReleaseLockRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * The SDK's {@link IpcNamedLock}: one per name and client, so that every handle of that client sees
 * the same holds. The broker owns the truth; what is kept here is its last answer for each thread
 * of this client.
 */
final class NamedLockHandle implements IpcNamedLock {
  /** A thread's hold, as the broker last answered it. */
  private record Hold(int count, long token, boolean abandoned) {}

  private final IpcBroker broker;
  private final String name;
  private final boolean reentrant;
  private final LockServiceGrpc.LockServiceStub async;
  private final LockServiceGrpc.LockServiceFutureStub futures;
  // Thread id -> that thread's hold; absent when it holds none.
  private final Map<Long, Hold> holds = new ConcurrentHashMap<>();

  NamedLockHandle(IpcBroker broker, String name, boolean reentrant) {
    this.broker = broker;
    this.name = name;
    this.reentrant = reentrant;
    this.async = LockServiceGrpc.newStub(broker.channel());
    this.futures = LockServiceGrpc.newFutureStub(broker.channel());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean isReentrant() {
    return reentrant;
  }

  @Override
  public IpcLock acquire() {
    // Without a timeout the broker answers only with the lock; the loop is for the contract's
    // letter (an answer of "not acquired" would mean: wait again).
    while (!acquire(false, null)) {
      broker.checkUsable();
    }
    return this;
  }

  @Override
  public boolean acquire(Duration timeout) {
    Timeouts.seconds(timeout); // rejects a negative timeout before anything is sent
    return acquire(false, timeout);
  }

  @Override
  public boolean tryAcquire() {
    return acquire(true, null);
  }

  private boolean acquire(boolean nowait, Duration timeout) {
    long requestId = broker.nextRequestId();
    AcquireLockRequest.Builder request =
        AcquireLockRequest.newBuilder()
            .setName(name)
            .setSessionId(broker.sessionId())
            .setOwner(owner())
            .setRequestId(requestId)
            .setNowait(nowait);
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    ParkedCall<AcquireLockResponse> call =
        broker.park(
            async,
            LockServiceGrpc.LockServiceStub::acquireLock,
            request.build(),
            nowait ? Duration.ZERO : timeout,
            r -> r);
    AcquireLockResponse answer = call.awaitOrSettle("an acquire", () -> reconcile(requestId));
    if (answer.getAcquired()) {
      record(new Hold(answer.getHoldCount(), answer.getFencingToken(), answer.getAbandoned()));
    }
    return answer.getAcquired();
  }

  /**
   * Settles request {@code requestId} that this thread gave up on (its cancel can cross the grant,
   * and an answer can be lost after the broker sent it), so that no grant nobody knows of holds the
   * lock until the session ends.
   *
   * @return the thread's count on the broker afterwards, or -1 if the broker could not be asked
   */
  int reconcile(long requestId) {
    ReconcileLockRequest request =
        ReconcileLockRequest.newBuilder()
            .setName(name)
            .setSessionId(broker.sessionId())
            .setOwner(owner())
            .setRequestId(requestId)
            .build();
    ReconcileLockResponse answer =
        broker.settle(() -> broker.callUninterruptibly(futures, s -> s.reconcileLock(request)));
    if (answer == null) {
      return -1;
    }
    recordCount(answer.getHoldCount());
    return answer.getHoldCount();
  }

  @Override
  public void release() {
    ReleaseLockRequest request =
        ReleaseLockRequest.newBuilder()
            .setName(name)
            .setSessionId(broker.sessionId())
            .setOwner(owner())
            .build();
    recordCount(broker.callUninterruptibly(futures, s -> s.releaseLock(request)).getHoldCount());
  }

  @Override
  public void close() {
    release();
  }

  @Override
  public int holdCount() {
    Hold h = holds.get(Thread.currentThread().getId());
    return h == null ? 0 : h.count();
  }

  @Override
  public boolean isHeldByCurrentThread() {
    return holdCount() > 0;
  }

  @Override
  public long fencingToken() {
    Hold h = holds.get(Thread.currentThread().getId());
    return h == null ? 0 : h.token();
  }

  @Override
  public boolean wasAbandoned() {
    Hold h = holds.get(Thread.currentThread().getId());
    return h != null && h.abandoned();
  }

  // ---- java.util.concurrent.locks.Lock ----

  @Override
  public void lock() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          acquire();
          return;
        } catch (IpcBrokerException e) {
          if (!IpcBrokerException.INTERRUPTED.equals(e.reason())) {
            throw e;
          }
          // lock() is not interruptible: remember the interrupt, clear it, and wait again.
          interrupted = Thread.interrupted();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void lockInterruptibly() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    try {
      acquire();
    } catch (IpcBrokerException e) {
      throw asInterrupted(e);
    }
  }

  @Override
  public boolean tryLock() {
    return tryAcquire();
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    try {
      return acquire(Duration.ofNanos(Math.max(0, unit.toNanos(time))));
    } catch (IpcBrokerException e) {
      throw asInterrupted(e);
    }
  }

  @Override
  public void unlock() {
    try {
      release();
    } catch (IpcBrokerException e) {
      if ("LOCK_NOT_OWNED".equals(e.reason())) {
        IllegalMonitorStateException m =
            new IllegalMonitorStateException("lock " + name + " is not held by this thread");
        m.initCause(e);
        throw m;
      }
      throw e;
    }
  }

  @Override
  public Condition newCondition() {
    throw new UnsupportedOperationException(
        "conditions on the broker are named: use IpcBroker.condition(name, lock)");
  }

  /** Turns an interrupted wait into {@link InterruptedException}, as the Lock contract wants. */
  static InterruptedException asInterrupted(IpcBrokerException e) {
    if (!IpcBrokerException.INTERRUPTED.equals(e.reason())) {
      throw e;
    }
    Thread.interrupted(); // the exception replaces the flag
    InterruptedException ie = new InterruptedException("interrupted while waiting");
    ie.initCause(e);
    return ie;
  }

  // ---- for the conditions ----

  /** Records a condition wait's answer: the thread holds the lock again. */
  void recordWaited(int count, long token, boolean abandoned) {
    record(new Hold(count, token, abandoned));
  }

  /** Takes {@code levels} levels back for the calling thread, waiting without interruption. */
  void restore(int levels) {
    for (int i = 0; i < levels; i++) {
      lock();
    }
  }

  /** The lock owner that the calling thread is within this client's session. */
  static String owner() {
    return LockHandle.owner();
  }

  private void record(Hold hold) {
    holds.put(Thread.currentThread().getId(), hold);
  }

  private void recordCount(int count) {
    long thread = Thread.currentThread().getId();
    if (count == 0) {
      holds.remove(thread);
    } else {
      holds.computeIfPresent(thread, (t, h) -> new Hold(count, h.token(), h.abandoned()));
    }
  }

  @Override
  public String toString() {
    return (reentrant ? "IpcRLock[" : "IpcLock[") + name + "]";
  }
}
