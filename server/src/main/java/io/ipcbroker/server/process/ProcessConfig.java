package io.ipcbroker.server.process;

import java.time.Duration;

/**
 * How the broker spawns and supervises processes.
 *
 * @param spawnPolicy which executables may be spawned
 * @param killGrace how long a process has between SIGTERM and SIGKILL when the broker ends it (its
 *     daemon's session ended, or the broker shuts down)
 * @param outputBufferBytes how many of the last bytes of each captured output stream are kept
 * @param onShutdown what happens to running children when the broker shuts down
 * @param maxLivePerSession how many processes one session may have created and not seen exit
 *     (created or running); 0 for no cap
 */
public record ProcessConfig(
    SpawnPolicy spawnPolicy,
    Duration killGrace,
    int outputBufferBytes,
    ShutdownPolicy onShutdown,
    int maxLivePerSession) {

  /** What happens to running children when the broker shuts down. */
  public enum ShutdownPolicy {
    /** SIGTERM to each child's process group, SIGKILL after the kill grace period. */
    TERMINATE,
    /** SIGKILL to each child's process group at once. */
    KILL,
    /** Leave them running (they become orphans). */
    KEEP
  }

  /**
   * The defaults: spawn anything, 3 s grace, 1 MiB per stream, terminate children at shutdown, at
   * most 1,024 live processes per session.
   */
  public static final ProcessConfig DEFAULT =
      new ProcessConfig(
          SpawnPolicy.ANY, Duration.ofSeconds(3), 1 << 20, ShutdownPolicy.TERMINATE, 1024);

  /** Checks the values. */
  public ProcessConfig {
    if (killGrace.isNegative()) {
      throw new IllegalArgumentException("kill grace must not be negative: " + killGrace);
    }
    if (maxLivePerSession < 0) {
      throw new IllegalArgumentException(
          "processes per session must not be negative: " + maxLivePerSession);
    }
    if (outputBufferBytes < 1) {
      throw new IllegalArgumentException("output buffer must be positive: " + outputBufferBytes);
    }
  }

  /** This configuration with another spawn policy. */
  public ProcessConfig withSpawnPolicy(SpawnPolicy policy) {
    return new ProcessConfig(policy, killGrace, outputBufferBytes, onShutdown, maxLivePerSession);
  }

  /** This configuration with another kill grace period. */
  public ProcessConfig withKillGrace(Duration grace) {
    return new ProcessConfig(spawnPolicy, grace, outputBufferBytes, onShutdown, maxLivePerSession);
  }

  /** This configuration with another output buffer size. */
  public ProcessConfig withOutputBufferBytes(int bytes) {
    return new ProcessConfig(spawnPolicy, killGrace, bytes, onShutdown, maxLivePerSession);
  }

  /** This configuration with another shutdown policy. */
  public ProcessConfig withOnShutdown(ShutdownPolicy policy) {
    return new ProcessConfig(spawnPolicy, killGrace, outputBufferBytes, policy, maxLivePerSession);
  }

  /** This configuration with another cap on live processes per session (0 for none). */
  public ProcessConfig withMaxLivePerSession(int max) {
    return new ProcessConfig(spawnPolicy, killGrace, outputBufferBytes, onShutdown, max);
  }
}
