package io.ipcbroker.server.metrics;

/** A minimal JSON writer for the status page's one document: objects, arrays, strings, numbers. */
final class Json {
  private final StringBuilder out = new StringBuilder();
  private boolean needComma;

  Json begin() {
    comma();
    out.append('{');
    needComma = false;
    return this;
  }

  Json end() {
    out.append('}');
    needComma = true;
    return this;
  }

  Json beginArray() {
    out.append('[');
    needComma = false;
    return this;
  }

  Json endArray() {
    out.append(']');
    needComma = true;
    return this;
  }

  Json field(String name) {
    comma();
    quote(name);
    out.append(':');
    needComma = false;
    return this;
  }

  Json string(String value) {
    comma();
    quote(value);
    needComma = true;
    return this;
  }

  Json number(long value) {
    comma();
    out.append(value);
    needComma = true;
    return this;
  }

  Json numberOrNull(Long value) {
    comma();
    out.append(value == null ? "null" : value.toString());
    needComma = true;
    return this;
  }

  private void comma() {
    if (needComma) {
      out.append(',');
    }
  }

  private void quote(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          // Control characters, and < > & so that no name can close a script or tag of the page.
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
