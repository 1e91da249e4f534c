package io.ipcbroker.server.rpc;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Conversions to {@code google.protobuf.Timestamp} and {@code google.protobuf.Duration}. */
public final class Timestamps {
  private Timestamps() {}

  /** {@code t} as a protobuf timestamp. */
  public static Timestamp of(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  /** {@code nanos} (not negative) as a protobuf duration. */
  public static Duration ofNanos(long nanos) {
    return Duration.newBuilder()
        .setSeconds(nanos / 1_000_000_000L)
        .setNanos((int) (nanos % 1_000_000_000L))
        .build();
  }
}
