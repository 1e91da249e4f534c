package io.ipcbroker.server.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves that every {@link Reason} becomes a status with the gRPC code of the same name and exactly
 * one {@code ErrorInfo} (reason, domain, metadata), and that anything else becomes {@code INTERNAL}
 * rather than leaking as {@code UNKNOWN}.
 */
@Timeout(60)
class StatusMappingTest {
  @Test
  void everyReasonMapsToItsCodeWithOneErrorInfo() throws Exception {
    for (Reason r : Reason.values()) {
      StatusRuntimeException e =
          StatusMapping.toStatusException(BrokerException.of(r, "m", "queue", "q"));
      assertThat(e.getStatus().getCode().name()).as("code of %s", r).isEqualTo(r.code().name());
      com.google.rpc.Status s = StatusProto.fromThrowable(e);
      assertThat(s.getDetailsList()).hasSize(1);
      ErrorInfo info = s.getDetails(0).unpack(ErrorInfo.class);
      assertThat(info.getReason()).isEqualTo(r.name());
      assertThat(info.getDomain()).isEqualTo(StatusMapping.DOMAIN).isEqualTo("ipcbroker.dev");
      assertThat(info.getMetadataMap()).containsExactly(java.util.Map.entry("queue", "q"));
    }
  }

  @Test
  void unexpectedFailuresAreInternalAndStatusesPassThrough() {
    Throwable bug = new IllegalStateException("boom");
    assertThat(StatusMapping.toStatusException(bug).getStatus().getCode())
        .isEqualTo(Status.Code.INTERNAL);
    StatusRuntimeException given = Status.CANCELLED.asRuntimeException();
    assertThat(StatusMapping.toStatusException((Throwable) given)).isSameAs(given);
  }
}
