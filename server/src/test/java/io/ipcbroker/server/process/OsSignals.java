package io.ipcbroker.server.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's signal handling from {@code /proc}, to wait until a child's trap is set. */
final class OsSignals {
  private OsSignals() {}

  /** Whether process {@code pid} ignores signal {@code number}; false if it is gone. */
  static boolean ignores(long pid, int number) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("SigIgn:")) {
          long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
          return (mask & (1L << (number - 1))) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
    return false;
  }
}
