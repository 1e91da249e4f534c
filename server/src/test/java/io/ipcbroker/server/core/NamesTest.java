package io.ipcbroker.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Proves which object names {@link Names#checkName} accepts and which it rejects. */
@Timeout(60)
class NamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"urls", "task_queue", "jobs:high", "a.b-1", "_private", "9lives", "Q"})
  void acceptsPythonStyleNames(String name) {
    assertThat(Names.checkName("name", name)).isEqualTo(name);
  }

  @Test
  void acceptsExactly128Characters() {
    String name = "a".repeat(Names.MAX_NAME_LENGTH);
    assertThat(name).hasSize(128);
    assertThat(Names.checkName("name", name)).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "with space",
        " lead",
        "trail ",
        "a/b",
        "/abs",
        "-leading-dash",
        ".hidden",
        "tab\tx",
        "ümlaut",
        "a*b",
        "new\nline"
      })
  void rejectsInvalidNames(String name) {
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> Names.checkName("queue", name));
    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(Reason.INVALID_NAME);
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(e.metadata()).containsEntry("field", "queue");
  }

  @Test
  void rejects129Characters() {
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> Names.checkName("name", "a".repeat(129)));
    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(Reason.INVALID_NAME);
  }

  @Test
  void rejectsNull() {
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> Names.checkName("name", null));
    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(Reason.INVALID_NAME);
  }

  @Test
  void checkRequiredRejectsOnlyEmpty() {
    assertThat(Names.checkRequired("session_id", "x")).isEqualTo("x");
    BrokerException e =
        catchThrowableOfType(BrokerException.class, () -> Names.checkRequired("session_id", ""));
    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(Reason.FIELD_REQUIRED);
    assertThat(e.metadata()).containsEntry("field", "session_id");
  }

  @Test
  void abbreviateCapsLongValues() {
    assertThat(Names.abbreviate("short")).isEqualTo("short");
    assertThat(Names.abbreviate("x".repeat(1000))).hasSize(160);
  }
}
