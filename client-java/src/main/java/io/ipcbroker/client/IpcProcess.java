package io.ipcbroker.client;

import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.InputRedirect;
import io.ipcbroker.v1.OutputRedirect;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * An OS process that the broker spawns and supervises: Python's {@code multiprocessing.Process}.
 *
 * <pre>{@code
 * IpcProcess p = broker.process("sh", "-c", "sleep 3; echo hello bob").start();
 * p.join(Duration.ofSeconds(1));   // returns after about 1 s: false, still running
 * p.name();                        // "Process-1"
 * p.isAlive();                     // true
 * p.exitcode();                    // null
 * p.join();
 * p.exitcode();                    // 0
 * p.stdout();                      // "hello bob\n"
 * p.close();                       // deletes the record
 * }</pre>
 *
 * <p>A handle names a process record on the broker, which lives until it is {@linkplain #close()
 * closed}, also after the process exited and after the client that created it went away. Any client
 * may {@linkplain IpcBroker#openProcess(String) open} it by its {@link #id()} and join, signal or
 * read it. Python's {@code target=} is an argv here: {@link JavaProcess#of} runs a Java class's
 * {@code main} in a new JVM; the child learns from its environment where the broker is and which
 * process it is ({@link IpcBroker#fromEnvironment()}).
 *
 * <p>Exit codes are Python's: 0, the code the process exited with, or minus the number of the
 * signal that ended it ({@code -15} after {@link #terminate()}, {@code -9} after {@link #kill()}).
 *
 * <p>Handles are thread-safe. Calls fail with {@link IpcBrokerException} (for example {@code
 * NOT_FOUND}/{@code PROCESS_NOT_FOUND} once someone else deleted the record); after {@link
 * #close()} they throw {@link IllegalStateException}, as Python raises {@code ValueError}.
 */
public interface IpcProcess extends AutoCloseable {
  /**
   * The broker's id of the process record ({@code proc-1}, ...); what {@code openProcess} takes.
   */
  String id();

  /** Python's name: the one given, or {@code Process-N} ({@code Process-1:1} in a child). */
  String name();

  /** Whether the process dies with the session of the client that created it. */
  boolean daemon();

  /**
   * Spawns a process that was {@linkplain Builder#create() created} without being started.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code PROCESS_ALREADY_STARTED} for a
   *     second start; the spawn errors of {@link Builder#start()}
   */
  void start();

  /** The OS process id, or null before the process was started. */
  Long pid();

  /** Whether the process was started and has not exited yet (Python's {@code is_alive()}). */
  boolean isAlive();

  /**
   * Python's {@code exitcode}: null while the process runs or before it started; else 0, the code
   * it exited with, or minus the signal that ended it.
   */
  Integer exitcode();

  /**
   * Waits until the process exits.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code PROCESS_NOT_STARTED} before the
   *     process was started; {@code NOT_FOUND}/{@code SESSION_NOT_FOUND} if this client's session
   *     was lost; {@code INTERRUPTED} (with the interrupt flag set again) if the thread was
   *     interrupted
   */
  void join();

  /**
   * Waits at most {@code timeout} for the process to exit (Python's {@code join(timeout)}), and
   * returns after about that time either way; {@link Duration#ZERO} only looks.
   *
   * @return whether the process has exited
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IpcBrokerException as {@link #join()}
   */
  boolean join(Duration timeout);

  /**
   * As {@link #join(Duration)}, without blocking the caller. The future completes on the SDK's own
   * threads; cancelling it gives the wait up on the broker.
   */
  CompletableFuture<Boolean> joinAsync(Duration timeout);

  /**
   * Sends SIGTERM to the process's group (Python's {@code terminate()}). Does not wait, and does
   * nothing to a process that has exited or was never started.
   */
  void terminate();

  /** Sends SIGKILL to the process's group (Python's {@code kill()}); as {@link #terminate()}. */
  void kill();

  /**
   * Sends {@code signal} to the process's group. Does not wait.
   *
   * @return whether a signal was sent (false when the process was not running)
   */
  boolean signal(Signal signal);

  /** The record as the broker has it now. */
  Info info();

  /**
   * The captured stdout so far, decoded as UTF-8: what the broker keeps of it (by default the last
   * 1 MiB).
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code OUTPUT_NOT_CAPTURED} if stdout
   *     goes elsewhere
   */
  String stdout();

  /** As {@link #stdout()}, for stderr. */
  String stderr();

  /** As {@link #stdout()}, as bytes. */
  byte[] stdoutBytes();

  /** As {@link #stderr()}, as bytes. */
  byte[] stderrBytes();

  /**
   * Reads the captured stdout from its start (what the broker still keeps of it). Without {@code
   * follow} the stream ends after what was written so far; with it, reads block for what the
   * process writes next, and the stream ends when the process closes its stdout (it exited), as
   * {@code tail -f} would.
   *
   * <p>The stream's read methods fail with {@link IpcBrokerException}: {@code
   * FAILED_PRECONDITION}/{@code OUTPUT_NOT_CAPTURED} if stdout is not captured, {@code
   * NOT_FOUND}/{@code PROCESS_NOT_FOUND} if the record is deleted, {@code INTERRUPTED} (nothing is
   * lost; the read can be retried), {@code CLIENT_CLOSED}. Close the stream to stop reading.
   */
  InputStream openStdout(boolean follow);

  /** As {@link #openStdout(boolean)}, for stderr. */
  InputStream openStderr(boolean follow);

  /**
   * Deletes the process record with its output (Python's {@code close()}). Afterwards the handle
   * only answers {@link #id()}, {@link #name()} and {@link #daemon()}; a second close does nothing.
   *
   * @throws IpcBrokerException {@code FAILED_PRECONDITION}/{@code PROCESS_RUNNING} while the
   *     process runs (the handle stays usable)
   */
  @Override
  void close();

  /** Where a process is in its life. */
  enum State {
    /** Created, not started. */
    CREATED,
    /** Started and not yet exited. */
    RUNNING,
    /** Exited. */
    EXITED,
  }

  /** The signals a client may send. */
  enum Signal {
    /** SIGTERM: {@link #terminate()}. */
    TERM,
    /** SIGKILL: {@link #kill()}. */
    KILL,
    /** SIGINT. */
    INT,
    /** SIGHUP. */
    HUP,
    /** SIGQUIT. */
    QUIT,
    /** SIGUSR1. */
    USR1,
    /** SIGUSR2. */
    USR2,
  }

  /**
   * A snapshot of a process record.
   *
   * @param id the broker's id of the record
   * @param name Python's name
   * @param argv the command, as given
   * @param executable the absolute path the broker resolved {@code argv[0]} to
   * @param daemon whether the process dies with its creator's session
   * @param state where the process is in its life
   * @param pid the OS process id; null before start
   * @param alive whether it runs (Python's {@code is_alive()})
   * @param exitcode Python's {@code exitcode}; null unless it exited
   * @param signal the number of the signal that ended it; null unless a signal did
   * @param signaledByBroker whether the broker sent that signal (a signal call, a daemon's session
   *     ending, the broker's shutdown)
   * @param lastSignal the last signal the broker sent it; null if none
   * @param createTime when the record was created
   * @param startTime when the process was started; null before
   * @param exitTime when it exited; null before
   * @param stdoutBytes how many bytes of captured stdout it wrote so far
   * @param stderrBytes how many bytes of captured stderr it wrote so far
   */
  record Info(
      String id,
      String name,
      List<String> argv,
      String executable,
      boolean daemon,
      State state,
      Long pid,
      boolean alive,
      Integer exitcode,
      Integer signal,
      boolean signaledByBroker,
      Signal lastSignal,
      Instant createTime,
      Instant startTime,
      Instant exitTime,
      long stdoutBytes,
      long stderrBytes) {
    /** Copies {@code argv}. */
    public Info {
      argv = List.copyOf(argv);
    }
  }

  /**
   * Where a child's stdout or stderr goes: {@link #capture()} (the default), {@link #discard()}, a
   * file, or (for stderr) {@link #toStdout()}. Files are on the broker's host; the broker resolves
   * a relative path against the process's working directory.
   */
  final class Redirect {
    private static final Redirect CAPTURE =
        new Redirect(OutputRedirect.Mode.MODE_CAPTURE, null, false);
    private static final Redirect DISCARD =
        new Redirect(OutputRedirect.Mode.MODE_DISCARD, null, false);
    private static final Redirect STDOUT =
        new Redirect(OutputRedirect.Mode.MODE_STDOUT, null, false);

    private final OutputRedirect.Mode mode;
    private final String path;
    private final boolean append;

    private Redirect(OutputRedirect.Mode mode, String path, boolean append) {
      this.mode = mode;
      this.path = path;
      this.append = append;
    }

    /** Kept by the broker and readable with {@link #stdout()} and {@link #openStdout}. */
    public static Redirect capture() {
      return CAPTURE;
    }

    /** Thrown away. */
    public static Redirect discard() {
      return DISCARD;
    }

    /** Written to {@code file}, truncated first. */
    public static Redirect toFile(Path file) {
      return new Redirect(
          OutputRedirect.Mode.MODE_FILE, Objects.requireNonNull(file, "file").toString(), false);
    }

    /** Appended to {@code file}. */
    public static Redirect appendTo(Path file) {
      return new Redirect(
          OutputRedirect.Mode.MODE_FILE, Objects.requireNonNull(file, "file").toString(), true);
    }

    /** For stderr only: into the same place as stdout (Python's {@code subprocess.STDOUT}). */
    public static Redirect toStdout() {
      return STDOUT;
    }

    OutputRedirect toProto() {
      OutputRedirect.Builder b = OutputRedirect.newBuilder().setMode(mode).setAppend(append);
      if (path != null) {
        b.setPath(path);
      }
      return b.build();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Redirect r
          && mode == r.mode
          && Objects.equals(path, r.path)
          && append == r.append;
    }

    @Override
    public int hashCode() {
      return Objects.hash(mode, path, append);
    }

    @Override
    public String toString() {
      switch (mode) {
        case MODE_CAPTURE:
          return "Redirect.capture()";
        case MODE_DISCARD:
          return "Redirect.discard()";
        case MODE_STDOUT:
          return "Redirect.toStdout()";
        default:
          return (append ? "Redirect.appendTo(" : "Redirect.toFile(") + path + ")";
      }
    }
  }

  /**
   * Describes a process to spawn; from {@link IpcBroker#process(String...)}. By default it has
   * Python's name ({@code Process-N}), is not a daemon, inherits the broker's environment and
   * working directory, reads stdin from {@code /dev/null}, and has its stdout and stderr captured.
   */
  final class Builder {
    private final IpcBroker broker;
    private final List<String> argv;
    private final Map<String, String> env = new LinkedHashMap<>();
    private String name = "";
    private boolean daemon;
    private boolean replaceEnv;
    private String cwd = "";
    private String stdin;
    private Redirect stdout = Redirect.capture();
    private Redirect stderr = Redirect.capture();

    Builder(IpcBroker broker, List<String> argv) {
      this.broker = broker;
      this.argv = List.copyOf(argv);
    }

    /** Python's name; by default {@code Process-N}, counted per client. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Whether the process dies with this client's session (Python's {@code daemon}; default false):
     * when the client closes or vanishes, the broker sends SIGTERM, then SIGKILL after a grace
     * period.
     */
    public Builder daemon(boolean daemon) {
      this.daemon = daemon;
      return this;
    }

    /**
     * Adds {@code key=value} to the child's environment. The broker's {@code IPCBROKER_*} variables
     * win over it.
     */
    public Builder env(String key, String value) {
      env.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Adds every entry of {@code variables} to the child's environment. */
    public Builder env(Map<String, String> variables) {
      variables.forEach(this::env);
      return this;
    }

    /**
     * Starts the child's environment empty (plus {@link #env} and the broker's {@code IPCBROKER_*}
     * variables) instead of from the broker's own. An empty environment has no {@code PATH}, so
     * name the executable by its path.
     */
    public Builder replaceEnv(boolean replaceEnv) {
      this.replaceEnv = replaceEnv;
      return this;
    }

    /** The working directory on the broker's host; by default the broker's. */
    public Builder cwd(Path cwd) {
      return cwd(Objects.requireNonNull(cwd, "cwd").toString());
    }

    /** As {@link #cwd(Path)}. */
    public Builder cwd(String cwd) {
      this.cwd = Objects.requireNonNull(cwd, "cwd");
      return this;
    }

    /**
     * Makes the child read stdin from {@code file} on the broker's host (a relative path is
     * resolved against the process's working directory).
     */
    public Builder stdin(Path file) {
      this.stdin = Objects.requireNonNull(file, "file").toString();
      return this;
    }

    /** Makes the child read stdin from {@code /dev/null} (the default): end-of-file at once. */
    public Builder stdinNull() {
      this.stdin = null;
      return this;
    }

    /**
     * Where stdout goes (default {@link Redirect#capture()}).
     *
     * @throws IllegalArgumentException for {@link Redirect#toStdout()}
     */
    public Builder stdout(Redirect redirect) {
      Objects.requireNonNull(redirect, "redirect");
      if (redirect.equals(Redirect.toStdout())) {
        throw new IllegalArgumentException("stdout cannot be redirected to itself");
      }
      this.stdout = redirect;
      return this;
    }

    /** Where stderr goes (default {@link Redirect#capture()}). */
    public Builder stderr(Redirect redirect) {
      this.stderr = Objects.requireNonNull(redirect, "redirect");
      return this;
    }

    /**
     * Creates the process record without starting the process (Python's {@code Process(...)}); call
     * {@link IpcProcess#start()} next.
     *
     * @throws IpcBrokerException {@code INVALID_ARGUMENT} with {@code FIELD_REQUIRED} for an empty
     *     argv, {@code INVALID_NAME} or {@code INVALID_FIELD_VALUE} for a bad name or value
     */
    public IpcProcess create() {
      return broker.createProcess(request(false));
    }

    /**
     * Creates and starts the process in one call (Python's {@code Process(...).start()}).
     *
     * @throws IpcBrokerException as {@link #create()}, and {@code INVALID_ARGUMENT} with {@code
     *     EXECUTABLE_NOT_FOUND}, {@code CWD_NOT_FOUND} or {@code REDIRECT_FAILED}; {@code
     *     PERMISSION_DENIED} with {@code SPAWN_DISABLED} or {@code EXECUTABLE_NOT_ALLOWED}; {@code
     *     FAILED_PRECONDITION}/{@code SPAWN_FAILED}. Nothing is left behind.
     */
    public IpcProcess start() {
      return broker.createProcess(request(true));
    }

    private CreateProcessRequest request(boolean start) {
      InputRedirect in =
          stdin == null
              ? InputRedirect.newBuilder().setMode(InputRedirect.Mode.MODE_NULL).build()
              : InputRedirect.newBuilder()
                  .setMode(InputRedirect.Mode.MODE_FILE)
                  .setPath(stdin)
                  .build();
      return CreateProcessRequest.newBuilder()
          .addAllArgv(argv)
          .setName(name)
          .putAllEnv(env)
          .setReplaceEnv(replaceEnv)
          .setCwd(cwd)
          .setDaemon(daemon)
          .setStdin(in)
          .setStdout(stdout.toProto())
          .setStderr(stderr.toProto())
          .setStart(start)
          .build();
    }
  }
}
