package io.ipcbroker.cli;

import io.ipcbroker.server.BrokerMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** Runs the broker in this process, with the broker's own options (see {@code serve --help}). */
@Command(
    name = "serve",
    description = "Runs the broker until SIGTERM or Ctrl-C (serve --help lists its options).")
final class ServeCommand implements Callable<Integer> {
  @Unmatched List<String> args = new ArrayList<>();

  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // Main.main hands "serve ..." to the broker before parsing. Here only when serve came after
    // a client option, which would have taken a broker flag of the same name (--tls-cert...).
    Connection c = main.connection;
    if (c.target != null
        || c.tokenFile != null
        || c.tlsCa != null
        || c.tlsCert != null
        || c.tlsKey != null) {
      spec.commandLine()
          .getErr()
          .println(
              "ipcbroker: give serve first, then the broker's options: ipcbroker serve [OPTIONS]"
                  + " (client options such as --target and --tls-cert do not apply to it)");
      return ClientCommand.ERROR;
    }
    BrokerMain.main(args.toArray(new String[0])); // exits the process itself once it stops
    return 0;
  }
}
