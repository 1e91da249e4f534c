package io.ipcbroker.client;

import java.util.Collections;
import java.util.Map;

/**
 * A failed broker operation: the status code, the machine-readable reason and its metadata.
 *
 * <p>Branch on {@link #reason()} (and {@link #code()}), never on the message. Reasons that come
 * from the broker are those of {@code ipcbroker.v1.ErrorReason} ({@code QUEUE_NOT_FOUND}, {@code
 * CONFIG_MISMATCH}, {@code SESSION_NOT_FOUND}, ...); the SDK adds its own for failures that happen
 * on the client side: {@link #CLIENT_CLOSED}, {@link #INTERRUPTED}, {@link #BROKER_UNREACHABLE} and
 * {@link #BROKER_UNRESPONSIVE}.
 */
public class IpcBrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The client (or the queue handle) was closed. */
  public static final String CLIENT_CLOSED = "CLIENT_CLOSED";

  /** The calling thread was interrupted while it waited; its interrupt flag is set again. */
  public static final String INTERRUPTED = "INTERRUPTED";

  /** The broker could not be reached, or the connection broke. */
  public static final String BROKER_UNREACHABLE = "BROKER_UNREACHABLE";

  /** The broker did not answer a wait well after its timeout should have ended it. */
  public static final String BROKER_UNRESPONSIVE = "BROKER_UNRESPONSIVE";

  /**
   * A put that the SDK was holding to coalesce with others was never sent, because its stream ended
   * first (the cause says why): its item is certainly not in the queue, so it is safe to put again.
   */
  public static final String PUT_NOT_SENT = "PUT_NOT_SENT";

  /** The status codes of failed operations, as gRPC defines them. */
  public enum Code {
    /** The call itself succeeded; the exception reports an expected outcome (empty, full). */
    OK,
    CANCELLED,
    UNKNOWN,
    INVALID_ARGUMENT,
    DEADLINE_EXCEEDED,
    NOT_FOUND,
    ALREADY_EXISTS,
    PERMISSION_DENIED,
    RESOURCE_EXHAUSTED,
    FAILED_PRECONDITION,
    ABORTED,
    OUT_OF_RANGE,
    UNIMPLEMENTED,
    INTERNAL,
    UNAVAILABLE,
    DATA_LOSS,
    UNAUTHENTICATED,
  }

  private final Code code;
  private final String reason;
  private final Map<String, String> metadata;

  /** Creates an exception; {@code metadata} is copied. */
  public IpcBrokerException(
      Code code, String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason;
    this.metadata = Collections.unmodifiableMap(Map.copyOf(metadata));
  }

  /** The status code. */
  public Code code() {
    return code;
  }

  /** The reason: an {@code ErrorReason} name, one of the SDK's constants, or empty. */
  public String reason() {
    return reason;
  }

  /** The dynamic values of the message, keyed in lowerCamel (for example {@code queue}). */
  public Map<String, String> metadata() {
    return metadata;
  }
}
