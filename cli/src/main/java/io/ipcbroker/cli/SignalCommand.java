package io.ipcbroker.cli;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.Signal;
import io.ipcbroker.v1.SignalProcessRequest;
import io.ipcbroker.v1.SignalProcessResponse;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Python's {@code terminate()} and {@code kill()}: SIGTERM or SIGKILL to a process. */
abstract class SignalCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "PROCESS", description = "a process id or name")
  String process;

  abstract Signal signal();

  @Override
  int run(ManagedChannel channel) {
    String id = Processes.resolve(channel, process);
    SignalProcessResponse r =
        ProcessServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(Main.CALL_SECONDS, TimeUnit.SECONDS)
            .signalProcess(SignalProcessRequest.newBuilder().setId(id).setSignal(signal()).build());
    if (json) {
      printJson(r);
    } else {
      // As in Python, signalling a process that already exited does nothing and is no error.
      out().println(id + (r.getSent() ? " signalled" : " had already exited"));
      out().flush();
    }
    return OK;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "terminate",
      description = "Sends SIGTERM to a process (Python's terminate()).")
  static final class Terminate extends SignalCommand {
    @Override
    Signal signal() {
      return Signal.SIGNAL_TERM;
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "kill",
      description = "Sends SIGKILL to a process (Python's kill()).")
  static final class Kill extends SignalCommand {
    @Override
    Signal signal() {
      return Signal.SIGNAL_KILL;
    }
  }
}
