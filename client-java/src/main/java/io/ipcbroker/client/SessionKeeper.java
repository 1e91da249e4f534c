package io.ipcbroker.client;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.KeepAliveRequest;
import io.ipcbroker.v1.KeepAliveResponse;
import io.ipcbroker.v1.Session;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens the client's session and keeps it alive over one {@code KeepAlive} stream, renewing it
 * every third of its TTL. If the stream breaks, the broker ends the session and releases what it
 * owned; calls that name it then fail with {@code SESSION_NOT_FOUND}.
 */
final class SessionKeeper {
  private final SessionServiceGrpc.SessionServiceBlockingStub blocking;
  private final Session session;
  private final ScheduledFuture<?> renewals;
  private ClientCallStreamObserver<KeepAliveRequest> stream; // guarded by this
  private volatile IpcBrokerException lost;
  private boolean closed; // guarded by this

  SessionKeeper(
      Channel channel,
      Duration ttl,
      String clientName,
      String processId,
      Duration rpcTimeout,
      ScheduledExecutorService scheduler) {
    this.blocking = SessionServiceGrpc.newBlockingStub(channel);
    try {
      this.session =
          blocking
              .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .createSession(
                  CreateSessionRequest.newBuilder()
                      .setTtlSeconds(ttl.toNanos() / 1e9)
                      .setClientName(clientName)
                      .setProcessId(processId)
                      .build())
              .getSession();
    } catch (RuntimeException e) {
      throw Errors.translate(e);
    }
    SessionServiceGrpc.newStub(channel)
        .keepAlive(
            new ClientResponseObserver<KeepAliveRequest, KeepAliveResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<KeepAliveRequest> s) {
                stream = s;
              }

              @Override
              public void onNext(KeepAliveResponse value) {}

              @Override
              public void onError(Throwable t) {
                lost = Errors.translate(t);
              }

              @Override
              public void onCompleted() {}
            });
    renew();
    long period = Math.max(1, (long) (session.getTtlSeconds() * 1e9 / 3));
    this.renewals =
        scheduler.scheduleAtFixedRate(this::renew, period, period, TimeUnit.NANOSECONDS);
  }

  private synchronized void renew() {
    if (closed || lost != null) {
      return;
    }
    stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session.getSessionId()).build());
  }

  /** The session id, for calls that bind waits and streams to this client. */
  String sessionId() {
    return session.getSessionId();
  }

  /** The broker run's id. */
  String serverId() {
    return session.getServerId();
  }

  /** Why the session was lost, or null while it is alive. */
  IpcBrokerException lost() {
    return lost;
  }

  /** Ends the session on the broker (releasing what it owned) and stops renewing it. */
  void close(Duration rpcTimeout) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    renewals.cancel(false);
    if (lost == null) {
      try {
        blocking
            .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .deleteSession(
                DeleteSessionRequest.newBuilder().setSessionId(session.getSessionId()).build());
      } catch (RuntimeException e) {
        // Already gone (expired) or unreachable: either way the broker releases it.
      }
    }
    synchronized (this) {
      stream.onCompleted();
    }
  }
}
