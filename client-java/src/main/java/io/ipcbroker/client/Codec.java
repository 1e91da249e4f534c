package io.ipcbroker.client;

/**
 * Turns application values into queue payloads and back. The broker never decodes payloads; the
 * content type tells readers in other languages how to.
 *
 * <p>Ready-made codecs are in {@link Codecs}. Implementations must be thread-safe.
 *
 * @param <T> the application type
 */
public interface Codec<T> {
  /** The MIME type written with every encoded value, for example {@code application/json}. */
  String contentType();

  /** Encodes {@code value}; must not return null. */
  byte[] encode(T value);

  /**
   * Decodes a payload.
   *
   * @param contentType the content type its writer gave, possibly empty
   * @throws RuntimeException if the payload cannot be decoded; the SDK then throws {@link
   *     ItemDecodeException} carrying the raw bytes, so the item is not lost
   */
  T decode(byte[] data, String contentType);
}
