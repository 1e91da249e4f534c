package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateProcessResponse;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Starts a program on the broker's host as a broker process, and prints its id. The process is not
 * a daemon: it outlives this command (whose session ends when it returns), and {@code ps}, {@code
 * logs}, {@code terminate} and {@code kill} reach it by id or name.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "spawn",
    description =
        "Starts a program on the broker's host (ipcbroker spawn [--name N] -- CMD ARG...).")
final class SpawnCommand extends ClientCommand {
  @Option(names = "--name", paramLabel = "NAME", description = "the process's name")
  String name = "";

  @Parameters(arity = "1..*", paramLabel = "ARGV", description = "the program and its arguments")
  List<String> argv;

  @Override
  int run(ManagedChannel channel) {
    SessionServiceGrpc.SessionServiceBlockingStub sessions =
        SessionServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS);
    String session =
        sessions
            .createSession(
                CreateSessionRequest.newBuilder().setClientName("ipcbroker spawn").build())
            .getSession()
            .getSessionId();
    try {
      CreateProcessResponse r =
          ProcessServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
              .createProcess(
                  CreateProcessRequest.newBuilder()
                      .setSessionId(session)
                      .setName(name)
                      .addAllArgv(argv)
                      .setStart(true)
                      .build());
      ProcessInfo p = r.getProcess();
      if (json) {
        printJson(r);
      } else {
        out().println(p.getId() + " " + p.getName() + " pid " + (p.hasPid() ? p.getPid() : "-"));
        out().flush();
      }
      return OK;
    } finally {
      try {
        sessions.deleteSession(DeleteSessionRequest.newBuilder().setSessionId(session).build());
      } catch (StatusRuntimeException e) {
        // The process stands either way; the session ends with its TTL.
        err().println("ipcbroker: warning: could not end the spawn's session: " + describe(e));
      }
    }
  }
}
