package io.ipcbroker.server.list;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The list registry: names, create-or-open, delete, shutdown. */
@Timeout(30)
class ListRegistryTest {
  private final ListRegistry<String> lists = new ListRegistry<>(String::length, 1 << 20);

  private static void assertReason(Runnable call, Reason reason) {
    assertThatThrownBy(call::run)
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(reason);
  }

  @Test
  void createOpenDeleteAndShutdown() {
    assertThat(lists.create("l", false)).isEqualTo(new ListRegistry.Created(0, true));
    lists.get("l").append("v");
    assertReason(() -> lists.create("l", false), Reason.LIST_ALREADY_EXISTS);
    assertThat(lists.create("l", true)).isEqualTo(new ListRegistry.Created(1, false));
    assertReason(() -> lists.create("", true), Reason.INVALID_NAME);
    assertReason(() -> lists.get("missing"), Reason.LIST_NOT_FOUND);

    assertThat(lists.delete("l", false)).isTrue();
    assertReason(() -> lists.delete("l", false), Reason.LIST_NOT_FOUND);
    assertThat(lists.delete("l", true)).isFalse();

    lists.shutdown();
    assertReason(() -> lists.get("l"), Reason.SERVER_SHUTTING_DOWN);
  }
}
