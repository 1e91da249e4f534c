package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.ListProcessesResponse;
import io.ipcbroker.v1.ProcessInfo;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/** The broker's process records. */
@Command(
    mixinStandardHelpOptions = true,
    name = "ps",
    description = "Lists the processes the broker spawned, running and exited.")
final class PsCommand extends ClientCommand {
  @Override
  int run(ManagedChannel channel) {
    List<ProcessInfo> all = Processes.list(channel, "");
    if (json) {
      printJson(ListProcessesResponse.newBuilder().addAllProcesses(all));
      return OK;
    }
    Table t =
        new Table(
            "ID", "NAME", "PID", "STATE", "EXIT", "DAEMON", "SESSION", "STARTED", "EXITED",
            "COMMAND");
    for (ProcessInfo p : all) {
      t.row(
          p.getId(),
          p.getName(),
          p.hasPid() ? p.getPid() : "-",
          p.getState().name().replace("PROCESS_STATE_", "").toLowerCase(Locale.ROOT),
          exit(p),
          p.getDaemon() ? "yes" : "no",
          p.getSessionId().isEmpty() ? "-" : p.getSessionId(),
          Format.clock(p.getStartTime()),
          Format.clock(p.getExitTime()),
          String.join(" ", p.getArgvList()));
    }
    t.print(out());
    return OK;
  }

  /** Python's exitcode: the code, or minus the signal that ended it; "-" while it runs. */
  private static String exit(ProcessInfo p) {
    return p.hasExitStatus() ? Integer.toString(p.getExitStatus().getExitcode()) : "-";
  }
}
