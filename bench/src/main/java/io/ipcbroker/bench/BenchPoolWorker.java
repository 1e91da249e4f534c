package io.ipcbroker.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.ChunkResult;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.TaskOutcome;
import io.ipcbroker.v1.WorkCredit;
import io.ipcbroker.v1.WorkRequest;
import io.ipcbroker.v1.WorkResponse;
import io.ipcbroker.v1.WorkerHello;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The pool scenario's worker, on the raw stubs: serves {@code identity} (answers each input as it
 * is, the trivial task of Python's anchor) with {@value #PREFETCH} chunks of credit, so that the
 * next chunk is already there when one is answered. Spawned by the broker; finds it, its pool and
 * its process id in its environment; exits when retired.
 */
public final class BenchPoolWorker {
  private static final int PREFETCH = 64;

  private BenchPoolWorker() {}

  /** Serves until retired. */
  public static void main(String[] args) throws InterruptedException {
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(System.getenv("IPCBROKER_TARGET")).usePlaintext().build();
    CountDownLatch ended = new CountDownLatch(1);
    Object lock = new Object();
    StreamObserver<WorkRequest>[] requests = new StreamObserver[1];
    requests[0] =
        PoolServiceGrpc.newStub(channel)
            .work(
                new StreamObserver<WorkResponse>() {
                  @Override
                  public void onNext(WorkResponse r) {
                    synchronized (lock) {
                      if (r.hasAccepted()) {
                        requests[0].onNext(credit(PREFETCH));
                      } else if (r.hasChunk()) {
                        ChunkResult.Builder result =
                            ChunkResult.newBuilder().setChunkId(r.getChunk().getChunkId());
                        for (Payload item : r.getChunk().getItemsList()) {
                          result.addOutcomes(TaskOutcome.newBuilder().setValue(item));
                        }
                        requests[0].onNext(WorkRequest.newBuilder().setResult(result).build());
                        requests[0].onNext(credit(1));
                      } else if (r.hasRetire()) {
                        requests[0].onCompleted();
                      }
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    ended.countDown();
                  }
                });
    synchronized (lock) {
      requests[0].onNext(
          WorkRequest.newBuilder()
              .setHello(
                  WorkerHello.newBuilder()
                      .setPool(System.getenv("IPCBROKER_POOL"))
                      .addFunctions("identity")
                      .setProcessId(System.getenv("IPCBROKER_PROCESS_ID"))
                      .setPid(ProcessHandle.current().pid()))
              .build());
    }
    ended.await(1, TimeUnit.HOURS);
    channel.shutdownNow();
  }

  private static WorkRequest credit(int chunks) {
    return WorkRequest.newBuilder().setCredit(WorkCredit.newBuilder().setChunks(chunks)).build();
  }
}
