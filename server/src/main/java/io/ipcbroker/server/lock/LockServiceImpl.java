package io.ipcbroker.server.lock;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AcquireLockResponse;
import io.ipcbroker.v1.ConditionInfo;
import io.ipcbroker.v1.CreateConditionRequest;
import io.ipcbroker.v1.CreateConditionResponse;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateLockResponse;
import io.ipcbroker.v1.DeleteConditionRequest;
import io.ipcbroker.v1.DeleteConditionResponse;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteLockResponse;
import io.ipcbroker.v1.DescribeConditionRequest;
import io.ipcbroker.v1.DescribeConditionResponse;
import io.ipcbroker.v1.DescribeLockRequest;
import io.ipcbroker.v1.DescribeLockResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.LockSummary;
import io.ipcbroker.v1.NotifyConditionRequest;
import io.ipcbroker.v1.NotifyConditionResponse;
import io.ipcbroker.v1.ReconcileLockRequest;
import io.ipcbroker.v1.ReconcileLockResponse;
import io.ipcbroker.v1.ReleaseLockRequest;
import io.ipcbroker.v1.ReleaseLockResponse;
import io.ipcbroker.v1.WaitConditionRequest;
import io.ipcbroker.v1.WaitConditionResponse;
import java.util.ArrayList;
import java.util.List;

/** Serves {@code ipcbroker.v1.LockService}: translation to {@link LockRegistry} only. */
public final class LockServiceImpl extends LockServiceGrpc.LockServiceImplBase {
  private final LockRegistry locks;
  private final SessionRegistry sessions;

  /** Serves {@code locks}; waits bind to sessions of {@code sessions}. */
  public LockServiceImpl(LockRegistry locks, SessionRegistry sessions) {
    this.locks = locks;
    this.sessions = sessions;
  }

