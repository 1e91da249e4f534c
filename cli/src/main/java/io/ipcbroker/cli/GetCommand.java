package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Takes one item from a queue and writes it to stdout as it is (no newline added). It uses the
 * acknowledged stream: the item leaves the queue only once it was written, so a get that is
 * interrupted or killed first leaves it for the next consumer.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "get",
    description =
        "Takes one item from a queue and writes its bytes to stdout (exit 1 if none came).")
final class GetCommand extends ClientCommand {
  private static final Object COMPLETED = new Object();

  @Parameters(index = "0", paramLabel = "NAME", description = "the queue")
  String queue;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "wait at most this long for an item (default: as long as it takes)")
  Double timeout;

  @Override
  int run(ManagedChannel channel) throws Exception {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<ConsumeRequest> requests =
        QueueServiceGrpc.newStub(channel)
            .consume(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ConsumeResponse r) {
                    if (r.hasPullResult()) {
                      events.add(r.getPullResult());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    events.add(t);
                  }

                  @Override
                  public void onCompleted() {
                    events.add(COMPLETED);
                  }
                });
    Pull.Builder pull = Pull.newBuilder().setPullId(1).setMaxItems(1);
    if (timeout != null) {
      pull.setTimeoutSeconds(timeout);
    }
    requests.onNext(
        ConsumeRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue(queue))
            .setPull(pull)
            .build());
    Object event = events.take();
    if (event instanceof StatusRuntimeException e) {
      throw e;
    }
    if (event instanceof Throwable t) {
      throw new IllegalStateException(t);
    }
    if (event == COMPLETED) {
      throw new IllegalStateException("the broker ended the stream without answering the pull");
    }
    PullResult result = (PullResult) event;
    if (result.getOutcome() != PullOutcome.PULL_OUTCOME_DELIVERED) {
      requests.onCompleted();
      awaitEnd(events);
      err().println("ipcbroker: EMPTY: no item came from queue " + queue);
      return NOTHING;
    }
    Delivery d = result.getDeliveries(0);
    if (json) {
      printJson(d);
      if (out().checkError()) {
        // Not written: no ack, so the item goes back to the queue when the stream ends.
        err().println("ipcbroker: cannot write the item; it stays in queue " + queue);
        return ERROR;
      }
    } else {
      // A write error throws before the ack below: the item goes back to the queue.
      OutputStream raw = Main.rawOutput();
      d.getPayload().getData().writeTo(raw);
      raw.flush();
    }
    // Written: now it may leave the queue. Half-close and wait, so the ack is not cut off.
    requests.onNext(ConsumeRequest.newBuilder().addAckIds(d.getDeliveryId()).build());
    requests.onCompleted();
    awaitEnd(events);
    return OK;
  }

  private static void awaitEnd(BlockingQueue<Object> events) throws InterruptedException {
    while (true) {
      Object event = events.take();
      if (event == COMPLETED) {
        return;
      }
      if (event instanceof StatusRuntimeException e) {
        throw e;
      }
    }
  }
}
