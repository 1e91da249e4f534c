package io.ipcbroker.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pages in name order over unsorted tables, and objects deleted under a listing's feet. */
@Timeout(30)
class NamePagesTest {
  @Test
  void firstAfterPicksTheSmallestNamesAfterTheCursorInOrder() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      names.add(String.format("n%04d", i));
    }
    Collections.shuffle(names, new Random(7));

    assertThat(NamePages.firstAfter(names, Function.identity(), null, 3))
        .containsExactly("n0000", "n0001", "n0002");
    assertThat(NamePages.firstAfter(names, Function.identity(), "n0997", 5))
        .containsExactly("n0998", "n0999");
    assertThat(NamePages.firstAfter(names, Function.identity(), "n0999", 5)).isEmpty();
    assertThat(NamePages.firstAfter(names, Function.identity(), "n0500", Integer.MAX_VALUE))
        .hasSize(499)
        .isSorted();
  }

  @Test
  void aDeletedObjectIsLeftOutAndTheNextTakesItsPlace() {
    List<String> snapshot = List.of("d", "b", "a", "c", "e");
    // "b" and "c" were deleted after the snapshot: describing them answers null.
    Function<String, String> describe =
        n -> n.equals("b") || n.equals("c") ? null : n.toUpperCase();

    assertThat(NamePages.describeAfter(snapshot, Function.identity(), describe, null, 2))
        .containsExactly("A", "D");
    assertThat(NamePages.describeAfter(snapshot, Function.identity(), describe, "a", 2))
        .containsExactly("D", "E");
    // A short page means nothing follows.
    assertThat(NamePages.describeAfter(snapshot, Function.identity(), describe, "d", 2))
        .containsExactly("E");
  }
}
