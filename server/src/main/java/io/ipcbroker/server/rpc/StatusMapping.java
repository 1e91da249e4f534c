package io.ipcbroker.server.rpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses: a {@code google.rpc.Status} whose details hold
 * exactly one {@code ErrorInfo} with the reason, the domain and the metadata.
 */
public final class StatusMapping {
  /** The {@code ErrorInfo.domain} of every error the broker sends. */
  public static final String DOMAIN = "ipcbroker.dev";

  private static final Logger log = LoggerFactory.getLogger(StatusMapping.class);

  private StatusMapping() {}

  /** Turns {@code t} into the exception to hand to {@code StreamObserver.onError}. */
  public static StatusRuntimeException toStatusException(Throwable t) {
    if (t instanceof BrokerException e) {
      return toStatusException(e);
    }
    if (t instanceof StatusRuntimeException e) {
      return e;
    }
    // A bug, not bad input: say so loudly in the log, and honestly to the client.
    log.error("unexpected failure while serving a call", t);
    return Status.INTERNAL
        .withDescription("internal error: " + t.getClass().getSimpleName())
        .asRuntimeException();
  }

  /** Turns a domain failure into a status with its {@code ErrorInfo}. */
  public static StatusRuntimeException toStatusException(BrokerException e) {
    ErrorInfo info =
        ErrorInfo.newBuilder()
            .setReason(e.reason().name())
            .setDomain(DOMAIN)
            .putAllMetadata(e.metadata())
            .build();
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(grpcCode(e.code()).value())
            .setMessage(e.getMessage())
            .addDetails(Any.pack(info))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  static Status.Code grpcCode(ErrorCode code) {
    return switch (code) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
      case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
    };
  }
}
