package io.ipcbroker.server.rpc;

import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends on one call's response stream from any thread. A call's observer is not thread-safe, and
 * answers come from the call's own thread, the timer and other clients' puts and gets; this
 * serialises them and drops whatever comes after the call ended. The core's outboxes already send
 * each consumer's and producer's answers in the order they were decided, so only a call that the
 * client itself ended loses answers here, and then the core takes back what they carried (a
 * delivery that was never acked returns to the queue).
 */
public final class SerializedSender<R> {
  private static final Logger log = LoggerFactory.getLogger(SerializedSender.class);

  private final ServerCallStreamObserver<R> observer;
  private boolean closed; // guarded by this

  /** Wraps {@code observer}, which must not be used directly afterwards. */
  public SerializedSender(ServerCallStreamObserver<R> observer) {
    this.observer = observer;
  }

  /** Whether the client cancelled the call (or it broke); safe from any thread. */
  public boolean isCancelled() {
    return observer.isCancelled();
  }

  /** Sends {@code message}; returns false if the call already ended. */
  public synchronized boolean send(R message) {
    if (closed || observer.isCancelled()) {
      return false;
    }
    try {
      observer.onNext(message);
      return true;
    } catch (RuntimeException e) {
      // The transport closed under us (a cancel raced with this send). The core will see the
      // cancel through the handler and take back what this message carried.
      log.debug("send on a closed call dropped", e);
      closed = true;
      return false;
    }
  }

  /** Ends the call with {@code t}'s status; no-op if it already ended. */
  public synchronized void fail(Throwable t) {
    if (closed) {
      return;
    }
    closed = true;
    if (!observer.isCancelled()) {
      observer.onError(StatusMapping.toStatusException(t));
    }
  }

  /** Ends the call successfully; no-op if it already ended. */
  public synchronized void complete() {
    if (closed) {
      return;
    }
    closed = true;
    if (!observer.isCancelled()) {
      observer.onCompleted();
    }
  }

  /** Marks the call ended without sending anything (the client cancelled). */
  public synchronized void markClosed() {
    closed = true;
  }
}
