package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A test driver for one {@code PutItems} stream on the raw async stub.
 *
 * <p>It keeps a log of everything the broker sent, in order ({@code opened}, {@code result:<put
 * id>:<OUTCOME>:<accepted>}, then {@code completed} or {@code error:<CODE>}).
 */
public final class PutClient extends StreamDriver<PutItemsRequest, PutItemsResponse, PutResult> {

  private PutClient() {}

  /** Starts the call without sending anything (for tests of the stream's protocol). */
  public static PutClient connect(QueueServiceGrpc.QueueServiceStub stub) {
    PutClient c = new PutClient();
    stub.putItems(c);
    return c;
  }

  /** Opens a stream on {@code queue} (optionally in {@code sessionId}) without waiting. */
  public static PutClient start(Channel channel, String queue, String sessionId) {
    return start(QueueServiceGrpc.newStub(channel), queue, "", sessionId);
  }

  /** Opens a stream with a given stub (for example one with a deadline) without waiting. */
  public static PutClient start(
      QueueServiceGrpc.QueueServiceStub stub, String queue, String uid, String sessionId) {
    PutClient c = connect(stub);
    c.send(
        PutItemsRequest.newBuilder()
            .setOpen(StreamOpen.newBuilder().setQueue(queue).setUid(uid).setSessionId(sessionId))
            .build());
    return c;
  }

  /** Opens a stream and waits for {@code opened}. */
  public static PutClient open(Channel channel, String queue) {
    return open(channel, queue, "");
  }

  /** Opens a stream in {@code sessionId} and waits for {@code opened}. */
  public static PutClient open(Channel channel, String queue, String sessionId) {
    PutClient c = start(channel, queue, sessionId);
    c.awaitOpened();
    return c;
  }

  @Override
  public void onNext(PutItemsResponse r) {
    if (r.hasOpened()) {
      opened(r.getOpened());
    } else if (r.hasResult()) {
      PutResult result = r.getResult();
      answered(
          result.getPutId(),
          result,
          "result:" + result.getPutId() + ":" + result.getOutcome() + ":" + result.getAccepted());
    }
  }

  /** UTF-8 text as a {@code text/plain} payload. */
  public static Payload text(String s) {
    return Items.text(s);
  }

  /** The next put id this driver would use. */
  public long nextPutId() {
    return nextId();
  }

  /** Sends a put frame and returns its id. {@code timeoutSeconds} null means no timeout. */
  public long put(List<Payload> items, Double timeoutSeconds, boolean nowait) {
    long id = nextPutId();
    PutItemsRequest.Builder b =
        PutItemsRequest.newBuilder().setPutId(id).addAllItems(items).setNowait(nowait);
    if (timeoutSeconds != null) {
      b.setTimeoutSeconds(timeoutSeconds);
    }
    send(b.build());
    return id;
  }

  /** Puts one text item, blocking without a timeout, and waits for its answer. */
  public PutResult putText(String s) {
    return Futures.get(result(put(List.of(text(s)), null, false)), Duration.ofSeconds(30));
  }

  /** Puts each text as its own frame, pipelined, and waits for every answer. */
  public List<PutResult> putEach(String... texts) {
    List<Long> ids = Arrays.stream(texts).map(t -> put(List.of(text(t)), null, false)).toList();
    return ids.stream().map(id -> Futures.get(result(id), Duration.ofSeconds(30))).toList();
  }
}
