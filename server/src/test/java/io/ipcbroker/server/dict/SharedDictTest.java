package io.ipcbroker.server.dict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dict core: Python's dict semantics (insertion order, get/pop defaults, setdefault, update),
 * key limits, compare-and-set, and paging that survives concurrent changes.
 */
@Timeout(60)
class SharedDictTest {
  private final SharedDict<String> dict = new SharedDict<>("d", String::length, 1 << 20);
  private final ExecutorService threads = Executors.newFixedThreadPool(4);

  @AfterEach
  void tearDown() {
    threads.shutdownNow();
  }

  private static void assertReason(Runnable call, Reason reason) {
    assertThatThrownBy(call::run)
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(reason);
  }

  private static List<String> allKeys(SharedDict<String> d, int pageSize) {
    List<String> keys = new ArrayList<>();
    String token = "";
    do {
      SharedDict.Page<String> page = d.keys(pageSize, token);
      keys.addAll(page.items());
      token = page.nextToken();
    } while (!token.isEmpty());
    return keys;
  }

  @Test
  void setGetContainsAndLenFollowPython() {
    assertThat(dict.set("a", "1")).isTrue();
    assertThat(dict.set("a", "2")).as("a replaced value is not new").isFalse();
    assertThat(dict.set("", "empty")).as("the empty key is a key").isTrue();
    assertThat(dict.get("a", null)).isEqualTo(new SharedDict.Found<>(true, "2"));
    assertThat(dict.get("", null).value()).isEqualTo("empty");
    assertThat(dict.contains("a")).isTrue();
    assertThat(dict.contains("b")).isFalse();
    assertThat(dict.len()).isEqualTo(2);
  }

  @Test
  void missingKeyIsKeyNotFoundUnlessADefaultIsGiven() {
    assertReason(() -> dict.get("nope", null), Reason.KEY_NOT_FOUND);
    assertThat(dict.get("nope", "dflt")).isEqualTo(new SharedDict.Found<>(false, "dflt"));
    assertThat(dict.contains("nope")).as("a default is not stored").isFalse();
  }

  @Test
  void keysUpToTheLimitAreAcceptedAndLongerOnesAreRefused() {
    String max = "k".repeat(SharedDict.MAX_KEY_LENGTH);
    dict.set(max, "v");
    assertThat(dict.get(max, null).value()).isEqualTo("v");
    // Counted in code points: 1,024 emoji (2,048 UTF-16 units) are a valid key.
    String emoji = "\uD83D\uDE00".repeat(SharedDict.MAX_KEY_LENGTH);
    dict.set(emoji, "e");
    assertThat(dict.contains(emoji)).isTrue();

    String tooLong = max + "k";
    assertReason(() -> dict.set(tooLong, "v"), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> dict.get(tooLong, null), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> dict.contains(tooLong), Reason.INVALID_FIELD_VALUE);
    assertReason(
        () -> dict.update(List.of(Map.entry("ok", "1"), Map.entry(tooLong, "2"))),
        Reason.INVALID_FIELD_VALUE);
    assertThat(dict.contains("ok")).as("a failed update changes nothing").isFalse();
  }

  @Test
  void orderIsInsertionOrderAndAReinsertedKeyMovesToTheEnd() {
    dict.update(List.of(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("c", "3")));
    dict.set("a", "10"); // keeps its place
    assertThat(allKeys(dict, 0)).containsExactly("a", "b", "c");
    dict.delete("a", false);
    dict.set("a", "11");
    assertThat(allKeys(dict, 0)).containsExactly("b", "c", "a");
    assertThat(dict.values(0, "").items()).containsExactly("2", "3", "11");
    assertThat(dict.items(0, "").items())
        .containsExactly(Map.entry("b", "2"), Map.entry("c", "3"), Map.entry("a", "11"));
  }

  @Test
  void updateAppliesInOrderSoTheLastValueOfARepeatedKeyWins() {
    assertThat(dict.update(List.of(Map.entry("x", "1"), Map.entry("y", "2"), Map.entry("x", "3"))))
        .isEqualTo(2);
    assertThat(dict.get("x", null).value()).isEqualTo("3");
    assertThat(allKeys(dict, 0)).containsExactly("x", "y");
  }

  @Test
  void deleteAndPopFollowPython() {
    dict.set("a", "1");
    assertThat(dict.delete("a", false)).isTrue();
    assertReason(() -> dict.delete("a", false), Reason.KEY_NOT_FOUND);
    assertThat(dict.delete("a", true)).isFalse();

    dict.set("b", "2");
    assertThat(dict.pop("b", null)).isEqualTo(new SharedDict.Found<>(true, "2"));
    assertThat(dict.contains("b")).isFalse();
    assertReason(() -> dict.pop("b", null), Reason.KEY_NOT_FOUND);
    assertThat(dict.pop("b", "d")).isEqualTo(new SharedDict.Found<>(false, "d"));
  }