  @Override
  public void createLock(CreateLockRequest request, StreamObserver<CreateLockResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          LockRegistry.Created<LockObject.Info> c =
              locks.createLock(
                  request.getName(), reentrant(request.getKind()), request.getAllowExisting());
          return CreateLockResponse.newBuilder()
              .setLock(toProto(c.info()))
              .setCreated(c.created())
              .build();
        });
  }

  private static boolean reentrant(LockKind kind) {
    if (kind == LockKind.LOCK_KIND_LOCK) {
      return false;
    }
    if (kind == LockKind.LOCK_KIND_RLOCK) {
      return true;
    }
    throw BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "kind must be LOCK_KIND_LOCK or LOCK_KIND_RLOCK",
        "field",
        "kind",
        "value",
        String.valueOf(kind));
  }

  @Override
  public void describeLock(
      DescribeLockRequest request, StreamObserver<DescribeLockResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeLockResponse.newBuilder()
                .setLock(toProto(locks.describeLock(request.getName())))
                .build());
  }

  @Override
  public void deleteLock(DeleteLockRequest request, StreamObserver<DeleteLockResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteLockResponse.newBuilder()
                .setDeleted(locks.deleteLock(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void acquireLock(
      AcquireLockRequest request, StreamObserver<AcquireLockResponse> observer) {
    ParkedUnary.serveReply(
        observer,
        sessions,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) ->
            locks.acquire(
                request.getName(),
                Owner.of(request.getSessionId(), request.getOwner()),
                request.getRequestId(),
                wait,
                reply),
        (LockObject.Grant g) ->
            AcquireLockResponse.newBuilder()
                .setAcquired(g.acquired())
                .setHoldCount(g.holdCount())
                .setFencingToken(g.fencingToken())
                .setAbandoned(g.abandoned())
                .build(),
        (LockObject.Grant g) -> {
          // The grant crossed the client's cancel: nobody will release it, so take it back.
          if (g.acquired()) {
            locks.undoAcquire(
                request.getName(),
                Owner.of(request.getSessionId(), request.getOwner()),
                request.getRequestId(),
                g);
          }
        });
  }

  @Override
  public void releaseLock(
      ReleaseLockRequest request, StreamObserver<ReleaseLockResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            ReleaseLockResponse.newBuilder()
                .setHoldCount(
                    locks.release(
                        request.getName(), Owner.of(request.getSessionId(), request.getOwner())))
                .build());
  }

  @Override
  public void reconcileLock(
      ReconcileLockRequest request, StreamObserver<ReconcileLockResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          LockObject.Reconciled r =
              locks.reconcile(
                  request.getName(),
                  Owner.of(request.getSessionId(), request.getOwner()),
                  request.getRequestId());
          return ReconcileLockResponse.newBuilder()
              .setReleased(r.released())
              .setWasWaiting(r.wasWaiting())
              .setLostLevels(r.lostLevels())
              .setHoldCount(r.holdCount())
              .build();
        });
  }

  @Override
  public void createCondition(
      CreateConditionRequest request, StreamObserver<CreateConditionResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          LockRegistry.Created<ConditionObject.Info> c =
              locks.createCondition(
                  request.getName(), request.getLock(), request.getAllowExisting());
          return CreateConditionResponse.newBuilder()
              .setCondition(toProto(c.info()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void describeCondition(
      DescribeConditionRequest request, StreamObserver<DescribeConditionResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeConditionResponse.newBuilder()
                .setCondition(toProto(locks.describeCondition(request.getName())))
                .build());
  }

  @Override
  public void deleteCondition(
      DeleteConditionRequest request, StreamObserver<DeleteConditionResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteConditionResponse.newBuilder()
                .setDeleted(locks.deleteCondition(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void waitCondition(
      WaitConditionRequest request, StreamObserver<WaitConditionResponse> observer) {
    ParkedUnary.serveReply(
        observer,
        sessions,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) ->
            locks.await(
                request.getName(),
                Owner.of(request.getSessionId(), request.getOwner()),
                request.getRequestId(),
                wait,
                reply),
        (LockObject.Waited w) ->
            WaitConditionResponse.newBuilder()
                .setNotified(w.notified())
                .setHoldCount(w.grant().holdCount())
                .setFencingToken(w.grant().fencingToken())
                .setAbandoned(w.grant().abandoned())
                .build(),
        (LockObject.Waited w) -> {
          if (w.grant().acquired()) {
            locks.undoWait(
                request.getName(),
                Owner.of(request.getSessionId(), request.getOwner()),
                request.getRequestId(),
                w.grant());
          }
        });
  }

  @Override
  public void notifyCondition(
      NotifyConditionRequest request, StreamObserver<NotifyConditionResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            NotifyConditionResponse.newBuilder()
                .setWoken(
                    locks.notify(
                        request.getName(),
                        Owner.of(request.getSessionId(), request.getOwner()),
                        request.hasN() ? request.getN() : null,
                        request.getAll()))
                .build());
  }

  /**
   * The first {@code max} locks named after {@code after} (all when null), by name, described as
   * {@code DescribeLock} answers, with the session that holds each (for the admin service).
   */
  public List<LockSummary> locksAfter(String after, int max) {
    List<LockSummary> all = new ArrayList<>();
    for (LockObject.Info i : locks.describeLocks(after, max)) {
      LockSummary.Builder b =
          LockSummary.newBuilder().setLock(toProto(i)).setHolderSessionId(i.holderSession());
      Session holder = i.holderSession().isEmpty() ? null : sessions.peek(i.holderSession());
      if (holder != null) {
        b.setHolderClientName(holder.clientName()).setHolderClientAddress(holder.clientAddress());
      }
      all.add(b.build());
    }
    return all;
  }

  /**
   * The first {@code max} conditions named after {@code after} (all when null), by name, described
   * as {@code DescribeCondition} answers (for the admin service).
   */
  public List<ConditionInfo> conditionsAfter(String after, int max) {
    List<ConditionInfo> all = new ArrayList<>();
    for (ConditionObject.Info i : locks.describeConditions(after, max)) {
      all.add(toProto(i));
    }
    return all;
  }

  private static LockInfo toProto(LockObject.Info i) {
    return LockInfo.newBuilder()
        .setName(i.name())
        .setKind(i.reentrant() ? LockKind.LOCK_KIND_RLOCK : LockKind.LOCK_KIND_LOCK)
        .setLocked(i.locked())
        .setHolderOwner(i.holderOwner())
        .setHoldCount(i.holdCount())
        .setWaiters(i.waiters())
        .setFencingToken(i.fencingToken())
        .build();
  }

  private static ConditionInfo toProto(ConditionObject.Info i) {
    return ConditionInfo.newBuilder()
        .setName(i.name())
        .setLock(i.lock())
        .setWaiters(i.waiters())
        .build();
  }
}
