package io.ipcbroker.client;

import java.util.Map;

/**
 * A pool task failed. Not a failure of the call that reported it: {@link #code()} is {@code OK},
 * and {@link #reason()} says why the task failed:
 *
 * <ul>
 *   <li>{@code TASK_RAISED}: the function raised; {@link #remoteType()}, {@link #remoteMessage()}
 *       and {@link #remoteTraceback()} are what the worker said, in its language ({@code
 *       java.lang.IllegalArgumentException}, {@code ValueError});
 *   <li>{@code WORKER_DIED}: its worker died or its stream broke while it ran the task; {@link
 *       #metadata()} holds {@code worker_id}, {@code pid} and, when known, {@code exit_code} or
 *       {@code signal};
 *   <li>{@code FUNCTION_NOT_FOUND}: no worker of the pool serves the function ({@code function});
 *   <li>{@code POOL_TERMINATED}, {@code POOL_BROKEN}: the pool was terminated or broke first;
 *   <li>{@code ITEM_TOO_LARGE}: the result was over the broker's item limit.
 * </ul>
 */
public final class IpcTaskException extends IpcBrokerException {
  private static final long serialVersionUID = 1L;

  /** The function raised. */
  public static final String TASK_RAISED = "TASK_RAISED";

  /** The task's worker died, or its stream broke, while it ran the task. */
  public static final String WORKER_DIED = "WORKER_DIED";

  /** No worker of the pool serves the task's function. */
  public static final String FUNCTION_NOT_FOUND = "FUNCTION_NOT_FOUND";

  /** The pool was terminated before the task finished. */
  public static final String POOL_TERMINATED = "POOL_TERMINATED";

  /** The pool broke before the task finished. */
  public static final String POOL_BROKEN = "POOL_BROKEN";

  /** The task's result was over the broker's item limit. */
  public static final String ITEM_TOO_LARGE = "ITEM_TOO_LARGE";

  private final String remoteType;
  private final String remoteMessage;
  private final String remoteTraceback;

  IpcTaskException(
      String reason,
      String remoteType,
      String remoteMessage,
      String remoteTraceback,
      Map<String, String> metadata) {
    super(Code.OK, reason, describe(reason, remoteType, remoteMessage), metadata, null);
    this.remoteType = remoteType;
    this.remoteMessage = remoteMessage;
    this.remoteTraceback = remoteTraceback;
  }

  private static String describe(String reason, String type, String message) {
    if (TASK_RAISED.equals(reason)) {
      return message.isEmpty() ? type : type + ": " + message;
    }
    return message.isEmpty() ? reason : message;
  }

  /**
   * The exception's type name in the worker's language, for {@code TASK_RAISED}; otherwise the
   * reason's name.
   */
  public String remoteType() {
    return remoteType;
  }

  /** The exception's message (or the broker's description of the failure). */
  public String remoteMessage() {
    return remoteMessage;
  }

  /** The worker's traceback text; empty if it sent none. */
  public String remoteTraceback() {
    return remoteTraceback;
  }
}
