package io.ipcbroker.server.process;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.Timestamps;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.InputRedirect;
import io.ipcbroker.v1.OutputRedirect;
import io.ipcbroker.v1.OutputStream;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.Signal;

/** Conversions between the contract's process messages and the core's types. */
final class ProcessProtos {
  private ProcessProtos() {}

  static ProcessSpec toSpec(CreateProcessRequest r) {
    return new ProcessSpec(
        r.getArgvList(),
        r.getName(),
        r.getEnvMap(),
        r.getReplaceEnv(),
        r.getCwd(),
        r.getDaemon(),
        toInput(r.getStdin()),
        toOutput("stdout", r.getStdout()),
        toOutput("stderr", r.getStderr()));
  }

  private static ProcessSpec.Input toInput(InputRedirect r) {
    return switch (r.getMode()) {
      case MODE_UNSPECIFIED, MODE_NULL -> ProcessSpec.Input.NULL;
      case MODE_FILE -> new ProcessSpec.Input(ProcessSpec.InputMode.FILE, r.getPath());
      case UNRECOGNIZED -> throw unknown("stdin.mode", r.getModeValue());
    };
  }

  private static ProcessSpec.Output toOutput(String field, OutputRedirect r) {
    ProcessSpec.OutputMode mode =
        switch (r.getMode()) {
          case MODE_UNSPECIFIED, MODE_CAPTURE -> ProcessSpec.OutputMode.CAPTURE;
          case MODE_DISCARD -> ProcessSpec.OutputMode.DISCARD;
          case MODE_FILE -> ProcessSpec.OutputMode.FILE;
          case MODE_STDOUT -> ProcessSpec.OutputMode.STDOUT;
          case UNRECOGNIZED -> throw unknown(field + ".mode", r.getModeValue());
        };
    return new ProcessSpec.Output(mode, r.getPath(), r.getAppend());
  }

  static ProcessSignal toSignal(Signal s) {
    return switch (s) {
      case SIGNAL_TERM -> ProcessSignal.TERM;
      case SIGNAL_KILL -> ProcessSignal.KILL;
      case SIGNAL_INT -> ProcessSignal.INT;
      case SIGNAL_HUP -> ProcessSignal.HUP;
      case SIGNAL_QUIT -> ProcessSignal.QUIT;
      case SIGNAL_USR1 -> ProcessSignal.USR1;
      case SIGNAL_USR2 -> ProcessSignal.USR2;
      case SIGNAL_UNSPECIFIED, UNRECOGNIZED ->
          throw BrokerException.of(
              Reason.SIGNAL_NOT_ALLOWED,
              "signal must be one of the Signal values other than SIGNAL_UNSPECIFIED",
              "signal",
              s == Signal.UNRECOGNIZED ? "unknown" : s.name());
    };
  }

  static Signal toProto(ProcessSignal s) {
    return switch (s) {
      case TERM -> Signal.SIGNAL_TERM;
      case KILL -> Signal.SIGNAL_KILL;
      case INT -> Signal.SIGNAL_INT;
      case HUP -> Signal.SIGNAL_HUP;
      case QUIT -> Signal.SIGNAL_QUIT;
      case USR1 -> Signal.SIGNAL_USR1;
      case USR2 -> Signal.SIGNAL_USR2;
    };
  }

  static ProcessState toState(io.ipcbroker.v1.ProcessState s, int value) {
    return switch (s) {
      case PROCESS_STATE_UNSPECIFIED -> null;
      case PROCESS_STATE_CREATED -> ProcessState.CREATED;
      case PROCESS_STATE_RUNNING -> ProcessState.RUNNING;
      case PROCESS_STATE_EXITED -> ProcessState.EXITED;
      case UNRECOGNIZED -> throw unknown("state", value);
    };
  }

  static ProcessRegistry.StdStream toStream(OutputStream s, int value) {
    return switch (s) {
      case OUTPUT_STREAM_STDOUT -> ProcessRegistry.StdStream.STDOUT;
      case OUTPUT_STREAM_STDERR -> ProcessRegistry.StdStream.STDERR;
      case OUTPUT_STREAM_UNSPECIFIED, UNRECOGNIZED -> throw unknown("stream", value);
    };
  }

  static ProcessInfo toProto(ProcessSnapshot s) {
    ProcessInfo.Builder b =
        ProcessInfo.newBuilder()
            .setId(s.id())
            .setName(s.name())
            .addAllArgv(s.argv())
            .setExecutable(s.executable())
            .setCwd(s.cwd())
            .setDaemon(s.daemon())
            .setState(toProto(s.state()))
            .setAlive(s.alive())
            .setSessionId(s.sessionId())
            .setParentProcessId(s.parentProcessId())
            .setCreateTime(Timestamps.of(s.createTime()))
            .setStdoutMode(toProto(s.stdoutMode()))
            .setStderrMode(toProto(s.stderrMode()))
            .setStdoutBytes(s.stdoutBytes())
            .setStderrBytes(s.stderrBytes());
    if (s.pid() != null) {
      b.setPid(s.pid());
    }
    if (s.startTime() != null) {
      b.setStartTime(Timestamps.of(s.startTime()));
    }
    if (s.exitTime() != null) {
      b.setExitTime(Timestamps.of(s.exitTime()));
    }
    if (s.lastSignal() != null) {
      b.setLastSignal(toProto(s.lastSignal()));
    }
    ExitStatus e = s.exitStatus();
    if (e != null) {
      io.ipcbroker.v1.ExitStatus.Builder eb =
          io.ipcbroker.v1.ExitStatus.newBuilder()
              .setExitcode(e.exitcode())
              .setSignaledByBroker(e.signaledByBroker());
      if (e.code() != null) {
        eb.setCode(e.code());
      } else {
        eb.setSignal(e.signal());
      }
      b.setExitStatus(eb);
    }
    return b.build();
  }

  private static io.ipcbroker.v1.ProcessState toProto(ProcessState s) {
    return switch (s) {
      case CREATED -> io.ipcbroker.v1.ProcessState.PROCESS_STATE_CREATED;
      case RUNNING -> io.ipcbroker.v1.ProcessState.PROCESS_STATE_RUNNING;
      case EXITED -> io.ipcbroker.v1.ProcessState.PROCESS_STATE_EXITED;
    };
  }

  private static OutputRedirect.Mode toProto(ProcessSpec.OutputMode m) {
    return switch (m) {
      case CAPTURE -> OutputRedirect.Mode.MODE_CAPTURE;
      case DISCARD -> OutputRedirect.Mode.MODE_DISCARD;
      case FILE -> OutputRedirect.Mode.MODE_FILE;
      case STDOUT -> OutputRedirect.Mode.MODE_STDOUT;
    };
  }

  private static BrokerException unknown(String field, int value) {
    return BrokerException.of(
        Reason.INVALID_FIELD_VALUE,
        field + " has a value this broker does not know",
        "field",
        field,
        "value",
        Integer.toString(value));
  }
}
