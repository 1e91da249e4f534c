package io.ipcbroker.server.rpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Answers requests whose bytes do not parse as the method's request type with {@code
 * INVALID_ARGUMENT}/{@code MALFORMED_REQUEST}.
 *
 * <p>Left to grpc-java, a marshaller's parse failure ends the call with {@code UNKNOWN}, without an
 * {@code ErrorInfo}. Here the request marshaller returns a marker instead of throwing, and a
 * listener in front of the service's own closes the call with the broker's status when it sees the
 * marker. For a stream, the service's listener is then told the call was cancelled, so it hands
 * back whatever the stream held, as for any client that went away.
 */
public final class MalformedRequests {
  /** Stands for a request that did not parse; never reaches a service. */
  private static final Object MALFORMED = new Object();

  private MalformedRequests() {}

  /** {@code service} with every method's request parsing guarded; reflection data is kept. */
  public static ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      methods.add(guard(method));
    }
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : methods) {
      descriptor.addMethod(method.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder guarded = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : methods) {
      guarded.addMethod(method);
    }
    return guarded.build();
  }

  private static <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
    MethodDescriptor.Marshaller<Q> parser = descriptor.getRequestMarshaller();
    MethodDescriptor.Marshaller<Q> tolerant =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(Q value) {
            return parser.stream(value);
          }

          @Override
          @SuppressWarnings("unchecked") // the marker never leaves this class's listener
          public Q parse(InputStream stream) {
            try {
              return parser.parse(stream);
            } catch (RuntimeException e) {
              return (Q) MALFORMED;
            }
          }
        };
    ServerCallHandler<Q, R> handler = method.getServerCallHandler();
    return ServerMethodDefinition.create(
        descriptor.toBuilder().setRequestMarshaller(tolerant).build(),
        (call, headers) -> {
          OnceClosed<Q, R> once = new OnceClosed<>(call);
          return new Guard<>(once, handler.startCall(once, headers));
        });
  }

  /**
   * A call that closes at most once. A stream's service may end the call (a bad frame, its session
   * ended) while a malformed message is already on its way, or on another thread while the guard
   * rejects one; the second close is then dropped instead of throwing {@code IllegalStateException}
   * into the transport.
   */
  private static final class OnceClosed<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final AtomicBoolean closed = new AtomicBoolean();

    OnceClosed(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (closed.compareAndSet(false, true)) {
        super.close(status, trailers);
      }
    }

    boolean isClosed() {
      return closed.get();
    }
  }

  /** Stops a malformed request before the service sees it, and ends the call. */
  private static final class Guard<Q, R>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final OnceClosed<Q, R> call;
    private boolean rejected;

    Guard(OnceClosed<Q, R> call, ServerCall.Listener<Q> service) {
      super(service);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      if (rejected) {
        return;
      }
      if (message != MALFORMED) {
        super.onMessage(message);
        return;
      }
      rejected = true;
      if (call.isClosed()) {
        return; // the service ended the call already; this message arrived after its end
      }
      StatusRuntimeException e =
          StatusMapping.toStatusException(
              BrokerException.of(
                  Reason.MALFORMED_REQUEST,
                  "the request is not a valid "
                      + call.getMethodDescriptor().getFullMethodName()
                      + " request message",
                  "method",
                  call.getMethodDescriptor().getFullMethodName()));
      Metadata trailers = e.getTrailers() == null ? new Metadata() : e.getTrailers();
      call.close(e.getStatus(), trailers);
      // What the call set up (a stream's consumer, with its deliveries) is released as for a
      // client that went away.
      super.onCancel();
    }

    @Override
    public void onHalfClose() {
      if (!rejected) {
        super.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (!rejected) {
        super.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (!rejected) {
        super.onComplete();
      }
    }
  }
}
