package io.ipcbroker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.ipcbroker.server.core.Reason;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on the statuses the broker sends: code, and the one {@code ErrorInfo}. */
final class GrpcAssertions {
  private GrpcAssertions() {}

  /** Asserts that {@code t} carries {@code code} and an {@code ErrorInfo} with {@code reason}. */
  static ErrorInfo assertError(Throwable t, Status.Code code, Reason reason) {
    assertThat(t).as("expected a failed call").isNotNull();
    assertThat(Status.fromThrowable(t).getCode()).as("status code of %s", t).isEqualTo(code);
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    assertThat(status).as("google.rpc.Status details of %s", t).isNotNull();
    assertThat(status.getCode()).isEqualTo(code.value());
    assertThat(status.getDetailsList()).hasSize(1);
    Any detail = status.getDetails(0);
    assertThat(detail.is(ErrorInfo.class)).isTrue();
    ErrorInfo info;
    try {
      info = detail.unpack(ErrorInfo.class);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    assertThat(info.getDomain()).isEqualTo("ipcbroker.dev");
    assertThat(info.getReason()).isEqualTo(reason.name());
    return info;
  }

  /** Runs {@code call} and asserts that it fails as {@link #assertError} says. */
  static ErrorInfo assertFails(ThrowingCallable call, Status.Code code, Reason reason) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
    return assertError(t, code, reason);
  }
}
