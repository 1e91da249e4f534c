package io.ipcbroker.server.process;

/**
 * The signals that clients may send to processes, with their Linux numbers (the same on x86-64 and
 * arm64, the platforms the broker runs on).
 */
public enum ProcessSignal {
  TERM(15),
  KILL(9),
  INT(2),
  HUP(1),
  QUIT(3),
  USR1(10),
  USR2(12);

  private final int number;

  ProcessSignal(int number) {
    this.number = number;
  }

  /** The signal's number, as it appears in an exit status. */
  public int number() {
    return number;
  }
}
