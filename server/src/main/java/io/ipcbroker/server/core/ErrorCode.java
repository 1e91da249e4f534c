package io.ipcbroker.server.core;

/**
 * The canonical status codes the broker uses, without depending on gRPC. The adapter layer maps
 * each to the gRPC code of the same name.
 */
public enum ErrorCode {
  INVALID_ARGUMENT,
  NOT_FOUND,
  ALREADY_EXISTS,
  FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED,
  PERMISSION_DENIED,
  OUT_OF_RANGE,
  DEADLINE_EXCEEDED,
  UNAVAILABLE,
  UNAUTHENTICATED,
}
