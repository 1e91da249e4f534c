package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.UUID;

/** Small helpers shared by the conformance tests. */
public final class Rpc {
  /** The {@code ErrorInfo.domain} every broker error carries. */
  public static final String DOMAIN = "ipcbroker.dev";

  /** Messages as they are on the wire, for requests a generated stub would not send. */
  private static final MethodDescriptor.Marshaller<byte[]> RAW_BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private Rpc() {}

  /** {@code method} (same name and type) sending and receiving raw bytes. */
  public static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
    return method.toBuilder(RAW_BYTES, RAW_BYTES).build();
  }

  /** The message type of {@code method}'s requests (a generated method's marshaller knows it). */
  public static Descriptor requestType(MethodDescriptor<?, ?> method) {
    return ((Message)
            ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype())
        .getDescriptorForType();
  }

  /** A queue or object name unique to this run, so tests never collide on a shared broker. */
  public static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
  }

  /** The {@code ErrorInfo} of a failed call; fails the test if there is not exactly one. */
  public static ErrorInfo errorInfo(Throwable t) {
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    assertThat(status).as("google.rpc.Status in the trailers of %s", t).isNotNull();
    ErrorInfo info = null;
    int count = 0;
    for (com.google.protobuf.Any any : status.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        count++;
        try {
          info = any.unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    assertThat(count).as("ErrorInfo details").isEqualTo(1);
    assertThat(info.getDomain()).isEqualTo(DOMAIN);
    return info;
  }

  /**
   * Asserts that {@code call} fails with {@code code} and reason {@code reason}; returns the {@code
   * ErrorInfo} for further checks of its metadata.
   */
  public static ErrorInfo assertFails(Status.Code code, String reason, Runnable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(e).as("expected %s/%s", code, reason).isNotNull();
    return assertStatus(e, code, reason);
  }

  /** Asserts that {@code t} is a status with {@code code} and reason {@code reason}. */
  public static ErrorInfo assertStatus(Throwable t, Status.Code code, String reason) {
    Status status = Status.fromThrowable(t);
    assertThat(status.getCode()).as("status code of %s", t).isEqualTo(code);
    ErrorInfo info = errorInfo(t);
    assertThat(info.getReason()).as("ErrorInfo.reason").isEqualTo(reason);
    return info;
  }
}
