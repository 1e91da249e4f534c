package io.ipcbroker.cli;

import com.google.protobuf.Timestamp;
import io.ipcbroker.v1.BrokerStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How figures read in tables. */
final class Format {
  private Format() {}

  /** {@code 3d 4h}, {@code 5m 6s}, {@code 7.2s}: the two largest units. */
  static String duration(Duration d) {
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    long s = d.toSeconds();
    if (s >= 86_400) {
      return (s / 86_400) + "d " + (s % 86_400) / 3_600 + "h";
    }
    if (s >= 3_600) {
      return (s / 3_600) + "h " + (s % 3_600) / 60 + "m";
    }
    if (s >= 60) {
      return (s / 60) + "m " + (s % 60) + "s";
    }
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  /** How long ago {@code t} was. */
  static String age(Timestamp t) {
    if (t.getSeconds() == 0 && t.getNanos() == 0) {
      return "-";
    }
    return duration(
        Duration.between(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()), Instant.now()));
  }

  /** A protobuf duration as a {@link Duration}. */
  static Duration toDuration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  /**
   * When {@code t} was, in this machine's time zone: {@code 14:03:07} today, {@code Nov 27 14:03}
   * before (as ps's STIME column); {@code -} when unset.
   */
  static String clock(Timestamp t) {
    if (t.getSeconds() == 0 && t.getNanos() == 0) {
      return "-";
    }
    ZonedDateTime when =
        Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).atZone(ZoneId.systemDefault());
    boolean today = when.toLocalDate().equals(LocalDate.now(when.getZone()));
    return when.format(today ? TODAY : EARLIER);
  }

  private static final DateTimeFormatter TODAY =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter EARLIER =
      DateTimeFormatter.ofPattern("MMM dd HH:mm", Locale.ROOT);

  /** {@code 1.5 MiB}, with {@code of 2.0 GiB} when there is a cap. */
  static String bytes(long n, long cap) {
    return cap > 0 ? bytes(n) + " of " + bytes(cap) : bytes(n);
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String security(BrokerStatus s) {
    String tls =
        s.getClientCertificatesRequired() ? "mutual TLS" : s.getTls() ? "TLS" : "plaintext";
    return tls + (s.getTokenRequired() ? ", token" : ", no token");
  }
}
