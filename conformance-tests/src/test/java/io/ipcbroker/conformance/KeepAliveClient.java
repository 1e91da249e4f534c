package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.KeepAliveRequest;
import io.ipcbroker.v1.KeepAliveResponse;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A test driver for one {@code KeepAlive} stream on the raw async stub. */
public final class KeepAliveClient {
  private final List<KeepAliveResponse> responses = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private ClientCallStreamObserver<KeepAliveRequest> requests;

  private KeepAliveClient() {}

  /** Starts the stream without sending anything. */
  public static KeepAliveClient start(Channel channel) {
    KeepAliveClient c = new KeepAliveClient();
    SessionServiceGrpc.newStub(channel)
        .keepAlive(
            new ClientResponseObserver<KeepAliveRequest, KeepAliveResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<KeepAliveRequest> stream) {
                c.requests = stream;
              }

              @Override
              public void onNext(KeepAliveResponse r) {
                c.responses.add(r);
              }

              @Override
              public void onError(Throwable t) {
                c.ended.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                c.ended.complete(null);
              }
            });
    return c;
  }

  /** Sends one renewal naming {@code sessionId} (may be empty after the first). */
  public synchronized void send(String sessionId) {
    requests.onNext(KeepAliveRequest.newBuilder().setSessionId(sessionId).build());
  }

  /** The responses so far, in order. */
  public List<KeepAliveResponse> responses() {
    return List.copyOf(responses);
  }

  /** Half-closes and waits for the broker to end the stream. */
  public void halfCloseAndAwait() {
    synchronized (this) {
      requests.onCompleted();
    }
    Futures.get(ended, Duration.ofSeconds(10));
  }

  /** Cancels the stream, as a crashing client would. */
  public void cancel() {
    requests.cancel("test cancels", null);
  }

  /** The end of the stream. */
  public CompletableFuture<Void> ended() {
    return ended;
  }

  /** Waits for the stream to fail and returns its error. */
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
