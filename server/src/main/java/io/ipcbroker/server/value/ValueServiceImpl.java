package io.ipcbroker.server.value;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.AcquireValueLockRequest;
import io.ipcbroker.v1.AcquireValueLockResponse;
import io.ipcbroker.v1.AddAndGetRequest;
import io.ipcbroker.v1.AddAndGetResponse;
import io.ipcbroker.v1.CompareAndSetRequest;
import io.ipcbroker.v1.CompareAndSetResponse;
import io.ipcbroker.v1.CreateArrayRequest;
import io.ipcbroker.v1.CreateArrayResponse;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.CreateValueResponse;
import io.ipcbroker.v1.DeleteValueRequest;
import io.ipcbroker.v1.DeleteValueResponse;
import io.ipcbroker.v1.DescribeValueRequest;
import io.ipcbroker.v1.DescribeValueResponse;
import io.ipcbroker.v1.GetValueRequest;
import io.ipcbroker.v1.GetValueResponse;
import io.ipcbroker.v1.LockContext;
import io.ipcbroker.v1.ReleaseValueLockRequest;
import io.ipcbroker.v1.ReleaseValueLockResponse;
import io.ipcbroker.v1.SetValueRequest;
import io.ipcbroker.v1.SetValueResponse;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/** Serves {@code ipcbroker.v1.ValueService}: translation to {@link ValueRegistry} only. */
public final class ValueServiceImpl extends ValueServiceGrpc.ValueServiceImplBase {
  private final ValueRegistry values;
  private final SessionRegistry sessions;

  /** Serves {@code values}; waits bind to sessions of {@code sessions}. */
  public ValueServiceImpl(ValueRegistry values, SessionRegistry sessions) {
    this.values = values;
    this.sessions = sessions;
  }

