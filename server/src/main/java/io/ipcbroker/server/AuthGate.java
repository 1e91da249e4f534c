package io.ipcbroker.server;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.server.auth.TokenAuth;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.rpc.StatusMapping;

/**
 * Lets a call in only if it proves it knows the broker's token ({@link TokenAuth}); refuses it with
 * {@code UNAUTHENTICATED} and the reason otherwise. Health checks stay open, so that probes and
 * load balancers need no secret.
 */
final class AuthGate implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String OPEN_PREFIX = "grpc.health.v1.Health/";

  private final TokenAuth auth;

  AuthGate(TokenAuth auth) {
    this.auth = auth;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!method.startsWith(OPEN_PREFIX)) {
      boolean tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION) != null;
      try {
        auth.check(headers.get(AUTHORIZATION), method, tls);
      } catch (BrokerException e) {
        StatusRuntimeException s = StatusMapping.toStatusException(e);
        call.close(s.getStatus(), s.getTrailers() == null ? new Metadata() : s.getTrailers());
        return new ServerCall.Listener<Q>() {};
      }
    }
    return next.startCall(call, headers);
  }
}
