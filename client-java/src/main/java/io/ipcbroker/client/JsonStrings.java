package io.ipcbroker.client;

import java.util.ArrayList;
import java.util.List;

/** The little JSON that {@link Codecs#stringList()} needs: arrays of strings. */
final class JsonStrings {
  private JsonStrings() {}

  /** Appends {@code s} as a JSON string (null as {@code null}). */
  static void write(StringBuilder b, String s) {
    if (s == null) {
      b.append("null");
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        default:
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }

  /**
   * Reads a JSON array of strings.
   *
   * @throws IllegalArgumentException if {@code text} is anything else
   */
  static List<String> readArray(String text) {
    Reader r = new Reader(text);
    List<String> out = new ArrayList<>();
    r.skipSpace();
    r.expect('[');
    r.skipSpace();
    if (r.peek() == ']') {
      r.pos++;
    } else {
      while (true) {
        r.skipSpace();
        out.add(r.string());
        r.skipSpace();
        char c = r.next();
        if (c == ']') {
          break;
        }
        if (c != ',') {
          throw r.error("',' or ']'");
        }
      }
    }
    r.skipSpace();
    if (r.pos != text.length()) {
      throw r.error("the end");
    }
    return out;
  }

  private static final class Reader {
    final String s;
    int pos;

    Reader(String s) {
      this.s = s;
    }

    char peek() {
      if (pos >= s.length()) {
        throw error("more");
      }
      return s.charAt(pos);
    }

    char next() {
      char c = peek();
      pos++;
      return c;
    }

    void expect(char c) {
      if (next() != c) {
        throw error("'" + c + "'");
      }
    }

    void skipSpace() {
      while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    String string() {
      if (s.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"':
          case '\\':
          case '/':
            b.append(e);
            break;
          case 'b':
            b.append('\b');
            break;
          case 'f':
            b.append('\f');
            break;
          case 'n':
            b.append('\n');
            break;
          case 'r':
            b.append('\r');
            break;
          case 't':
            b.append('\t');
            break;
          case 'u':
            if (pos + 4 > s.length()) {
              throw error("four hex digits");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("four hex digits");
            }
            pos += 4;
            break;
          default:
            throw error("an escape");
        }
      }
    }

    IllegalArgumentException error(String expected) {
      return new IllegalArgumentException(
          "not a JSON array of strings: expected " + expected + " at offset " + pos);
    }
  }
}
