package io.ipcbroker.client;

import io.ipcbroker.v1.AcquireValueLockRequest;
import io.ipcbroker.v1.AcquireValueLockResponse;
import io.ipcbroker.v1.LockContext;
import io.ipcbroker.v1.ReleaseValueLockRequest;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The SDK's {@link IpcLock} on a shared value or array: one per name and client, so that every
 * handle of that client sees the same hold counts.
 *
 * <p>The broker owns the truth; the counts kept here are its last answers for each thread of this
 * client. They let a holder's reads and writes skip the waiting path (a holder never waits for its
 * own lock) and answer {@link #holdCount()} without a call.
 */
final class LockHandle implements IpcLock {
  private final IpcBroker broker;
  private final String name;
  // Thread id -> that thread's hold count, as the broker last answered it; absent when 0.
  private final Map<Long, Integer> holds = new ConcurrentHashMap<>();

  LockHandle(IpcBroker broker, String name) {
    this.broker = broker;
    this.name = name;
  }

  /** The lock owner that the calling thread is within this client's session. */
  static String owner() {
    return "thread-" + Thread.currentThread().getId();
  }

  @Override
  public IpcLock acquire() {
    // Without a timeout or a deadline the broker answers only with the lock; the loop is for the
    // contract's letter (an answer of "not acquired" would mean: wait again).
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
    LockContext.Builder context =
        LockContext.newBuilder()
            .setSessionId(broker.sessionId())
            .setOwner(owner())
            .setNowait(nowait);
    if (timeout != null) {
      context.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    AcquireValueLockRequest request =
        AcquireValueLockRequest.newBuilder().setName(name).setLock(context).build();
    ParkedCall<AcquireValueLockResponse> call =
        broker.park(
            broker.valueAsyncStub(),
            ValueServiceGrpc.ValueServiceStub::acquireValueLock,
            request,
            nowait ? Duration.ZERO : timeout,
            r -> r);
    AcquireValueLockResponse answer;
    try {
      answer = call.await("an acquire");
    } catch (IpcBrokerException e) {
      if (IpcBrokerException.INTERRUPTED.equals(e.reason())) {
        settle(call);
      }
      throw e;
    }
    if (answer.getAcquired()) {
      record(answer.getCount());
    }
    return answer.getAcquired();
  }

  /**
   * Undoes a grant that an interrupted acquire may have received after all: the cancel can cross
   * the broker's answer, and a grant nobody knows of would hold the lock until the session ends.
   */
  private void settle(ParkedCall<AcquireValueLockResponse> call) {
    boolean interrupted = Thread.interrupted(); // the calls below must not see the flag
    try {
      AcquireValueLockResponse late = null;
      try {
        late = call.result().get(broker.waitGrace().toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException | InterruptedException e) {
        // Cancelled (the usual case) or no word: the broker may still have granted it.
      }
      boolean granted = late != null && late.getAcquired();
      // Without a hold of its own, any hold this thread has on the broker is a lost grant; with
      // one, a re-entrant acquire never waits, so only an answer says whether it was granted.
      if (granted || (late == null && holdCount() == 0)) {
        try {
          release();
        } catch (IpcBrokerException e) {
          // LOCK_NOT_OWNED: nothing was granted. Anything else: the session's end releases it.
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void release() {
    ReleaseValueLockRequest request =
        ReleaseValueLockRequest.newBuilder()
            .setName(name)
            .setSessionId(broker.sessionId())
            .setOwner(owner())
            .build();
    record(broker.callValues(stub -> stub.releaseValueLock(request)).getCount());
  }

  @Override
  public void close() {
    release();
  }

  @Override
  public int holdCount() {
    return holds.getOrDefault(Thread.currentThread().getId(), 0);
  }

  @Override
  public boolean isHeldByCurrentThread() {
    return holdCount() > 0;
  }

  private void record(int count) {
    long thread = Thread.currentThread().getId();
    if (count > 0) {
      holds.put(thread, count);
    } else {
      holds.remove(thread);
    }
  }

  @Override
  public String toString() {
    return "IpcLock[" + name + "]";
  }
}
