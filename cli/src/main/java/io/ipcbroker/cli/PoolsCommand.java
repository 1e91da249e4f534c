package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.ListPoolsRequest;
import io.ipcbroker.v1.ListPoolsResponse;
import io.ipcbroker.v1.PoolInfo;
import io.ipcbroker.v1.PoolServiceGrpc;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** The worker pools and how their tasks stand. */
@Command(
    mixinStandardHelpOptions = true,
    name = "pools",
    description = "Lists the worker pools with their workers and task counts.")
final class PoolsCommand extends ClientCommand {
  @Override
  int run(ManagedChannel channel) {
    ListPoolsResponse r =
        PoolServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
            .listPools(ListPoolsRequest.getDefaultInstance());
    if (json) {
      printJson(r);
      return OK;
    }
    Table t = new Table("NAME", "STATE", "WORKERS", "QUEUED", "RUNNING", "DONE", "FAILED");
    for (PoolInfo p : r.getPoolsList()) {
      t.row(
          p.getName(),
          p.getState().name().replace("POOL_STATE_", "").toLowerCase(Locale.ROOT),
          p.getWorkersCount() + "/" + p.getProcesses(),
          p.getTasksQueued(),
          p.getTasksRunning(),
          p.getTasksSucceeded(),
          p.getTasksFailed());
    }
    t.print(out());
    return OK;
  }
}
