package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.Pipe;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.RecvPipeRequest;
import io.ipcbroker.v1.RecvPipeResponse;
import io.ipcbroker.v1.SendPipeRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pipes as the contract describes them: ping-pong, simplex misuse, EOF after what was buffered,
 * closed peers, {@code max_bytes}, poll timings, ends that close with their session, and receives
 * that never lose or double a message when deadlines and crashes race with hand-overs.
 */
@Timeout(120)
class PipeConformanceTest {
  private TestBroker broker;
  private PipeClient parent;
  private PipeClient child;
  private String name;

  @BeforeEach
  void setUp() {
    broker = new TestBroker();
    parent = new PipeClient(broker.channel(), broker.createSession(30).getSessionId());
    child = new PipeClient(broker.newChannel(), broker.createSession(30).getSessionId());
    name = Rpc.uniqueName("pipe");
  }

  @AfterEach
  void tearDown() {
    parent.delete(name);
    broker.close();
  }

  @Test
  void duplexEndsPingPongKeepingBoundaries() {
    Pipe p = parent.create(name, true, 0);
    assertThat(p.getEndA()).isEqualTo(name + ".a");
    assertThat(p.getEndB()).isEqualTo(name + ".b");
    for (int i = 0; i < 100; i++) {
      assertThat(parent.send(p.getEndA(), "ping " + i)).isTrue();
      assertThat(child.recv(p.getEndB(), 5.0)).isEqualTo("ping " + i);
      assertThat(child.send(p.getEndB(), "pong " + i)).isTrue();
      assertThat(parent.recv(p.getEndA(), 5.0)).isEqualTo("pong " + i);
    }
    parent.send(p.getEndA(), "a");
    parent.send(p.getEndA(), "");
    parent.send(p.getEndA(), "cd");
    assertThat(child.recv(p.getEndB(), 5.0)).isEqualTo("a");
    assertThat(child.recv(p.getEndB(), 5.0)).isEmpty();
    assertThat(child.recv(p.getEndB(), 5.0)).isEqualTo("cd");
  }

  @Test
  void simplexEndsRefuseTheOtherDirection() {
    Pipe p = parent.create(name, false, 0);
    Rpc.assertFails(
        Status.Code.FAILED_PRECONDITION,
        "PIPE_WRONG_DIRECTION",
        () -> parent.send(p.getEndA(), "x"));
    Rpc.assertFails(
        Status.Code.FAILED_PRECONDITION,
        "PIPE_WRONG_DIRECTION",
        () -> child.recv(p.getEndB(), 0.0));
    Rpc.assertFails(
        Status.Code.FAILED_PRECONDITION,
        "PIPE_WRONG_DIRECTION",
        () -> child.poll(p.getEndB(), null));
    assertThat(child.send(p.getEndB(), "x")).isTrue();
    assertThat(parent.recv(p.getEndA(), 5.0)).isEqualTo("x");
  }

  @Test
  void afterThePeerClosesBufferedMessagesComeFirstThenEof() {
    Pipe p = parent.create(name, true, 0);
    child.send(p.getEndB(), "one");
    child.send(p.getEndB(), "two");
    child.close(p.getEndB());
    assertThat(parent.poll(p.getEndA(), null)).isTrue();
    assertThat(parent.recv(p.getEndA(), 5.0)).isEqualTo("one");
    assertThat(parent.recv(p.getEndA(), 5.0)).isEqualTo("two");
    Rpc.assertFails(Status.Code.OUT_OF_RANGE, "PIPE_EOF", () -> parent.recv(p.getEndA(), 5.0));
    assertThat(parent.poll(p.getEndA(), null)).as("poll is true at EOF, as in Python").isTrue();
    Rpc.assertFails(
        Status.Code.FAILED_PRECONDITION, "PIPE_CLOSED", () -> parent.send(p.getEndA(), "x"));
    Rpc.assertFails(
        Status.Code.FAILED_PRECONDITION, "PIPE_CLOSED", () -> child.send(p.getEndB(), "x"));
  }

