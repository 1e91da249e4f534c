package io.ipcbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.ipcbroker.server.BrokerConfig;
import io.ipcbroker.server.BrokerServer;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.BrokerStatus;
import io.ipcbroker.v1.CreateBarrierRequest;
import io.ipcbroker.v1.CreateConditionRequest;
import io.ipcbroker.v1.CreateEventRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateSemaphoreRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.ListProcessesResponse;
import io.ipcbroker.v1.ListQueuesResponse;
import io.ipcbroker.v1.ListSessionsResponse;
import io.ipcbroker.v1.ListSyncObjectsResponse;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.LockSummary;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SemaphoreInfo;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import io.ipcbroker.v1.SessionSummary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every subcommand against a broker on loopback: what it prints (tables for people, the broker's
 * messages as JSON for scripts) and its exit status (0 done, 1 nothing to hand over, 2 an error
 * with its reason on stderr).
 */
@Timeout(120)
class CliTest {
  private static BrokerServer broker;
  private static ManagedChannel channel;

  /** What one run of the command did. */
  record Run(int exit, String out, String err, byte[] raw) {
    String rawText() {
      return new String(raw, StandardCharsets.UTF_8);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    broker = new BrokerServer(BrokerConfig.builder().host("127.0.0.1").port(0).build());
    broker.start();
    channel = Grpc.newChannelBuilder(broker.address(), InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    broker.shutdown();
  }

  /** Runs {@code ipcbroker ARGS --target BROKER} with nothing from this JVM's environment. */
  private static Run run(byte[] stdin, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--target");
    all.add(broker.address());
    return runExactly(stdin, all.toArray(new String[0]));
  }

  private static Run run(String... args) {
    return run(new byte[0], args);
  }

  private static synchronized Run runExactly(byte[] stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    Main.setEnvironment(Map.of());
    Main.setInput(new ByteArrayInputStream(stdin));
    Main.setRawOutput(raw);
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString(), raw.toByteArray());
  }

  private static <B extends Message.Builder> B parse(String json, B builder) throws Exception {
    JsonFormat.parser().merge(json, builder);
    return builder;
  }

  private static Queue queue(String name) {
    return QueueServiceGrpc.newBlockingStub(channel)
        .getQueue(GetQueueRequest.newBuilder().setName(name).build())
        .getQueue();
  }

  @Test
  void statusDescribesTheBrokerForPeopleAndForScripts() throws Exception {
    assertThat(run("put", "--create", "status-q", "x").exit()).isZero();

    Run table = run("status");
    assertThat(table.exit()).isZero();
    assertThat(table.out()).contains(broker.address()).contains("plaintext, no token");

    Run json = run("status", "--json");
    assertThat(json.exit()).isZero();
    BrokerStatus s = parse(json.out(), BrokerStatus.newBuilder()).build();
    assertThat(s.getAddress()).isEqualTo(broker.address());
    assertThat(s.getServerId()).isEqualTo(broker.sessions().serverId());
    assertThat(s.getVersion()).isNotEmpty();
    assertThat(s.getQueues()).isGreaterThanOrEqualTo(1);
    assertThat(s.getQueueBytes()).isPositive(); // the item put above
    assertThat(s.getStartTime().getSeconds()).isPositive();
  }

  @Test
  void putAndGetRoundTripTextAndBytesAndLeaveNothingBehind() {
    assertThat(run("put", "--create", "--maxsize", "5", "round", "héllo wörld").exit()).isZero();
    byte[] binary = {0, 1, 2, (byte) 0xff, '\n'};
    assertThat(run(binary, "put", "round", "-").exit()).isZero();
    assertThat(queue("round").getSize()).isEqualTo(2);
    assertThat(queue("round").getMaxsize()).isEqualTo(5);

    Run text = run("get", "round");
    assertThat(text.exit()).isZero();
    assertThat(text.rawText()).isEqualTo("héllo wörld");
    Run bytes = run("get", "round", "--timeout", "5");
    assertThat(bytes.exit()).isZero();
    assertThat(bytes.raw()).containsExactly(binary);
    // Both were acknowledged: nothing queued, nothing held.
    assertThat(queue("round").getSize()).isZero();
    assertThat(queue("round").getUnacked()).isZero();
  }

