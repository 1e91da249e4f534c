package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A client that the test freezes with SIGSTOP while it holds an unacknowledged delivery and has a
 * pull parked: to the broker it is a connection that stops reading and stops answering pings, the
 * way a peer behind a dead network path is. Its session ({@code args[2]} seconds of TTL) is renewed
 * every 200 ms while it runs, so only its freezing can end it.
 *
 * <p>Usage: {@code StalledHolder <target> <queue> <ttl seconds>}; prints {@code held <item>} once
 * it holds one delivery and a second pull is parked, then waits to be stopped and killed.
 */
public final class StalledHolder {
  private StalledHolder() {}

  /** Runs the client; see the class comment. */
  public static void main(String[] args) {
    BrokerChild.run(
        120_000,
        () -> {
          ManagedChannel channel = ConformanceTarget.channelTo(args[0]);
          String session =
              SessionServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(20, TimeUnit.SECONDS)
                  .createSession(
                      CreateSessionRequest.newBuilder()
                          .setTtlSeconds(Double.parseDouble(args[2]))
                          .build())
                  .getSession()
                  .getSessionId();
          KeepAliveClient keepAlive = KeepAliveClient.start(channel);
          keepAlive.send(session);
          ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
          renewer.scheduleAtFixedRate(() -> keepAlive.send(""), 200, 200, TimeUnit.MILLISECONDS);
          ConsumeClient consumer = ConsumeClient.open(channel, args[1], session);
          PullResult held = consumer.get(30.0);
          consumer.pull(1, 600.0, false); // parked: the queue is empty now
          System.out.println("held " + held.getDeliveries(0).getPayload().getData().toStringUtf8());
          System.out.flush();
          new CountDownLatch(1).await(100, TimeUnit.SECONDS); // until the test kills it
        });
  }
}
