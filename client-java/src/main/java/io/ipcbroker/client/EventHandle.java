package io.ipcbroker.client;

import io.ipcbroker.v1.ClearEventRequest;
import io.ipcbroker.v1.DescribeEventRequest;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.SetEventRequest;
import io.ipcbroker.v1.WaitEventRequest;
import java.time.Duration;

/** The SDK's {@link IpcEvent}. */
final class EventHandle implements IpcEvent {
  private final IpcBroker broker;
  private final String name;
  private final EventServiceGrpc.EventServiceStub async;
  private final EventServiceGrpc.EventServiceBlockingStub blocking;

  EventHandle(IpcBroker broker, String name) {
    this.broker = broker;
    this.name = name;
    this.async = EventServiceGrpc.newStub(broker.channel());
    this.blocking = EventServiceGrpc.newBlockingStub(broker.channel());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void set() {
    SetEventRequest request = SetEventRequest.newBuilder().setName(name).build();
    broker.call(blocking, s -> s.setEvent(request));
  }

  @Override
  public void clear() {
    ClearEventRequest request = ClearEventRequest.newBuilder().setName(name).build();
    broker.call(blocking, s -> s.clearEvent(request));
  }

  @Override
  public boolean isSet() {
    DescribeEventRequest request = DescribeEventRequest.newBuilder().setName(name).build();
    return broker.call(blocking, s -> s.describeEvent(request)).getEvent().getSet();
  }

  @Override
  public void await() {
    while (!waitOnce(null)) {
      broker.checkUsable();
    }
  }

  @Override
  public boolean await(Duration timeout) {
    Timeouts.seconds(timeout);
    return waitOnce(timeout);
  }

  private boolean waitOnce(Duration timeout) {
    WaitEventRequest.Builder request =
        WaitEventRequest.newBuilder().setName(name).setSessionId(broker.sessionId());
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    return broker
        .park(
            async,
            EventServiceGrpc.EventServiceStub::waitEvent,
            request.build(),
            timeout,
            r -> r.getSet())
        .await("an event wait");
  }

  @Override
  public String toString() {
    return "IpcEvent[" + name + "]";
  }
}
