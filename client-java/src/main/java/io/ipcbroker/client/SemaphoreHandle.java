package io.ipcbroker.client;

import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.AcquireSemaphoreResponse;
import io.ipcbroker.v1.DescribeSemaphoreRequest;
import io.ipcbroker.v1.ReconcileSemaphoreRequest;
import io.ipcbroker.v1.ReleaseSemaphoreRequest;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import java.time.Duration;

/** The SDK's {@link IpcSemaphore}. */
final class SemaphoreHandle implements IpcSemaphore {
  private final IpcBroker broker;
  private final String name;
  private final SemaphoreServiceGrpc.SemaphoreServiceStub async;
  private final SemaphoreServiceGrpc.SemaphoreServiceBlockingStub blocking;
  private final SemaphoreServiceGrpc.SemaphoreServiceFutureStub futures;
  // Whether the thread's last permit was an abandoned one; gone with the thread.
  private final ThreadLocal<Boolean> abandoned = ThreadLocal.withInitial(() -> false);

  SemaphoreHandle(IpcBroker broker, String name) {
    this.broker = broker;
    this.name = name;
    this.async = SemaphoreServiceGrpc.newStub(broker.channel());
    this.blocking = SemaphoreServiceGrpc.newBlockingStub(broker.channel());
    this.futures = SemaphoreServiceGrpc.newFutureStub(broker.channel());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void acquire() {
    while (!acquire(false, null)) {
      broker.checkUsable();
    }
  }

  @Override
  public boolean acquire(Duration timeout) {
    Timeouts.seconds(timeout);
    return acquire(false, timeout);
  }

  @Override
  public boolean tryAcquire() {
    return acquire(true, null);
  }

  private boolean acquire(boolean nowait, Duration timeout) {
    long requestId = broker.nextRequestId();
    AcquireSemaphoreRequest.Builder request =
        AcquireSemaphoreRequest.newBuilder()
            .setName(name)
            .setSessionId(broker.sessionId())
            .setRequestId(requestId)
            .setNowait(nowait);
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    ParkedCall<AcquireSemaphoreResponse> call =
        broker.park(
            async,
            SemaphoreServiceGrpc.SemaphoreServiceStub::acquireSemaphore,
            request.build(),
            nowait ? Duration.ZERO : timeout,
            r -> r);
    AcquireSemaphoreResponse answer =
        call.awaitOrSettle(
            "an acquire",
            () -> {
              // A permit nobody knows of would stay taken until the session ends: settle it.
              ReconcileSemaphoreRequest settle =
                  ReconcileSemaphoreRequest.newBuilder()
                      .setName(name)
                      .setSessionId(broker.sessionId())
                      .setRequestId(requestId)
                      .build();
              broker.settle(
                  () -> broker.callUninterruptibly(futures, s -> s.reconcileSemaphore(settle)));
            });
    if (answer.getAcquired()) {
      abandoned.set(answer.getAbandoned());
    }
    return answer.getAcquired();
  }

  @Override
  public void release() {
    release(1);
  }

  @Override
  public void release(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1: " + n);
    }
    ReleaseSemaphoreRequest request =
        ReleaseSemaphoreRequest.newBuilder()
            .setName(name)
            .setSessionId(broker.sessionId())
            .setN(n)
            .build();
    broker.callUninterruptibly(futures, s -> s.releaseSemaphore(request));
  }

  @Override
  public long value() {
    DescribeSemaphoreRequest request = DescribeSemaphoreRequest.newBuilder().setName(name).build();
    return broker.call(blocking, s -> s.describeSemaphore(request)).getSemaphore().getValue();
  }

  @Override
  public boolean wasAbandoned() {
    return abandoned.get();
  }

  @Override
  public String toString() {
    return "IpcSemaphore[" + name + "]";
  }
}
