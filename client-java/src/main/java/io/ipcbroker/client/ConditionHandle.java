package io.ipcbroker.client;

import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.NotifyConditionRequest;
import io.ipcbroker.v1.WaitConditionRequest;
import io.ipcbroker.v1.WaitConditionResponse;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The SDK's {@link IpcCondition}. */
final class ConditionHandle implements IpcCondition {
  private final IpcBroker broker;
  private final String name;
  private final NamedLockHandle lock;
  private final LockServiceGrpc.LockServiceStub async;
  private final LockServiceGrpc.LockServiceBlockingStub blocking;

  ConditionHandle(IpcBroker broker, String name, NamedLockHandle lock) {
    this.broker = broker;
    this.name = name;
    this.lock = lock;
    this.async = LockServiceGrpc.newStub(broker.channel());
    this.blocking = LockServiceGrpc.newBlockingStub(broker.channel());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public IpcNamedLock lock() {
    return lock;
  }

  @Override
  public boolean await(Duration timeout) {
    Timeouts.seconds(timeout);
    return waitOnce(timeout);
  }

  /**
   * One wait. The call has no deadline of its own: after the timeout the broker still takes the
   * lock back for the caller, however long that takes, and answers only then.
   */
  private boolean waitOnce(Duration timeout) {
    int levels = lock.holdCount();
    long requestId = broker.nextRequestId();
    WaitConditionRequest.Builder request =
        WaitConditionRequest.newBuilder()
            .setName(name)
            .setSessionId(broker.sessionId())
            .setOwner(NamedLockHandle.owner())
            .setRequestId(requestId);
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    ParkedCall<WaitConditionResponse> call =
        broker.park(
            async, LockServiceGrpc.LockServiceStub::waitCondition, request.build(), null, r -> r);
    WaitConditionResponse answer;
    try {
      answer = call.await("a condition wait");
    } catch (IpcBrokerException e) {
      if (!IpcBrokerException.CLIENT_CLOSED.equals(e.reason())) {
        holdAgain(requestId, levels, e);
      }
      throw e;
    }
    lock.recordWaited(answer.getHoldCount(), answer.getFencingToken(), answer.getAbandoned());
    return answer.getNotified();
  }

  /**
   * After a wait that failed or was given up: settles it with the broker and takes back the levels
   * the thread held before, as {@link java.util.concurrent.locks.Condition#await()} holds the lock
   * again even when it throws, so that the caller's finally-unlock is right. A wait refused before
   * it began (not the holder, no such condition) changed nothing and needs nothing.
   */
  private void holdAgain(long requestId, int levels, IpcBrokerException cause) {
    boolean interrupted = Thread.interrupted();
    try {
      int now = lock.reconcile(requestId);
      if (now >= 0 && now < levels) {
        lock.restore(levels - now);
      }
    } catch (IpcBrokerException e) {
      // The lock or the session is gone: nothing can be held again.
      cause.addSuppressed(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean waitFor(BooleanSupplier predicate, Duration timeout) {
    long end =
        timeout == null ? 0 : System.nanoTime() + Timeouts.saturatedMillis(timeout) * 1_000_000;
    boolean result = predicate.getAsBoolean();
    while (!result) {
      Duration wait = null;
      if (timeout != null) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          break;
        }
        wait = Duration.ofNanos(left);
      }
      waitOnce(wait);
      result = predicate.getAsBoolean();
    }
    return result;
  }

  @Override
  public int signal(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative: " + n);
    }
    return notify(NotifyConditionRequest.newBuilder().setN(n));
  }

  @Override
  public void signal() {
    signal(1);
  }

  @Override
  public void signalAll() {
    notify(NotifyConditionRequest.newBuilder().setAll(true));
  }

  private int notify(NotifyConditionRequest.Builder request) {
    NotifyConditionRequest built =
        request
            .setName(name)
            .setSessionId(broker.sessionId())
            .setOwner(NamedLockHandle.owner())
            .build();
    return broker.call(blocking, s -> s.notifyCondition(built)).getWoken();
  }

  // ---- java.util.concurrent.locks.Condition ----

  @Override
  public void await() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    try {
      waitOnce(null);
    } catch (IpcBrokerException e) {
      throw NamedLockHandle.asInterrupted(e);
    }
  }

  @Override
  public void awaitUninterruptibly() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          waitOnce(null);
          return;
        } catch (IpcBrokerException e) {
          if (!IpcBrokerException.INTERRUPTED.equals(e.reason())) {
            throw e;
          }
          // The lock is held again; a spurious wake-up is allowed, so return.
          interrupted = Thread.interrupted();
          return;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public long awaitNanos(long nanosTimeout) throws InterruptedException {
    long start = System.nanoTime();
    await(nanosTimeout, TimeUnit.NANOSECONDS);
    return nanosTimeout - (System.nanoTime() - start);
  }

  @Override
  public boolean await(long time, TimeUnit unit) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    try {
      return waitOnce(Duration.ofNanos(Math.max(0, unit.toNanos(time))));
    } catch (IpcBrokerException e) {
      throw NamedLockHandle.asInterrupted(e);
    }
  }

  @Override
  public boolean awaitUntil(Date deadline) throws InterruptedException {
    return await(deadline.getTime() - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public String toString() {
    return "IpcCondition[" + name + " on " + lock.name() + "]";
  }
}
