package io.ipcbroker.cli;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ReadOutputRequest;
import io.ipcbroker.v1.ReadOutputResponse;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** A process's captured output. */
@Command(
    mixinStandardHelpOptions = true,
    name = "logs",
    description = "Writes a process's captured stdout (or stderr) to stdout; -f follows it.")
final class LogsCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "PROCESS", description = "a process id or name")
  String process;

  @Option(
      names = {"-f", "--follow"},
      description = "keep writing new output until it exits")
  boolean follow;

  @Option(names = "--stderr", description = "the process's stderr instead of its stdout")
  boolean stderr;

  @Override
  int run(ManagedChannel channel) throws Exception {
    String id = Processes.resolve(channel, process);
    ReadOutputRequest request =
        ReadOutputRequest.newBuilder()
            .setId(id)
            .setStream(
                stderr ? OutputStream.OUTPUT_STREAM_STDERR : OutputStream.OUTPUT_STREAM_STDOUT)
            .setFollow(follow)
            .build();
    // Cancelled with the context when this command ends (Ctrl-C ends the JVM and the stream).
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      Context previous = ctx.attach();
      try {
        Iterator<ReadOutputResponse> chunks =
            ProcessServiceGrpc.newBlockingStub(channel).readOutput(request);
        java.io.OutputStream raw = Main.rawOutput();
        while (chunks.hasNext()) {
          chunks.next().getData().writeTo(raw);
          raw.flush();
        }
      } finally {
        ctx.detach(previous);
      }
    }
    return OK;
  }
}
