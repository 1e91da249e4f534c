package io.ipcbroker.server.barrier;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.rpc.StatusMapping;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.AbortBarrierRequest;
import io.ipcbroker.v1.AbortBarrierResponse;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.CreateBarrierRequest;
import io.ipcbroker.v1.CreateBarrierResponse;
import io.ipcbroker.v1.DeleteBarrierRequest;
import io.ipcbroker.v1.DeleteBarrierResponse;
import io.ipcbroker.v1.DescribeBarrierRequest;
import io.ipcbroker.v1.DescribeBarrierResponse;
import io.ipcbroker.v1.ResetBarrierRequest;
import io.ipcbroker.v1.ResetBarrierResponse;
import io.ipcbroker.v1.WaitBarrierRequest;
import io.ipcbroker.v1.WaitBarrierResponse;
import java.util.ArrayList;
import java.util.List;

/** Serves {@code ipcbroker.v1.BarrierService}: translation to {@link BarrierRegistry} only. */
public final class BarrierServiceImpl extends BarrierServiceGrpc.BarrierServiceImplBase {
  private final BarrierRegistry barriers;
  private final SessionRegistry sessions;

  /** Serves {@code barriers}; waits bind to sessions of {@code sessions}. */
  public BarrierServiceImpl(BarrierRegistry barriers, SessionRegistry sessions) {
    this.barriers = barriers;
    this.sessions = sessions;
  }

  @Override
  public void createBarrier(
      CreateBarrierRequest request, StreamObserver<CreateBarrierResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          BarrierRegistry.Created c =
              barriers.create(
                  request.getName(),
                  request.getParties(),
                  request.hasTimeoutSeconds() ? request.getTimeoutSeconds() : null,
                  request.getAllowExisting());
          return CreateBarrierResponse.newBuilder()
              .setBarrier(toProto(c.info()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void describeBarrier(
      DescribeBarrierRequest request, StreamObserver<DescribeBarrierResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeBarrierResponse.newBuilder()
                .setBarrier(toProto(barriers.describe(request.getName())))
                .build());
  }

  @Override
  public void deleteBarrier(
      DeleteBarrierRequest request, StreamObserver<DeleteBarrierResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteBarrierResponse.newBuilder()
                .setDeleted(barriers.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void waitBarrier(
      WaitBarrierRequest request, StreamObserver<WaitBarrierResponse> observer) {
    Double timeout;
    try {
      // An unset timeout falls back to the barrier's default, as Python's does.
      timeout =
          request.hasTimeoutSeconds()
              ? Double.valueOf(request.getTimeoutSeconds())
              : barriers.defaultTimeout(request.getName());
    } catch (RuntimeException e) {
      observer.onError(StatusMapping.toStatusException(e));
      return;
    }
    ParkedUnary.serveReply(
        observer,
        sessions,
        request.getSessionId(),
        request.getNowait(),
        timeout != null,
        timeout == null ? 0 : timeout,
        (wait, reply) -> barriers.await(request.getName(), wait, reply),
        (Integer index) -> WaitBarrierResponse.newBuilder().setIndex(index).build(),
        unsent -> {});
  }

  @Override
  public void abortBarrier(
      AbortBarrierRequest request, StreamObserver<AbortBarrierResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          barriers.abort(request.getName());
          return AbortBarrierResponse.getDefaultInstance();
        });
  }

  @Override
  public void resetBarrier(
      ResetBarrierRequest request, StreamObserver<ResetBarrierResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          barriers.reset(request.getName());
          return ResetBarrierResponse.getDefaultInstance();
        });
  }

  /**
   * The first {@code max} barriers named after {@code after} (all when null), by name, described as
   * {@code DescribeBarrier} answers (for the admin service).
   */
  public List<BarrierInfo> barriersAfter(String after, int max) {
    List<BarrierInfo> all = new ArrayList<>();
    for (BarrierObject.Info i : barriers.describeAll(after, max)) {
      all.add(toProto(i));
    }
    return all;
  }

  private static BarrierInfo toProto(BarrierObject.Info i) {
    BarrierInfo.Builder b =
        BarrierInfo.newBuilder()
            .setName(i.name())
            .setParties(i.parties())
            .setNWaiting(i.waiting())
            .setBroken(i.broken());
    if (i.timeoutSeconds() != null) {
      b.setTimeoutSeconds(i.timeoutSeconds());
    }
    return b.build();
  }
}
