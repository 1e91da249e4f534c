package io.ipcbroker.server.queue;

/** How a pull ended. */
public enum PullOutcome {
  /** Items were handed over. */
  DELIVERED,
  /** The queue stayed empty until the wait ended. */
  EMPTY,
  /** The consumer revoked the pull, or ended its stream, before anything was handed over. */
  REVOKED,
}
