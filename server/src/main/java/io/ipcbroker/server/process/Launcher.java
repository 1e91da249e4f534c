package io.ipcbroker.server.process;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Turns a validated request into an OS process: resolves the executable and the working directory
 * up front (so that a bad argv fails the call instead of leaving a record of a process that never
 * ran), and spawns through {@code setsid} so that every child leads its own process group and
 * signals reach its descendants too, and through {@code env --default-signal} so that it starts
 * with no signal blocked or ignored.
 */
final class Launcher {
  /** The search path of a child whose environment has no {@code PATH}, as execvp uses. */
  static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

  private static final File NULL_FILE = new File("/dev/null");

  // setsid(1) calls setsid(2) and execs the program in place (the JVM's children are never
  // process group leaders, so it does not fork): the pid the JVM sees is the program's, and the
  // program leads a new session and process group whose id is that pid.
  private final Optional<Path> setsid;
  // The JVM blocks SIGQUIT in every Java thread, and a child inherits the spawning thread's mask:
  // without help, SIGQUIT would stay pending in every child. env(1) --default-signal (coreutils
  // 8.31 and later) unblocks every signal and resets its handling to the default before it execs
  // the program, so children start as from a login shell, whatever the broker inherited.
  private final Optional<Path> env;

  Launcher(Optional<Path> setsid, Optional<Path> env) {
    this.setsid = setsid;
    this.env = env;
  }

  /** A launcher that uses the system's {@code setsid} and {@code env}, where they are usable. */
  static Launcher system() {
    Optional<Path> setsid =
        Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst();
    Optional<Path> env =
        Stream.of("/usr/bin/env", "/bin/env")
            .map(Path::of)
            .filter(Files::isExecutable)
            .filter(Launcher::resetsSignals)
            .findFirst();
    return new Launcher(setsid, env);
  }

  // Older env(1) and non-GNU ones do not know the option and fail.
  private static boolean resetsSignals(Path env) {
    try {
      Process p =
          new ProcessBuilder(env.toString(), "--default-signal", "true")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether children lead their own process groups. */
  boolean groupsChildren() {
    return setsid.isPresent();
  }

  /** Whether children start with every signal unblocked and at its default handling. */
  boolean resetsChildSignals() {
    return env.isPresent();
  }

  /** Everything needed to spawn, resolved and checked. */
  record Plan(
      Path executable,
      List<String> args,
      Path cwd,
      Map<String, String> env,
      ProcessSpec.Input stdin,
      ProcessSpec.Output stdout,
      ProcessSpec.Output stderr) {
    /** Names the environment's variables without their values: one is the broker's token. */
    @Override
    public String toString() {
      return "Plan[" + executable + " " + args + ", cwd=" + cwd + ", env=" + env.keySet() + "]";
    }
  }

  /**
   * The working directory the child will have, or null for the broker's.
   *
   * @throws BrokerException {@code CWD_NOT_FOUND} if {@code cwd} is not a directory
   */
  static Path resolveCwd(String cwd) {
    if (cwd.isEmpty()) {
      return null;
    }
    Path dir = toPath(cwd).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw BrokerException.of(
          Reason.CWD_NOT_FOUND, "cwd is not an existing directory", "cwd", cwd);
    }
    return dir;
  }

  /**
   * Finds the executable as execvp would: a name with a {@code /} is a path (relative to the
   * child's working directory), any other name is looked up in the child's {@code PATH}.
   *
   * @throws BrokerException {@code EXECUTABLE_NOT_FOUND} if there is no executable regular file
   */
  static Path resolveExecutable(String argv0, Map<String, String> env, Path cwd) {
    Path base = cwd != null ? cwd : Path.of("").toAbsolutePath();
    if (argv0.contains("/")) {
      Path p = base.resolve(toPath(argv0)).normalize();
      if (isExecutableFile(p)) {
        return p;
      }
    } else {
      String path = env.getOrDefault("PATH", DEFAULT_PATH);
      for (String dir : path.split(":", -1)) {
        Path p = base.resolve(dir.isEmpty() ? "." : dir).resolve(argv0).normalize();
        if (isExecutableFile(p)) {
          return p;
        }
      }
    }
    throw BrokerException.of(
        Reason.EXECUTABLE_NOT_FOUND, "argv[0] names no executable file", "executable", argv0);
  }

  /**
   * Checks again what {@link #resolveCwd} and {@link #resolveExecutable} found, right before a
   * spawn: a program or directory removed since the create fails the start with its own reason
   * instead of a child that exits 127.
   */
  static void recheck(Plan plan) {
    if (plan.cwd() != null && !Files.isDirectory(plan.cwd())) {
      throw BrokerException.of(
          Reason.CWD_NOT_FOUND, "cwd is not an existing directory", "cwd", plan.cwd().toString());
    }
    if (!isExecutableFile(plan.executable())) {
      throw BrokerException.of(
          Reason.EXECUTABLE_NOT_FOUND,
          "argv[0] names no executable file",
          "executable",
          plan.args().get(0));
    }
  }

  /**
   * Checks that the redirect files can be opened, so that a bad path fails the call with its own
   * reason rather than as a failed spawn.
   */
  static void checkRedirects(ProcessSpec spec, Path cwd) {
    if (spec.stdin().mode() == ProcessSpec.InputMode.FILE) {
      Path p = redirectPath(cwd, spec.stdin().path());
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        throw redirectFailed("stdin", spec.stdin().path());
      }
    }
    checkOutput("stdout", spec.stdout(), cwd);
    checkOutput("stderr", spec.stderr(), cwd);
  }

