package io.ipcbroker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records a call's responses and how it ended, for tests to wait on. */
final class StreamRecorder<T> implements StreamObserver<T> {
  private static final long WAIT_SECONDS = 20;

  private final LinkedBlockingQueue<T> messages = new LinkedBlockingQueue<>();
  private final List<T> all = java.util.Collections.synchronizedList(new ArrayList<>());

  /** Completes with null on success, or with the error. */
  final CompletableFuture<Throwable> done = new CompletableFuture<>();

  @Override
  public void onNext(T value) {
    all.add(value);
    messages.add(value);
  }

  @Override
  public void onError(Throwable t) {
    done.complete(t);
  }

  @Override
  public void onCompleted() {
    done.complete(null);
  }

  /** The next response not yet taken; fails if none comes in time. */
  T next() throws InterruptedException {
    T m = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(m).as("a response within %d s", WAIT_SECONDS).isNotNull();
    return m;
  }

  /** Every response so far, in order. */
  List<T> all() {
    synchronized (all) {
      return new ArrayList<>(all);
    }
  }

  /** Waits for the end and returns the error; fails if the call succeeded or did not end. */
  Throwable awaitError() throws Exception {
    Throwable t = done.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(t).as("the call failed").isNotNull();
    return t;
  }

  /** Waits for a successful end; fails if the call failed or did not end. */
  void awaitCompleted() throws Exception {
    Throwable t = done.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(t).as("the call completed OK").isNull();
  }
}
