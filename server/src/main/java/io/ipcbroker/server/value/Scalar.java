package io.ipcbroker.server.value;

/** One element as a client sent it or receives it, before it is fitted to a typecode. */
public sealed interface Scalar {
  /** A signed integer (also an unsigned one up to 2^63 - 1). */
  record Int(long value) implements Scalar {}

  /** An unsigned 64-bit integer, its bits as a {@code long}. */
  record UInt(long bits) implements Scalar {}

  /** A float. */
  record Real(double value) implements Scalar {}

  /** Bytes, for {@code c}. */
  record Bytes(byte[] value) implements Scalar {}

  /** The name of the kind, for error metadata. */
  default String kind() {
    if (this instanceof Int) {
      return "int";
    } else if (this instanceof UInt) {
      return "uint";
    } else if (this instanceof Real) {
      return "float";
    }
    return "bytes";
  }
}
