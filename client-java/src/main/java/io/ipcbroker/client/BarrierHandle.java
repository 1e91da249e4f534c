package io.ipcbroker.client;

import io.ipcbroker.v1.AbortBarrierRequest;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.DescribeBarrierRequest;
import io.ipcbroker.v1.ResetBarrierRequest;
import io.ipcbroker.v1.WaitBarrierRequest;
import java.time.Duration;

/** The SDK's {@link IpcBarrier}. */
final class BarrierHandle implements IpcBarrier {
  private final IpcBroker broker;
  private final String name;
  private final int parties;
  private final Duration defaultTimeout;
  private final BarrierServiceGrpc.BarrierServiceStub async;
  private final BarrierServiceGrpc.BarrierServiceBlockingStub blocking;

  BarrierHandle(IpcBroker broker, BarrierInfo info) {
    this.broker = broker;
    this.name = info.getName();
    this.parties = info.getParties();
    this.defaultTimeout =
        info.hasTimeoutSeconds() ? Duration.ofNanos((long) (info.getTimeoutSeconds() * 1e9)) : null;
    this.async = BarrierServiceGrpc.newStub(broker.channel());
    this.blocking = BarrierServiceGrpc.newBlockingStub(broker.channel());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int await() {
    return waitOnce(null);
  }

  @Override
  public int await(Duration timeout) {
    Timeouts.seconds(timeout);
    return waitOnce(timeout);
  }

  private int waitOnce(Duration timeout) {
    WaitBarrierRequest.Builder request =
        WaitBarrierRequest.newBuilder().setName(name).setSessionId(broker.sessionId());
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    // The broker applies its default timeout to a request without one; the local bound follows it.
    return broker
        .park(
            async,
            BarrierServiceGrpc.BarrierServiceStub::waitBarrier,
            request.build(),
            timeout != null ? timeout : defaultTimeout,
            r -> r.getIndex())
        .await("a barrier wait");
  }

  @Override
  public void abort() {
    AbortBarrierRequest request = AbortBarrierRequest.newBuilder().setName(name).build();
    broker.call(blocking, s -> s.abortBarrier(request));
  }

  @Override
  public void reset() {
    ResetBarrierRequest request = ResetBarrierRequest.newBuilder().setName(name).build();
    broker.call(blocking, s -> s.resetBarrier(request));
  }

  @Override
  public int parties() {
    return parties;
  }

  @Override
  public int waiting() {
    return describe().getNWaiting();
  }

  @Override
  public boolean isBroken() {
    return describe().getBroken();
  }

  private BarrierInfo describe() {
    DescribeBarrierRequest request = DescribeBarrierRequest.newBuilder().setName(name).build();
    return broker.call(blocking, s -> s.describeBarrier(request)).getBarrier();
  }

  @Override
  public String toString() {
    return "IpcBarrier[" + name + ", parties=" + parties + "]";
  }
}
