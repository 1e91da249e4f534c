package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test driver for one {@code PutItems} stream on the raw async stub.
 *
 * <p>It keeps a log of everything the broker sent, in order ({@code opened}, {@code result:<put
 * id>:<OUTCOME>:<accepted>}, then {@code completed} or {@code error:<CODE>}).
 */
public final class PutClient {
  private final AtomicLong putIds = new AtomicLong();
  private final Map<Long, CompletableFuture<PutResult>> results = new ConcurrentHashMap<>();
  private final CompletableFuture<Queue> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private ClientCallStreamObserver<PutItemsRequest> requests;

  private PutClient() {}

  /** Starts the call without sending anything (for tests of the stream's protocol). */
  public static PutClient connect(QueueServiceGrpc.QueueServiceStub stub) {
    PutClient c = new PutClient();
    stub.putItems(c.observer());
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

  private ClientResponseObserver<PutItemsRequest, PutItemsResponse> observer() {
    return new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<PutItemsRequest> stream) {
        requests = stream;
      }

      @Override
      public void onNext(PutItemsResponse r) {
        if (r.hasOpened()) {
          events.add("opened");
          opened.complete(r.getOpened());
        } else if (r.hasResult()) {
          PutResult result = r.getResult();
          events.add(
              "result:"
                  + result.getPutId()
                  + ":"
                  + result.getOutcome()
                  + ":"
                  + result.getAccepted());
          results
              .computeIfAbsent(result.getPutId(), k -> new CompletableFuture<>())
              .complete(result);
        }
      }

      @Override
      public void onError(Throwable t) {
        events.add("error:" + Status.fromThrowable(t).getCode());
        opened.completeExceptionally(t);
        ended.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        events.add("completed");
        opened.completeExceptionally(new AssertionError("stream completed before opened"));
        ended.complete(null);
      }
    };
  }

  /** Sends a raw frame. */
  public synchronized void send(PutItemsRequest request) {
    requests.onNext(request);
  }

  /** Waits for {@code opened}; throws the stream's error if it failed instead. */
  public Queue awaitOpened() {
    return Futures.get(opened, Duration.ofSeconds(10));
  }

  /** UTF-8 text as a {@code text/plain} payload. */
  public static Payload text(String s) {
    return Items.text(s);
  }

  /** The next put id this driver would use. */
  public long nextPutId() {
    return putIds.incrementAndGet();
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

  /** The answer to frame {@code id}. */
  public CompletableFuture<PutResult> result(long id) {
    return results.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  /** Waits up to 10 s for the answer to frame {@code id}. */
  public PutResult awaitResult(long id) {
    return Futures.get(result(id), Duration.ofSeconds(10));
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

  /** Half-closes without waiting. */
  public void halfClose() {
    synchronized (this) {
      requests.onCompleted();
    }
  }

  /** Half-closes and waits for the broker to end the stream (after answering every frame). */
  public void halfCloseAndAwait() {
    halfClose();
    Futures.get(ended, Duration.ofSeconds(10));
  }

  /** Cancels the stream abruptly. */
  public void cancel() {
    requests.cancel("test cancels", null);
  }

  /** The end of the stream. */
  public CompletableFuture<Void> ended() {
    return ended;
  }

  /** What the broker sent so far, in order (see the class comment). */
  public List<String> events() {
    return List.copyOf(events);
  }

  /** Waits for the stream to fail and returns its error; fails if it ends otherwise. */
  public Throwable awaitError() {
    try {
      ended.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("stream did not fail in time", e);
    }
    throw new AssertionError("stream completed without an error");
  }
}
