package io.ipcbroker.server.queue;

/** How a put frame ended. */
public enum PutOutcome {
  /** Every item was enqueued. */
  OK,
  /** The queue stayed full until the wait ended; only a prefix (maybe empty) was enqueued. */
  FULL,
  /** The broker ended the producer; only a prefix (maybe empty) was enqueued. */
  ABORTED,
  /** The client revoked the frame; only a prefix (maybe empty) was enqueued. */
  REVOKED,
}
