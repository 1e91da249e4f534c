package io.ipcbroker.client;

import com.google.protobuf.ByteString;
import io.ipcbroker.v1.Scalar;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Converts between Java numbers and the wire's {@link Scalar}s.
 *
 * <p>Writes are sent as what they are, not as what the type wants: the broker is the one judge of
 * range and kind, so a float for an integer type reaches it and fails {@code TYPE_MISMATCH} there,
 * and an integer too big for the type fails {@code VALUE_OUT_OF_RANGE} there. The only checks made
 * here are for what the wire cannot carry at all. The one conversion is Python's: an integer
 * written to a float type is sent as that float.
 */
final class Scalars {
  private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

  private Scalars() {}

  /**
   * {@code n} as an element of {@code type}.
   *
   * <p>For {@code c}, a {@link Byte} is the byte, and so is any other integer from -128 to 255 (a
   * Java {@code byte}, or an unsigned byte as Python's {@code c_char(255)} takes it); any other
   * number goes as a number and fails {@code TYPE_MISMATCH}, as Python raises {@code TypeError}.
   *
   * @throws IpcBrokerException {@code OUT_OF_RANGE}/{@code VALUE_OUT_OF_RANGE} for a {@link
   *     BigInteger} outside every 64-bit type (from -2^63 to 2^64 - 1)
   * @throws IllegalArgumentException for a {@link Number} that is neither an integer nor a float
   *     type the SDK knows
   */
  static Scalar encode(TypeCode type, Number n) {
    if (n == null) {
      throw new NullPointerException("value");
    }
    if (type == TypeCode.CHAR && isIntegral(n) && !(n instanceof BigInteger)) {
      long b = n.longValue();
      if (b >= Byte.MIN_VALUE && b <= 0xFF) {
        return Scalar.newBuilder().setCharValue(ByteString.copyFrom(new byte[] {(byte) b})).build();
      }
    }
    if (type == TypeCode.FLOAT || type == TypeCode.DOUBLE) {
      if (isIntegral(n)) {
        // Python stores an int in a float type as float(n); the wire's float kind says the same.
        return Scalar.newBuilder().setFloatValue(n.doubleValue()).build();
      }
    }
    if (n instanceof BigInteger big) {
      if (big.bitLength() <= 63) {
        return Scalar.newBuilder().setIntValue(big.longValue()).build();
      }
      if (big.signum() > 0 && big.compareTo(TWO_TO_64) < 0) {
        return Scalar.newBuilder().setUintValue(big.longValue()).build(); // the low 64 bits
      }
      throw Errors.valueOutOfRange(type, big.toString());
    }
    if (isIntegral(n)) {
      return Scalar.newBuilder().setIntValue(n.longValue()).build();
    }
    if (n instanceof Float
        || n instanceof Double
        || n instanceof BigDecimal
        || n instanceof DoubleAdder
        || n instanceof DoubleAccumulator) {
      return Scalar.newBuilder().setFloatValue(n.doubleValue()).build();
    }
    throw new IllegalArgumentException(
        "unsupported Number type " + n.getClass().getName() + ": pass an integer or a float type");
  }

  /** {@code s} as an element of {@code type}, in the Java type that {@link TypeCode} documents. */
  static Number decode(TypeCode type, Scalar s) {
    switch (s.getKindCase()) {
      case INT_VALUE:
        return integer(type, s.getIntValue());
      case UINT_VALUE:
        long bits = s.getUintValue();
        if (type.isUnsigned64() || bits < 0) {
          return new BigInteger(Long.toUnsignedString(bits));
        }
        return integer(type, bits);
      case FLOAT_VALUE:
        if (type == TypeCode.FLOAT) {
          return (float) s.getFloatValue();
        }
        return s.getFloatValue();
      case CHAR_VALUE:
        ByteString bytes = s.getCharValue();
        return bytes.isEmpty() ? (byte) 0 : bytes.byteAt(0);
      default:
        return zero(type); // an unset element is the type's zero, as protobuf reads it
    }
  }

  private static Number integer(TypeCode type, long v) {
    return type.isUnsigned64() ? BigInteger.valueOf(v) : Long.valueOf(v);
  }

  private static Number zero(TypeCode type) {
    switch (type) {
      case FLOAT:
        return 0.0f;
      case DOUBLE:
        return 0.0;
      case CHAR:
        return (byte) 0;
      default:
        return integer(type, 0);
    }
  }

  private static boolean isIntegral(Number n) {
    return n instanceof Long
        || n instanceof Integer
        || n instanceof Short
        || n instanceof Byte
        || n instanceof BigInteger
        || n instanceof AtomicLong
        || n instanceof AtomicInteger
        || n instanceof LongAdder
        || n instanceof LongAccumulator;
  }
}
