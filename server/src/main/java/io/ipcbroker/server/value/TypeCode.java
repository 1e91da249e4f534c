package io.ipcbroker.server.value;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.Reason;
import java.math.BigInteger;

/**
 * Python's typecodes with their real widths on 64-bit Linux. Every element is stored as a {@code
 * long}: integers as their value (unsigned 64-bit ones as their bits), floats as the bits of a
 * double (a float32 rounded to float32 first), a {@code c} byte as 0..255. Writes that do not fit
 * fail instead of being truncated as ctypes would.
 */
public enum TypeCode {
  BYTE('b', Kind.SIGNED, Byte.MIN_VALUE, Byte.MAX_VALUE),
  UBYTE('B', Kind.UNSIGNED, 0, 0xFFL),
  SHORT('h', Kind.SIGNED, Short.MIN_VALUE, Short.MAX_VALUE),
  USHORT('H', Kind.UNSIGNED, 0, 0xFFFFL),
  INT('i', Kind.SIGNED, Integer.MIN_VALUE, Integer.MAX_VALUE),
  UINT('I', Kind.UNSIGNED, 0, 0xFFFF_FFFFL),
  LONG('l', Kind.SIGNED, Long.MIN_VALUE, Long.MAX_VALUE),
  ULONG('L', Kind.UNSIGNED, 0, -1L),
  LONGLONG('q', Kind.SIGNED, Long.MIN_VALUE, Long.MAX_VALUE),
  ULONGLONG('Q', Kind.UNSIGNED, 0, -1L),
  FLOAT('f', Kind.FLOAT32, 0, 0),
  DOUBLE('d', Kind.FLOAT64, 0, 0),
  CHAR('c', Kind.CHAR, 0, 0xFFL);

  private enum Kind {
    SIGNED,
    UNSIGNED,
    FLOAT32,
    FLOAT64,
    CHAR
  }

  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private final char code;
  private final Kind kind;
  private final long min;
  private final long max; // unsigned types: the largest value's bits (-1 for 2^64 - 1)

  TypeCode(char code, Kind kind, long min, long max) {
    this.code = code;
    this.kind = kind;
    this.min = min;
    this.max = max;
  }

  /** The typecode as Python spells it. */
  public String code() {
    return String.valueOf(code);
  }

