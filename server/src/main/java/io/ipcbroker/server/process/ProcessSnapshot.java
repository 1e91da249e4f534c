package io.ipcbroker.server.process;

import java.time.Instant;
import java.util.List;

/**
 * A process record as it was at one moment, for answers.
 *
 * @param pid the OS pid, or null before start
 * @param exitStatus how it exited, or null before
 * @param lastSignal the last signal the broker sent it, or null
 * @param startTime when it was started, or null
 * @param exitTime when it exited, or null
 * @param stdoutBytes bytes of captured stdout written so far (0 if not captured)
 * @param stderrBytes bytes of captured stderr written so far (0 if not captured)
 */
public record ProcessSnapshot(
    String id,
    String name,
    List<String> argv,
    String executable,
    String cwd,
    boolean daemon,
    ProcessState state,
    Long pid,
    ExitStatus exitStatus,
    String sessionId,
    String parentProcessId,
    Instant createTime,
    Instant startTime,
    Instant exitTime,
    ProcessSignal lastSignal,
    ProcessSpec.OutputMode stdoutMode,
    ProcessSpec.OutputMode stderrMode,
    long stdoutBytes,
    long stderrBytes) {

  /** Whether the process runs: Python's {@code is_alive()}. */
  public boolean alive() {
    return state == ProcessState.RUNNING;
  }
}
