package io.ipcbroker.server.list;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The list core: Python's indices, insert clamping, pops, slices with steps, and atomicity. */
@Timeout(60)
class SharedListTest {
  private final SharedList<String> list = new SharedList<>("l", String::length, 1 << 20);
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

  /** A list of "0", "1", ..., n - 1. */
  private static SharedList<String> digits(int n) {
    SharedList<String> l = new SharedList<>("d", String::length, 1 << 20);
    l.extend(IntStream.range(0, n).mapToObj(Integer::toString).toList());
    return l;
  }

  /** Python's {@code list(range(n))[start:stop:step]}, by brute force. */
  private static List<String> pythonSlice(int n, Long start, Long stop, long step) {
    // Python's rules, written out plainly: default bounds, then negatives, then clamps.
    long lo;
    long hi;
    if (step > 0) {
      lo = start == null ? 0 : start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
      hi = stop == null ? n : stop < 0 ? Math.max(stop + n, 0) : Math.min(stop, n);
    } else {
      lo = start == null ? n - 1 : start < 0 ? Math.max(start + n, -1) : Math.min(start, n - 1);
      hi = stop == null ? -1 : stop < 0 ? Math.max(stop + n, -1) : Math.min(stop, n - 1);
    }
    List<String> out = new ArrayList<>();
    for (long i = lo; step > 0 ? i < hi : i > hi; ) {
      out.add(Long.toString(i));
      try {
        i = Math.addExact(i, step);
      } catch (ArithmeticException e) {
        break; // past any bound
      }
    }
    return out;
  }

  @Test
  void appendExtendGetSetAndNegativeIndices() {
    assertThat(list.append("a")).isEqualTo(1);
    assertThat(list.extend(List.of("b", "c"))).isEqualTo(3);
    assertThat(list.get(0)).isEqualTo("a");
    assertThat(list.get(-1)).isEqualTo("c");
    assertThat(list.get(-3)).isEqualTo("a");
    list.set(-2, "B");
    assertThat(list.get(1)).isEqualTo("B");
    assertThat(list.extend(List.of())).isEqualTo(3);
  }

  @ParameterizedTest
  @CsvSource({"3", "-4", "100", "-100", "9223372036854775807", "-9223372036854775808"})
  void indicesOutOfRangeAreIndexOutOfRangeAndChangeNothing(long index) {
    list.extend(List.of("a", "b", "c"));
    assertReason(() -> list.get(index), Reason.INDEX_OUT_OF_RANGE);
    assertReason(() -> list.set(index, "x"), Reason.INDEX_OUT_OF_RANGE);
    assertReason(() -> list.delete(index), Reason.INDEX_OUT_OF_RANGE);
    assertReason(() -> list.pop(index), Reason.INDEX_OUT_OF_RANGE);
    assertThat(list.slice(null, null, null).values()).containsExactly("a", "b", "c");
  }

  @ParameterizedTest
  @CsvSource({
    "0, x012",
    "1, 0x12",
    "3, 012x",
    "4, 012x",
    "99, 012x",
    "-1, 01x2",
    "-3, x012",
    "-4, x012",
    "-99, x012",
    "9223372036854775807, 012x",
    "-9223372036854775808, x012"
  })
  void insertClampsItsIndexAsPython(long index, String expected) {
    SharedList<String> l = digits(3);
    assertThat(l.insert(index, "x")).isEqualTo(4);
    assertThat(String.join("", l.slice(null, null, null).values())).isEqualTo(expected);
  }

  @Test
  void popTakesTheLastByDefaultAnyIndexOnRequestAndFailsOnAnEmptyList() {
    SharedList<String> l = digits(4);
    assertThat(l.pop(null)).isEqualTo("3");
    assertThat(l.pop(0L)).isEqualTo("0");
    assertThat(l.pop(-1L)).isEqualTo("2");
    assertThat(l.pop(null)).isEqualTo("1");
    assertReason(() -> l.pop(null), Reason.INDEX_OUT_OF_RANGE);
    assertReason(() -> l.pop(0L), Reason.INDEX_OUT_OF_RANGE);
  }

  @Test
  void deleteRemovesAtAnIndexAndClearAnswersHowMany() {
    SharedList<String> l = digits(5);
    l.delete(1);
    l.delete(-1);
    assertThat(l.slice(null, null, null).values()).containsExactly("0", "2", "3");
    assertThat(l.clear()).isEqualTo(3);
    assertThat(l.len()).isZero();
  }

