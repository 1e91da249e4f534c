package io.ipcbroker.server.core;

/** The page size rule of every listing: 0 means the default, and no page is larger than the cap. */
public final class PageSizes {
  /** The size of a page when the request asks for none. */
  public static final int DEFAULT = 100;

  /** The largest page. */
  public static final int MAX = 1000;

  private PageSizes() {}

  /**
   * How many entries a page holds for the requested {@code pageSize}.
   *
   * @throws BrokerException {@code INVALID_FIELD_VALUE} for a negative size
   */
  public static int limit(int pageSize) {
    if (pageSize < 0) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "page_size must not be negative",
          "field",
          "page_size",
          "value",
          pageSize);
    }
    return pageSize == 0 ? DEFAULT : Math.min(pageSize, MAX);
  }
}
