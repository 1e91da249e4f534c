package io.ipcbroker.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What /status.json holds: at most {@link StatusView#ROWS} rows a table, those that need an
 * operator's eye first, and the full counts.
 */
@Timeout(30)
class StatusViewTest {
  private static BrokerMetrics.QueueFigures queue(String name, long depth) {
    return new BrokerMetrics.QueueFigures(name, depth, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0);
  }

  private static List<String> all(String json, String regex) {
    Matcher m = Pattern.compile(regex).matcher(json);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void aLargeBrokerShowsItsDeepestQueuesAndBusiestLocksFirstWithTheFullCounts() {
    List<BrokerMetrics.QueueFigures> queues = new ArrayList<>();
    for (int i = 0; i < StatusView.ROWS + 1; i++) {
      queues.add(queue(String.format("q%04d", i), i == 7 ? 1000 : 0));
    }
    List<BrokerMetrics.SyncFigures> sync = new ArrayList<>();
    for (int i = 0; i < StatusView.ROWS + 10; i++) {
      sync.add(new BrokerMetrics.SyncFigures("event", String.format("e%04d", i), "clear", 0, -1));
    }
    sync.add(new BrokerMetrics.SyncFigures("lock", "zz-busy", "held by w (1)", 3, 1));
    List<StatusView.ProcessRow> processes =
        List.of(
            new StatusView.ProcessRow("proc-1", "done", 10L, "exited", 0),
            new StatusView.ProcessRow("proc-2", "live", 11L, "running", null));

    String json =
        new StatusView("127.0.0.1:1", "dev", 5, queues, processes, List.of(), List.of(), sync)
            .toJson();

    assertThat(json)
        .contains(
            "\"counts\":{\"queues\":501,\"processes\":2,\"sessions\":0,\"pools\":0,"
                + "\"syncObjects\":511}");
    List<String> shownQueues = all(json, "\\{\"name\":\"(q\\d+)\",\"depth\"");
    assertThat(shownQueues).hasSize(StatusView.ROWS);
    assertThat(shownQueues.get(0)).isEqualTo("q0007"); // the deepest first
    assertThat(shownQueues.subList(1, 4)).containsExactly("q0000", "q0001", "q0002");

    List<String> shownSync = all(json, "\"kind\":\"\\w+\",\"name\":\"([^\"]+)\"");
    assertThat(shownSync).hasSize(StatusView.ROWS);
    assertThat(shownSync.get(0)).isEqualTo("zz-busy"); // a busy lock before idle events

    assertThat(all(json, "\\{\"id\":\"(proc-\\d)\"")).containsExactly("proc-2", "proc-1");
  }
}
