package io.ipcbroker.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.NamePages;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.ConditionInfo;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockSummary;
import io.ipcbroker.v1.SemaphoreInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pages of ListSyncObjects: kind by kind, by name, each object once, tokens that cannot lie. */
@Timeout(30)
class SyncObjectPagesTest {
  /** Kinds over fixed lists (in any order: a kind sorts by name as the registries do). */
  private static SyncObjectPages.Kinds kinds(
      List<LockSummary> locks,
      List<SemaphoreInfo> semaphores,
      List<EventInfo> events,
      List<BarrierInfo> barriers) {
    return new SyncObjectPages.Kinds(
        kind(locks, l -> l.getLock().getName(), ListSyncObjectsResponse.Builder::addLocks),
        kind(semaphores, SemaphoreInfo::getName, ListSyncObjectsResponse.Builder::addSemaphores),
        kind(List.of(), ConditionInfo::getName, ListSyncObjectsResponse.Builder::addConditions),
        kind(events, EventInfo::getName, ListSyncObjectsResponse.Builder::addEvents),
        kind(barriers, BarrierInfo::getName, ListSyncObjectsResponse.Builder::addBarriers));
  }

  private static <M> SyncObjectPages.Kind<M> kind(
      List<M> items, Function<M, String> name, BiConsumer<ListSyncObjectsResponse.Builder, M> add) {
    return new SyncObjectPages.Kind<>(
        (after, max) -> NamePages.firstAfter(items, name, after, max), name, add);
  }

  // The same name in two kinds, a name with colons, an empty kind between two full ones.
  private static final SyncObjectPages.Kinds ALL =
      kinds(
          List.of(lock("a:2"), lock("a:1")),
          List.of(SemaphoreInfo.newBuilder().setName("a:1").build()),
          List.of(EventInfo.newBuilder().setName("e").build()),
          List.of(
              BarrierInfo.newBuilder().setName("z").build(),
              BarrierInfo.newBuilder().setName("a").build()));

  private static LockSummary lock(String name) {
    return LockSummary.newBuilder().setLock(LockInfo.newBuilder().setName(name)).build();
  }

  private static List<String> names(ListSyncObjectsResponse page) {
    List<String> out = new ArrayList<>();
    page.getLocksList().forEach(l -> out.add("lock " + l.getLock().getName()));
    page.getSemaphoresList().forEach(x -> out.add("semaphore " + x.getName()));
    page.getEventsList().forEach(e -> out.add("event " + e.getName()));
    page.getBarriersList().forEach(b -> out.add("barrier " + b.getName()));
    return out;
  }

  @Test
  void everyPageSizeWalksEveryObjectOnceInOrder() {
    List<String> expected =
        List.of("lock a:1", "lock a:2", "semaphore a:1", "event e", "barrier a", "barrier z");
    assertThat(names(SyncObjectPages.all(ALL))).containsExactlyElementsOf(expected);
    for (int size = 1; size <= 7; size++) {
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
    SyncObjectPages.Kinds later =
        kinds(
            List.of(lock("a:2")),
            List.of(),
            List.of(EventInfo.newBuilder().setName("e").build()),
            List.of());
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
