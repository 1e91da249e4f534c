package io.ipcbroker.conformance;

import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import java.util.concurrent.TimeUnit;

/**
 * The tutorial's {@code _read(q)} as a program the broker spawns: finds the broker from {@code
 * IPCBROKER_TARGET} and gets from the queue forever (until it is terminated), printing each url
 * before it acks it, as the tutorial's reader prints {@code Get <url> from queue.}.
 *
 * <p>Usage: {@code TutorialReader <queue>}.
 */
public final class TutorialReader {
  private TutorialReader() {}

  /** Runs the reader; see the class comment. */
  public static void main(String[] args) {
    BrokerChild.run(
        120_000,
        () -> {
          ConsumeClient q = ConsumeClient.open(BrokerChild.connect(), args[0]);
          System.out.println("Process(" + ProcessHandle.current().pid() + ") is reading...");
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(110);
          while (System.nanoTime() - end < 0) {
            // q.get(True): a blocking get, in slices so that the loop stays bounded.
            PullResult r = q.get(5.0);
            if (r.getOutcome() == PullOutcome.PULL_OUTCOME_DELIVERED) {
              System.out.println("Get " + Items.text(r.getDeliveries(0)) + " from queue.");
              q.ack(Items.ids(r));
            }
          }
          throw new IllegalStateException("the reader was never terminated");
        });
  }
}
