package io.ipcbroker.server.dict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dict registry: names, create-or-open, delete, shutdown. */
@Timeout(30)
class DictRegistryTest {
  private final DictRegistry<String> dicts = new DictRegistry<>(String::length, 1 << 20);

  private static void assertReason(Runnable call, Reason reason) {
    assertThatThrownBy(call::run)
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(reason);
  }

  @Test
  void createOpenDeleteAndShutdown() {
    assertThat(dicts.create("d", false)).isEqualTo(new DictRegistry.Created(0, true));
    dicts.get("d").set("k", "v");
    assertReason(() -> dicts.create("d", false), Reason.DICT_ALREADY_EXISTS);
    assertThat(dicts.create("d", true)).isEqualTo(new DictRegistry.Created(1, false));
    assertReason(() -> dicts.create("bad name", true), Reason.INVALID_NAME);
    assertReason(() -> dicts.get("missing"), Reason.DICT_NOT_FOUND);

    assertThat(dicts.delete("d", false)).isTrue();
    assertReason(() -> dicts.delete("d", false), Reason.DICT_NOT_FOUND);
    assertThat(dicts.delete("d", true)).isFalse();
    assertThat(dicts.create("d", false).len()).as("a new dict").isZero();

    dicts.shutdown();
    assertReason(() -> dicts.get("d"), Reason.SERVER_SHUTTING_DOWN);
  }
}
