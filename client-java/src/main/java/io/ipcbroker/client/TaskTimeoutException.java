package io.ipcbroker.client;

import java.util.Map;

/**
 * A task's result was not ready within the wait: Python's {@code multiprocessing.TimeoutError}. Not
 * a failure of the broker: {@link #code()} is {@code OK} and {@link #reason()} is {@code
 * TASK_TIMEOUT}. The task goes on.
 */
public final class TaskTimeoutException extends IpcBrokerException {
  private static final long serialVersionUID = 1L;

  /** The reason of this exception. */
  public static final String TASK_TIMEOUT = "TASK_TIMEOUT";

  TaskTimeoutException(String taskId) {
    super(Code.OK, TASK_TIMEOUT, "task " + taskId + " is not ready", Map.of("task", taskId), null);
  }
}
