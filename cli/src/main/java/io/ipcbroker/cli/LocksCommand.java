package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.ConditionInfo;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.ListSyncObjectsRequest;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockSummary;
import io.ipcbroker.v1.SemaphoreInfo;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** Everything a process can wait on: who holds each lock, and how many calls wait. */
@Command(
    mixinStandardHelpOptions = true,
    name = "locks",
    description = {
      "Lists the locks, semaphores, conditions, events and barriers: who holds each lock,",
      "each one's state, and how many calls wait on it."
    })
final class LocksCommand extends ClientCommand {
  @Override
  int run(ManagedChannel channel) {
    // Every page, gathered into one answer of the same shape.
    AdminServiceGrpc.AdminServiceBlockingStub stub = AdminServiceGrpc.newBlockingStub(channel);
    ListSyncObjectsResponse.Builder all = ListSyncObjectsResponse.newBuilder();
    Pages.each(
        token ->
            stub.withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
                .listSyncObjects(
                    ListSyncObjectsRequest.newBuilder()
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        ListSyncObjectsResponse::getNextPageToken,
        page -> all.mergeFrom(page));
    ListSyncObjectsResponse r = all.setNextPageToken("").build();
    if (json) {
      printJson(r);
      return OK;
    }
    Table t = new Table("KIND", "NAME", "STATE", "HOLDER", "WAITERS");
    for (LockSummary s : r.getLocksList()) {
      LockInfo l = s.getLock();
      t.row(
          l.getKind() == LockKind.LOCK_KIND_RLOCK ? "rlock" : "lock",
          l.getName(),
          l.getLocked() ? "held (" + l.getHoldCount() + ")" : "free",
          l.getLocked() ? holder(s) : "-",
          l.getWaiters());
    }
    for (SemaphoreInfo s : r.getSemaphoresList()) {
      t.row(
          s.getBounded() ? "bounded semaphore" : "semaphore",
          s.getName(),
          "value " + s.getValue() + " of " + s.getInitialValue() + ", " + s.getHeld() + " held",
          "-",
          s.getWaiters());
    }
    for (ConditionInfo c : r.getConditionsList()) {
      t.row("condition", c.getName(), "on lock " + c.getLock(), "-", c.getWaiters());
    }
    for (EventInfo e : r.getEventsList()) {
      t.row("event", e.getName(), e.getSet() ? "set" : "clear", "-", e.getWaiters());
    }
    for (BarrierInfo b : r.getBarriersList()) {
      t.row(
          "barrier",
          b.getName(),
          b.getBroken() ? "broken" : b.getNWaiting() + " of " + b.getParties() + " waiting",
          "-",
          b.getNWaiting());
    }
    t.print(out());
    return OK;
  }

  /**
   * The holder as operators know it: the client's name (or its session id when it gave none), the
   * owner id within the session when there is one, and where the client connected from.
   */
  private static String holder(LockSummary s) {
    String who =
        s.getHolderClientName().isEmpty() ? s.getHolderSessionId() : s.getHolderClientName();
    String owner = s.getLock().getHolderOwner();
    if (!owner.isEmpty()) {
      who += "/" + owner;
    }
    if (!s.getHolderClientAddress().isEmpty()) {
      who += " (" + s.getHolderClientAddress() + ")";
    }
    return who;
  }
}
