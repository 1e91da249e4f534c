package io.ipcbroker.server.rpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Makes the calling client's address available to a service while it handles the call, so that a
 * session can remember where its client connected from (operators see it in {@code ListSessions}).
 */
public final class PeerAddress implements ServerInterceptor {
  private static final Context.Key<String> KEY = Context.key("ipcbroker-peer-address");

  /** The address of the client of the current call, {@code host:port}; empty if unknown. */
  public static String current() {
    String address = KEY.get();
    return address == null ? "" : address;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return Contexts.interceptCall(
        Context.current().withValue(KEY, format(remote)), call, headers, next);
  }

  private static String format(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host =
          inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return ""; // an in-process transport, or none: no address a person could use
  }
}