  @Test
  void setDefaultSetsOnlyAMissingKey() {
    assertThat(dict.setDefault("k", "first")).isEqualTo(new SharedDict.Found<>(false, "first"));
    assertThat(dict.setDefault("k", "second")).isEqualTo(new SharedDict.Found<>(true, "first"));
    assertThat(dict.get("k", null).value()).isEqualTo("first");
  }

  @Test
  void clearRemovesEverythingAndAnswersHowMany() {
    dict.update(List.of(Map.entry("a", "1"), Map.entry("b", "2")));
    assertThat(dict.clear()).isEqualTo(2);
    assertThat(dict.len()).isZero();
    assertThat(allKeys(dict, 0)).isEmpty();
  }

  @Test
  void compareAndSetSwapsOnlyOnAMatch() {
    assertThat(dict.compareAndSet("k", null, "1")).isEqualTo(new SharedDict.Swap<>(true, "1"));
    assertThat(dict.compareAndSet("k", null, "2"))
        .as("expected absent, but present")
        .isEqualTo(new SharedDict.Swap<>(false, "1"));
    assertThat(dict.compareAndSet("k", "x", "2")).isEqualTo(new SharedDict.Swap<>(false, "1"));
    assertThat(dict.compareAndSet("k", "1", "2")).isEqualTo(new SharedDict.Swap<>(true, "2"));
    assertThat(dict.compareAndSet("k", "2", null))
        .as("a null new value deletes")
        .isEqualTo(new SharedDict.Swap<>(true, null));
    assertThat(dict.contains("k")).isFalse();
    assertThat(dict.compareAndSet("k", "2", "3")).isEqualTo(new SharedDict.Swap<>(false, null));
  }

  @Test
  void pagesRespectThePageSizeAndItsCap() {
    for (int i = 0; i < 2500; i++) {
      dict.set("k" + i, "v");
    }
    SharedDict.Page<String> first = dict.keys(7, "");
    assertThat(first.items()).hasSize(7);
    assertThat(dict.keys(0, "").items()).hasSize(100);
    assertThat(dict.keys(5000, "").items()).hasSize(1000);
    assertThat(allKeys(dict, 333)).hasSize(2500).doesNotHaveDuplicates();
    assertReason(() -> dict.keys(-1, ""), Reason.INVALID_FIELD_VALUE);
  }

  @Test
  void pagesStopAtTheByteLimitButHoldAtLeastOneEntry() {
    SharedDict<String> small = new SharedDict<>("s", String::length, 100);
    small.set("a", "x".repeat(60));
    small.set("b", "x".repeat(60));
    small.set("c", "x".repeat(500)); // alone over the limit
    assertThat(small.keys(0, "").items()).containsExactly("a");
    assertThat(allKeys(small, 0)).containsExactly("a", "b", "c");
  }

  @Test
  void foreignOrGarbledTokensAreInvalidFieldValues() {
    dict.set("a", "1");
    dict.set("b", "2");
    SharedDict<String> other = new SharedDict<>("o", String::length, 1 << 20);
    other.set("a", "1");
    other.set("b", "2");
    String token = other.keys(1, "").nextToken();
    assertThat(token).isNotEmpty();
    assertReason(() -> dict.keys(1, token), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> dict.keys(1, "not base64!"), Reason.INVALID_FIELD_VALUE);
    assertReason(() -> dict.keys(1, "q1xyz"), Reason.INVALID_FIELD_VALUE);
    // The three listings share tokens.
    String mine = dict.keys(1, "").nextToken();
    assertThat(dict.values(1, mine).items()).containsExactly("2");
  }

  @Test
  void pagingWhileTheDictChangesReturnsSurvivorsOnceAndAdditionsOnce() {
    for (int i = 0; i < 10; i++) {
      dict.set("k" + i, "v");
    }
    SharedDict.Page<String> p1 = dict.keys(3, "");
    assertThat(p1.items()).containsExactly("k0", "k1", "k2");
    dict.delete("k1", false); // already returned
    dict.delete("k4", false); // not yet returned: never returned
    dict.set("k3", "changed"); // keeps its place
    dict.set("new", "v"); // joins the end
    dict.delete("k0", false);
    dict.set("k0", "again"); // moves to the end: returned a second time, as a new entry
    List<String> rest = new ArrayList<>();
    String token = p1.nextToken();
    while (!token.isEmpty()) {
      SharedDict.Page<String> p = dict.keys(3, token);
      rest.addAll(p.items());
      token = p.nextToken();
    }
    assertThat(rest).containsExactly("k3", "k5", "k6", "k7", "k8", "k9", "new", "k0");
  }