  @Test
  void aReceiveParkedWhenThePeerClosesFailsAtOnce() {
    Pipe p = parent.create(name, true, 0);
    CompletableFuture<String> parked =
        CompletableFuture.supplyAsync(() -> parent.recv(p.getEndA(), 20.0));
    // Parked or not yet arrived, the receive must end with EOF well before its 20 s.
    assertThat(parked).isNotDone();
    long t0 = Timing.start();
    child.close(p.getEndB());
    Throwable failure = Unary.awaitFailure(parked);
    Rpc.assertStatus(failure, Status.Code.OUT_OF_RANGE, "PIPE_EOF");
    assertThat(Timing.since(t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void pollAndReceiveTimeoutsFollowTheTimeoutRule() {
    Pipe p = parent.create(name, true, 0);
    long t0 = Timing.start();
    assertThat(parent.poll(p.getEndA(), 0.0)).isFalse();
    Timing.assertImmediate(t0);
    t0 = Timing.start();
    assertThat(parent.poll(p.getEndA(), 0.3)).isFalse();
    Timing.assertWaited(t0, Duration.ofMillis(300));
    t0 = Timing.start();
    assertThat(parent.recv(p.getEndA(), 0.3)).isNull();
    Timing.assertWaited(t0, Duration.ofMillis(300));
    child.send(p.getEndB(), "x");
    assertThat(parent.poll(p.getEndA(), 0.3)).isTrue();
    assertThat(parent.poll(p.getEndA(), 0.3)).as("poll takes nothing").isTrue();
    Rpc.assertFails(
        Status.Code.INVALID_ARGUMENT, "INVALID_TIMEOUT", () -> parent.recv(p.getEndA(), -1.0));
  }

  @Test
  void aMessageLongerThanMaxBytesFailsAndStays() {
    Pipe p = parent.create(name, true, 0);
    child.send(p.getEndB(), "0123456789");
    Rpc.assertFails(
        Status.Code.OUT_OF_RANGE, "MESSAGE_TOO_LONG", () -> parent.recvRaw(p.getEndA(), 5.0, 4));
    RecvPipeResponse r = parent.recvRaw(p.getEndA(), 5.0, 10);
    assertThat(r.getPayload().getData().toString(StandardCharsets.UTF_8)).isEqualTo("0123456789");
  }

  @Test
  void aFullDirectionHoldsTheSenderUntilThereIsRoom() {
    Pipe p = parent.create(name, true, 2);
    assertThat(parent.sendNowait(p.getEndA(), "1")).isTrue();
    assertThat(parent.sendNowait(p.getEndA(), "2")).isTrue();
    assertThat(parent.sendNowait(p.getEndA(), "3")).isFalse();
    long t0 = Timing.start();
    boolean sent =
        parent
            .stub()
            .sendPipe(
                SendPipeRequest.newBuilder()
                    .setEnd(p.getEndA())
                    .setPayload(PipeClient.text("3"))
                    .setTimeoutSeconds(0.3)
                    .build())
            .getSent();
    assertThat(sent).isFalse();
    Timing.assertWaited(t0, Duration.ofMillis(300));
    assertThat(child.recv(p.getEndB(), 5.0)).isEqualTo("1");
    assertThat(child.recv(p.getEndB(), 5.0)).isEqualTo("2"); // acknowledges "1": room again
    assertThat(parent.sendNowait(p.getEndA(), "3")).isTrue();
  }

  @Test
  void anEndClosesWhenItsOwnerSessionEnds() {
    Pipe p = parent.create(name, true, 0);
    String childSession = broker.createSession(30).getSessionId();
    PipeClient owner = new PipeClient(broker.newChannel(), childSession);
    owner.claim(p.getEndB());
    owner.send(p.getEndB(), "bye");
    broker
        .sessions()
        .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(childSession).build());
    assertThat(parent.recv(p.getEndA(), 5.0)).isEqualTo("bye");
    Rpc.assertFails(Status.Code.OUT_OF_RANGE, "PIPE_EOF", () -> parent.recv(p.getEndA(), 5.0));
  }

  @Test
  void unknownEndsAndNamesFailPipeNotFound() {
    Rpc.assertFails(Status.Code.NOT_FOUND, "PIPE_NOT_FOUND", () -> parent.send(name + ".a", "x"));
    parent.create(name, true, 0);
    Rpc.assertFails(Status.Code.NOT_FOUND, "PIPE_NOT_FOUND", () -> parent.send(name + ".c", "x"));
    Rpc.assertFails(
        Status.Code.ALREADY_EXISTS, "PIPE_ALREADY_EXISTS", () -> parent.create(name, true, 0));
  }

  /**
   * A reader in another JVM receives a message and is killed with SIGKILL before acknowledging it:
   * when its session ends (its KeepAlive stream breaks), the message goes back to the end, and the
   * next reader gets it, flagged redelivered, before what followed it.
   */
  @Test
  void aMessageHeldByAKilledReaderGoesToTheNextReader() throws Exception {
    Pipe p = parent.create(name, true, 0);
    parent.send(p.getEndA(), "m1");
    parent.send(p.getEndA(), "m2");
    Process reader =
        new ProcessBuilder(
                JavaChild.command(PipeCrashReader.class, ConformanceTarget.address(), p.getEndB()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("got m1");
      OsProcesses.sigkill(reader.pid());
      assertThat(reader.waitFor(30, TimeUnit.SECONDS)).isTrue();
      RecvPipeResponse again = child.recvRaw(p.getEndB(), 20.0, 0);
      assertThat(again.getPayload().getData().toString(StandardCharsets.UTF_8)).isEqualTo("m1");
      assertThat(again.getRedelivered()).isTrue();
      assertThat(child.recv(p.getEndB(), 5.0)).isEqualTo("m2");
    } finally {
      OsProcesses.killIfRunning(reader.pid());
    }
  }

  /**
   * A reader receives with deadlines and timeouts that race the writer's hand-overs (the gRPC
   * deadline cuts some answers off on the wire); a reader session is deleted mid-way as a crash
   * would end it. The messages arrive exactly once each, in order.
   */
  @Test
  void receivesRacingDeadlinesAndACrashLoseAndDoubleNothing() throws Exception {
    int total = 3_000;
    Pipe p = parent.create(name, true, 16);
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < total; i++) {
                assertThat(parent.send(p.getEndA(), Integer.toString(i))).isTrue();
              }
            });
    PipeServiceGrpc.PipeServiceBlockingStub raw =
        PipeServiceGrpc.newBlockingStub(broker.newChannel());
    String session = broker.createSession(30).getSessionId();
    List<Integer> got = new ArrayList<>();
    String ack = "";
    int lost = 0;
    boolean crashed = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (got.size() < total && System.nanoTime() < deadline) {
      if (got.size() == total / 2 && !crashed) {
        crashed = true;
        // A crash: the reader's session ends with a delivery outstanding, which the crashed reader
        // never processed; a new reader goes on and must get it.
        if (!ack.isEmpty()) {
          got.remove(got.size() - 1);
        }
        broker
            .sessions()
            .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(session).build());
        session = broker.createSession(30).getSessionId();
        ack = "";
      }
      long micros = ThreadLocalRandom.current().nextLong(200, 5_000);
      RecvPipeResponse r;
      try {
        r =
            raw.withDeadline(Deadline.after(micros, TimeUnit.MICROSECONDS))
                .recvPipe(
                    RecvPipeRequest.newBuilder()
                        .setEnd(p.getEndB())
                        .setAckDeliveryId(ack)
                        .setSessionId(session)
                        .build());
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        lost++; // the answer, if any, was cut off: the next receive gets it again
        continue;
      }
      if (!r.getReceived()) {
        continue;
      }
      if (!r.getDeliveryId().equals(ack)) {
        got.add(Integer.parseInt(r.getPayload().getData().toString(StandardCharsets.UTF_8)));
      }
      ack = r.getDeliveryId();
    }
    Futures.get(writer, Duration.ofSeconds(30));
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      expected.add(i);
    }
    assertThat(got).isEqualTo(expected);
    System.out.printf("pipe race: %d messages, %d calls cut off by their deadline%n", total, lost);
  }
}
