package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.ipcbroker.conformance.CrashClient.Renewal;
import io.ipcbroker.v1.GetSessionRequest;
import io.ipcbroker.v1.ProcessInfo;
import io.ipcbroker.v1.ProcessState;
import io.ipcbroker.v1.Signal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that crashes: a separate JVM ({@link CrashClient}) opens a session with a 1 s TTL, keeps
 * it alive, has the broker spawn a daemon and a non-daemon {@code sleep 300}, and is then
 * SIGKILLed. Once its session ended (its keep-alive stream broke, or its TTL passed without a
 * refresh) the daemon is terminated and its OS process is gone, while the non-daemon process runs
 * on and stays joinable.
 */
@Timeout(90)
class ProcessCrashConformanceTest {
  @BeforeAll
  static void brokerOnThisHost() {
    // The processes the broker spawns are watched through this host's /proc and files.
    ConformanceTarget.assumeSameHost();
  }

  private static final Duration CLIENT_START = Duration.ofSeconds(30);

  private final TestBroker broker = new TestBroker();
  private final ProcessClient processes = new ProcessClient(broker.channel());
  private ClientJvm client;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      try {
        processes.close();
      } finally {
        broker.close();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Renewal.class)
  void daemonOfAKilledClientIsTerminatedAndItsNonDaemonProcessRunsOn(Renewal renewal)
      throws Exception {
    client = ClientJvm.start(CrashClient.class, ConformanceTarget.address(), renewal.name());
    String session = client.awaitLine("SESSION", CLIENT_START).get(0);
    List<String> daemonLine = client.awaitLine("DAEMON", CLIENT_START);
    List<String> plainLine = client.awaitLine("NONDAEMON", CLIENT_START);
    String daemonId = daemonLine.get(0);
    long daemonPid = Long.parseLong(daemonLine.get(1));
    String plainId = plainLine.get(0);
    long plainPid = Long.parseLong(plainLine.get(1));
    processes.track(daemonId);
    processes.track(plainId);
    processes.trackPid(daemonPid);
    processes.trackPid(plainPid);
    client.awaitLine("READY", CLIENT_START);

    ProcessInfo daemon = processes.get(daemonId);
    assertThat(daemon.getDaemon()).isTrue();
    assertThat(daemon.getSessionId()).isEqualTo(session);
    assertThat(daemon.getPid()).isEqualTo(daemonPid);
    assertThat(daemon.getAlive()).isTrue();
    assertThat(processes.get(plainId).getAlive()).isTrue();
    // The client keeps its 1 s session alive well past its TTL.
    assertThat(processes.join(daemonId, 1.5).getExited()).isFalse();

    client.sigkill();

    Duration max =
        Timing.seconds(CrashClient.TTL_SECONDS)
            .plus(ProcessClient.KILL_GRACE)
            .plus(ProcessClient.DAEMON_SLACK);
    ProcessInfo gone =
        processes.awaitProcess(
            daemonId, max, p -> p.getState() == ProcessState.PROCESS_STATE_EXITED);
    ProcessClient.assertKilledBy(gone, 15, true);
    assertThat(gone.getLastSignal()).isEqualTo(Signal.SIGNAL_TERM);
    OsProcesses.awaitGone(daemonPid, Duration.ofSeconds(5));
    Rpc.assertFails(
        Code.NOT_FOUND,
        "SESSION_NOT_FOUND",
        () ->
            broker
                .sessions()
                .getSession(GetSessionRequest.newBuilder().setSessionId(session).build()));

    ProcessInfo plain = processes.get(plainId);
    assertThat(plain.getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    assertThat(plain.getAlive()).isTrue();
    assertThat(OsProcesses.running(plainPid)).as("non-daemon pid %s", plainPid).isTrue();
    assertThat(processes.join(plainId, 0.2).getExited()).isFalse();

    assertThat(processes.signal(plainId, Signal.SIGNAL_KILL).getSent()).isTrue();
    ProcessClient.assertKilledBy(processes.awaitExit(plainId), 9, true);
    OsProcesses.awaitGone(plainPid, Duration.ofSeconds(5));
  }
}
