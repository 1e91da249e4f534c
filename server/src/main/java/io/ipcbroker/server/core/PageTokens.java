package io.ipcbroker.server.core;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque page tokens for listings that page by position: the position where the previous page
 * ended, behind a prefix that names the listing, encoded so that clients treat tokens as opaque and
 * a token from another listing is recognised as invalid.
 */
public final class PageTokens {
  private PageTokens() {}

  /** The token for {@code position} in the listing whose tokens start with {@code prefix}. */
  public static String encode(String prefix, String position) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((prefix + position).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The position {@code token} names, or null for an empty token (the first page).
   *
   * @param method the listing, for the error message
   * @throws BrokerException {@code INVALID_FIELD_VALUE} for a token that {@link #encode} did not
   *     make with {@code prefix} and a position that is not empty
   */
  public static String decode(String prefix, String token, String method) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(token, method);
    }
    if (!text.startsWith(prefix) || text.length() == prefix.length()) {
      throw invalid(token, method);
    }
    return text.substring(prefix.length());
  }

  /** {@code INVALID_FIELD_VALUE} for a page token {@code method} did not issue. */
  public static BrokerException invalid(String token, String method) {
    return BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "page_token was not returned by " + method,
        "field",
        "page_token",
        "value",
        Names.abbreviate(token));
  }
}
