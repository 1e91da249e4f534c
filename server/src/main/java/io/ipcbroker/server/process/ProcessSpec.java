package io.ipcbroker.server.process;

import java.util.List;
import java.util.Map;

/**
 * What to run: a process as a client asked for it, before validation.
 *
 * @param argv the executable and its arguments
 * @param name Python's name, or empty for the default {@code Process-N}
 * @param env variables to add to the child's environment
 * @param replaceEnv start from an empty environment instead of the broker's
 * @param cwd the working directory, or empty for the broker's
 * @param daemon whether the process dies with the session that created it
 * @param stdin where stdin comes from
 * @param stdout where stdout goes
 * @param stderr where stderr goes
 */
public record ProcessSpec(
    List<String> argv,
    String name,
    Map<String, String> env,
    boolean replaceEnv,
    String cwd,
    boolean daemon,
    Input stdin,
    Output stdout,
    Output stderr) {

  /** Copies the collections. */
  public ProcessSpec {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
  }

  /** The kinds of stdin. */
  public enum InputMode {
    /** {@code /dev/null}. */
    NULL,
    /** A file on the broker's host. */
    FILE
  }

  /** The kinds of output handling. */
  public enum OutputMode {
    /** Kept in the broker's output buffer. */
    CAPTURE,
    /** Thrown away. */
    DISCARD,
    /** Written to a file on the broker's host. */
    FILE,
    /** For stderr only: into the same place as stdout. */
    STDOUT
  }

  /** Where stdin comes from. */
  public record Input(InputMode mode, String path) {
    /** {@code /dev/null}. */
    public static final Input NULL = new Input(InputMode.NULL, "");
  }

  /** Where an output stream goes. */
  public record Output(OutputMode mode, String path, boolean append) {
    /** Kept by the broker. */
    public static final Output CAPTURE = new Output(OutputMode.CAPTURE, "", false);
  }
}