  private static void checkOutput(String field, ProcessSpec.Output out, Path cwd) {
    if (out.mode() != ProcessSpec.OutputMode.FILE) {
      return;
    }
    Path p = redirectPath(cwd, out.path());
    boolean ok =
        Files.exists(p)
            ? Files.isRegularFile(p) && Files.isWritable(p)
            : p.getParent() != null
                && Files.isDirectory(p.getParent())
                && Files.isWritable(p.getParent());
    if (!ok) {
      throw redirectFailed(field, out.path());
    }
  }

  /** Spawns the process. */
  Process launch(Plan plan) {
    List<String> command = new ArrayList<>(plan.args().size() + 3);
    setsid.ifPresent(s -> command.add(s.toString()));
    String exe = plan.executable().toString();
    env.ifPresent(
        e -> {
          command.add(e.toString());
          command.add("--default-signal");
          if (exe.indexOf('=') >= 0) {
            // env(1) takes any operand with '=' for a variable, even after "--": a shell that
            // only execs its arguments runs such a path without parsing it.
            command.addAll(List.of("/bin/sh", "-c", "exec \"$0\" \"$@\""));
          }
        });
    command.add(exe);
    command.addAll(plan.args().subList(1, plan.args().size()));
    ProcessBuilder pb = new ProcessBuilder(command);
    if (plan.cwd() != null) {
      pb.directory(plan.cwd().toFile());
    }
    pb.environment().clear();
    pb.environment().putAll(plan.env());
    pb.redirectInput(
        plan.stdin().mode() == ProcessSpec.InputMode.FILE
            ? ProcessBuilder.Redirect.from(redirectPath(plan.cwd(), plan.stdin().path()).toFile())
            : ProcessBuilder.Redirect.from(NULL_FILE));
    pb.redirectOutput(output(plan.stdout(), plan.cwd()));
    if (plan.stderr().mode() == ProcessSpec.OutputMode.STDOUT) {
      pb.redirectErrorStream(true);
    } else {
      pb.redirectError(output(plan.stderr(), plan.cwd()));
    }
    try {
      return pb.start();
    } catch (IOException e) {
      throw BrokerException.of(
          Reason.SPAWN_FAILED,
          "the system refused to start the process",
          "executable",
          plan.executable().toString(),
          "detail",
          String.valueOf(e.getMessage()));
    }
  }

  private static ProcessBuilder.Redirect output(ProcessSpec.Output out, Path cwd) {
    return switch (out.mode()) {
      case CAPTURE -> ProcessBuilder.Redirect.PIPE;
      case DISCARD -> ProcessBuilder.Redirect.DISCARD;
      case FILE -> {
        File f = redirectPath(cwd, out.path()).toFile();
        yield out.append() ? ProcessBuilder.Redirect.appendTo(f) : ProcessBuilder.Redirect.to(f);
      }
      case STDOUT -> throw new IllegalArgumentException("STDOUT is for stderr only");
    };
  }

  private static Path redirectPath(Path cwd, String path) {
    Path base = cwd != null ? cwd : Path.of("").toAbsolutePath();
    return base.resolve(toPath(path)).normalize();
  }

  private static boolean isExecutableFile(Path p) {
    return Files.isRegularFile(p) && Files.isExecutable(p);
  }

  private static Path toPath(String s) {
    try {
      return Path.of(s);
    } catch (InvalidPathException e) {
      // NUL bytes are refused earlier; anything else the platform rejects is not found either.
      return Path.of("/nonexistent/" + Integer.toHexString(s.hashCode()));
    }
  }

  private static BrokerException redirectFailed(String field, String path) {
    return BrokerException.of(
        Reason.REDIRECT_FAILED, field + " file cannot be opened", "field", field, "path", path);
  }
}
