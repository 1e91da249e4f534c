package io.ipcbroker.client;

import java.time.Duration;
import java.util.Optional;

/**
 * One end of a pipe: Python's {@code multiprocessing.connection.Connection}. Messages keep their
 * boundaries and order. Get one from {@link IpcBroker#pipe()} or, for an end whose name another
 * process handed over, from {@link IpcBroker#connection(String)}.
 *
 * <p>Receiving never loses a message: the SDK acknowledges a message to the broker only with its
 * next call at this end, after it handed the message over, so one lost to a timeout, an interrupt
 * or a dropped connection is received again by the next {@code recv}. An end has one reader at a
 * time, as in Python: concurrent receives on one connection take turns.
 *
 * <p>Failures are {@link IpcBrokerException}s: {@code PIPE_EOF} (code {@code OUT_OF_RANGE},
 * Python's {@code EOFError}) once the peer closed and everything it sent was received, {@code
 * PIPE_CLOSED} for a send to a closed peer or a call on an end closed elsewhere, {@code
 * PIPE_WRONG_DIRECTION} for the wrong end of a simplex pipe. A connection that this client closed
 * throws {@link IllegalStateException}. A client holds one connection per end: opening an end again
 * returns the same connection.
 *
 * @param <T> the message type, as its codec encodes it
 */
public interface IpcConnection<T> extends AutoCloseable {
  /** The end's name ({@code NAME.a} or {@code NAME.b}), to hand to another process. */
  String end();

  /** Sends {@code message}, waiting while the pipe's buffer toward the peer is full. */
  void send(T message);

  /** Sends {@code message} if there is room within {@code timeout}; returns whether it was sent. */
  boolean send(T message, Duration timeout);

  /** Receives the next message, waiting for one as long as it takes (Python's {@code recv()}). */
  T recv();

  /** Receives the next message if one comes within {@code timeout}. */
  Optional<T> recv(Duration timeout);

  /** Whether a message (or EOF) is ready, waiting up to {@code timeout} for one (Python's poll). */
  boolean poll(Duration timeout);

  /** Sends {@code size} bytes of {@code buf} from {@code offset} as one message (send_bytes). */
  void sendBytes(byte[] buf, int offset, int size);

  /** Receives the next message's bytes (Python's {@code recv_bytes()}). */
  byte[] recvBytes();

  /**
   * Receives the next message's bytes if it has at most {@code maxLength}; a longer one fails
   * {@code MESSAGE_TOO_LONG} and stays for a receive with room for it.
   */
  byte[] recvBytes(int maxLength);

  /** Closes this end (the peer then sees EOF once it drained); a second close does nothing. */
  @Override
  void close();

  /** Whether {@link #close} was called. */
  boolean closed();
}
