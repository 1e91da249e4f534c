package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.ListQueuesRequest;
import io.ipcbroker.v1.ListQueuesResponse;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueKind;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Every queue with its figures. */
@Command(
    mixinStandardHelpOptions = true,
    name = "queues",
    description = "Lists the queues with their sizes and waiting calls.")
final class QueuesCommand extends ClientCommand {
  @Option(names = "--prefix", paramLabel = "TEXT", description = "only queues whose name starts so")
  String prefix = "";

  @Override
  int run(ManagedChannel channel) {
    QueueServiceGrpc.QueueServiceBlockingStub stub = QueueServiceGrpc.newBlockingStub(channel);
    ListQueuesResponse.Builder all = ListQueuesResponse.newBuilder();
    Pages.each(
        token ->
            stub.withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
                .listQueues(
                    ListQueuesRequest.newBuilder()
                        .setNamePrefix(prefix)
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        ListQueuesResponse::getNextPageToken,
        page -> all.addAllQueues(page.getQueuesList()));
    if (json) {
      printJson(all);
      return OK;
    }
    Table t =
        new Table(
            "NAME",
            "SIZE",
            "MAXSIZE",
            "BYTES",
            "UNACKED",
            "CONSUMERS",
            "GETTERS",
            "PUTTERS",
            "OLDEST",
            "PUT",
            "GOT",
            "KIND");
    for (Queue q : all.getQueuesList()) {
      t.row(
          q.getName(),
          q.getSize(),
          q.getMaxsize() == 0 ? "-" : q.getMaxsize(),
          Format.bytes(q.getBytes()),
          q.getUnacked(),
          q.getConsumers(),
          q.getWaitingGetters(),
          q.getWaitingPutters(),
          q.hasOldestItemAge() ? Format.duration(Format.toDuration(q.getOldestItemAge())) : "-",
          q.getPutCount(),
          q.getGetCount(),
          q.getKind() == QueueKind.QUEUE_KIND_JOINABLE ? "joinable" : "standard");
    }
    t.print(out());
    return OK;
  }
}
