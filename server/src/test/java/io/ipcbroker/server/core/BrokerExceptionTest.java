package io.ipcbroker.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Proves that a {@link BrokerException} carries its reason, code and metadata as given. */
@Timeout(60)
class BrokerExceptionTest {
  @Test
  void carriesReasonCodeAndMetadataInOrder() {
    BrokerException e = BrokerException.of(Reason.QUEUE_NOT_FOUND, "m", "queue", "q", "n", 3);
    assertThat(e.reason()).isEqualTo(Reason.QUEUE_NOT_FOUND);
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.metadata())
        .containsExactly(java.util.Map.entry("queue", "q"), java.util.Map.entry("n", "3"));
    assertThatThrownBy(() -> e.metadata().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsOddMetadata() {
    assertThatThrownBy(() -> BrokerException.of(Reason.QUEUE_NOT_FOUND, "m", "queue"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shuttingDownIsUnavailable() {
    BrokerException e = BrokerException.shuttingDown();
    assertThat(e.reason()).isEqualTo(Reason.SERVER_SHUTTING_DOWN);
    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
  }
}