  @Test
  void anEmptyGetAndAFullPutExitOneAndChangeNothing() {
    assertThat(run("put", "--create", "--maxsize", "1", "tight", "only").exit()).isZero();

    Run full = run("put", "tight", "more", "--timeout", "0.2");
    assertThat(full.exit()).isEqualTo(1);
    assertThat(full.err()).contains("FULL");
    assertThat(queue("tight").getSize()).isEqualTo(1);

    assertThat(run("get", "tight").rawText()).isEqualTo("only");
    long t0 = System.nanoTime();
    Run empty = run("get", "tight", "--timeout", "0.3");
    assertThat(empty.exit()).isEqualTo(1);
    assertThat(empty.raw()).isEmpty();
    assertThat(empty.err()).contains("EMPTY");
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(250));
  }

  @Test
  void errorsExitTwoWithTheBrokersReasonOnStderr() {
    Run missing = run("get", "no-such-queue", "--timeout", "1");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("NOT_FOUND").contains("QUEUE_NOT_FOUND");
    assertThat(missing.raw()).isEmpty();

    Run unknownCommand = run("frobnicate");
    assertThat(unknownCommand.exit()).isEqualTo(2);

    Run noBroker = runExactly(new byte[0], "status", "--target", "127.0.0.1:1");
    assertThat(noBroker.exit()).isEqualTo(2);
    assertThat(noBroker.err()).contains("UNAVAILABLE");
  }

  @Test
  void queuesListsEveryQueueWithItsFigures() throws Exception {
    run("put", "--create", "listed-a", "1");
    run("put", "listed-a", "2");
    run("put", "--create", "--maxsize", "7", "listed-b", "1");

    Run table = run("queues", "--prefix", "listed-");
    assertThat(table.exit()).isZero();
    assertThat(table.out().lines()).hasSize(3); // the header and two queues
    assertThat(table.out()).contains("listed-a").contains("listed-b");

    ListQueuesResponse json =
        parse(run("queues", "--prefix", "listed-", "--json").out(), ListQueuesResponse.newBuilder())
            .build();
    assertThat(json.getQueuesList())
        .extracting(Queue::getName, Queue::getSize, Queue::getMaxsize)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("listed-a", 2L, 0L),
            org.assertj.core.groups.Tuple.tuple("listed-b", 1L, 7L));

