package io.ipcbroker.client;

import java.util.Map;

/**
 * A put found the queue full until its wait ended, and the item was not enqueued: Python's {@code
 * queue.Full}. Not a failure of the broker: {@link #code()} is {@code OK} and {@link #reason()} is
 * {@code QUEUE_FULL}.
 */
public final class QueueFullException extends IpcBrokerException {
  private static final long serialVersionUID = 1L;

  QueueFullException(String queue) {
    super(Code.OK, "QUEUE_FULL", "queue " + queue + " is full", Map.of("queue", queue), null);
  }
}
