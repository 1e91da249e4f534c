package io.ipcbroker.client;

import java.time.Duration;

/** A named event on the broker: Python's manager {@code Event}. Any client may set or clear it. */
public interface IpcEvent {
  /** The event's name. */
  String name();

  /** Sets the flag and wakes every waiter. */
  void set();

  /** Clears the flag. */
  void clear();

  /** Whether the flag is set. */
  boolean isSet();

  /**
   * Waits until the flag is set.
   *
   * @throws IpcBrokerException {@code CANCELLED}/{@code INTERRUPTED} if interrupted
   */
  void await();

  /**
   * Python's {@code wait(timeout)}: waits at most {@code timeout} for the flag.
   *
   * @return the flag when the wait ended (false after the timeout)
   */
  boolean await(Duration timeout);
}
