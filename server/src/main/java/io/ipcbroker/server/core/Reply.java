package io.ipcbroker.server.core;

/**
 * Where the core answers a call that may wait (a pipe receive, a value read behind a lock): called
 * once, from any thread, never under the object's monitor.
 */
public interface Reply<R> {
  /** The call succeeded. */
  void ok(R result);

  /** The call failed. */
  void fail(BrokerException e);
}
