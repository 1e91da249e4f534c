package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.RecvPipeRequest;
import io.ipcbroker.v1.RecvPipeResponse;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A pipe reader that the test kills with SIGKILL: it opens a session kept alive over a KeepAlive
 * stream, receives one message at the end {@code args[1]} of the broker at {@code args[0]}, prints
 * it, and waits to be killed without acknowledging it.
 */
public final class PipeCrashReader {
  private PipeCrashReader() {}

  /** Receives one message and waits for the kill. */
  public static void main(String[] args) {
    BrokerChild.run(
        60_000,
        () -> {
          ManagedChannel channel = ConformanceTarget.channelTo(args[0]);
          String session =
              SessionServiceGrpc.newBlockingStub(channel)
                  .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(2).build())
                  .getSession()
                  .getSessionId();
          KeepAliveClient.start(channel).send(session);
          RecvPipeResponse r =
              PipeServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .recvPipe(
                      RecvPipeRequest.newBuilder()
                          .setEnd(args[1])
                          .setSessionId(session)
                          .setTimeoutSeconds(20)
                          .build());
          System.out.println("got " + r.getPayload().getData().toString(StandardCharsets.UTF_8));
          System.out.flush();
          new CountDownLatch(1).await(50, TimeUnit.SECONDS); // until the test kills it
        });
  }
}
