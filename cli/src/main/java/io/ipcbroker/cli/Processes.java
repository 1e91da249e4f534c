package io.ipcbroker.cli;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.ListProcessesRequest;
import io.ipcbroker.v1.ListProcessesResponse;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds process records by id or name, as the subcommands that take a process accept either. */
final class Processes {
  private Processes() {}

  /** Every process record, oldest first (optionally only those named {@code name}). */
  static List<ProcessInfo> list(Channel channel, String name) {
    ProcessServiceGrpc.ProcessServiceBlockingStub stub =
        ProcessServiceGrpc.newBlockingStub(channel);
    List<ProcessInfo> all = new ArrayList<>();
    Pages.each(
        token ->
            stub.withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
                .listProcesses(
                    ListProcessesRequest.newBuilder()
                        .setName(name)
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        ListProcessesResponse::getNextPageToken,
        page -> all.addAll(page.getProcessesList()));
    return all;
  }

  /**
   * The id of the process {@code idOrName} names: a record id as is, else the one process of that
   * name.
   *
   * @throws StatusRuntimeException {@code NOT_FOUND} if no process has that name, {@code
   *     FAILED_PRECONDITION} if several do (their ids are in the description)
   */
  static String resolve(Channel channel, String idOrName) {
    if (idOrName.isBlank()) {
      throw Status.INVALID_ARGUMENT.withDescription("no process named").asRuntimeException();
    }
    List<ProcessInfo> named = list(channel, idOrName);
    if (named.isEmpty()) {
      return idOrName; // an id, or nothing: the broker answers PROCESS_NOT_FOUND
    }
    if (named.size() > 1) {
      List<String> ids = new ArrayList<>();
      named.forEach(p -> ids.add(p.getId()));
      throw Status.FAILED_PRECONDITION
          .withDescription("several processes are named " + idOrName + ": " + ids + "; give an id")
          .asRuntimeException();
    }
    return named.get(0).getId();
  }
}
