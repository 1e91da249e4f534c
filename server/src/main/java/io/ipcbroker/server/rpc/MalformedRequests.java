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
   * A call that closes at most once, and sends nothing after it closed. A stream's service may end
   * the call (a bad frame, its session ended) while a malformed message is already on its way, or
   * send an answer from another thread while the guard rejects a message on the transport's; grpc
   * calls are not safe for concurrent use, so sends and the close take one lock, and whatever comes
   * after the close is dropped instead of throwing {@code IllegalStateException}.
   */
  private static final class OnceClosed<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private boolean closed; // guarded by this

    OnceClosed(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    /** Closes with {@code e} unless already closed; whether this call closed it. */
    synchronized boolean closeWith(StatusRuntimeException e) {
      if (closed) {
        return false;
      }
      close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
      return true;
    }
  }

  /**
   * Stops a malformed request before the service sees it, and ends the call. For a method that
   * takes one request, a call that half-closes without one, or sends a second, is malformed too
   * (left to grpc-java, both end with {@code INTERNAL}). Such a call is answered at its half-close:
   * closed earlier, while the client's last frames are still on their way, the transport resets the
   * stream and the client sees {@code CANCELLED} instead of the answer.
   */
  private static final class Guard<Q, R>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final OnceClosed<Q, R> call;
    private final boolean oneRequest;
    private int received;
    private boolean rejected;
    private String deferred; // why a one-request call is malformed, answered at its half-close

    Guard(OnceClosed<Q, R> call, ServerCall.Listener<Q> service) {
      super(service);
      this.call = call;
      this.oneRequest = call.getMethodDescriptor().getType().clientSendsOneMessage();
    }

    @Override
    public void onMessage(Q message) {
      if (rejected || deferred != null) {
        return;
      }
      String why =
          message == MALFORMED
              ? "the request is not a valid %s request message"
              : oneRequest && ++received > 1
                  ? "%s takes one request message; the call sent more"
                  : null;
      if (why == null) {
        super.onMessage(message);
      } else if (oneRequest) {
        deferred = why;
      } else {
        reject(why);
      }
    }

    @Override
    public void onHalfClose() {
      if (rejected) {
        return;
      }
      if (deferred == null && oneRequest && received == 0) {
        deferred = "%s takes one request message; the call sent none";
      }
      if (deferred != null) {
        reject(deferred);
        return;
      }
      super.onHalfClose();
    }

    /**
     * Ends the call with {@code MALFORMED_REQUEST}, and tells the service it was cancelled so that
     * what the call set up (a stream's consumer, with its deliveries) is released as for a client
     * that went away. If the service had ended the call already, the message is just dropped.
     */
    private void reject(String why) {
      String method = call.getMethodDescriptor().getFullMethodName();
      StatusRuntimeException e =
          StatusMapping.toStatusException(
              BrokerException.of(
                  Reason.MALFORMED_REQUEST, String.format(why, method), "method", method));
      if (call.closeWith(e)) {
        rejected = true;
        super.onCancel();
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
