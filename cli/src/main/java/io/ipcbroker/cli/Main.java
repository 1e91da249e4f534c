package io.ipcbroker.cli;

import io.ipcbroker.server.BrokerMain;
import io.ipcbroker.server.BrokerServer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ipcbroker} command: {@code serve} runs the broker; the other subcommands inspect and
 * steer a running one. Exit status: 0 done, 1 nothing to hand over (EMPTY, FULL, a wait that
 * ended), 2 an error (its reason on stderr) or a usage error.
 */
@Command(
    name = "ipcbroker",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs and operates an ipcbroker broker.",
    subcommands = {
      ServeCommand.class,
      StatusCommand.class,
      QueuesCommand.class,
      PutCommand.class,
      GetCommand.class,
      PsCommand.class,
      SpawnCommand.class,
      LogsCommand.class,
      SignalCommand.Terminate.class,
      SignalCommand.Kill.class,
      SessionsCommand.class,
      LocksCommand.class,
      PoolsCommand.class,
    })
public final class Main implements Runnable {
  /** The deadline of a call that does not wait (listings, descriptions, signals). */
  static final long CALL_SECONDS = 30;

  private static volatile Map<String, String> environment = System.getenv();
  private static volatile InputStream input = System.in;
  // Not System.out: a PrintStream swallows write errors, and get must not ack what it failed to
  // write (a closed pipe, a full disk).
  private static volatile OutputStream rawOutput = new FileOutputStream(FileDescriptor.out);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin Connection connection;

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) throws Exception {
    String[] serve = serveArgs(args);
    if (serve != null) {
      BrokerMain.main(serve); // exits the process itself once the broker stops
      return;
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The broker's own arguments when {@code args} run {@code serve}, else null. They go to the
   * broker untouched: the client options (--target, --tls-cert...) must not take the broker's own
   * flags of the same names away from it.
   */
  static String[] serveArgs(String[] args) {
    if (args.length == 0 || !args[0].equals("serve")) {
      return null;
    }
    return Arrays.copyOfRange(args, 1, args.length);
  }

  /** The command line, ready to execute (tests set its output streams). */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    // Usage errors exit 2 (picocli's default); so does anything unexpected, with what it was.
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          command.getErr().println("ipcbroker: " + e);
          command.getErr().flush();
          return ClientCommand.ERROR;
        });
    return cli;
  }

  /** The environment the client subcommands read (tests replace it). */
  static Map<String, String> environment() {
    return environment;
  }

  static void setEnvironment(Map<String, String> env) {
    environment = env;
  }

  /** Where {@code put -} reads its item (tests replace it). */
  static InputStream input() {
    return input;
  }

  static void setInput(InputStream in) {
    input = in;
  }

  /** Where {@code get} writes an item's bytes as they are (tests replace it). */
  static OutputStream rawOutput() {
    return rawOutput;
  }

  static void setRawOutput(OutputStream out) {
    rawOutput = out;
  }

  @Override
  public void run() {
    // No subcommand: picocli prints the message and the usage, and exits 2.
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** The broker's version, as the build recorded it. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ipcbroker " + BrokerServer.version()};
    }
  }
}
