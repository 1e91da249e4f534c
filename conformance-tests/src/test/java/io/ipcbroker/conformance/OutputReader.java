package io.ipcbroker.conformance;

import static org.awaitility.Awaitility.await;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.ReadOutputResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test driver for one {@code ReadOutput} stream on the raw async stub, typically with {@code
 * follow}: collects the chunks as they come and lets the test wait for text and for the end.
 */
public final class OutputReader
    implements ClientResponseObserver<ReadOutputRequest, ReadOutputResponse> {
  private final List<ReadOutputResponse> chunks = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final int initialRequest;
  private ClientCallStreamObserver<ReadOutputRequest> call;

  private OutputReader(int initialRequest) {
    this.initialRequest = initialRequest;
  }

  /** Starts {@code ReadOutput} of {@code id}'s {@code stream} from {@code offset}, following. */
  public static OutputReader follow(Channel channel, String id, OutputStream stream, long offset) {
    return start(
        channel,
        ReadOutputRequest.newBuilder()
            .setId(id)
            .setStream(stream)
            .setOffset(offset)
            .setFollow(true)
            .build());
  }

  /** Starts {@code request} without a deadline (a followed stream lasts as long as its process). */
  public static OutputReader start(Channel channel, ReadOutputRequest request) {
    return start(channel, request, -1);
  }

  /**
   * Starts a followed {@code ReadOutput} that asks for no chunk until the test calls {@link
   * #request}: a reader that does not keep up.
   */
  public static OutputReader followPaused(
      Channel channel, String id, OutputStream stream, long offset) {
    return start(
        channel,
        ReadOutputRequest.newBuilder()
            .setId(id)
            .setStream(stream)
            .setOffset(offset)
            .setFollow(true)
            .build(),
        0);
  }

  private static OutputReader start(Channel channel, ReadOutputRequest request, int initial) {
    OutputReader r = new OutputReader(initial);
    ProcessServiceGrpc.newStub(channel).readOutput(request, r);
    return r;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ReadOutputRequest> stream) {
    call = stream;
    if (initialRequest >= 0) {
      stream.disableAutoRequestWithInitial(initialRequest);
    }
  }

  /** Asks for {@code n} more chunks (for a reader started with {@link #followPaused}). */
  public void request(int n) {
    call.request(n);
  }

  @Override
  public void onNext(ReadOutputResponse r) {
    chunks.add(r);
  }

  @Override
  public void onError(Throwable t) {
    ended.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    ended.complete(null);
  }

  /** The chunks so far, in order. */
  public List<ReadOutputResponse> chunks() {
    return List.copyOf(chunks);
  }

  /** The text so far. */
  public String text() {
    return ProcessClient.text(chunks());
  }

  /** Waits (at most 10 s) until the text satisfies {@code condition}; returns it. */
  public String awaitText(Predicate<String> condition) {
    String[] last = new String[1];
    await("streamed output")
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              last[0] = text();
              return condition.test(last[0]);
            });
    return last[0];
  }

  /** The end of the stream: completes normally, or exceptionally with the stream's status. */
  public CompletableFuture<Void> ended() {
    return ended;
  }

  /** Waits up to {@code max} for the stream to complete normally. */
  public void awaitCompleted(Duration max) {
    Futures.get(ended, max);
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

  /** Cancels the stream, as a client that stops reading does. */
  public void cancel() {
    call.cancel("test cancels", null);
  }
}
