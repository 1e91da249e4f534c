package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.ListLocksRequest;
import io.ipcbroker.v1.ListLocksResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.SemaphoreInfo;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** Who holds each lock and semaphore, and how many wait. */
@Command(
    mixinStandardHelpOptions = true,
    name = "locks",
    description = "Lists the locks and semaphores: who holds each and how many calls wait.")
final class LocksCommand extends ClientCommand {
  @Override
  int run(ManagedChannel channel) {
    ListLocksResponse r =
        AdminServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
            .listLocks(ListLocksRequest.getDefaultInstance());
    if (json) {
      printJson(r);
      return OK;
    }
    Table t = new Table("NAME", "KIND", "HOLDER", "HOLDS", "WAITERS", "VALUE");
    for (LockInfo l : r.getLocksList()) {
      t.row(
          l.getName(),
          l.getKind() == LockKind.LOCK_KIND_RLOCK ? "rlock" : "lock",
          l.getLocked() ? l.getHolderOwner() : "-",
          l.getHoldCount(),
          l.getWaiters(),
          "-");
    }
    for (SemaphoreInfo s : r.getSemaphoresList()) {
      t.row(
          s.getName(),
          s.getBounded() ? "bounded semaphore" : "semaphore",
          "-",
          s.getHeld(),
          s.getWaiters(),
          s.getValue() + "/" + s.getInitialValue());
    }
    t.print(out());
    return OK;
  }
}
