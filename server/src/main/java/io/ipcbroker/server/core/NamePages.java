package io.ipcbroker.server.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * Pages of named objects in name order, for listings over tables that are not sorted: the work is
 * in the table's size only for comparing names, and in the page's size for describing objects.
 */
public final class NamePages {
  private NamePages() {}

  /**
   * The first {@code max} of {@code items} whose names sort after {@code after} (all names when
   * null), in name order. Takes O(n log max) comparisons.
   */
  public static <T> List<T> firstAfter(
      Collection<T> items, Function<? super T, String> name, String after, int max) {
    Comparator<T> byName = Comparator.comparing(name);
    // The max smallest names seen so far, the largest at the head to be dropped first.
    PriorityQueue<T> kept = new PriorityQueue<>(Math.min(max, 1024) + 1, byName.reversed());
    for (T t : items) {
      if (after != null && name.apply(t).compareTo(after) <= 0) {
        continue;
      }
      kept.add(t);
      if (kept.size() > max) {
        kept.poll();
      }
    }
    List<T> out = new ArrayList<>(kept);
    out.sort(byName);
    return out;
  }

  /**
   * Describes the first {@code max} objects of the snapshot {@code items} named after {@code after}
   * (all when null), in name order. {@code describe} answers null for an object deleted since the
   * snapshot was taken: it is left out, and the next one takes its place, so a short page always
   * means that nothing follows.
   */
  public static <T, D> List<D> describeAfter(
      Collection<T> items,
      Function<? super T, String> name,
      Function<? super T, D> describe,
      String after,
      int max) {
    List<D> out = new ArrayList<>();
    String cursor = after;
    while (out.size() < max) {
      int wanted = max - out.size();
      List<T> next = firstAfter(items, name, cursor, wanted);
      for (T t : next) {
        D d = describe.apply(t);
        if (d != null) {
          out.add(d);
        }
        cursor = name.apply(t);
      }
      if (next.size() < wanted) {
        break; // the snapshot has nothing more
      }
    }
    return out;
  }
}
