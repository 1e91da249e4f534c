package io.ipcbroker.server.admin;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.BarrierInfo;
import io.ipcbroker.v1.ConditionInfo;
import io.ipcbroker.v1.EventInfo;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.SemaphoreInfo;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Cuts the full listing of locks, semaphores, conditions, events and barriers into pages. The kinds
 * come in that order, each by name, so a position is a kind and the last name returned of it; the
 * next page starts after that position, whatever was created or deleted in between.
 */
final class SyncObjectPages {
  private static final String PREFIX = "y1:";

  private SyncObjectPages() {}

  /** Where a page ended: the kind's index in the listing's order and the last name returned. */
  record Position(int kind, String name) {}

  /**
   * The page of {@code all} that starts after {@code after} (null: the first) and holds {@code
   * max}.
   */
  static ListSyncObjectsResponse page(ListSyncObjectsResponse all, Position after, int max) {
    Pager p = new Pager(after, max);
    p.add(
        0,
        all.getLocksList(),
        l -> l.getLock().getName(),
        ListSyncObjectsResponse.Builder::addLocks);
    p.add(
        1,
        all.getSemaphoresList(),
        SemaphoreInfo::getName,
        ListSyncObjectsResponse.Builder::addSemaphores);
    p.add(
        2,
        all.getConditionsList(),
        ConditionInfo::getName,
        ListSyncObjectsResponse.Builder::addConditions);
    p.add(3, all.getEventsList(), EventInfo::getName, ListSyncObjectsResponse.Builder::addEvents);
    p.add(
        4,
        all.getBarriersList(),
        BarrierInfo::getName,
        ListSyncObjectsResponse.Builder::addBarriers);
    if (p.more) {
      p.page.setNextPageToken(encode(p.last));
    }
    return p.page.build();
  }

  private static final class Pager {
    final ListSyncObjectsResponse.Builder page = ListSyncObjectsResponse.newBuilder();
    final Position after;
    final int max;
    int taken;
    Position last;
    boolean more;

    Pager(Position after, int max) {
      this.after = after;
      this.max = max;
    }

    <M> void add(
        int kind,
        List<M> items,
        Function<M, String> name,
        BiConsumer<ListSyncObjectsResponse.Builder, M> adder) {
      if (more || (after != null && kind < after.kind())) {
        return;
      }
      for (M m : items) {
        String n = name.apply(m);
        if (after != null && kind == after.kind() && n.compareTo(after.name()) <= 0) {
          continue;
        }
        if (taken == max) {
          more = true;
          return;
        }
        adder.accept(page, m);
        taken++;
        last = new Position(kind, n);
      }
    }
  }

  static String encode(Position p) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((PREFIX + p.kind() + ":" + p.name()).getBytes(StandardCharsets.UTF_8));
  }

  /** The position a token names, or null for an empty token (the first page). */
  static Position decode(String token) {
    if (token.isEmpty()) {
      return null;
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(token);
    }
    // "y1:K:NAME" with K a kind index and a name that is not empty (it may hold colons).
    if (text.startsWith(PREFIX)
        && text.length() > PREFIX.length() + 2
        && text.charAt(PREFIX.length() + 1) == ':') {
      int kind = text.charAt(PREFIX.length()) - '0';
      if (kind >= 0 && kind <= 4) {
        return new Position(kind, text.substring(PREFIX.length() + 2));
      }
    }
    throw invalid(token);
  }

  private static BrokerException invalid(String token) {
    return BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "page_token was not returned by ListSyncObjects",
        "field",
        "page_token",
        "value",
        Names.abbreviate(token));
  }
}
