package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import io.ipcbroker.v1.Payload;
import java.util.Objects;

/** Values of one codec as payloads and back, for the containers (dicts, lists, namespaces). */
final class CodedPayloads<V> {
  private final String object;
  private final Codec<V> codec;

  /** Encodes with {@code codec}; decode failures name {@code object}. */
  CodedPayloads(String object, Codec<V> codec) {
    this.object = object;
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  Codec<V> codec() {
    return codec;
  }

  Payload encode(V value) {
    Objects.requireNonNull(value, "value");
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(codec.encode(value)))
        .setContentType(codec.contentType())
        .build();
  }

  /**
   * Decodes {@code p}.
   *
   * @throws ItemDecodeException if the codec cannot; it carries the payload
   */
  V decode(Payload p) {
    byte[] data = p.getData().toByteArray();
    try {
      return codec.decode(data, p.getContentType());
    } catch (RuntimeException e) {
      throw new ItemDecodeException(object, data, p.getContentType(), e);
    }
  }
}
