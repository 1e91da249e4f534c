package io.ipcbroker.cli;

import java.util.function.Consumer;
import java.util.function.Function;

/** Walks the broker's paged listings. */
final class Pages {
  /** The most entries a page asks for: the broker's own cap. */
  static final int SIZE = 1000;

  private Pages() {}

  /**
   * Fetches the first page with an empty token, hands each page to {@code take}, and fetches the
   * next with its {@code next} token until a page has none.
   */
  static <R> void each(Function<String, R> fetch, Function<R, String> next, Consumer<R> take) {
    String token = "";
    do {
      R page = fetch.apply(token);
      take.accept(page);
      token = next.apply(page);
    } while (!token.isEmpty());
  }
}
