package io.ipcbroker.server.process;

/** Where a process is in its life. */
public enum ProcessState {
  /** Created, not started: no pid yet. */
  CREATED,
  /** Started and not yet exited. */
  RUNNING,
  /** Exited; the exit status says how. */
  EXITED
}
