package io.ipcbroker.conformance;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the operating system says about a process id, read from {@code /proc}. The process tests
 * need the broker to run on this host (the children are programs of this machine), so the pids the
 * broker reports are this machine's pids.
 */
final class OsProcesses {
  private OsProcesses() {}

  /**
   * Whether {@code pid} names a process that still runs. A zombie (exited, not yet reaped by its
   * parent, which may be a container's init that never reaps) counts as gone: it runs nothing and
   * holds nothing but its table entry.
   */
  static boolean running(long pid) {
    return state(pid).map(s -> s != 'Z' && s != 'X').orElse(false);
  }

  /** The state letter of {@code /proc/<pid>/stat} ({@code R}, {@code S}, {@code Z}, ...). */
  static Optional<Character> state(long pid) {
    return stat(pid).map(f -> f[0].charAt(0));
  }

  /** The program {@code pid} runs now ({@code /proc/<pid>/exe}), if it exists and may be read. */
  static Optional<Path> executable(long pid) {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")));
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  /**
   * Waits (at most 5 s) until {@code pid} runs {@code executable}: a broker may report a child's
   * pid while a launcher of its own still prepares the process, before it execs the program.
   */
  static void awaitExec(long pid, String executable) throws IOException {
    Path program = Path.of(executable).toRealPath();
    await("pid " + pid + " runs " + program)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .atMost(Duration.ofSeconds(5))
        .until(() -> executable(pid).map(program::equals).orElse(false));
  }

  /** The process group of {@code pid}, if it exists. */
  static Optional<Long> processGroup(long pid) {
    return stat(pid).map(f -> Long.parseLong(f[2]));
  }

  /** The session of {@code pid} (the pid of its session leader), if it exists. */
  static Optional<Long> session(long pid) {
    return stat(pid).map(f -> Long.parseLong(f[3]));
  }

  /** The fields of {@code /proc/<pid>/stat} after the command name: state, ppid, pgrp, sid, .... */
  private static Optional<String[]> stat(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      // The process vanished while being read.
      return Optional.empty();
    }
    // "pid (comm) S ppid pgrp sid ...": comm may hold spaces and parentheses, so split after the
    // last ')'.
    int close = stat.lastIndexOf(')');
    if (close < 0 || close + 2 >= stat.length()) {
      return Optional.empty();
    }
    return Optional.of(stat.substring(close + 2).trim().split(" "));
  }

  /**
   * Whether {@code pid} ignores signal {@code number} (its {@code SigIgn} mask in {@code
   * /proc/<pid>/status}); false if the process is gone.
   */
  static boolean ignores(long pid, int number) {
    return hasSignal(pid, "SigIgn:", number);
  }

  /**
   * Whether {@code pid} blocks signal {@code number} (its {@code SigBlk} mask); false if the
   * process is gone.
   */
  static boolean blocks(long pid, int number) {
    return hasSignal(pid, "SigBlk:", number);
  }

  private static boolean hasSignal(long pid, String mask, int number) {
    List<String> status;
    try {
      status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
    } catch (IOException e) {
      return false;
    }
    for (String line : status) {
      if (line.startsWith(mask)) {
        long bits = Long.parseUnsignedLong(line.substring(mask.length()).trim(), 16);
        return (bits & (1L << (number - 1))) != 0;
      }
    }
    return false;
  }

  /** Waits up to {@code max} for {@code pid} to be gone; fails the test if it still runs. */
  static void awaitGone(long pid, Duration max) {
    await("pid " + pid + " gone")
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .atMost(max)
        .until(() -> !running(pid));
  }

  /**
   * Sends SIGKILL to {@code pid} with {@code kill -KILL}, which (unlike {@code
   * Process.destroyForcibly()}) leaves this JVM's end of the child's pipes open, so that what the
   * child wrote before it died can still be read. Only for processes the test started itself.
   */
  static void sigkill(long pid) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-KILL", Long.toString(pid))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS)) {
      kill.destroyForcibly();
    }
  }

  /**
   * SIGKILLs {@code pid} if it still runs, for the clean-up of processes that a test's own children
   * started (and that the broker therefore does not know). Only pids that the test learnt from its
   * own children are ever passed here.
   */
  static void killIfRunning(long pid) {
    if (running(pid)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
