package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.ReadOutputResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A process's captured output as an {@link InputStream}, over one {@code ReadOutput} call.
 *
 * <p>The call asks for one chunk at a time, and for the next only when the reader took the last: so
 * a reader that falls behind holds the broker's sending back (the broker keeps the process's output
 * in its buffer meanwhile) instead of piling chunks up in this client.
 */
final class ReadOutputStream extends InputStream
    implements ClientResponseObserver<ReadOutputRequest, ReadOutputResponse>, BrokerCall {
  private static final Object END = new Object();

  private final IpcBroker broker;
  // ByteString chunks, then END or the Throwable that ended the call.
  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private volatile ClientCallStreamObserver<ReadOutputRequest> call;
  private ByteBuffer chunk = ByteBuffer.allocate(0); // guarded by this
  private IpcBrokerException failure; // guarded by this
  private boolean ended; // guarded by this
  private volatile boolean closed;

  ReadOutputStream(IpcBroker broker) {
    this.broker = broker;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ReadOutputRequest> c) {
    call = c;
    c.disableAutoRequestWithInitial(1);
  }

  @Override
  public void onNext(ReadOutputResponse value) {
    events.add(value.getData());
  }

  @Override
  public void onError(Throwable t) {
    events.add(t);
    broker.untrack(this);
  }

  @Override
  public void onCompleted() {
    events.add(END);
    broker.untrack(this);
  }

  @Override
  public void abort(IpcBrokerException why) {
    // Ahead of the cancel's own error, so that the reader learns why the call ended.
    events.add(why);
    ClientCallStreamObserver<ReadOutputRequest> c = call;
    if (c != null) {
      c.cancel("output stream given up", null);
    }
  }

  @Override
  public synchronized int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return chunk.get() & 0xff;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, chunk.remaining());
    chunk.get(b, off, n);
    return n;
  }

  @Override
  public synchronized int available() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    return chunk.remaining();
  }

  /**
   * Makes bytes available in {@code chunk}, waiting for the next chunk if needed. Returns false at
   * the end of the output.
   */
  private boolean fill() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    while (!chunk.hasRemaining()) {
      if (failure != null) {
        throw failure;
      }
      if (ended) {
        return false;
      }
      Object e;
      try {
        e = events.take();
      } catch (InterruptedException ie) {
        // Nothing was taken: a later read continues where this one stopped.
        Thread.currentThread().interrupt();
        throw Errors.interrupted(ie);
      }
      if (closed) {
        throw new IOException("stream closed"); // by another thread while this one waited
      }
      if (e == END) {
        ended = true;
      } else if (e instanceof Throwable t) {
        failure = Errors.translate(t);
      } else {
        chunk = ((ByteString) e).asReadOnlyByteBuffer();
        call.request(1);
      }
    }
    return true;
  }

  /** Stops reading: the call is cancelled on the broker. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    broker.untrack(this);
    ClientCallStreamObserver<ReadOutputRequest> c = call;
    if (c != null) {
      c.cancel("output stream closed", null);
    }
  }
}