  @Test
  void slicesMatchPythonForEveryBoundAndStep() {
    int n = 7;
    SharedList<String> l = digits(n);
    Long[] bounds = {
      null, 0L, 1L, 3L, 6L, 7L, 8L, 100L, -1L, -3L, -7L, -8L, -100L, Long.MAX_VALUE, Long.MIN_VALUE
    };
    long[] steps = {1, 2, 3, 7, 100, -1, -2, -3, -100, Long.MAX_VALUE, Long.MIN_VALUE};
    for (Long start : bounds) {
      for (Long stop : bounds) {
        for (long step : steps) {
          assertThat(l.slice(start, stop, step).values())
              .as("[%s:%s:%s]", start, stop, step)
              .isEqualTo(pythonSlice(n, start, stop, Math.max(step, -Long.MAX_VALUE)));
        }
        assertThat(l.slice(start, stop, null).values())
            .as("[%s:%s]", start, stop)
            .isEqualTo(pythonSlice(n, start, stop, 1));
      }
    }
    assertThat(digits(0).slice(null, null, -1L).values()).isEmpty();
    assertReason(() -> l.slice(null, null, 0L), Reason.INVALID_FIELD_VALUE);
  }

  @Test
  void aSliceOverTheByteLimitStopsEarlyAndTellsWhereToGoOn() {
    SharedList<String> l = new SharedList<>("big", String::length, 100);
    l.extend(IntStream.range(0, 10).mapToObj(i -> i + "x".repeat(39)).toList()); // 40 + 8 each
    SharedList.Slice<String> first = l.slice(null, null, null);
    assertThat(first.values()).hasSize(2);
    assertThat(first.truncated()).isTrue();
    assertThat(first.nextStart()).isEqualTo(2);

    List<String> all = new ArrayList<>();
    Long start = null;
    while (true) {
      SharedList.Slice<String> s = l.slice(start, null, -3L);
      all.addAll(s.values());
      if (!s.truncated()) {
        break;
      }
      start = s.nextStart();
    }
    assertThat(all.stream().map(v -> v.substring(0, 1))).containsExactly("9", "6", "3", "0");

    SharedList<String> huge = new SharedList<>("huge", String::length, 10);
    huge.append("x".repeat(50)); // one element over the limit still comes back
    assertThat(huge.slice(null, null, null).values()).hasSize(1);
  }

  @Test
  void concurrentAppendsAndPopsLoseNothing() throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(
          threads.submit(
              () -> {
                start.await();
                int popped = 0;
                for (int i = 0; i < 5000; i++) {
                  list.append("v");
                  if (i % 2 == 0) {
                    list.pop(null);
                    popped++;
                  }
                }
                return popped;
              }));
    }
    start.countDown();
    int popped = 0;
    for (Future<Integer> w : workers) {
      popped += w.get(30, TimeUnit.SECONDS);
    }
    assertThat(list.len()).isEqualTo(4 * 5000 - popped);
  }

  @Test
  void elementsCountAgainstTheByteQuotaAndGiveTheirBytesBack() {
    long element = 10 + SharedList.ELEMENT_OVERHEAD_BYTES;
    ByteQuota quota = new ByteQuota(3 * element);
    SharedList<String> l = new SharedList<>("q", String::length, 1 << 20, quota);
    String ten = "x".repeat(10);
    l.append(ten);
    l.insert(0, ten);
    assertThat(quota.held()).isEqualTo(2 * element);
    // An extend that would pass the quota adds nothing.
    assertThatThrownBy(() -> l.extend(List.of(ten, ten)))
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.QUOTA_EXCEEDED);
    assertThat(l.len()).isEqualTo(2);
    l.append(ten);
    assertThatThrownBy(() -> l.append("y"))
        .isInstanceOf(BrokerException.class)
        .extracting(e -> ((BrokerException) e).reason())
        .isEqualTo(Reason.QUOTA_EXCEEDED);
    l.set(0, "s"); // 9 bytes smaller
    assertThat(quota.held()).isEqualTo(3 * element - 9);
    assertThat(l.pop(null)).isEqualTo(ten);
    l.delete(0);
    assertThat(quota.held()).isEqualTo(element);
    l.clear();
    assertThat(quota.held()).isZero();
    l.extend(List.of(ten, ten));
    l.release(); // deleted
    assertThat(quota.held()).isZero();
  }
}
