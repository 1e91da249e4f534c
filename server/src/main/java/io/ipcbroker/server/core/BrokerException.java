package io.ipcbroker.server.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure of a broker operation that the caller can act on: a {@link Reason} (which fixes the
 * status code), a message for people, and the dynamic values of the message as metadata for
 * programs. The adapter layer turns it into a {@code google.rpc.Status} in one place.
 */
public final class BrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Reason reason;
  private final Map<String, String> metadata;

  private BrokerException(Reason reason, String message, Map<String, String> metadata) {
    // No stack trace: these are expected outcomes of bad input or state, raised often under load,
    // and the reason plus metadata say everything the caller and the operator need.
    super(message, null, false, false);
    this.reason = reason;
    this.metadata = Collections.unmodifiableMap(metadata);
  }

  /**
   * Creates an exception.
   *
   * @param keysAndValues alternating metadata keys (lowerCamel) and values
   */
  public static BrokerException of(Reason reason, String message, Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("metadata needs key/value pairs");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      metadata.put(String.valueOf(keysAndValues[i]), String.valueOf(keysAndValues[i + 1]));
    }
    return new BrokerException(reason, message, metadata);
  }

  /** The reason, which also fixes the status code. */
  public Reason reason() {
    return reason;
  }

  /** The code that {@link #reason()} travels with. */
  public ErrorCode code() {
    return reason.code();
  }

  /** The dynamic values of the message, keyed in lowerCamel. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The exception every operation raises once shutdown began. */
  public static BrokerException shuttingDown() {
    return of(Reason.SERVER_SHUTTING_DOWN, "the broker is shutting down");
  }
}
