package io.ipcbroker.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A subcommand that talks to a running broker. Its exit status is what scripts branch on: {@link
 * #OK}, {@link #NOTHING} (a get found the queue empty, a put found it full, a wait ended) or {@link
 * #ERROR}, with the error's reason on stderr.
 */
abstract class ClientCommand implements Callable<Integer> {
  /** Done. */
  static final int OK = 0;

  /** Nothing to hand over: EMPTY, FULL, or a wait that ended without the event. */
  static final int NOTHING = 1;

  /** The broker refused the call or could not be reached; the reason is on stderr. */
  static final int ERROR = 2;

  @ParentCommand Main main;

  @Option(names = "--json", description = "print JSON (the broker's messages) instead of a table")
  boolean json;

  @Spec CommandSpec spec;

  /** Runs the command on {@code channel}; returns its exit status. */
  abstract int run(ManagedChannel channel) throws Exception;

  @Override
  public final Integer call() throws Exception {
    ManagedChannel channel;
    try {
      channel = main.connection.open(Main.environment());
    } catch (IllegalArgumentException | IOException e) {
      err().println("ipcbroker: " + e.getMessage());
      return ERROR;
    }
    try {
      return run(channel);
    } catch (StatusRuntimeException e) {
      err().println("ipcbroker: " + describe(e));
      return ERROR;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Prints {@code message} as JSON, one document. */
  void printJson(MessageOrBuilder message) {
    try {
      // Empty lists and zero figures printed too: a script can read every field it expects.
      out().println(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(message));
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(e);
    }
    out().flush();
  }

  /** The code, the broker's reason when it gave one, and the description. */
  static String describe(StatusRuntimeException e) {
    Status status = e.getStatus();
    String reason = reason(e);
    return status.getCode()
        + (reason.isEmpty() ? "" : " " + reason)
        + (status.getDescription() == null ? "" : ": " + status.getDescription());
  }

  /** The {@code ErrorInfo.reason} the broker attached, or empty. */
  static String reason(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details == null) {
      return "";
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class).getReason();
        } catch (InvalidProtocolBufferException ignored) {
          return "";
        }
      }
    }
    return "";
  }
}
