package io.ipcbroker.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockSummary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pages of ListSyncObjects: kind by kind, by name, each object once, tokens that cannot lie. */
@Timeout(30)
class SyncObjectPagesTest {
  private static final ListSyncObjectsResponse ALL =
      ListSyncObjectsResponse.newBuilder()
          .addLocks(lock("a:1"))
          .addLocks(lock("a:2"))
          .addEvents(EventInfo.newBuilder().setName("e"))
          .addBarriers(BarrierInfo.newBuilder().setName("a"))
          .addBarriers(BarrierInfo.newBuilder().setName("z"))
          .build();

  private static LockSummary lock(String name) {
    return LockSummary.newBuilder().setLock(LockInfo.newBuilder().setName(name)).build();
  }

  private static List<String> names(ListSyncObjectsResponse page) {
    List<String> out = new ArrayList<>();
    page.getLocksList().forEach(l -> out.add("lock " + l.getLock().getName()));
    page.getEventsList().forEach(e -> out.add("event " + e.getName()));
    page.getBarriersList().forEach(b -> out.add("barrier " + b.getName()));
    return out;
  }

  @Test
  void everyPageSizeWalksEveryObjectOnceInOrder() {
    List<String> expected = names(ALL);
    for (int size = 1; size <= 6; size++) {
      List<String> seen = new ArrayList<>();
      SyncObjectPages.Position after = null;
      while (true) {
        ListSyncObjectsResponse page = SyncObjectPages.page(ALL, after, size);
        assertThat(names(page)).hasSizeLessThanOrEqualTo(size);
        seen.addAll(names(page));
        if (page.getNextPageToken().isEmpty()) {
          break;
        }
        after = SyncObjectPages.decode(page.getNextPageToken());
      }
      assertThat(seen).as("page size %d", size).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aPageStartsAfterItsPositionEvenIfThatObjectWasDeleted() {
    // The last page ended at lock "a:1" (a name with a colon); it has gone since.
    ListSyncObjectsResponse later =
        ListSyncObjectsResponse.newBuilder()
            .addLocks(lock("a:2"))
            .addEvents(EventInfo.newBuilder().setName("e"))
            .build();
    String token = SyncObjectPages.encode(new SyncObjectPages.Position(0, "a:1"));
    assertThat(names(SyncObjectPages.page(later, SyncObjectPages.decode(token), 10)))
        .containsExactly("lock a:2", "event e");
  }

  @Test
  void tokensFromElsewhereAreRefused() {
    for (String token :
        List.of(
            "nonsense!",
            encoded("y1:5:x"),
            encoded("y1:0:"),
            encoded("y1:0"),
            encoded("q1:lock"),
            encoded("y1:a:b"))) {
      assertThatThrownBy(() -> SyncObjectPages.decode(token))
          .as(token)
          .isInstanceOfSatisfying(
              BrokerException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD_VALUE));
    }
    assertThat(SyncObjectPages.decode("")).isNull();
  }

  private static String encoded(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
