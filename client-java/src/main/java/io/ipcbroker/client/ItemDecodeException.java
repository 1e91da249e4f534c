package io.ipcbroker.client;

import java.util.Map;

/**
 * A get received an item that the queue's {@link Codec} could not decode. The item was taken from
 * the queue; it is not lost: {@link #data()} and {@link #contentType()} hold it as it was put.
 */
public final class ItemDecodeException extends IpcBrokerException {
  private static final long serialVersionUID = 1L;

  /** The reason of this exception. */
  public static final String ITEM_DECODE_FAILED = "ITEM_DECODE_FAILED";

  private final byte[] data;
  private final String contentType;

  ItemDecodeException(String queue, byte[] data, String contentType, RuntimeException cause) {
    super(
        Code.OK,
        ITEM_DECODE_FAILED,
        "an item of queue " + queue + " (" + contentType + ") could not be decoded",
        Map.of("queue", queue, "contentType", contentType),
        cause);
    this.data = data;
    this.contentType = contentType;
  }

  /** The item's bytes. */
  public byte[] data() {
    return data.clone();
  }

  /** The content type its writer gave. */
  public String contentType() {
    return contentType;
  }
}
