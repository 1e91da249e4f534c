package io.ipcbroker.server.event;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.ClearEventRequest;
import io.ipcbroker.v1.ClearEventResponse;
import io.ipcbroker.v1.CreateEventRequest;
import io.ipcbroker.v1.CreateEventResponse;
import io.ipcbroker.v1.DeleteEventRequest;
import io.ipcbroker.v1.DeleteEventResponse;
import io.ipcbroker.v1.DescribeEventRequest;
import io.ipcbroker.v1.DescribeEventResponse;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.SetEventRequest;
import io.ipcbroker.v1.SetEventResponse;
import io.ipcbroker.v1.WaitEventRequest;
import io.ipcbroker.v1.WaitEventResponse;
import java.util.ArrayList;
import java.util.List;

/** Serves {@code ipcbroker.v1.EventService}: translation to {@link EventRegistry} only. */
public final class EventServiceImpl extends EventServiceGrpc.EventServiceImplBase {
  private final EventRegistry events;
  private final SessionRegistry sessions;

  /** Serves {@code events}; waits bind to sessions of {@code sessions}. */
  public EventServiceImpl(EventRegistry events, SessionRegistry sessions) {
    this.events = events;
    this.sessions = sessions;
  }

  @Override
  public void createEvent(
      CreateEventRequest request, StreamObserver<CreateEventResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          EventRegistry.Created c = events.create(request.getName(), request.getAllowExisting());
          return CreateEventResponse.newBuilder()
              .setEvent(toProto(c.info()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void describeEvent(
      DescribeEventRequest request, StreamObserver<DescribeEventResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeEventResponse.newBuilder()
                .setEvent(toProto(events.describe(request.getName())))
                .build());
  }

  @Override
  public void deleteEvent(
      DeleteEventRequest request, StreamObserver<DeleteEventResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteEventResponse.newBuilder()
                .setDeleted(events.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void setEvent(SetEventRequest request, StreamObserver<SetEventResponse> observer) {
    Rpcs.unary(
        observer,
        () -> SetEventResponse.newBuilder().setWoken(events.set(request.getName())).build());
  }

  @Override
  public void clearEvent(ClearEventRequest request, StreamObserver<ClearEventResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          events.clear(request.getName());
          return ClearEventResponse.getDefaultInstance();
        });
  }

  @Override
  public void waitEvent(WaitEventRequest request, StreamObserver<WaitEventResponse> observer) {
    ParkedUnary.serveReply(
        observer,
        sessions,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, reply) -> events.await(request.getName(), wait, reply),
        (Boolean set) -> WaitEventResponse.newBuilder().setSet(set).build(),
        unsent -> {});
  }

  /**
   * The first {@code max} events named after {@code after} (all when null), by name, described as
   * {@code DescribeEvent} answers (for the admin service).
   */
  public List<EventInfo> eventsAfter(String after, int max) {
    List<EventInfo> all = new ArrayList<>();
    for (EventObject.Info i : events.describeAll(after, max)) {
      all.add(toProto(i));
    }
    return all;
  }

  private static EventInfo toProto(EventObject.Info i) {
    return EventInfo.newBuilder().setName(i.name()).setSet(i.set()).setWaiters(i.waiters()).build();
  }
}
