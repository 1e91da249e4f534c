package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.RefreshSessionRequest;
import io.ipcbroker.v1.Session;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.io.InputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A client process for the crash test: opens a session with a 1 s TTL, keeps it alive (over a
 * {@code KeepAlive} stream or with {@code RefreshSession}, every 250 ms), has the broker spawn a
 * daemon {@code sleep 300} and a non-daemon {@code sleep 300} in it, prints what it created, and
 * then waits for the test to SIGKILL it.
 *
 * <p>Usage: {@code CrashClient <target> <STREAM|REFRESH>}. Prints {@code SESSION <id>}, {@code
 * DAEMON <id> <pid>}, {@code NONDAEMON <id> <pid>}, then {@code READY}. It ends by itself (exit 0)
 * when its stdin reaches EOF (the test died), or after 60 s.
 */
public final class CrashClient {
  /** How the client keeps its session alive. */
  enum Renewal {
    /** One {@code KeepAlive} stream, as SDKs do. */
    STREAM,
    /** Unary {@code RefreshSession} calls, as the thinnest clients do. */
    REFRESH
  }

  static final double TTL_SECONDS = 1;

  private CrashClient() {}

  /** Runs the client; see the class comment. */
  public static void main(String[] args) {
    BrokerChild.run(
        60_000,
        () -> {
          ManagedChannel channel = ConformanceTarget.channelTo(args[0]);
          Renewal renewal = Renewal.valueOf(args[1]);
          Session s =
              SessionServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(20, TimeUnit.SECONDS)
                  .createSession(
                      CreateSessionRequest.newBuilder()
                          .setTtlSeconds(TTL_SECONDS)
                          .setClientName("CrashClient")
                          .build())
                  .getSession();
          String id = s.getSessionId();
          ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
          if (renewal == Renewal.STREAM) {
            KeepAliveClient keepAlive = KeepAliveClient.start(channel);
            keepAlive.send(id);
            renewer.scheduleAtFixedRate(() -> keepAlive.send(""), 250, 250, TimeUnit.MILLISECONDS);
          } else {
            renewer.scheduleAtFixedRate(
                () ->
                    SessionServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .refreshSession(
                            RefreshSessionRequest.newBuilder().setSessionId(id).build()),
                250,
                250,
                TimeUnit.MILLISECONDS);
          }
          System.out.println("SESSION " + id);
          ProcessInfo daemon = sleeper(channel, id, true);
          System.out.println("DAEMON " + daemon.getId() + " " + daemon.getPid());
          ProcessInfo plain = sleeper(channel, id, false);
          System.out.println("NONDAEMON " + plain.getId() + " " + plain.getPid());
          System.out.println("READY");
          // Wait for the SIGKILL; the test never writes, so EOF means that it is gone.
          InputStream in = System.in;
          byte[] buffer = new byte[64];
          while (in.read(buffer) >= 0) {
            // Keep reading until EOF.
          }
        });
  }

  private static ProcessInfo sleeper(ManagedChannel channel, String sessionId, boolean daemon) {
    return ProcessServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .createProcess(
            CreateProcessRequest.newBuilder()
                .setSessionId(sessionId)
                .addArgv("sleep")
                .addArgv("300")
                .setDaemon(daemon)
                .setStart(true)
                .build())
        .getProcess();
  }
}
