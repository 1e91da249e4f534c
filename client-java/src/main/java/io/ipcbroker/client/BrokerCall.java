package io.ipcbroker.client;

/**
 * A call in flight that the client must end when it closes (a parked wait, an output stream), so
 * that its caller learns {@code CLIENT_CLOSED} at once instead of whatever the broker or the
 * transport says later.
 */
interface BrokerCall {
  /** Ends the call: its caller sees {@code why}; the call is cancelled on the broker. */
  void abort(IpcBrokerException why);
}
