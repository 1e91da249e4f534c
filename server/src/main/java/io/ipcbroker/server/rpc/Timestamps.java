package io.ipcbroker.server.rpc;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Conversions to {@code google.protobuf.Timestamp}. */
public final class Timestamps {
  private Timestamps() {}

  /** {@code t} as a protobuf timestamp. */
  public static Timestamp of(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
