package io.ipcbroker.bench;

import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteProcessRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.JoinProcessResponse;
import io.ipcbroker.v1.OutputRedirect;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Spawn and join {@code /bin/true}: through the broker (CreateProcess with start, then JoinProcess
 * until it exited, from a client in another process), next to a direct {@code ProcessBuilder} start
 * and wait in this JVM. Output is discarded on both sides.
 */
final class ProcessSpawnScenario implements Bench.Scenario {
  private static final String NAME = "process spawn+join /bin/true";

  private final ManagedChannel channel;

  ProcessSpawnScenario(ManagedChannel channel) {
    this.channel = channel;
  }

  /** Whether {@code env --default-signal COMMAND} runs and exits 0 within 10 s. */
  private static boolean exitsZero(String env, String command) throws InterruptedException {
    try {
      Process p =
          new ProcessBuilder(env, "--default-signal", command)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public List<Bench.Row> run(Bench.Plan full) throws Exception {
    // A spawn costs milliseconds of exec, not of JIT: a few hundred suffice.
    Bench.Plan plan = full.atMost(100, 200);
    SessionServiceGrpc.SessionServiceBlockingStub sessions =
        SessionServiceGrpc.newBlockingStub(channel);
    ProcessServiceGrpc.ProcessServiceBlockingStub processes =
        ProcessServiceGrpc.newBlockingStub(channel);
    String session =
        sessions
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
            .getSession()
            .getSessionId();
    OutputRedirect discard =
        OutputRedirect.newBuilder().setMode(OutputRedirect.Mode.MODE_DISCARD).build();
    CreateProcessRequest create =
        CreateProcessRequest.newBuilder()
            .setSessionId(session)
            .addArgv("/bin/true")
            .setStdout(discard)
            .setStderr(discard)
            .setStart(true)
            .build();
    double[] broker;
    try {
      broker =
          Bench.measure(
              plan,
              () -> {
                String id =
                    processes
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .createProcess(create)
                        .getProcess()
                        .getId();
                JoinProcessResponse joined =
                    processes
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .joinProcess(JoinProcessRequest.newBuilder().setId(id).build());
                if (!joined.getExited() || joined.getProcess().getExitStatus().getExitcode() != 0) {
                  throw new IllegalStateException("/bin/true did not exit 0: " + joined);
                }
                processes.deleteProcess(DeleteProcessRequest.newBuilder().setId(id).build());
              });
    } finally {
      sessions.deleteSession(DeleteSessionRequest.newBuilder().setSessionId(session).build());
    }
    double[] direct =
        Bench.measure(
            plan,
            () -> {
              Process p =
                  new ProcessBuilder("/bin/true")
                      .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                      .redirectError(ProcessBuilder.Redirect.DISCARD)
                      .start();
              if (p.waitFor() != 0) {
                throw new IllegalStateException("/bin/true did not exit 0");
              }
            });
    // What the broker runs for that spawn: setsid (a process group of its own) and env (default
    // signal dispositions), each exec-ing the next; the same chain from ProcessBuilder tells the
    // execs' cost from the broker's own.
    List<String> chain = new ArrayList<>();
    for (String tool : List.of("setsid", "env")) {
      Path path =
          java.util.stream.Stream.of(Path.of("/usr/bin", tool), Path.of("/bin", tool))
              .filter(Files::isExecutable)
              .findFirst()
              .orElse(null);
      // The broker uses env only where it knows --default-signal (coreutils 8.31 and later).
      if (path != null && (tool.equals("setsid") || exitsZero(path.toString(), "true"))) {
        chain.add(path.toString());
        if (tool.equals("env")) {
          chain.add("--default-signal");
        }
      }
    }
    chain.add("/bin/true");
    double[] chained =
        Bench.measure(
            plan,
            () -> {
              Process p =
                  new ProcessBuilder(chain)
                      .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                      .redirectError(ProcessBuilder.Redirect.DISCARD)
                      .start();
              if (p.waitFor() != 0) {
                throw new IllegalStateException(chain + " did not exit 0");
              }
            });
    List<Bench.Row> rows = new ArrayList<>();
    rows.add(
        new Bench.Row(
            NAME, "ipcbroker CreateProcess+JoinProcess (+Delete)", "us/op", broker, false));
    rows.add(new Bench.Row(NAME, "ProcessBuilder.start+waitFor, same JVM", "us/op", direct, true));
    rows.add(
        new Bench.Row(
            NAME,
            "ProcessBuilder of the broker's exec chain (" + String.join(" ", chain) + ")",
            "us/op",
            chained,
            true));
    // Python's spawn starts an interpreter per process: a few dozen per round are plenty.
    double[] spawn =
        PythonAnchor.column(
            0,
            "process_anchors.py",
            "spawn",
            Math.min(plan.batchSize(), 30),
            Math.min(plan.batches(), 5));
    if (spawn != null) {
      rows.add(
          new Bench.Row(
              NAME,
              "Python multiprocessing.Process(target=noop), spawn start method",
              "us/op",
              spawn,
              true));
    }
    return rows;
  }
}
