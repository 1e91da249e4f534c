package io.ipcbroker.server.core;

/**
 * Why a call failed: the value of {@code ErrorInfo.reason}, with the status code it travels with.
 *
 * <p>Every constant has a value of the same name in {@code ipcbroker.v1.ErrorReason}; a test keeps
 * the two in step. The code of a reason never changes: clients branch on the pair.
 */
public enum Reason {
  INVALID_NAME(ErrorCode.INVALID_ARGUMENT),
  INVALID_TIMEOUT(ErrorCode.INVALID_ARGUMENT),
  FIELD_REQUIRED(ErrorCode.INVALID_ARGUMENT),
  INVALID_FIELD_VALUE(ErrorCode.INVALID_ARGUMENT),
  ITEM_TOO_LARGE(ErrorCode.INVALID_ARGUMENT),
  STREAM_PROTOCOL_VIOLATION(ErrorCode.INVALID_ARGUMENT),
  MALFORMED_REQUEST(ErrorCode.INVALID_ARGUMENT),
  EXECUTABLE_NOT_FOUND(ErrorCode.INVALID_ARGUMENT),
  CWD_NOT_FOUND(ErrorCode.INVALID_ARGUMENT),
  SIGNAL_NOT_ALLOWED(ErrorCode.INVALID_ARGUMENT),
  REDIRECT_FAILED(ErrorCode.INVALID_ARGUMENT),

  SESSION_NOT_FOUND(ErrorCode.NOT_FOUND),
  QUEUE_NOT_FOUND(ErrorCode.NOT_FOUND),
  UID_MISMATCH(ErrorCode.NOT_FOUND),
  OBJECT_DELETED(ErrorCode.NOT_FOUND),
  DELIVERY_NOT_FOUND(ErrorCode.NOT_FOUND),
  PROCESS_NOT_FOUND(ErrorCode.NOT_FOUND),

  QUEUE_ALREADY_EXISTS(ErrorCode.ALREADY_EXISTS),

  CONFIG_MISMATCH(ErrorCode.FAILED_PRECONDITION),
  QUEUE_NOT_EMPTY(ErrorCode.FAILED_PRECONDITION),
  QUEUE_IN_USE(ErrorCode.FAILED_PRECONDITION),
  TASK_DONE_TOO_MANY_TIMES(ErrorCode.FAILED_PRECONDITION),
  QUEUE_NOT_JOINABLE(ErrorCode.FAILED_PRECONDITION),
  PROCESS_ALREADY_STARTED(ErrorCode.FAILED_PRECONDITION),
  PROCESS_NOT_STARTED(ErrorCode.FAILED_PRECONDITION),
  PROCESS_RUNNING(ErrorCode.FAILED_PRECONDITION),
  OUTPUT_NOT_CAPTURED(ErrorCode.FAILED_PRECONDITION),
  SPAWN_FAILED(ErrorCode.FAILED_PRECONDITION),

  LIMIT_EXCEEDED(ErrorCode.RESOURCE_EXHAUSTED),

  SPAWN_DISABLED(ErrorCode.PERMISSION_DENIED),
  EXECUTABLE_NOT_ALLOWED(ErrorCode.PERMISSION_DENIED),

  SERVER_SHUTTING_DOWN(ErrorCode.UNAVAILABLE);

  private final ErrorCode code;

  Reason(ErrorCode code) {
    this.code = code;
  }

  /** The status code that this reason is always sent with. */
  public ErrorCode code() {
    return code;
  }
}
