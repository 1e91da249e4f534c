package io.ipcbroker.server.process;

import io.ipcbroker.server.core.BrokerException;

/** Where an output reader sends chunks: one flow-controlled response stream. */
public interface OutputSink {
  /** Whether the stream can take another chunk now without buffering it. */
  boolean isReady();

  /** Sends a chunk; returns false if the stream already ended. */
  boolean send(long offset, byte[] data);

  /** Ends the stream: everything asked for was sent. */
  void complete();

  /** Ends the stream with a failure. */
  void fail(BrokerException e);
}
