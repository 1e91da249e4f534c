package io.ipcbroker.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.ipcbroker.v1.ErrorReason;
import io.ipcbroker.v1.TaskError;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one place where gRPC failures become the SDK's typed exceptions. */
final class Errors {
  private Errors() {}

  /** Translates any failure of a call into an {@link IpcBrokerException}. */
  static IpcBrokerException translate(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof IpcBrokerException e) {
      return e;
    }
    if (t instanceof ProducerStream.RevokedException) {
      // Only the SDK revokes puts (when closing): the item did not go in.
      return closed();
    }
    if (t instanceof CancellationException) {
      return new IpcBrokerException(
          IpcBrokerException.Code.CANCELLED, "", "the operation was cancelled", Map.of(), t);
    }
    Status status = Status.fromThrowable(t);
    IpcBrokerException.Code code = IpcBrokerException.Code.valueOf(status.getCode().name());
    String reason = "";
    Map<String, String> metadata = Map.of();
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = any.unpack(ErrorInfo.class);
            reason = info.getReason();
            metadata = info.getMetadataMap();
          } catch (InvalidProtocolBufferException ignored) {
            // A malformed detail: keep the status code, without a reason.
          }
          break;
        }
      }
    }
    if (reason.isEmpty() && code == IpcBrokerException.Code.UNAVAILABLE) {
      reason = IpcBrokerException.BROKER_UNREACHABLE;
    }
    String message = status.getDescription() != null ? status.getDescription() : code.name();
    return new IpcBrokerException(code, reason, message, metadata, t);
  }

  /**
   * Whether a failed call may still have done its work on the broker: the client gave up on it
   * (interrupt, unresponsive broker) or the transport lost its answer. A status with a broker
   * reason is the broker's own answer, so the call did nothing; a closing client ends its session,
   * which releases everything anyway.
   */
  static boolean outcomeUnknown(IpcBrokerException e) {
    String reason = e.reason();
    if (IpcBrokerException.INTERRUPTED.equals(reason)
        || IpcBrokerException.BROKER_UNRESPONSIVE.equals(reason)
        || IpcBrokerException.BROKER_UNREACHABLE.equals(reason)) {
      return true;
    }
    if (!reason.isEmpty()) {
      return false;
    }
    switch (e.code()) {
      case CANCELLED:
      case DEADLINE_EXCEEDED:
      case UNAVAILABLE:
      case UNKNOWN:
      case INTERNAL:
        return true;
      default:
        return false;
    }
  }

  /**
   * The exception for a wait cut short by an interrupt. The caller sets the thread's interrupt flag
   * again before throwing it.
   */
  static IpcBrokerException interrupted(InterruptedException e) {
    return new IpcBrokerException(
        IpcBrokerException.Code.CANCELLED,
        IpcBrokerException.INTERRUPTED,
        "interrupted while waiting",
        Map.of(),
        e);
  }

  /** Whether {@code t} is the broker's VALUE_OUT_OF_RANGE (a write or add that changed nothing). */
  static boolean isValueOutOfRange(Throwable t) {
    return t instanceof IpcBrokerException e && "VALUE_OUT_OF_RANGE".equals(e.reason());
  }

  /** The exception for an operation on a closed client or handle. */
  static IpcBrokerException closed() {
    return new IpcBrokerException(
        IpcBrokerException.Code.CANCELLED,
        IpcBrokerException.CLIENT_CLOSED,
        "the ipcbroker client was closed",
        Map.of(),
        null);
  }

  /** The failure of a coalesced put that was never sent because its stream ended with {@code e}. */
  static IpcBrokerException notSent(IpcBrokerException e) {
    return new IpcBrokerException(
        e.code(),
        IpcBrokerException.PUT_NOT_SENT,
        "the put was never sent: " + e.getMessage(),
        Map.of(),
        e);
  }

  /** The exception for a broker that let a wait run far past its timeout. */
  static IpcBrokerException unresponsive(String what) {
    return new IpcBrokerException(
        IpcBrokerException.Code.UNAVAILABLE,
        IpcBrokerException.BROKER_UNRESPONSIVE,
        "the broker did not answer " + what + " in time",
        Map.of(),
        null);
  }

  /**
   * The broker's {@code VALUE_OUT_OF_RANGE}, for a number the wire cannot carry at all (wider than
   * 64 bits): the broker would refuse it, so the SDK does not send it.
   */
  static IpcBrokerException valueOutOfRange(TypeCode type, String value) {
    return new IpcBrokerException(
        IpcBrokerException.Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE",
        value + " does not fit typecode '" + type.code() + "'",
        Map.of("typecode", String.valueOf(type.code()), "value", value),
        null);
  }

  /**
   * The broker's {@code INDEX_OUT_OF_RANGE}, for an empty slice that the SDK answers itself because
   * the wire cannot say "no elements" ({@code count} 0 means "to the end").
   */
  static IpcBrokerException indexOutOfRange(int index, int length) {
    return new IpcBrokerException(
        IpcBrokerException.Code.OUT_OF_RANGE,
        "INDEX_OUT_OF_RANGE",
        "index " + index + " is out of range for length " + length,
        Map.of("index", Integer.toString(index), "length", Integer.toString(length)),
        null);
  }

  /**
   * A pool task's failure, as its outcome carries it. Not a status: the call that answered it
   * succeeded.
   */
  static IpcTaskException task(TaskError e) {
    String reason =
        e.getReason() == ErrorReason.ERROR_REASON_UNSPECIFIED
                || e.getReason() == ErrorReason.UNRECOGNIZED
            ? IpcTaskException.TASK_RAISED
            : e.getReason().name();
    return new IpcTaskException(
        reason, e.getTypeName(), e.getMessage(), e.getTraceback(), e.getMetadataMap());
  }
}
