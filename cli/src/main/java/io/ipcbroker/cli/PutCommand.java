package io.ipcbroker.cli;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Puts one item on a queue. */
@Command(
    mixinStandardHelpOptions = true,
    name = "put",
    description =
        "Puts one item on a queue: DATA as UTF-8 text, or the bytes of stdin for - or none.")
final class PutCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "the queue")
  String queue;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DATA", description = "the item, or -")
  String data;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "wait at most this long for room (default: as long as it takes)")
  Double timeout;

  @Option(
      names = "--content-type",
      paramLabel = "TYPE",
      description =
          "the item's type (default: text/plain for DATA, application/octet-stream for -)")
  String contentType;

  @Option(
      names = "--create",
      description = "create the queue first if it does not exist (else QUEUE_NOT_FOUND)")
  boolean create;

  @Option(
      names = "--maxsize",
      paramLabel = "N",
      description = "with --create: the most items the queue holds (default 0: unbounded)")
  long maxsize;

  @Override
  int run(ManagedChannel channel) throws Exception {
    QueueServiceGrpc.QueueServiceBlockingStub queues = QueueServiceGrpc.newBlockingStub(channel);
    if (create) {
      // Opening one that exists with another maxsize is CONFIG_MISMATCH, not a silent success.
      queues
          .withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
          .createQueue(
              CreateQueueRequest.newBuilder()
                  .setName(queue)
                  .setMaxsize(maxsize)
                  .setAllowExisting(true)
                  .build());
    }
    boolean fromStdin = data == null || data.equals("-");
    byte[] bytes = fromStdin ? Main.input().readAllBytes() : data.getBytes(StandardCharsets.UTF_8);
    String type =
        contentType != null
            ? contentType
            : fromStdin ? "application/octet-stream" : "text/plain; charset=utf-8";
    PutItemRequest.Builder request =
        PutItemRequest.newBuilder()
            .setQueue(queue)
            .setItem(Payload.newBuilder().setData(ByteString.copyFrom(bytes)).setContentType(type));
    if (timeout != null) {
      request.setTimeoutSeconds(timeout);
    }
    PutItemResponse response = queues.putItem(request.build());
    if (json) {
      printJson(response);
    }
    if (response.getOutcome() == PutOutcome.PUT_OUTCOME_FULL) {
      err().println("ipcbroker: FULL: queue " + queue + " stayed full");
      return NOTHING;
    }
    return OK;
  }
}
