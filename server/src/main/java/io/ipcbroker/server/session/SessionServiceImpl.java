package io.ipcbroker.server.session;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.PeerAddress;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.rpc.SerializedSender;
import io.ipcbroker.server.rpc.Timestamps;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.CreateSessionResponse;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.DeleteSessionResponse;
import io.ipcbroker.v1.GetSessionRequest;
import io.ipcbroker.v1.GetSessionResponse;
import io.ipcbroker.v1.KeepAliveRequest;
import io.ipcbroker.v1.KeepAliveResponse;
import io.ipcbroker.v1.RefreshSessionRequest;
import io.ipcbroker.v1.RefreshSessionResponse;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Serves {@code ipcbroker.v1.SessionService} from a {@link SessionRegistry}. */
public final class SessionServiceImpl extends SessionServiceGrpc.SessionServiceImplBase {
  private final SessionRegistry sessions;
  // Open KeepAlive streams, so that shutdown can end them.
  private final Set<KeepAliveCall> streams = ConcurrentHashMap.newKeySet();
  private final Consumer<String> checkProcess;
  private volatile boolean shuttingDown;

  /** Serves {@code sessions}, for clients that do not run in broker-spawned processes. */
  public SessionServiceImpl(SessionRegistry sessions) {
    this(
        sessions,
        id -> {
          throw BrokerException.of(
              Reason.PROCESS_NOT_FOUND, "this broker spawns no processes", "process", id);
        });
  }

  /**
   * Serves {@code sessions}.
   *
   * @param checkProcess throws {@code PROCESS_NOT_FOUND} for a process id that names no record
   */
  public SessionServiceImpl(SessionRegistry sessions, Consumer<String> checkProcess) {
    this.sessions = sessions;
    this.checkProcess = checkProcess;
  }

  @Override
  public void createSession(
      CreateSessionRequest request, StreamObserver<CreateSessionResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          String processId = request.getProcessId();
          if (!processId.isEmpty()) {
            checkProcess.accept(processId);
          }
          Session s =
              sessions.create(
                  request.getTtlSeconds(),
                  request.getClientName(),
                  processId,
                  PeerAddress.current());
          return CreateSessionResponse.newBuilder().setSession(toProto(s)).build();
        });
  }

  @Override
  public void refreshSession(
      RefreshSessionRequest request, StreamObserver<RefreshSessionResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            RefreshSessionResponse.newBuilder()
                .setSession(toProto(sessions.refresh(request.getSessionId())))
                .build());
  }

  @Override
  public void getSession(GetSessionRequest request, StreamObserver<GetSessionResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            GetSessionResponse.newBuilder()
                .setSession(toProto(sessions.get(request.getSessionId())))
                .build());
  }

  @Override
  public void deleteSession(
      DeleteSessionRequest request, StreamObserver<DeleteSessionResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          sessions.delete(request.getSessionId());
          return DeleteSessionResponse.getDefaultInstance();
        });
  }

  @Override
  public StreamObserver<KeepAliveRequest> keepAlive(StreamObserver<KeepAliveResponse> observer) {
    ServerCallStreamObserver<KeepAliveResponse> call =
        (ServerCallStreamObserver<KeepAliveResponse>) observer;
    KeepAliveCall keepAlive = new KeepAliveCall(new SerializedSender<>(call));
    call.setOnCancelHandler(keepAlive::cancelled);
    streams.add(keepAlive);
    if (shuttingDown) {
      keepAlive.shutDown();
    }
    return keepAlive;
  }

  /**
   * Ends every KeepAlive stream with {@code UNAVAILABLE}/{@code SERVER_SHUTTING_DOWN}, so that
   * connected clients do not hold a graceful shutdown for its whole grace period.
   */
  public void shutdown() {
    shuttingDown = true;
    for (KeepAliveCall call : streams) {
      call.shutDown();
    }
  }

  /** One KeepAlive stream: bound to its session by the first request, and ending it when done. */
  private final class KeepAliveCall implements StreamObserver<KeepAliveRequest>, SessionOwned {
    private final SerializedSender<KeepAliveResponse> sender;
    private volatile Session session;

    KeepAliveCall(SerializedSender<KeepAliveResponse> sender) {
      this.sender = sender;
    }

    @Override
    public void onNext(KeepAliveRequest request) {
      try {
        Session bound = session;
        String id = request.getSessionId();
        if (bound == null) {
          bound = sessions.attachUncounted(id, this);
          session = bound;
        } else if (!id.isEmpty() && !id.equals(bound.id())) {
          throw BrokerException.of(
              Reason.STREAM_PROTOCOL_VIOLATION,
              "a KeepAlive stream serves one session",
              "detail",
              "session_id changed");
        }
        sender.send(
            KeepAliveResponse.newBuilder()
                .setSession(toProto(sessions.refresh(bound.id())))
                .build());
      } catch (BrokerException e) {
        sender.fail(e);
        endSession("keep-alive stream failed");
      }
    }

    @Override
    public void onError(Throwable t) {
      endSession("keep-alive stream broke");
    }

    @Override
    public void onCompleted() {
      endSession("keep-alive stream half-closed");
      sender.complete();
    }

    void cancelled() {
      sender.markClosed();
      endSession("keep-alive stream cancelled");
    }

    @Override
    public void sessionEnded(Session ended) {
      streams.remove(this);
      sender.fail(
          BrokerException.of(
              Reason.SESSION_NOT_FOUND, "session " + ended.id() + " ended", "session", ended.id()));
    }

    void shutDown() {
      streams.remove(this);
      sender.fail(BrokerException.shuttingDown());
    }

    private void endSession(String why) {
      streams.remove(this);
      Session s = session;
      if (s != null) {
        s.disown(this);
        sessions.end(s, why);
      }
    }
  }

  /** The proto form of {@code s}, as every call that answers a session gives it. */
  public io.ipcbroker.v1.Session toProto(Session s) {
    return io.ipcbroker.v1.Session.newBuilder()
        .setSessionId(s.id())
        .setTtlSeconds(s.ttlNanos() / 1e9)
        .setCreateTime(Timestamps.of(s.createTime()))
        .setExpireTime(Timestamps.of(sessions.toInstant(s.expiresAtNanos())))
        .setClientName(s.clientName())
        .setServerId(sessions.serverId())
        .setProcessId(s.processId())
        .build();
  }
}
