package io.ipcbroker.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Codecs for the common payload types. */
public final class Codecs {
  private static final Codec<String> STRING =
      new Codec<>() {
        @Override
        public String contentType() {
          return "text/plain; charset=utf-8";
        }

        @Override
        public byte[] encode(String value) {
          return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] data, String contentType) {
          // Any producer's text (JSON, CSV, plain) reads as UTF-8 text.
          return new String(data, StandardCharsets.UTF_8);
        }
      };

  private static final Codec<byte[]> BYTES =
      new Codec<>() {
        @Override
        public String contentType() {
          return "application/octet-stream";
        }

        @Override
        public byte[] encode(byte[] value) {
          return value;
        }

        @Override
        public byte[] decode(byte[] data, String contentType) {
          return data;
        }
      };

  private static final Codec<List<String>> STRING_LIST =
      new Codec<>() {
        @Override
        public String contentType() {
          return "application/json";
        }

        @Override
        public byte[] encode(List<String> value) {
          StringBuilder b = new StringBuilder("[");
          for (int i = 0; i < value.size(); i++) {
            if (i > 0) {
              b.append(',');
            }
            JsonStrings.write(b, value.get(i));
          }
          return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public List<String> decode(byte[] data, String contentType) {
          return JsonStrings.readArray(new String(data, StandardCharsets.UTF_8));
        }
      };

  private Codecs() {}

  /**
   * Lists of strings as a JSON array of strings ({@code ["3","4"]}), written as {@code
   * application/json}: how {@link IpcPool#starmap} sends each task's arguments, readable in any
   * language. Decoding accepts only an array of strings (and {@code null} elements as null).
   */
  public static Codec<List<String>> stringList() {
    return STRING_LIST;
  }

  /** UTF-8 text, written as {@code text/plain; charset=utf-8}. */
  public static Codec<String> string() {
    return STRING;
  }

  /** Raw bytes, written as {@code application/octet-stream}. */
  public static Codec<byte[]> bytes() {
    return BYTES;
  }

  /**
   * Protocol buffer messages of one type, written as {@code application/x-protobuf; type=<full
   * name>}. Decoding a payload whose content type names another message type fails with {@link
   * ItemDecodeException}.
   */
  public static <M extends Message> Codec<M> protobuf(M defaultInstance) {
    String typeName = defaultInstance.getDescriptorForType().getFullName();
    String contentType = "application/x-protobuf; type=" + typeName;
    @SuppressWarnings("unchecked")
    Parser<M> parser = (Parser<M>) defaultInstance.getParserForType();
    return new Codec<>() {
      @Override
      public String contentType() {
        return contentType;
      }

      @Override
      public byte[] encode(M value) {
        return value.toByteArray();
      }

      @Override
      public M decode(byte[] data, String writerType) {
        int at = writerType.indexOf("type=");
        if (at >= 0 && !writerType.substring(at + 5).trim().equals(typeName)) {
          throw new IllegalArgumentException("payload is " + writerType + ", not a " + typeName);
        }
        try {
          return parser.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException("payload is not a valid " + typeName, e);
        }
      }
    };
  }
}
