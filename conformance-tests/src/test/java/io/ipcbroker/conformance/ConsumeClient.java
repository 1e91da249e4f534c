package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A test driver for one {@code Consume} stream on the raw async stub: sends frames, and lets the
 * test wait for the answer to each pull and for the end of the stream.
 *
 * <p>It also keeps a log of everything the broker sent, in order ({@code opened}, {@code
 * result:<pull id>:<OUTCOME>}, then {@code completed} or {@code error:<CODE>}), so that tests can
 * check what came before the end of the stream.
 */
public final class ConsumeClient extends StreamDriver<ConsumeRequest, ConsumeResponse, PullResult> {

  private ConsumeClient() {}

  /** Starts the call without sending anything (for tests of the stream's protocol). */
  public static ConsumeClient connect(QueueServiceGrpc.QueueServiceStub stub) {
    ConsumeClient c = new ConsumeClient();
    stub.consume(c);
    return c;
  }

  /** Opens a stream on {@code queue} (optionally in {@code sessionId}) without waiting. */
  public static ConsumeClient start(Channel channel, String queue, String sessionId) {
    return start(QueueServiceGrpc.newStub(channel), queue, "", sessionId);
  }

  /** Opens a stream with a given stub (for example one with a deadline) without waiting. */
  public static ConsumeClient start(
      QueueServiceGrpc.QueueServiceStub stub, String queue, String uid, String sessionId) {
    ConsumeClient c = connect(stub);
    c.send(
        ConsumeRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
    return c;
  }

  /** Opens a stream and waits for the broker's {@code opened} answer. */
  public static ConsumeClient open(Channel channel, String queue) {
    return open(channel, queue, "");
  }

  /** Opens a stream in {@code sessionId} and waits for the broker's {@code opened} answer. */
  public static ConsumeClient open(Channel channel, String queue, String sessionId) {
    ConsumeClient c = start(channel, queue, sessionId);
    c.awaitOpened();
    return c;
  }

  @Override
  public void onNext(ConsumeResponse r) {
    if (r.hasOpened()) {
      opened(r.getOpened());
    } else if (r.hasPullResult()) {
      PullResult result = r.getPullResult();
      answered(
          result.getPullId(), result, "result:" + result.getPullId() + ":" + result.getOutcome());
    }
  }

  /** Sends a raw frame holding only {@code pull}. */
  public void send(Pull.Builder pull) {
    send(ConsumeRequest.newBuilder().setPull(pull).build());
  }

  /** The next pull id this driver would use. */
  public long nextPullId() {
    return nextId();
  }

  /** A pull frame with the next id. {@code timeoutSeconds} null means no timeout. */
  public Pull.Builder newPull(int maxItems, Double timeoutSeconds, boolean nowait) {
    Pull.Builder pull =
        Pull.newBuilder().setPullId(nextPullId()).setMaxItems(maxItems).setNowait(nowait);
    if (timeoutSeconds != null) {
      pull.setTimeoutSeconds(timeoutSeconds);
    }
    return pull;
  }

  /** Sends a pull and returns its id. {@code timeoutSeconds} null means no timeout. */
  public long pull(int maxItems, Double timeoutSeconds, boolean nowait) {
    Pull.Builder pull = newPull(maxItems, timeoutSeconds, nowait);
    send(pull);
    return pull.getPullId();
  }

  /** One blocking get: a pull of one item, waiting for its answer. */
  public PullResult get(Double timeoutSeconds) {
    long id = pull(1, timeoutSeconds, false);
    double wait = timeoutSeconds == null ? 30 : timeoutSeconds + 10;
    return awaitResult(id, Duration.ofMillis((long) (wait * 1000)));
  }

  /** One {@code get_nowait}: a non-blocking pull of one item. */
  public PullResult getNowait() {
    return awaitResult(pull(1, null, true));
  }

  /**
   * Takes {@code n} items with blocking pulls, acking each, and returns their texts in the order
   * they came.
   */
  public List<String> take(int n) {
    List<String> texts = new ArrayList<>(n);
    while (texts.size() < n) {
      PullResult r = awaitResult(pull(n - texts.size(), null, false));
      if (r.getOutcome() != PullOutcome.PULL_OUTCOME_DELIVERED) {
        throw new AssertionError("expected items, got " + r);
      }
      texts.addAll(Items.texts(r));
      ack(Items.ids(r));
    }
    return texts;
  }

  /** Acks deliveries. */
  public void ack(long... deliveryIds) {
    send(
        ConsumeRequest.newBuilder()
            .addAllAckIds(Arrays.stream(deliveryIds).boxed().toList())
            .build());
  }

  /** Nacks deliveries. */
  public void nack(long... deliveryIds) {
    send(
        ConsumeRequest.newBuilder()
            .addAllNackIds(Arrays.stream(deliveryIds).boxed().toList())
            .build());
  }

  /** Revokes pull {@code pullId}. */
  public void revoke(long pullId) {
    send(ConsumeRequest.newBuilder().setRevokePullId(pullId).build());
  }
}
