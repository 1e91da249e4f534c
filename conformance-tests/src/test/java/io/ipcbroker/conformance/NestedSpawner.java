package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.Session;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.util.concurrent.TimeUnit;

/**
 * A process that the broker spawned and that spawns processes itself, as a Python child that
 * creates its own {@code Process}: opens a session that names its own {@code IPCBROKER_PROCESS_ID},
 * creates {@code <count>} processes ({@code true}, started) in it and prints what the broker
 * answered, then closes its session.
 *
 * <p>Usage: {@code NestedSpawner <count>}. Prints {@code SESSION <session id> <process_id>}, then
 * one line {@code CHILD <id> <name> <parent_process_id>} per child.
 */
public final class NestedSpawner {
  private NestedSpawner() {}

  /** Runs the spawner; see the class comment. */
  public static void main(String[] args) {
    BrokerChild.run(
        60_000,
        () -> {
          int count = Integer.parseInt(args[0]);
          ManagedChannel channel = BrokerChild.connect();
          SessionServiceGrpc.SessionServiceBlockingStub sessions =
              SessionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
          Session s =
              sessions
                  .createSession(
                      CreateSessionRequest.newBuilder()
                          .setTtlSeconds(30)
                          .setClientName("NestedSpawner")
                          .setProcessId(BrokerChild.env("IPCBROKER_PROCESS_ID"))
                          .build())
                  .getSession();
          System.out.println("SESSION " + s.getSessionId() + " " + s.getProcessId());
          for (int i = 0; i < count; i++) {
            ProcessInfo p =
                ProcessServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .createProcess(
                        CreateProcessRequest.newBuilder()
                            .setSessionId(s.getSessionId())
                            .addArgv("true")
                            .setStart(true)
                            .build())
                    .getProcess();
            System.out.println(
                "CHILD " + p.getId() + " " + p.getName() + " " + p.getParentProcessId());
          }
          sessions.deleteSession(
              DeleteSessionRequest.newBuilder().setSessionId(s.getSessionId()).build());
          channel.shutdownNow();
        });
  }
}
