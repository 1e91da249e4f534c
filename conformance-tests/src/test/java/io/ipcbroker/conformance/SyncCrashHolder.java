package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import io.ipcbroker.v1.WaitBarrierRequest;
import io.ipcbroker.v1.WaitBarrierResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A client that the test kills with SIGKILL while it holds a lock and a semaphore permit and waits
 * at a barrier: it opens a session with a 2 s TTL kept alive over a KeepAlive stream at the broker
 * {@code args[0]}, acquires the lock {@code args[1]} and a permit of the semaphore {@code args[2]},
 * starts waiting at the barrier {@code args[3]} (without a timeout), prints {@code held}, and waits
 * to be killed.
 */
public final class SyncCrashHolder {
  private SyncCrashHolder() {}

  /** Takes the lock and the permit and waits for the kill. */
  public static void main(String[] args) {
    BrokerChild.run(
        60_000,
        () -> {
          ManagedChannel channel = ConformanceTarget.channelTo(args[0]);
          String session =
              SessionServiceGrpc.newBlockingStub(channel)
                  .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(2).build())
                  .getSession()
                  .getSessionId();
          KeepAliveClient.start(channel).send(session);
          boolean locked =
              LockServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .acquireLock(
                      AcquireLockRequest.newBuilder()
                          .setName(args[1])
                          .setSessionId(session)
                          .setOwner("main")
                          .setTimeoutSeconds(5)
                          .build())
                  .getAcquired();
          boolean permit =
              SemaphoreServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .acquireSemaphore(
                      AcquireSemaphoreRequest.newBuilder()
                          .setName(args[2])
                          .setSessionId(session)
                          .setTimeoutSeconds(5)
                          .build())
                  .getAcquired();
          BarrierServiceGrpc.newStub(channel)
              .waitBarrier(
                  WaitBarrierRequest.newBuilder().setName(args[3]).setSessionId(session).build(),
                  new StreamObserver<WaitBarrierResponse>() {
                    @Override
                    public void onNext(WaitBarrierResponse r) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
          System.out.println(locked && permit ? "held" : "not held");
          System.out.flush();
          new CountDownLatch(1).await(50, TimeUnit.SECONDS); // until the test kills it
        });
  }
}