  @Override
  public void createValue(
      CreateValueRequest request, StreamObserver<CreateValueResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Scalar initial = ValueProtos.toScalar(request.getInitial());
          ValueRegistry.Created c =
              values.create(
                  request.getName(),
                  request.getTypecode(),
                  false,
                  1,
                  initial == null ? null : List.of(initial),
                  !request.hasLock() || request.getLock(),
                  request.getAllowExisting());
          return CreateValueResponse.newBuilder()
              .setValue(ValueProtos.toProto(c.info()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void createArray(
      CreateArrayRequest request, StreamObserver<CreateArrayResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          List<Scalar> initial = null;
          if (request.getInitializerCount() > 0) {
            initial = new ArrayList<>(request.getInitializerCount());
            for (io.ipcbroker.v1.Scalar s : request.getInitializerList()) {
              initial.add(ValueProtos.toScalar(s));
            }
          }
          ValueRegistry.Created c =
              values.create(
                  request.getName(),
                  request.getTypecode(),
                  true,
                  request.getSize(),
                  initial,
                  !request.hasLock() || request.getLock(),
                  request.getAllowExisting());
          return CreateArrayResponse.newBuilder()
              .setArray(ValueProtos.toProto(c.info()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void describeValue(
      DescribeValueRequest request, StreamObserver<DescribeValueResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeValueResponse.newBuilder()
                .setValue(ValueProtos.toProto(values.describe(request.getName())))
                .build());
  }

  @Override
  public void deleteValue(
      DeleteValueRequest request, StreamObserver<DeleteValueResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteValueResponse.newBuilder()
                .setDeleted(values.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void getValue(GetValueRequest request, StreamObserver<GetValueResponse> observer) {
    serve(
        observer,
        request.getLock(),
        (wait, reply) ->
            values.get(
                request.getName(),
                request.getIndex(),
                request.getCount(),
                owner(request.getLock()),
                wait,
                reply),
        (List<Scalar> list) -> {
          GetValueResponse.Builder b = GetValueResponse.newBuilder();
          list.forEach(s -> b.addValues(ValueProtos.toProto(s)));
          return b.build();
        });
  }

  @Override
  public void setValue(SetValueRequest request, StreamObserver<SetValueResponse> observer) {
    serve(
        observer,
        request.getLock(),
        (wait, reply) -> {
          List<Scalar> list = new ArrayList<>(request.getValuesCount());
          for (io.ipcbroker.v1.Scalar s : request.getValuesList()) {
            list.add(ValueProtos.toScalar(s));
          }
          return values.set(
              request.getName(), request.getIndex(), list, owner(request.getLock()), wait, reply);
        },
        (Void v) -> SetValueResponse.getDefaultInstance());
  }

  @Override
  public void addAndGet(AddAndGetRequest request, StreamObserver<AddAndGetResponse> observer) {
    serve(
        observer,
        request.getLock(),
        (wait, reply) ->
            values.addAndGet(
                request.getName(),
                request.getIndex(),
                ValueProtos.toScalar(request.getDelta()),
                owner(request.getLock()),
                wait,
                reply),
        (Scalar s) -> AddAndGetResponse.newBuilder().setValue(ValueProtos.toProto(s)).build());
  }

  @Override
  public void compareAndSet(
      CompareAndSetRequest request, StreamObserver<CompareAndSetResponse> observer) {
    serve(
        observer,
        request.getLock(),
        (wait, reply) ->
            values.compareAndSet(
                request.getName(),
                request.getIndex(),
                ValueProtos.toScalar(request.getExpected()),
                ValueProtos.toScalar(request.getNewValue()),
                owner(request.getLock()),
                wait,
                reply),
        (ValueRegistry.CasResult r) ->
            CompareAndSetResponse.newBuilder()
                .setSwapped(r.swapped())
                .setValue(ValueProtos.toProto(r.value()))
                .build());
  }

  @Override
  public void acquireValueLock(
      AcquireValueLockRequest request, StreamObserver<AcquireValueLockResponse> observer) {
    serve(
        observer,
        request.getLock(),
        (wait, reply) -> values.acquire(request.getName(), owner(request.getLock()), wait, reply),
        (Integer count) ->
            AcquireValueLockResponse.newBuilder().setAcquired(count > 0).setCount(count).build(),
        (Integer count) -> {
          // The grant crossed the client's cancel: nobody will release this level, so give it
          // back now. (An answer written but never read stays held until the session ends.)
          if (count > 0) {
            try {
              values.release(request.getName(), owner(request.getLock()));
            } catch (BrokerException e) {
              // Deleted or released meanwhile: nothing is held any more.
            }
          }
        });
  }

  @Override
  public void releaseValueLock(
      ReleaseValueLockRequest request, StreamObserver<ReleaseValueLockResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            ReleaseValueLockResponse.newBuilder()
                .setCount(
                    values.release(
                        request.getName(),
                        new Owner(request.getSessionId(), Owner.checkOwnerId(request.getOwner()))))
                .build());
  }

  // Every read, write and acquire may wait for the lock: the timeout rule, the session binding and
  // the cancel wiring of parked calls apply to all of them.
  private <R, T> void serve(
      StreamObserver<T> observer,
      LockContext lock,
      BiFunction<Wait, Reply<R>, Parked> call,
      Function<R, T> toProto) {
    serve(observer, lock, call, toProto, unsent -> {});
  }

  private <R, T> void serve(
      StreamObserver<T> observer,
      LockContext lock,
      BiFunction<Wait, Reply<R>, Parked> call,
      Function<R, T> toProto,
      Consumer<R> onUnsent) {
    ParkedUnary.serveReply(
        observer,
        sessions,
        lock.getSessionId(),
        lock.getNowait(),
        lock.hasTimeoutSeconds(),
        lock.getTimeoutSeconds(),
        call,
        toProto,
        onUnsent);
  }

  private static Owner owner(LockContext lock) {
    return lock.getSessionId().isEmpty()
        ? null
        : new Owner(lock.getSessionId(), Owner.checkOwnerId(lock.getOwner()));
  }
}
