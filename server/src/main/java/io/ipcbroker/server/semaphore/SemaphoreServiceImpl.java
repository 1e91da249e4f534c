package io.ipcbroker.server.semaphore;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.AcquireSemaphoreResponse;
import io.ipcbroker.v1.CreateSemaphoreRequest;
import io.ipcbroker.v1.CreateSemaphoreResponse;
import io.ipcbroker.v1.DeleteSemaphoreRequest;
import io.ipcbroker.v1.DeleteSemaphoreResponse;
import io.ipcbroker.v1.DescribeSemaphoreRequest;
import io.ipcbroker.v1.DescribeSemaphoreResponse;
import io.ipcbroker.v1.ReconcileSemaphoreRequest;
import io.ipcbroker.v1.ReconcileSemaphoreResponse;
import io.ipcbroker.v1.ReleaseSemaphoreRequest;
import io.ipcbroker.v1.ReleaseSemaphoreResponse;
import io.ipcbroker.v1.SemaphoreInfo;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import java.util.ArrayList;
import java.util.List;

/** Serves {@code ipcbroker.v1.SemaphoreService}: translation to {@link SemaphoreRegistry} only. */
public final class SemaphoreServiceImpl extends SemaphoreServiceGrpc.SemaphoreServiceImplBase {
  private final SemaphoreRegistry semaphores;
  private final SessionRegistry sessions;

  /** Serves {@code semaphores}; waits bind to sessions of {@code sessions}. */
  public SemaphoreServiceImpl(SemaphoreRegistry semaphores, SessionRegistry sessions) {
    this.semaphores = semaphores;
    this.sessions = sessions;
  }

  @Override
  public void createSemaphore(
      CreateSemaphoreRequest request, StreamObserver<CreateSemaphoreResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          SemaphoreRegistry.Created c =
              semaphores.create(
                  request.getName(),
                  request.hasValue() ? request.getValue() : null,
                  request.getBounded(),
                  request.getAllowExisting());
          return CreateSemaphoreResponse.newBuilder()
              .setSemaphore(toProto(c.info()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void describeSemaphore(
      DescribeSemaphoreRequest request, StreamObserver<DescribeSemaphoreResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeSemaphoreResponse.newBuilder()
                .setSemaphore(toProto(semaphores.describe(request.getName())))
                .build());
  }

  @Override
  public void deleteSemaphore(
      DeleteSemaphoreRequest request, StreamObserver<DeleteSemaphoreResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteSemaphoreResponse.newBuilder()
                .setDeleted(semaphores.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void acquireSemaphore(
      AcquireSemaphoreRequest request, StreamObserver<AcquireSemaphoreResponse> observer) {
    ParkedUnary.serveReply(
        observer,
        sessions,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) ->
            semaphores.acquire(
                request.getName(), request.getSessionId(), request.getRequestId(), wait, reply),
        (SemaphoreObject.Grant g) ->
            AcquireSemaphoreResponse.newBuilder()
                .setAcquired(g.acquired())
                .setValue(g.value())
                .setAbandoned(g.abandoned())
                .build(),
        (SemaphoreObject.Grant g) -> {
          // The grant crossed the client's cancel: nobody will release it, so take it back.
          if (g.acquired()) {
            semaphores.undoAcquire(
                request.getName(), request.getSessionId(), request.getRequestId());
          }
        });
  }

  @Override
  public void releaseSemaphore(
      ReleaseSemaphoreRequest request, StreamObserver<ReleaseSemaphoreResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            ReleaseSemaphoreResponse.newBuilder()
                .setValue(
                    semaphores.release(
                        request.getName(),
                        request.getSessionId(),
                        request.hasN() ? request.getN() : null))
                .build());
  }

  @Override
  public void reconcileSemaphore(
      ReconcileSemaphoreRequest request, StreamObserver<ReconcileSemaphoreResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          SemaphoreObject.Reconciled r =
              semaphores.reconcile(
                  request.getName(), request.getSessionId(), request.getRequestId());
          return ReconcileSemaphoreResponse.newBuilder()
              .setReleased(r.released())
              .setWasWaiting(r.wasWaiting())
              .build();
        });
  }

  /**
   * The first {@code max} semaphores named after {@code after} (all when null), by name, described
   * as {@code DescribeSemaphore} answers (for the admin service).
   */
  public List<SemaphoreInfo> semaphoresAfter(String after, int max) {
    List<SemaphoreInfo> all = new ArrayList<>();
    for (SemaphoreObject.Info i : semaphores.describeAll(after, max)) {
      all.add(toProto(i));
    }
    return all;
  }

  private static SemaphoreInfo toProto(SemaphoreObject.Info i) {
    return SemaphoreInfo.newBuilder()
        .setName(i.name())
        .setValue(i.value())
        .setInitialValue(i.initial())
        .setBounded(i.bounded())
        .setHeld(i.held())
        .setWaiters(i.waiters())
        .build();
  }
}
