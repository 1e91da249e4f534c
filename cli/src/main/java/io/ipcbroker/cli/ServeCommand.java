package io.ipcbroker.cli;

import io.ipcbroker.server.BrokerMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Runs the broker in this process, with the broker's own options (see {@code serve --help}). */
@Command(
    name = "serve",
    description = "Runs the broker until SIGTERM or Ctrl-C (serve --help lists its options).")
final class ServeCommand implements Callable<Integer> {
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    BrokerMain.main(args.toArray(new String[0])); // exits the process itself once it stops
    return 0;
  }
}
