package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.util.concurrent.TimeUnit;

/**
 * The tutorial's {@code _write(q, urls)} as a program the broker spawns: finds the broker from
 * {@code IPCBROKER_TARGET} and puts each url on the queue, printing what it does as the tutorial's
 * writer does.
 *
 * <p>Usage: {@code TutorialWriter <queue> <url>...}.
 */
public final class TutorialWriter {
  private TutorialWriter() {}

  /** Runs the writer; see the class comment. */
  public static void main(String[] args) {
    BrokerChild.run(
        60_000,
        () -> {
          String queue = args[0];
          ManagedChannel channel = BrokerChild.connect();
          System.out.println("Process(" + ProcessHandle.current().pid() + ") is writing...");
          for (int i = 1; i < args.length; i++) {
            PutItemResponse r =
                QueueServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .putItem(
                        PutItemRequest.newBuilder()
                            .setQueue(queue)
                            .setItem(Items.text(args[i]))
                            .build());
            if (r.getOutcome() != PutOutcome.PUT_OUTCOME_OK) {
              throw new IllegalStateException("put " + args[i] + ": " + r);
            }
            System.out.println("Put " + args[i] + " to queue...");
          }
          channel.shutdownNow();
        });
  }
}