  @Test
  void aTokenWhoseEntryWasDeletedStillResumesAfterIt() {
    for (int i = 0; i < 6; i++) {
      dict.set("k" + i, "v");
    }
    SharedDict.Page<String> p1 = dict.keys(2, "");
    dict.delete("k1", false); // the entry the token names
    dict.delete("k2", false);
    assertThat(dict.keys(10, p1.nextToken()).items()).containsExactly("k3", "k4", "k5");
    dict.clear();
    SharedDict.Page<String> afterClear = dict.keys(10, p1.nextToken());
    assertThat(afterClear.items()).isEmpty();
    assertThat(afterClear.nextToken()).isEmpty();
  }

  @Test
  void concurrentWalkersAndWritersNeverFailAndSeeEverySurvivorOnce() throws Exception {
    for (int i = 0; i < 2000; i++) {
      dict.set("stable" + i, "v");
    }
    CountDownLatch start = new CountDownLatch(1);
    Future<?> writer =
        threads.submit(
            () -> {
              start.await();
              for (int i = 0; i < 5000; i++) {
                dict.set("churn" + (i % 50), "v" + i);
                dict.delete("churn" + ((i + 25) % 50), true);
              }
              return null;
            });
    List<Future<List<String>>> walkers = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      walkers.add(
          threads.submit(
              () -> {
                start.await();
                return allKeys(dict, 17);
              }));
    }
    start.countDown();
    writer.get(30, TimeUnit.SECONDS);
    for (Future<List<String>> walker : walkers) {
      List<String> keys = walker.get(30, TimeUnit.SECONDS);
      assertThat(keys.stream().filter(k -> k.startsWith("stable")))
          .hasSize(2000)
          .doesNotHaveDuplicates();
    }
  }

  @Test
  void concurrentSetDefaultsLetExactlyOneWriterWin() throws Exception {
    for (int round = 0; round < 200; round++) {
      String key = "race" + round;
      CountDownLatch start = new CountDownLatch(1);
      List<Future<SharedDict.Found<String>>> racers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String mine = "t" + t;
        racers.add(
            threads.submit(
                () -> {
                  start.await();
                  return dict.setDefault(key, mine);
                }));
      }
      start.countDown();
      int inserted = 0;
      for (Future<SharedDict.Found<String>> f : racers) {
        SharedDict.Found<String> r = f.get(10, TimeUnit.SECONDS);
        if (!r.found()) {
          inserted++;
        }
        assertThat(r.value()).isEqualTo(dict.get(key, null).value());
      }
      assertThat(inserted).isEqualTo(1);
    }
  }

  @Test
  void entriesCountAgainstTheByteQuotaAndGiveTheirBytesBack() {
    // An entry of a 1-char key and a 10-char value counts 2 + 10 + the overhead.
    long entry = 2 + 10 + SharedDict.ENTRY_OVERHEAD_BYTES;
    ByteQuota quota = new ByteQuota(3 * entry);
    SharedDict<String> d = new SharedDict<>("q", String::length, 1 << 20, quota);
    String ten = "x".repeat(10);
    d.set("a", ten);
    d.set("b", ten);
    assertThat(quota.held()).isEqualTo(2 * entry);
    // A batch that would pass the quota sets nothing.
    assertReason(
        () -> d.update(List.of(Map.entry("c", ten), Map.entry("d", ten))), Reason.QUOTA_EXCEEDED);
    assertThat(d.len()).isEqualTo(2);
    assertThat(quota.held()).isEqualTo(2 * entry);
    d.set("c", ten);
    assertReason(() -> d.set("d", "y"), Reason.QUOTA_EXCEEDED);
    assertReason(() -> d.setDefault("d", "y"), Reason.QUOTA_EXCEEDED);
    assertThat(d.contains("d")).isFalse();
    // Replacing with a smaller value gives the difference back; a larger one needs room.
    d.set("a", "s");
    assertThat(quota.held()).isEqualTo(3 * entry - 9);
    assertReason(() -> d.set("a", "x".repeat(20)), Reason.QUOTA_EXCEEDED);
    assertThat(d.get("a", null).value()).isEqualTo("s");
    d.pop("b", null);
    d.delete("c", false);
    assertThat(quota.held()).isEqualTo(entry - 9);
    d.compareAndSet("a", "s", ten);
    assertThat(quota.held()).isEqualTo(entry);
    d.clear();
    assertThat(quota.held()).isZero();
    d.update(List.of(Map.entry("a", ten), Map.entry("a", ten), Map.entry("b", ten)));
    assertThat(quota.held()).isEqualTo(2 * entry);
    d.release(); // deleted
    assertThat(quota.held()).isZero();
    // A call that looked the dict up before the delete changes an orphan: it counts nothing.
    d.set("late", ten);
    d.pop("a", null);
    assertThat(quota.held()).isZero();
  }
}
