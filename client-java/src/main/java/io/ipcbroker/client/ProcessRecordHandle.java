package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.ipcbroker.v1.DeleteProcessRequest;
import io.ipcbroker.v1.ExitStatus;
import io.ipcbroker.v1.GetProcessRequest;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.JoinProcessResponse;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.ReadOutputResponse;
import io.ipcbroker.v1.SignalProcessRequest;
import io.ipcbroker.v1.SignalProcessResponse;
import io.ipcbroker.v1.StartProcessRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The SDK's {@link IpcProcess}: a handle on one process record, by its id.
 *
 * <p>No lock is held across a call to the broker: the answers of joins arrive on gRPC threads and
 * update {@code last}, which must not wait for a {@code close()} (or anything else) blocked on
 * another call.
 */
final class ProcessRecordHandle implements IpcProcess {
  private final IpcBroker broker;
  private final String id;
  private final String name;
  private final boolean daemon;
  // The newest record seen. What it says about an exited process (pid, exit status) is final, so
  // the handle answers those from here without asking the broker again.
  private final AtomicReference<ProcessInfo> last;
  private final AtomicBoolean closed = new AtomicBoolean();

  ProcessRecordHandle(IpcBroker broker, ProcessInfo info) {
    this.broker = broker;
    this.id = info.getId();
    this.name = info.getName();
    this.daemon = info.getDaemon();
    this.last = new AtomicReference<>(info);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean daemon() {
    return daemon;
  }

  @Override
  public void start() {
    checkOpen();
    seen(
        broker
            .callProcesses(
                stub -> stub.startProcess(StartProcessRequest.newBuilder().setId(id).build()))
            .getProcess());
  }

  @Override
  public Long pid() {
    checkOpen();
    ProcessInfo p = last.get();
    if (!p.hasPid()) {
      p = refresh();
    }
    return p.hasPid() ? p.getPid() : null;
  }

  @Override
  public boolean isAlive() {
    checkOpen();
    ProcessInfo p = last.get();
    if (p.getState() == ProcessState.PROCESS_STATE_EXITED) {
      return false;
    }
    return refresh().getAlive();
  }

  @Override
  public Integer exitcode() {
    checkOpen();
    ProcessInfo p = last.get();
    if (p.getState() != ProcessState.PROCESS_STATE_EXITED) {
      p = refresh();
    }
    return exitcode(p);
  }

  // ---- join ----

  @Override
  public void join() {
    startJoin(null).await("a join");
  }

  @Override
  public boolean join(Duration timeout) {
    return startJoin(timeout).await("a join");
  }

  @Override
  public CompletableFuture<Boolean> joinAsync(Duration timeout) {
    return startJoin(timeout).toFuture(broker.callbacks());
  }

  private ParkedCall<Boolean> startJoin(Duration timeout) {
    checkOpen();
    JoinProcessRequest.Builder request =
        JoinProcessRequest.newBuilder().setId(id).setSessionId(broker.sessionId());
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    return broker.park(
        broker.processAsyncStub(),
        ProcessServiceGrpc.ProcessServiceStub::joinProcess,
        request.build(),
        timeout,
        (JoinProcessResponse r) -> {
          seen(r.getProcess());
          return r.getExited();
        });
  }

  // ---- signals ----

  @Override
  public void terminate() {
    signal(Signal.TERM);
  }

  @Override
  public void kill() {
    signal(Signal.KILL);
  }

  @Override
  public boolean signal(Signal signal) {
    Objects.requireNonNull(signal, "signal");
    checkOpen();
    SignalProcessRequest request =
        SignalProcessRequest.newBuilder().setId(id).setSignal(toProto(signal)).build();
    SignalProcessResponse response = broker.callProcesses(stub -> stub.signalProcess(request));
    seen(response.getProcess());
    return response.getSent();
  }

  // ---- the record ----

  @Override
  public Info info() {
    checkOpen();
    return info(refresh());
  }

  private ProcessInfo refresh() {
    ProcessInfo p =
        broker
            .callProcesses(
                stub -> stub.getProcess(GetProcessRequest.newBuilder().setId(id).build()))
            .getProcess();
    seen(p);
    return p;
  }

  /**
   * Keeps {@code p} unless the handle already saw a later state: answers of concurrent calls may
   * arrive out of order, and a process never goes back in its life.
   */
  private void seen(ProcessInfo p) {
    last.accumulateAndGet(
        p,
        (current, answer) ->
            answer.getState().getNumber() >= current.getState().getNumber() ? answer : current);
  }

  // ---- output ----

  @Override
  public String stdout() {
    return new String(stdoutBytes(), StandardCharsets.UTF_8);
  }

  @Override
  public String stderr() {
    return new String(stderrBytes(), StandardCharsets.UTF_8);
  }

  @Override
  public byte[] stdoutBytes() {
    return readAll(OutputStream.OUTPUT_STREAM_STDOUT);
  }

  @Override
  public byte[] stderrBytes() {
    return readAll(OutputStream.OUTPUT_STREAM_STDERR);
  }

  private byte[] readAll(OutputStream stream) {
    checkOpen();
    ReadOutputRequest request =
        ReadOutputRequest.newBuilder().setId(id).setStream(stream).setFollow(false).build();
    return broker.callProcesses(
        stub -> {
          ByteString all = ByteString.EMPTY;
          // Iterating runs the call: its failures surface here, inside the translation.
          for (Iterator<ReadOutputResponse> it = stub.readOutput(request); it.hasNext(); ) {
            all = all.concat(it.next().getData());
          }
          return all.toByteArray();
        });
  }

  @Override
  public InputStream openStdout(boolean follow) {
    return open(OutputStream.OUTPUT_STREAM_STDOUT, follow);
  }

  @Override
  public InputStream openStderr(boolean follow) {
    return open(OutputStream.OUTPUT_STREAM_STDERR, follow);
  }

  private InputStream open(OutputStream stream, boolean follow) {
    checkOpen();
    return broker.readOutput(
        ReadOutputRequest.newBuilder().setId(id).setStream(stream).setFollow(follow).build());
  }

  // ---- close ----

  @Override
  public void close() {
    if (closed.get()) {
      return;
    }
    // The handle is closed only once the broker deleted the record: a refusal (PROCESS_RUNNING)
    // leaves it usable. Concurrent closes are not serialised, each sends the delete: with
    // allow_missing it is idempotent, and a record someone else deleted is as closed as one
    // deleted here. Whichever succeeds first closes the handle.
    broker.callProcesses(
        stub ->
            stub.deleteProcess(
                DeleteProcessRequest.newBuilder().setId(id).setAllowMissing(true).build()));
    closed.compareAndSet(false, true);
  }

  private void checkOpen() {
    if (closed.get()) {
      // Python's ValueError("process object is closed"): a mistake of the caller, not the broker.
      throw new IllegalStateException("process " + name + " (" + id + ") is closed");
    }
  }

  @Override
  public String toString() {
    return "IpcProcess[" + name + " " + id + "]";
  }

  // ---- conversions ----

  static Integer exitcode(ProcessInfo p) {
    return p.getState() == ProcessState.PROCESS_STATE_EXITED
        ? p.getExitStatus().getExitcode()
        : null;
  }

  static Info info(ProcessInfo p) {
    ExitStatus exit = p.getExitStatus();
    boolean exited = p.getState() == ProcessState.PROCESS_STATE_EXITED;
    return new Info(
        p.getId(),
        p.getName(),
        p.getArgvList(),
        p.getExecutable(),
        p.getDaemon(),
        state(p.getState()),
        p.hasPid() ? p.getPid() : null,
        p.getAlive(),
        exited ? exit.getExitcode() : null,
        exited && exit.getHowCase() == ExitStatus.HowCase.SIGNAL ? exit.getSignal() : null,
        exited && exit.getSignaledByBroker(),
        fromProto(p.getLastSignal()),
        p.hasCreateTime() ? instant(p.getCreateTime()) : null,
        p.hasStartTime() ? instant(p.getStartTime()) : null,
        p.hasExitTime() ? instant(p.getExitTime()) : null,
        p.getStdoutBytes(),
        p.getStderrBytes());
  }

  private static State state(ProcessState s) {
    switch (s) {
      case PROCESS_STATE_CREATED:
        return State.CREATED;
      case PROCESS_STATE_RUNNING:
        return State.RUNNING;
      case PROCESS_STATE_EXITED:
        return State.EXITED;
      default:
        // A newer broker's state this SDK does not know: report the record as it was created.
        return State.CREATED;
    }
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  static io.ipcbroker.v1.Signal toProto(Signal s) {
    switch (s) {
      case TERM:
        return io.ipcbroker.v1.Signal.SIGNAL_TERM;
      case KILL:
        return io.ipcbroker.v1.Signal.SIGNAL_KILL;
      case INT:
        return io.ipcbroker.v1.Signal.SIGNAL_INT;
      case HUP:
        return io.ipcbroker.v1.Signal.SIGNAL_HUP;
      case QUIT:
        return io.ipcbroker.v1.Signal.SIGNAL_QUIT;
      case USR1:
        return io.ipcbroker.v1.Signal.SIGNAL_USR1;
      case USR2:
        return io.ipcbroker.v1.Signal.SIGNAL_USR2;
      default:
        throw new AssertionError(s);
    }
  }

  private static Signal fromProto(io.ipcbroker.v1.Signal s) {
    switch (s) {
      case SIGNAL_TERM:
        return Signal.TERM;
      case SIGNAL_KILL:
        return Signal.KILL;
      case SIGNAL_INT:
        return Signal.INT;
      case SIGNAL_HUP:
        return Signal.HUP;
      case SIGNAL_QUIT:
        return Signal.QUIT;
      case SIGNAL_USR1:
        return Signal.USR1;
      case SIGNAL_USR2:
        return Signal.USR2;
      default:
        return null;
    }
  }
}
