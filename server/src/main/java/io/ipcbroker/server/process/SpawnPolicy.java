package io.ipcbroker.server.process;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which executables the broker spawns. Whoever reaches the broker can run these as the broker's
 * user, so a broker exposed beyond loopback should switch spawning off or list what it may run.
 */
public final class SpawnPolicy {
  /** The kinds of policy. */
  public enum Mode {
    /** Any executable. */
    ANY,
    /** Only the executables of the allowlist. */
    ALLOWLIST,
    /** None: {@code CreateProcess} is refused. */
    OFF
  }

  /** Spawns anything: the default on loopback. */
  public static final SpawnPolicy ANY = new SpawnPolicy(Mode.ANY, Set.of());

  /** Spawns nothing. */
  public static final SpawnPolicy OFF = new SpawnPolicy(Mode.OFF, Set.of());

  private final Mode mode;
  private final Set<Path> allowed;

  private SpawnPolicy(Mode mode, Set<Path> allowed) {
    this.mode = mode;
    this.allowed = allowed;
  }

  /**
   * Spawns only {@code executables}, compared by real path (so a symlink in the list admits what it
   * points to, and a symlink elsewhere cannot smuggle another program in).
   *
   * @throws IllegalArgumentException if an entry does not exist
   */
  public static SpawnPolicy allowlist(List<String> executables) {
    Set<Path> real = new LinkedHashSet<>();
    for (String e : executables) {
      try {
        real.add(Path.of(e).toRealPath());
      } catch (IOException | RuntimeException ex) {
        throw new IllegalArgumentException("allowlisted executable not found: " + e, ex);
      }
    }
    return new SpawnPolicy(Mode.ALLOWLIST, Set.copyOf(real));
  }

  /** The kind of policy. */
  public Mode mode() {
    return mode;
  }

  /** The allowed executables' real paths (empty unless {@link Mode#ALLOWLIST}). */
  public Set<Path> allowed() {
    return allowed;
  }

  /** Fails with {@code SPAWN_DISABLED} when spawning is off. */
  void checkEnabled() {
    if (mode == Mode.OFF) {
      throw BrokerException.of(
          Reason.SPAWN_DISABLED, "this broker was started with process spawning switched off");
    }
  }

  /**
   * Fails with {@code EXECUTABLE_NOT_ALLOWED} unless the policy admits {@code executable}.
   *
   * @return what to run: the real path that was checked under an allowlist (so that a symlink
   *     changed after the check cannot swap the program), else {@code executable} as it is
   */
  Path check(Path executable) {
    checkEnabled();
    if (mode == Mode.ANY) {
      return executable;
    }
    Path real;
    try {
      real = executable.toRealPath();
    } catch (IOException e) {
      real = null;
    }
    if (real == null || !allowed.contains(real)) {
      throw BrokerException.of(
          Reason.EXECUTABLE_NOT_ALLOWED,
          "this broker only spawns the executables of its allowlist",
          "executable",
          executable.toString());
    }
    return real;
  }

  @Override
  public String toString() {
    return mode == Mode.ALLOWLIST ? "allowlist " + allowed : mode.name().toLowerCase(Locale.ROOT);
  }
}