  /**
   * The typecode for {@code code}.
   *
   * @throws BrokerException {@code INVALID_FIELD_VALUE} for anything else
   */
  public static TypeCode of(String code) {
    if (code.isEmpty()) {
      throw BrokerException.of(Reason.FIELD_REQUIRED, "typecode is required", "field", "typecode");
    }
    if (code.length() == 1) {
      for (TypeCode t : values()) {
        if (t.code == code.charAt(0)) {
          return t;
        }
      }
    }
    throw BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        "typecode must be one of b B h H i I l L q Q f d c",
        "field",
        "typecode",
        "value",
        Names.abbreviate(code));
  }

  /** Whether elements are numbers that can be added to. */
  boolean isNumeric() {
    return kind != Kind.CHAR;
  }

  /** The stored form of zero (an empty byte for {@code c}). */
  long zero() {
    return kind == Kind.FLOAT32 || kind == Kind.FLOAT64 ? Double.doubleToRawLongBits(0.0) : 0;
  }

  /**
   * Fits {@code s} to this type.
   *
   * @throws BrokerException {@code TYPE_MISMATCH} for a scalar of the wrong kind, {@code
   *     VALUE_OUT_OF_RANGE} for one that does not fit
   */
  long encode(Scalar s) {
    switch (kind) {
      case SIGNED, UNSIGNED -> {
        if (s instanceof Scalar.Int i) {
          return checkInteger(BigInteger.valueOf(i.value()));
        }
        if (s instanceof Scalar.UInt u) {
          return checkInteger(unsigned(u.bits()));
        }
        throw mismatch(s);
      }
      case FLOAT32, FLOAT64 -> {
        if (kind == Kind.FLOAT32 && !(s instanceof Scalar.Real)) {
          // An integer goes to float32 in one rounding, not two through a double.
          if (s instanceof Scalar.Int i) {
            return Double.doubleToRawLongBits((float) i.value());
          }
          if (s instanceof Scalar.UInt u) {
            return Double.doubleToRawLongBits(unsigned(u.bits()).floatValue());
          }
        }
        double d;
        if (s instanceof Scalar.Real r) {
          d = r.value();
        } else if (s instanceof Scalar.Int i) {
          d = i.value();
        } else if (s instanceof Scalar.UInt u) {
          d = unsigned(u.bits()).doubleValue();
        } else {
          throw mismatch(s);
        }
        return Double.doubleToRawLongBits(fitFloat(d));
      }
      default -> {
        if (s instanceof Scalar.Bytes b && b.value().length == 1) {
          return b.value()[0] & 0xFF;
        }
        throw mismatch(s);
      }
    }
  }

  /** The element as clients receive it. */
  Scalar decode(long bits) {
    return switch (kind) {
      case SIGNED -> new Scalar.Int(bits);
      case UNSIGNED -> bits >= 0 ? new Scalar.Int(bits) : new Scalar.UInt(bits);
      case FLOAT32, FLOAT64 -> new Scalar.Real(Double.longBitsToDouble(bits));
      case CHAR -> new Scalar.Bytes(new byte[] {(byte) bits});
    };
  }

  /**
   * Checks that {@code delta} is of a kind that can be added to this type (any range).
   *
   * @throws BrokerException {@code TYPE_MISMATCH} for {@code c} or bytes
   */
  void checkDelta(Scalar delta) {
    if (kind == Kind.CHAR || delta instanceof Scalar.Bytes) {
      throw mismatch(delta);
    }
    if ((kind == Kind.SIGNED || kind == Kind.UNSIGNED) && delta instanceof Scalar.Real) {
      throw mismatch(delta);
    }
  }

  /**
   * Adds {@code delta} to the stored {@code bits}.
   *
   * @return the stored form of the sum
   * @throws BrokerException {@code VALUE_OUT_OF_RANGE} if the sum does not fit, {@code
   *     TYPE_MISMATCH} for {@code c} or a delta of the wrong kind
   */
  long add(long bits, Scalar delta) {
    switch (kind) {
      case SIGNED, UNSIGNED -> {
        BigInteger d;
        if (delta instanceof Scalar.Int i) {
          d = BigInteger.valueOf(i.value());
        } else if (delta instanceof Scalar.UInt u) {
          d = unsigned(u.bits());
        } else {
          throw mismatch(delta);
        }
        if (kind == Kind.SIGNED && delta instanceof Scalar.Int i) {
          // The common case without allocation: a signed add that cannot overflow a long.
          long sum;
          try {
            sum = Math.addExact(bits, i.value());
          } catch (ArithmeticException e) {
            throw outOfRange(BigInteger.valueOf(bits).add(d).toString());
          }
          if (sum < min || sum > max) {
            throw outOfRange(Long.toString(sum));
          }
          return sum;
        }
        BigInteger current = kind == Kind.UNSIGNED ? unsigned(bits) : BigInteger.valueOf(bits);
        return checkInteger(current.add(d));
      }
      case FLOAT32, FLOAT64 -> {
        double d;
        if (delta instanceof Scalar.Real r) {
          d = r.value();
        } else if (delta instanceof Scalar.Int i) {
          d = i.value();
        } else if (delta instanceof Scalar.UInt u) {
          d = unsigned(u.bits()).doubleValue();
        } else {
          throw mismatch(delta);
        }
        return Double.doubleToRawLongBits(fitFloat(Double.longBitsToDouble(bits) + d));
      }
      default -> throw mismatch(delta);
    }
  }

  /** Whether the stored {@code bits} equal the stored form {@code other}; floats by value. */
  boolean sameValue(long bits, long other) {
    if (kind == Kind.FLOAT32 || kind == Kind.FLOAT64) {
      return Double.longBitsToDouble(bits) == Double.longBitsToDouble(other);
    }
    return bits == other;
  }

  private long checkInteger(BigInteger v) {
    BigInteger lo = BigInteger.valueOf(min);
    BigInteger hi = kind == Kind.UNSIGNED ? unsigned(max) : BigInteger.valueOf(max);
    if (v.compareTo(lo) < 0 || v.compareTo(hi) > 0) {
      throw outOfRange(v.toString());
    }
    return v.longValue(); // unsigned 64-bit values above 2^63 - 1 keep their bits
  }

  private double fitFloat(double d) {
    if (kind == Kind.FLOAT64) {
      return d;
    }
    float f = (float) d;
    if (Float.isInfinite(f) && !Double.isInfinite(d)) {
      throw outOfRange(Double.toString(d));
    }
    return f;
  }

  private static BigInteger unsigned(long bits) {
    BigInteger v = BigInteger.valueOf(bits);
    return bits >= 0 ? v : v.add(TWO_64);
  }

  private BrokerException outOfRange(String value) {
    return BrokerException.of(
        Reason.VALUE_OUT_OF_RANGE,
        "the value does not fit typecode " + code,
        "typecode",
        code(),
        "value",
        value);
  }

  private BrokerException mismatch(Scalar s) {
    return BrokerException.of(
        Reason.TYPE_MISMATCH,
        "a " + s.kind() + " does not fit typecode " + code,
        "typecode",
        code(),
        "kind",
        s.kind());
  }
}
