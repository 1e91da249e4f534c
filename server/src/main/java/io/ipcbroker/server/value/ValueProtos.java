package io.ipcbroker.server.value;

import com.google.protobuf.ByteString;
import io.ipcbroker.v1.SharedValue;

/** Conversions between the contract's value messages and the core's types. */
final class ValueProtos {
  private ValueProtos() {}

  /** The core's scalar, or null when the message has none. */
  static Scalar toScalar(io.ipcbroker.v1.Scalar s) {
    return switch (s.getKindCase()) {
      case INT_VALUE -> new Scalar.Int(s.getIntValue());
      case UINT_VALUE -> new Scalar.UInt(s.getUintValue());
      case FLOAT_VALUE -> new Scalar.Real(s.getFloatValue());
      case CHAR_VALUE -> new Scalar.Bytes(s.getCharValue().toByteArray());
      case KIND_NOT_SET -> null;
    };
  }

  static io.ipcbroker.v1.Scalar toProto(Scalar s) {
    io.ipcbroker.v1.Scalar.Builder b = io.ipcbroker.v1.Scalar.newBuilder();
    if (s instanceof Scalar.Int i) {
      b.setIntValue(i.value());
    } else if (s instanceof Scalar.UInt u) {
      b.setUintValue(u.bits());
    } else if (s instanceof Scalar.Real r) {
      b.setFloatValue(r.value());
    } else if (s instanceof Scalar.Bytes by) {
      b.setCharValue(ByteString.copyFrom(by.value()));
    }
    return b.build();
  }

  static SharedValue toProto(ValueInfo v) {
    return SharedValue.newBuilder()
        .setName(v.name())
        .setTypecode(v.type().code())
        .setIsArray(v.isArray())
        .setLength(v.length())
        .setHasLock(v.hasLock())
        .setLocked(v.locked())
        .setLockWaiters(v.lockWaiters())
        .build();
  }
}
