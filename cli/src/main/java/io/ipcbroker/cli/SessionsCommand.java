package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.ListSessionsRequest;
import io.ipcbroker.v1.ListSessionsResponse;
import io.ipcbroker.v1.SessionSummary;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** The live sessions: who is connected, from where, holding how much. */
@Command(
    mixinStandardHelpOptions = true,
    name = "sessions",
    description = "Lists the live sessions and what each holds.")
final class SessionsCommand extends ClientCommand {
  @Override
  int run(ManagedChannel channel) {
    AdminServiceGrpc.AdminServiceBlockingStub stub = AdminServiceGrpc.newBlockingStub(channel);
    ListSessionsResponse.Builder all = ListSessionsResponse.newBuilder();
    Pages.each(
        token ->
            stub.withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
                .listSessions(
                    ListSessionsRequest.newBuilder()
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        ListSessionsResponse::getNextPageToken,
        page -> all.addAllSessions(page.getSessionsList()));
    if (json) {
      printJson(all);
      return OK;
    }
    Table t = new Table("ID", "CLIENT", "ADDRESS", "PROCESS", "AGE", "TTL", "OWNED", "WAITING");
    for (SessionSummary s : all.getSessionsList()) {
      t.row(
          s.getSession().getSessionId(),
          s.getSession().getClientName().isEmpty() ? "-" : s.getSession().getClientName(),
          s.getClientAddress().isEmpty() ? "-" : s.getClientAddress(),
          s.getSession().getProcessId().isEmpty() ? "-" : s.getSession().getProcessId(),
          Format.age(s.getSession().getCreateTime()),
          s.getSession().getTtlSeconds() + "s",
          s.getOwned(),
          s.getWaiting());
    }
    t.print(out());
    return OK;
  }
}
