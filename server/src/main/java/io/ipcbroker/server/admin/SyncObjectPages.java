package io.ipcbroker.server.admin;

import io.ipcbroker.server.core.PageTokens;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.ConditionInfo;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.LockSummary;
import io.ipcbroker.v1.SemaphoreInfo;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Pages of locks, semaphores, conditions, events and barriers. The kinds come in that order, each
 * by name, so a position is a kind and the last name returned of it; the next page starts after
 * that position, whatever was created or deleted in between. Each kind describes only the objects a
 * page takes, so a page costs the table's size in name comparisons, not in descriptions.
 */
public final class SyncObjectPages {
  private static final String PREFIX = "y1:";

  private SyncObjectPages() {}

  /** Where a page ended: the kind's index in the listing's order and the last name returned. */
  record Position(int kind, String name) {}

  /**
   * One kind of object in the listing.
   *
   * @param after the descriptions of at most {@code max} objects named after a name (all when
   *     null), in name order
   * @param name an object's name, from its description
   * @param add adds a description to a page
   */
  public record Kind<M>(
      BiFunction<String, Integer, List<M>> after,
      Function<M, String> name,
      BiConsumer<ListSyncObjectsResponse.Builder, M> add) {}

  /** The kinds of the listing, in its order. */
  public record Kinds(
      Kind<LockSummary> locks,
      Kind<SemaphoreInfo> semaphores,
      Kind<ConditionInfo> conditions,
      Kind<EventInfo> events,
      Kind<BarrierInfo> barriers) {
    List<Kind<?>> inOrder() {
      return List.of(locks, semaphores, conditions, events, barriers);
    }
  }

  /** Every object of every kind, in one answer (for the metrics and the status page). */
  public static ListSyncObjectsResponse all(Kinds kinds) {
    ListSyncObjectsResponse.Builder all = ListSyncObjectsResponse.newBuilder();
    for (Kind<?> kind : kinds.inOrder()) {
      addAll(kind, all);
    }
    return all.build();
  }

  private static <M> void addAll(Kind<M> kind, ListSyncObjectsResponse.Builder out) {
    for (M m : kind.after().apply(null, Integer.MAX_VALUE)) {
      kind.add().accept(out, m);
    }
  }

  /** The page that starts after {@code after} (null: the first) and holds at most {@code max}. */
  static ListSyncObjectsResponse page(Kinds kinds, Position after, int max) {
    ListSyncObjectsResponse.Builder page = ListSyncObjectsResponse.newBuilder();
    List<Kind<?>> all = kinds.inOrder();
    Position last = after;
    int left = max;
    for (int k = after == null ? 0 : after.kind(); k < all.size(); k++) {
      String from = after != null && k == after.kind() ? after.name() : null;
      Taken taken = take(all.get(k), k, from, left, page);
      if (taken.last != null) {
        last = taken.last;
      }
      left -= taken.count;
      if (taken.more) {
        // Something follows the page's last object; with left 0 before this kind, that is this
        // kind's first object, and the next page starts after the previous kind's last.
        page.setNextPageToken(encode(last));
        break;
      }
    }
    return page.build();
  }

  private record Taken(int count, Position last, boolean more) {}

  /**
   * Adds up to {@code left} objects of {@code kind} named after {@code from}; asks for one more.
   */
  private static <M> Taken take(
      Kind<M> kind, int index, String from, int left, ListSyncObjectsResponse.Builder page) {
    List<M> got = kind.after().apply(from, left + 1);
    int n = Math.min(left, got.size());
    Position last = null;
    for (int i = 0; i < n; i++) {
      M m = got.get(i);
      kind.add().accept(page, m);
      last = new Position(index, kind.name().apply(m));
    }
    return new Taken(n, last, got.size() > n);
  }

  static String encode(Position p) {
    return PageTokens.encode(PREFIX, p.kind() + ":" + p.name());
  }

  /** The position a token names, or null for an empty token (the first page). */
  static Position decode(String token) {
    String position = PageTokens.decode(PREFIX, token, "ListSyncObjects");
    if (position == null) {
      return null;
    }
    // "K:NAME" with K a kind index and a name that is not empty (it may hold colons).
    if (position.length() > 2 && position.charAt(1) == ':') {
      int kind = position.charAt(0) - '0';
      if (kind >= 0 && kind <= 4) {
        return new Position(kind, position.substring(2));
      }
    }
    throw PageTokens.invalid(token, "ListSyncObjects");
  }
}
