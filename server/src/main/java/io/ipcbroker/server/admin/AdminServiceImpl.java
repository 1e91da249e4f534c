package io.ipcbroker.server.admin;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.PageSizes;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.rpc.Timestamps;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.BrokerStatus;
import io.ipcbroker.v1.GetBrokerStatusRequest;
import io.ipcbroker.v1.GetBrokerStatusResponse;
import io.ipcbroker.v1.ListSessionsRequest;
import io.ipcbroker.v1.ListSessionsResponse;
import io.ipcbroker.v1.ListSyncObjectsRequest;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.SessionSummary;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Serves {@code ipcbroker.v1.AdminService}: read-only views that belong to no one object kind. The
 * figures come from the registries through {@code figures}; this class only translates them.
 */
public final class AdminServiceImpl extends AdminServiceGrpc.AdminServiceImplBase {
  private static final String TOKEN_PREFIX = "s1:";

  private final Supplier<BrokerFigures> figures;
  private final SessionRegistry sessions;
  private final Function<Session, io.ipcbroker.v1.Session> sessionProto;
  private final SyncObjectPages.Kinds syncObjects;

  /**
   * Serves {@code figures} and the sessions of {@code sessions}, each described as {@code
   * sessionProto} describes it (as the session service does), and the locks, semaphores,
   * conditions, events and barriers of {@code syncObjects}.
   */
  public AdminServiceImpl(
      Supplier<BrokerFigures> figures,
      SessionRegistry sessions,
      Function<Session, io.ipcbroker.v1.Session> sessionProto,
      SyncObjectPages.Kinds syncObjects) {
    this.figures = figures;
    this.sessions = sessions;
    this.sessionProto = sessionProto;
    this.syncObjects = syncObjects;
  }

  @Override
  public void listSyncObjects(
      ListSyncObjectsRequest request, StreamObserver<ListSyncObjectsResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          int max = PageSizes.limit(request.getPageSize());
          SyncObjectPages.Position after = SyncObjectPages.decode(request.getPageToken());
          return SyncObjectPages.page(syncObjects, after, max);
        });
  }

  @Override
  public void getBrokerStatus(
      GetBrokerStatusRequest request, StreamObserver<GetBrokerStatusResponse> observer) {
    Rpcs.unary(
        observer,
        () -> GetBrokerStatusResponse.newBuilder().setStatus(toProto(figures.get())).build());
  }

  @Override
  public void listSessions(
      ListSessionsRequest request, StreamObserver<ListSessionsResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          int max = PageSizes.limit(request.getPageSize());
          SessionRegistry.Page page = sessions.list(decode(request.getPageToken()), max);
          ListSessionsResponse.Builder response = ListSessionsResponse.newBuilder();
          for (Session s : page.sessions()) {
            response.addSessions(
                SessionSummary.newBuilder()
                    .setSession(sessionProto.apply(s))
                    .setClientAddress(s.clientAddress())
                    .setOwned(s.ownedCount())
                    .setWaiting(s.waiterCount()));
          }
          if (page.nextAfter() != 0) {
            // Tied to this run: a restarted broker's sequences start again.
            response.setNextPageToken(TOKEN_PREFIX + sessions.serverId() + ":" + page.nextAfter());
          }
          return response.build();
        });
  }

  private long decode(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    String prefix = TOKEN_PREFIX + sessions.serverId() + ":";
    if (token.startsWith(prefix)) {
      String digits = token.substring(prefix.length());
      if (!digits.isEmpty()
          && digits.length() <= 18
          && digits.chars().allMatch(Character::isDigit)) {
        long after = Long.parseLong(digits);
        if (after > 0) {
          return after;
        }
      }
    }
    throw BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "page_token was not returned by ListSessions",
        "field",
        "page_token",
        "value",
        Names.abbreviate(token));
  }

  private static BrokerStatus toProto(BrokerFigures f) {
    return BrokerStatus.newBuilder()
        .setServerId(f.serverId())
        .setVersion(f.version())
        .setStartTime(Timestamps.of(f.startTime()))
        .setAddress(f.address())
        .setTokenRequired(f.tokenRequired())
        .setTls(f.tls())
        .setClientCertificatesRequired(f.clientCertificatesRequired())
        .setSessions(f.sessions())
        .setQueues(f.queues())
        .setQueueBytes(f.queueBytes())
        .setMaxQueueBytes(f.maxQueueBytes())
        .setProcessesRunning(f.processesRunning())
        .setProcesses(f.processes())
        .setPools(f.pools())
        .build();
  }
}
