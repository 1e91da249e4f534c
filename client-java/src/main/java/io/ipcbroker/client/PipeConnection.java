package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import io.ipcbroker.v1.AckPipeRequest;
import io.ipcbroker.v1.ClosePipeEndRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.PollPipeRequest;
import io.ipcbroker.v1.RecvPipeRequest;
import io.ipcbroker.v1.RecvPipeResponse;
import io.ipcbroker.v1.SendPipeRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/** {@link IpcConnection} over the broker's PipeService. */
final class PipeConnection<T> implements IpcConnection<T> {
  private final IpcBroker broker;
  private final String end;
  private final Codec<T> codec;
  // One reader at a time; held across a receive, so that the acknowledgement it carries and the
  // delivery it gets are this connection's bookkeeping alone.
  private final ReentrantLock reading = new ReentrantLock();
  private volatile String lastDelivery = ""; // written under reading: handed over, not acked
  private volatile boolean closed;

  // lastDelivery is read without the lock by close(), which then discards the end.

  PipeConnection(IpcBroker broker, String end, Codec<T> codec) {
    this.broker = broker;
    this.end = end;
    this.codec = codec;
  }

  @Override
  public String end() {
    return end;
  }

  Codec<T> codec() {
    return codec;
  }

  @Override
  public void send(T message) {
    sendPayload(encode(message), null);
  }

  @Override
  public boolean send(T message, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return sendPayload(encode(message), timeout);
  }

  @Override
  public void sendBytes(byte[] buf, int offset, int size) {
    Objects.checkFromIndexSize(offset, size, buf.length);
    sendPayload(
        Payload.newBuilder()
            .setData(ByteString.copyFrom(buf, offset, size))
            .setContentType(Codecs.bytes().contentType())
            .build(),
        null);
  }

  private Payload encode(T message) {
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(codec.encode(message)))
        .setContentType(codec.contentType())
        .build();
  }

  private boolean sendPayload(Payload payload, Duration timeout) {
    checkOpen();
    SendPipeRequest.Builder request =
        SendPipeRequest.newBuilder()
            .setEnd(end)
            .setPayload(payload)
            .setSessionId(broker.sessionId());
    if (timeout != null) {
      request.setTimeoutSeconds(Timeouts.seconds(timeout));
    }
    return broker
        .park(
            broker.pipeAsyncStub(),
            PipeServiceGrpc.PipeServiceStub::sendPipe,
            request.build(),
            timeout,
            r -> r.getSent())
        .await("a send");
  }

  @Override
  public T recv() {
    return decode(receive(null, 0).orElseThrow());
  }

  @Override
  public Optional<T> recv(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return receive(timeout, 0).map(this::decode);
  }

  @Override
  public byte[] recvBytes() {
    return receive(null, 0).orElseThrow().getData().toByteArray();
  }

  @Override
  public byte[] recvBytes(int maxLength) {
    if (maxLength < 0) {
      throw new IllegalArgumentException("negative maxLength: " + maxLength);
    }
    return receive(null, Math.max(1, maxLength)).orElseThrow().getData().toByteArray();
  }

  /** One receive that acknowledges what this connection handed over last. */
  private Optional<Payload> receive(Duration timeout, long maxBytes) {
    checkOpen();
    lock();
    try {
      RecvPipeRequest.Builder request =
          RecvPipeRequest.newBuilder()
              .setEnd(end)
              .setAckDeliveryId(lastDelivery)
              .setMaxBytes(maxBytes)
              .setSessionId(broker.sessionId());
      if (timeout != null) {
        request.setTimeoutSeconds(Timeouts.seconds(timeout));
      }
      RecvPipeResponse r =
          broker
              .park(
                  broker.pipeAsyncStub(),
                  PipeServiceGrpc.PipeServiceStub::recvPipe,
                  request.build(),
                  timeout,
                  response -> response)
              .await("a receive");
      // Only now is the message handed over; an answer that arrived while this thread gave up is
      // not acknowledged, so the broker sends it again.
      if (!r.getReceived()) {
        return Optional.empty();
      }
      lastDelivery = r.getDeliveryId();
      return Optional.of(r.getPayload());
    } finally {
      reading.unlock();
    }
  }

  @Override
  public boolean poll(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    checkOpen();
    lock();
    try {
      PollPipeRequest.Builder request =
          PollPipeRequest.newBuilder()
              .setEnd(end)
              .setAckDeliveryId(lastDelivery)
              .setSessionId(broker.sessionId());
      if (timeout.isZero() || timeout.isNegative()) {
        request.setNowait(true);
      } else {
        request.setTimeoutSeconds(Timeouts.seconds(timeout));
      }
      boolean ready =
          broker
              .park(
                  broker.pipeAsyncStub(),
                  PipeServiceGrpc.PipeServiceStub::pollPipe,
                  request.build(),
                  timeout.isNegative() ? Duration.ZERO : timeout,
                  r -> r.getReady())
              .await("a poll");
      lastDelivery = ""; // the poll carried the acknowledgement
      return ready;
    } finally {
      reading.unlock();
    }
  }

  private T decode(Payload p) {
    try {
      return codec.decode(p.getData().toByteArray(), p.getContentType());
    } catch (RuntimeException e) {
      throw new ItemDecodeException(end, p.getData().toByteArray(), p.getContentType(), e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // Not under the reading lock: a receive parked there ends when the broker closes the end
    // (it fails PIPE_CLOSED), and what it would acknowledge is discarded with the end anyway.
    String ack = lastDelivery;
    try {
      broker.callPipes(
          stub ->
              stub.closePipeEnd(
                  ClosePipeEndRequest.newBuilder().setEnd(end).setAckDeliveryId(ack).build()));
    } catch (IpcBrokerException e) {
      if (!"PIPE_NOT_FOUND".equals(e.reason())) {
        throw e; // gone already means closed: both ends closed, or the pipe was deleted
      }
    } finally {
      broker.forgetConnection(this);
    }
  }

  /** Acknowledges the last message without receiving again; for a reader that stops reading. */
  void ack() {
    reading.lock();
    try {
      if (!lastDelivery.isEmpty()) {
        String ack = lastDelivery;
        broker.callPipes(
            stub ->
                stub.ackPipe(AckPipeRequest.newBuilder().setEnd(end).setDeliveryId(ack).build()));
        lastDelivery = "";
      }
    } finally {
      reading.unlock();
    }
  }

  @Override
  public boolean closed() {
    return closed;
  }

  private void lock() {
    try {
      reading.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.interrupted(e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("connection " + end + " is closed");
    }
  }
}
