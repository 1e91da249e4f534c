package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque page tokens: the last name of the previous page, encoded so that clients treat them as
 * opaque and a token from elsewhere is recognised as invalid.
 */
final class PageTokens {
  private static final String PREFIX = "q1:";

  private PageTokens() {}

  static String encode(String lastName) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((PREFIX + lastName).getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the last name of the previous page, or null for an empty token. */
  static String decode(String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid(token);
    }
    if (!text.startsWith(PREFIX) || text.length() == PREFIX.length()) {
      throw invalid(token);
    }
    return text.substring(PREFIX.length());
  }

  private static BrokerException invalid(String token) {
    return BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "page_token was not returned by ListQueues",
        "field",
        "page_token",
        "value",
        Names.abbreviate(token));
  }
}
