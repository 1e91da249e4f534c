package io.ipcbroker.server.process;

import java.util.function.IntPredicate;

/**
 * How a process exited: with a code, or killed by a signal.
 *
 * @param code the exit code (0..255), or null when a signal ended the process
 * @param signal the terminating signal's number, or null when the process exited by itself
 * @param signaledByBroker whether the broker sent the terminating signal
 */
public record ExitStatus(Integer code, Integer signal, boolean signaledByBroker) {
  // The JVM reports a death by signal N as 0x80 + N, as shells do; real signals stop at 64.
  private static final int SIGNAL_BASE = 128;
  private static final int MAX_SIGNAL = 64;

  /** Checks that exactly one of code and signal is set. */
  public ExitStatus {
    if ((code == null) == (signal == null)) {
      throw new IllegalArgumentException("exactly one of code and signal: " + code + ", " + signal);
    }
  }

  /**
   * Decodes the value {@link java.lang.Process#exitValue()} returns.
   *
   * @param sentByBroker whether the broker sent the process the signal that the value names
   */
  static ExitStatus fromExitValue(int value, IntPredicate sentByBroker) {
    if (value > SIGNAL_BASE && value <= SIGNAL_BASE + MAX_SIGNAL) {
      int signal = value - SIGNAL_BASE;
      return new ExitStatus(null, signal, sentByBroker.test(signal));
    }
    return new ExitStatus(value & 0xFF, null, false);
  }

  /** Python's {@code exitcode}: the code, or minus the signal's number. */
  public int exitcode() {
    return code != null ? code : -signal;
  }
}
