package io.ipcbroker.server.process;

import io.ipcbroker.server.core.BrokerException;
import java.util.function.Consumer;

/**
 * Streams one output buffer to one client from an offset, as fast as the client's stream takes it:
 * nothing is read from the buffer while the stream is not ready, so a slow reader costs a position,
 * not a copy of the output. Driven by the buffer (new bytes) and the transport (ready again); never
 * by a thread of its own.
 */
public final class OutputReader {
  static final int MAX_CHUNK_BYTES = 64 << 10;

  private final OutputBuffer buffer;
  private final boolean follow;
  private final long limit;
  private final OutputSink sink;
  private final Consumer<OutputReader> onDone;
  private final Runnable wake = this::drain;
  private long position; // guarded by this
  private boolean done; // guarded by this

  OutputReader(
      OutputBuffer buffer,
      long offset,
      boolean follow,
      OutputSink sink,
      Consumer<OutputReader> onDone) {
    this.buffer = buffer;
    this.follow = follow;
    this.sink = sink;
    this.onDone = onDone;
    long end = buffer.end();
    this.position = offset < 0 ? Math.max(0, end + offset) : offset;
    // Without follow the stream ends after what is kept now.
    this.limit = follow ? Long.MAX_VALUE : end;
  }

  /** Sends what the stream can take; call it again when the stream becomes ready. */
  public void drain() {
    long awaitFrom;
    synchronized (this) {
      if (done) {
        return;
      }
      while (true) {
        if (position >= limit) {
          finish();
          return;
        }
        if (!sink.isReady()) {
          // The transport calls drain again when the client has taken what was sent.
          return;
        }
        OutputBuffer.Chunk chunk = buffer.read(position, MAX_CHUNK_BYTES, limit);
        if (chunk.data().length == 0) {
          if (buffer.isClosed() && chunk.offset() >= buffer.end()) {
            finish();
            return;
          }
          if (!follow) {
            finish();
            return;
          }
          // Skip what was overwritten, so the wait is for bytes not yet written.
          position = chunk.offset();
          awaitFrom = buffer.end();
          if (awaitFrom > position) {
            continue; // bytes arrived between the read and now
          }
          break;
        }
        if (!sink.send(chunk.offset(), chunk.data())) {
          done = true;
          onDone.accept(this);
          return;
        }
        position = chunk.offset() + chunk.data().length;
      }
    }
    buffer.awaitMore(awaitFrom, wake);
  }

  /** Ends the stream with {@code e} (the record was deleted, or the broker shuts down). */
  public void fail(BrokerException e) {
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
    }
    buffer.removeWaiter(wake);
    onDone.accept(this);
    sink.fail(e);
  }

  /** Stops after the client went away. */
  public void cancel() {
    synchronized (this) {
      done = true;
    }
    buffer.removeWaiter(wake);
    onDone.accept(this);
  }

  private void finish() {
    done = true;
    onDone.accept(this);
    sink.complete();
  }
}
