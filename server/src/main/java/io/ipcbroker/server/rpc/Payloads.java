package io.ipcbroker.server.rpc;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.Payload;

/** The checks every payload passes (queue items, pipe messages) before anything is applied. */
public final class Payloads {
  /** The longest {@code content_type}. */
  public static final int MAX_CONTENT_TYPE_LENGTH = 256;

  private Payloads() {}

  /**
   * Checks one payload.
   *
   * @throws BrokerException {@link Reason#ITEM_TOO_LARGE} above {@code maxItemBytes}, {@link
   *     Reason#INVALID_FIELD_VALUE} for a content type over {@link #MAX_CONTENT_TYPE_LENGTH}
   */
  public static void check(Payload p, int maxItemBytes) {
    int size = p.getData().size();
    if (size > maxItemBytes) {
      throw BrokerException.of(
          Reason.ITEM_TOO_LARGE,
          "an item of " + size + " bytes is over the limit of " + maxItemBytes,
          "size",
          size,
          "limit",
          maxItemBytes);
    }
    if (p.getContentType().length() > MAX_CONTENT_TYPE_LENGTH) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "content_type must be at most " + MAX_CONTENT_TYPE_LENGTH + " characters",
          "field",
          "content_type",
          "value",
          p.getContentType().length() + " characters");
    }
  }
}