    // The totals move with the work: a get counts once it is answered.
    assertThat(run("get", "listed-a").exit()).isZero();
    Queue a =
        parse(
                run("queues", "--prefix", "listed-a", "--json").out(),
                ListQueuesResponse.newBuilder())
            .getQueues(0);
    assertThat(a.getPutCount()).isEqualTo(2);
    assertThat(a.getGetCount()).isEqualTo(1);
    assertThat(a.getSize()).isEqualTo(1);
    assertThat(a.hasOldestItemAge()).isTrue();
    assertThat(a.getBytes()).isPositive();
  }

  @Test
  void psLogsTerminateAndKillWorkOnAProcessByName() throws Exception {
    String session =
        SessionServiceGrpc.newBlockingStub(channel)
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
            .getSession()
            .getSessionId();
    ProcessInfo p =
        ProcessServiceGrpc.newBlockingStub(channel)
            .createProcess(
                CreateProcessRequest.newBuilder()
                    .setSessionId(session)
                    .setName("cli-sleeper")
                    .addArgv("/bin/sh")
                    .addArgv("-c")
                    .addArgv("echo started; exec sleep 60")
                    .setStart(true)
                    .build())
            .getProcess();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> run("logs", "cli-sleeper").rawText().equals("started\n"));

    Run ps = run("ps");
    assertThat(ps.exit()).isZero();
    assertThat(ps.out()).contains(p.getId()).contains("cli-sleeper").contains("running");

    Run term = run("terminate", "cli-sleeper");
    assertThat(term.exit()).isZero();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                parse(run("ps", "--json").out(), ListProcessesResponse.newBuilder())
                    .getProcessesList()
                    .stream()
                    .anyMatch(
                        q ->
                            q.getId().equals(p.getId())
                                && q.getState() == ProcessState.PROCESS_STATE_EXITED
                                && q.getExitStatus().getExitcode() == -15));
    // As in Python, signalling a process that exited is no error; an unknown one is.
    assertThat(run("kill", p.getId()).exit()).isZero();
    Run unknown = run("kill", "no-such-process");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("PROCESS_NOT_FOUND");
  }

  @Test
  void spawnStartsAProcessThatOutlivesTheCommand() throws Exception {
    // Options go before "--": everything after it is the program's.
    Run spawn =
        runExactly(
            new byte[0],
            "--target",
            broker.address(),
            "spawn",
            "--name",
            "cli-spawned",
            "--json",
            "--",
            "/bin/sh",
            "-c",
            "exit 3");
    assertThat(spawn.exit()).isZero();
    ProcessInfo p =
        parse(spawn.out(), io.ipcbroker.v1.CreateProcessResponse.newBuilder()).getProcess();
    assertThat(p.getName()).isEqualTo("cli-spawned");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Processes.list(channel, "cli-spawned").stream()
                    .anyMatch(
                        q ->
                            q.getState() == ProcessState.PROCESS_STATE_EXITED
                                && q.getExitStatus().getExitcode() == 3));
    assertThat(run("spawn").exit()).as("no program").isEqualTo(2);
  }

  @Test
  void sessionsShowWhereEachClientConnectedFrom() throws Exception {
    String id =
        SessionServiceGrpc.newBlockingStub(channel)
            .createSession(CreateSessionRequest.newBuilder().setClientName("cli-test").build())
            .getSession()
            .getSessionId();
    Run table = run("sessions");
    assertThat(table.exit()).isZero();
    assertThat(table.out()).contains(id).contains("cli-test");

    ListSessionsResponse json =
        parse(run("sessions", "--json").out(), ListSessionsResponse.newBuilder()).build();
    SessionSummary mine =
        json.getSessionsList().stream()
            .filter(s -> s.getSession().getSessionId().equals(id))
            .findFirst()
            .orElseThrow();
    assertThat(mine.getSession().getClientName()).isEqualTo("cli-test");
    assertThat(mine.getClientAddress()).startsWith("127.0.0.1:");
  }

  @Test
  void serveHandsEveryArgumentToTheBrokerUntouched() {
    // The client options share names with the broker's (--tls-cert, --tls-key): serve must not
    // take them.
    assertThat(Main.serveArgs(new String[] {"serve", "--tls-cert", "c.pem", "--tls-key", "k.pem"}))
        .containsExactly("--tls-cert", "c.pem", "--tls-key", "k.pem");
    assertThat(Main.serveArgs(new String[] {"status", "serve"})).isNull();
    assertThat(Main.serveArgs(new String[0])).isNull();
    // After a client option, serve would lose the broker's flags to it: refused, not started.
    Run late =
        runExactly(new byte[0], "--target", "x:1", "serve", "--tls-cert", "c", "--tls-key", "k");
    assertThat(late.exit()).isEqualTo(2);
  }

  @Test
  void everyClientSubcommandHasHelp() {
    for (String command :
        List.of(
            "status",
            "queues",
            "put",
            "get",
            "spawn",
            "ps",
            "logs",
            "terminate",
            "kill",
            "sessions",
            "locks",
            "pools")) {
      Run help = runExactly(new byte[0], command, "--help");
      assertThat(help.exit()).as(command).isZero();
      assertThat(help.out()).as(command).contains("Usage: ipcbroker " + command);
    }
    assertThat(runExactly(new byte[0]).exit()).as("no subcommand").isEqualTo(2);
  }

  @Test
  void locksShowWhoHoldsEachAndHowManyWait() throws Exception {
    String session =
        SessionServiceGrpc.newBlockingStub(channel)
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
            .getSession()
            .getSessionId();
    LockServiceGrpc.LockServiceBlockingStub locks = LockServiceGrpc.newBlockingStub(channel);
    locks.createLock(
        CreateLockRequest.newBuilder()
            .setName("cli-lock")
            .setKind(LockKind.LOCK_KIND_LOCK)
            .build());
    locks.acquireLock(
        AcquireLockRequest.newBuilder()
            .setName("cli-lock")
            .setSessionId(session)
            .setOwner("worker-1")
            .setRequestId(1)
            .build());
    SemaphoreServiceGrpc.SemaphoreServiceBlockingStub semaphores =
        SemaphoreServiceGrpc.newBlockingStub(channel);
    semaphores.createSemaphore(
        CreateSemaphoreRequest.newBuilder().setName("cli-sem").setValue(2).build());
    semaphores.acquireSemaphore(
        AcquireSemaphoreRequest.newBuilder()
            .setName("cli-sem")
            .setSessionId(session)
            .setRequestId(1)
            .build());

    EventServiceGrpc.newBlockingStub(channel)
        .createEvent(CreateEventRequest.newBuilder().setName("cli-event").build());
    BarrierServiceGrpc.newBlockingStub(channel)
        .createBarrier(
            CreateBarrierRequest.newBuilder().setName("cli-barrier").setParties(3).build());
    locks.createCondition(
        CreateConditionRequest.newBuilder().setName("cli-cond").setLock("cli-lock").build());

    Run table = run("locks");
    assertThat(table.exit()).isZero();
    assertThat(table.out())
        .contains("cli-lock")
        .contains("worker-1")
        .contains("cli-sem")
        .contains("cli-event")
        .contains("cli-barrier")
        .contains("cli-cond");

    ListSyncObjectsResponse json =
        parse(run("locks", "--json").out(), ListSyncObjectsResponse.newBuilder()).build();
    LockSummary summary =
        json.getLocksList().stream()
            .filter(l -> l.getLock().getName().equals("cli-lock"))
            .findFirst()
            .orElseThrow();
    assertThat(summary.getHolderSessionId()).isEqualTo(session);
    LockInfo lock = summary.getLock();
    assertThat(lock.getLocked()).isTrue();
    assertThat(lock.getHolderOwner()).isEqualTo("worker-1");
    assertThat(lock.getHoldCount()).isEqualTo(1);
    SemaphoreInfo sem =
        json.getSemaphoresList().stream()
            .filter(x -> x.getName().equals("cli-sem"))
            .findFirst()
            .orElseThrow();
    assertThat(sem.getValue()).isEqualTo(1);
    assertThat(sem.getHeld()).isEqualTo(1);
    assertThat(json.getEventsList()).anyMatch(e -> e.getName().equals("cli-event") && !e.getSet());
    assertThat(json.getBarriersList())
        .anyMatch(b -> b.getName().equals("cli-barrier") && b.getParties() == 3);
    assertThat(json.getConditionsList())
        .anyMatch(c -> c.getName().equals("cli-cond") && c.getLock().equals("cli-lock"));
  }

  @Test
  void poolsListsNoneOnAFreshBroker() {
    Run table = run("pools");
    assertThat(table.exit()).isZero();
    assertThat(table.out()).startsWith("NAME");
    assertThat(run("pools", "--json").out()).contains("\"pools\": []");
  }

  @Test
  void aBrokerWithATokenNeedsTheTokenFile(@TempDir Path dir) throws Exception {
    String token = "cli-test-token-0123456789";
    Path file = dir.resolve("token");
    Files.writeString(file, token + "\n");
    BrokerServer guarded =
        new BrokerServer(BrokerConfig.builder().host("127.0.0.1").port(0).authToken(token).build());
    guarded.start();
    try {
      Run signed =
          runExactly(
              new byte[0],
              "--target",
              guarded.address(),
              "--token-file",
              file.toString(),
              "status");
      assertThat(signed.exit()).isZero();
      assertThat(signed.out()).contains("plaintext, token");
      Run unsigned = runExactly(new byte[0], "status", "--target", guarded.address());
      assertThat(unsigned.exit()).isEqualTo(2);
      assertThat(unsigned.err()).contains("UNAUTHENTICATED").contains("TOKEN_MISSING");
    } finally {
      guarded.shutdown();
    }
  }
}
