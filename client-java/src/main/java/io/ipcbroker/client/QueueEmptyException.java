package io.ipcbroker.client;

import java.util.Map;

/**
 * A get found the queue empty until its wait ended: Python's {@code queue.Empty}. Not a failure of
 * the broker: {@link #code()} is {@code OK} and {@link #reason()} is {@code QUEUE_EMPTY}.
 */
public final class QueueEmptyException extends IpcBrokerException {
  private static final long serialVersionUID = 1L;

  QueueEmptyException(String queue) {
    super(Code.OK, "QUEUE_EMPTY", "queue " + queue + " is empty", Map.of("queue", queue), null);
  }
}
