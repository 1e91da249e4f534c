package io.ipcbroker.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.rpc.StatusMapping;

/**
 * Refuses new calls to the broker's own services once shutdown began, with {@code
 * UNAVAILABLE}/{@code SERVER_SHUTTING_DOWN}. Health and reflection stay open so that probes see
 * NOT_SERVING instead of a closed door.
 */
final class ShutdownGate implements ServerInterceptor {
  private static final String GATED_PREFIX = "ipcbroker.";

  private volatile boolean closed;

  void close() {
    closed = true;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (closed && call.getMethodDescriptor().getFullMethodName().startsWith(GATED_PREFIX)) {
      StatusRuntimeException e = StatusMapping.toStatusException(BrokerException.shuttingDown());
      Metadata trailers = e.getTrailers() == null ? new Metadata() : e.getTrailers();
      call.close(e.getStatus(), trailers);
      return new ServerCall.Listener<Q>() {};
    }
    return next.startCall(call, headers);
  }
}
