package io.ipcbroker.server.core;

import java.util.regex.Pattern;

/** Checks of names and other identifying fields in requests. */
public final class Names {
  /** The longest name accepted. */
  public static final int MAX_NAME_LENGTH = 128;

  // Letters, digits and a few separators: safe in metric labels, file names, URLs and shells, and
  // enough for Python-style names ("task_queue", "jobs:high", "app.results-1").
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]*");

  private Names() {}

  /**
   * Returns {@code value} if it is a valid object name.
   *
   * @throws BrokerException {@link Reason#INVALID_NAME} otherwise
   */
  public static String checkName(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw BrokerException.of(
          Reason.INVALID_NAME, field + " must not be empty", "field", field, "value", "");
    }
    if (value.length() > MAX_NAME_LENGTH || !NAME.matcher(value).matches()) {
      throw BrokerException.of(
          Reason.INVALID_NAME,
          field
              + " must be 1 to "
              + MAX_NAME_LENGTH
              + " characters of [A-Za-z0-9_.:-], starting with a letter, digit or '_'",
          "field",
          field,
          "value",
          abbreviate(value));
    }
    return value;
  }

  /**
   * Returns {@code value} if it is not empty.
   *
   * @throws BrokerException {@link Reason#FIELD_REQUIRED} otherwise
   */
  public static String checkRequired(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw BrokerException.of(Reason.FIELD_REQUIRED, field + " is required", "field", field);
    }
    return value;
  }

  /** Shortens a client-supplied value before it goes into a message or metadata. */
  public static String abbreviate(String value) {
    return value.length() <= 160 ? value : value.substring(0, 157) + "...";
  }
}
