package io.ipcbroker.server.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends signals to processes and their process groups. The JDK can only send SIGTERM and SIGKILL,
 * and only to one process; {@code kill(1)} reaches a whole group ({@code kill -s TERM -- -PGID}),
 * which is what takes a child's descendants down with it.
 */
final class Signaller {
  private static final Logger log = LoggerFactory.getLogger(Signaller.class);

  private final Optional<Path> kill;

  Signaller(Optional<Path> kill) {
    this.kill = kill;
  }

  /** A signaller that uses the system's {@code kill}, if there is one. */
  static Signaller system() {
    return new Signaller(
        Stream.of("/usr/bin/kill", "/bin/kill")
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst());
  }

  /**
   * Sends {@code signal} to processes {@code pids}, or to the process groups they lead when {@code
   * group} is set, with one {@code kill(1)}. Blocks for the few milliseconds that takes; call it
   * off the transport's threads. A process that is gone already is not an error.
   */
  void send(List<Long> pids, ProcessSignal signal, boolean group) {
    if (kill.isEmpty()) {
      pids.forEach(pid -> sendDirect(pid, signal, group));
      return;
    }
    List<String> command = new ArrayList<>(pids.size() + 4);
    command.addAll(List.of(kill.get().toString(), "-s", signal.name(), "--"));
    for (long pid : pids) {
      command.add(group ? "-" + pid : Long.toString(pid));
    }
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      Process p = pb.start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        log.warn("kill -s {} of {} processes did not finish in 5 s", signal, pids.size());
      }
    } catch (IOException e) {
      log.warn("cannot run kill; signalling directly", e);
      pids.forEach(pid -> sendDirect(pid, signal, group));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // Without kill(1): the JDK's own signals, to the process and the descendants it can see now.
  static void sendDirect(long pid, ProcessSignal signal, boolean group) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      return;
    }
    List<ProcessHandle> targets =
        group
            ? Stream.concat(Stream.of(handle.get()), handle.get().descendants()).toList()
            : List.of(handle.get());
    for (ProcessHandle h : targets) {
      switch (signal) {
        case TERM -> h.destroy();
        case KILL -> h.destroyForcibly();
        default -> log.warn("cannot send SIG{} to {} without kill(1)", signal, h.pid());
      }
    }
  }
}
