package io.ipcbroker.client;

/**
 * The element types of shared values and arrays: Python's typecodes, each stored with its real
 * width (as on 64-bit Linux).
 *
 * <p>What {@link IpcValue#get()} and {@link IpcArray#get(int)} return depends only on the type,
 * never on the value: {@link Long} for the integer types up to 63 bits ({@code b B h H i I l q}),
 * {@link java.math.BigInteger} for the unsigned 64-bit ones ({@code L Q}, whose values may pass
 * {@link Long#MAX_VALUE}), {@link Float} for {@code f}, {@link Double} for {@code d} and {@link
 * Byte} for {@code c}.
 */
public enum TypeCode {
  /** {@code b}: signed 8-bit integer ({@code signed char}). */
  BYTE('b'),
  /** {@code B}: unsigned 8-bit integer ({@code unsigned char}). */
  UBYTE('B'),
  /** {@code h}: signed 16-bit integer ({@code short}). */
  SHORT('h'),
  /** {@code H}: unsigned 16-bit integer ({@code unsigned short}). */
  USHORT('H'),
  /** {@code i}: signed 32-bit integer ({@code int}). */
  INT('i'),
  /** {@code I}: unsigned 32-bit integer ({@code unsigned int}). */
  UINT('I'),
  /** {@code l}: signed 64-bit integer ({@code long}). */
  LONG('l'),
  /** {@code L}: unsigned 64-bit integer ({@code unsigned long}). */
  ULONG('L'),
  /** {@code q}: signed 64-bit integer ({@code long long}). */
  LONGLONG('q'),
  /** {@code Q}: unsigned 64-bit integer ({@code unsigned long long}). */
  ULONGLONG('Q'),
  /** {@code f}: 32-bit float; writes keep the nearest float32. */
  FLOAT('f'),
  /** {@code d}: 64-bit float. */
  DOUBLE('d'),
  /** {@code c}: one byte ({@code char}); Python's {@code bytes} of length 1. */
  CHAR('c');

  private final char code;

  TypeCode(char code) {
    this.code = code;
  }

  /** Python's typecode ({@code 'i'}, {@code 'd'}, ...). */
  public char code() {
    return code;
  }

  /**
   * The type of Python's typecode {@code code}.
   *
   * @throws IllegalArgumentException for a typecode the broker does not store (such as {@code 'u'})
   */
  public static TypeCode of(char code) {
    for (TypeCode t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown typecode: '" + code + "'");
  }

  /** Whether the type holds integers (every type but {@code f}, {@code d} and {@code c}). */
  boolean isInteger() {
    return this != FLOAT && this != DOUBLE && this != CHAR;
  }

  /** Whether the type is an unsigned 64-bit integer, whose values may pass {@code long}. */
  boolean isUnsigned64() {
    return this == ULONG || this == ULONGLONG;
  }
}
