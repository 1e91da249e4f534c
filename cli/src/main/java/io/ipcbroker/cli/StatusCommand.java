package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.BrokerStatus;
import io.ipcbroker.v1.GetBrokerStatusRequest;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** The broker's identity and totals. */
@Command(
    mixinStandardHelpOptions = true,
    name = "status",
    description = "Shows the broker's identity and live totals.")
final class StatusCommand extends ClientCommand {
  @Override
  int run(ManagedChannel channel) {
    BrokerStatus s =
        AdminServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
            .getBrokerStatus(GetBrokerStatusRequest.getDefaultInstance())
            .getStatus();
    if (json) {
      printJson(s);
      return OK;
    }
    new Table("FIELD", "VALUE")
        .row("address", s.getAddress())
        .row("version", s.getVersion())
        .row("server id", s.getServerId())
        .row("up", Format.age(s.getStartTime()))
        .row("security", Format.security(s))
        .row("sessions", s.getSessions())
        .row("queues", s.getQueues())
        .row("queue bytes", Format.bytes(s.getQueueBytes(), s.getMaxQueueBytes()))
        .row("processes", s.getProcessesRunning() + " running, " + s.getProcesses() + " kept")
        .row("pools", s.getPools())
        .print(out());
    return OK;
  }
}
