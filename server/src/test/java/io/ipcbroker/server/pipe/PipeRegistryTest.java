package io.ipcbroker.server.pipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ByteQuota;
import io.ipcbroker.server.core.ExecutorTimer;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pipe core: boundaries and order, simplex ends, EOF after what was buffered, closed peers,
 * bounded directions, and receives that never lose a message (the outstanding delivery that only an
 * acknowledgement removes), raced against timeouts.
 */
@Timeout(60)
class PipeRegistryTest {
  private final ExecutorTimer timer = new ExecutorTimer();
  private final SessionRegistry sessions = new SessionRegistry(timer);
  private final PipeRegistry<String> pipes = new PipeRegistry<>(timer, sessions, s -> s.length());

  @AfterEach
  void tearDown() {
    pipes.shutdown();
    timer.close();
  }

  private static <R> R result(CompletableFuture<R> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static <R> Reply<R> into(CompletableFuture<R> f) {
    return new Reply<>() {
      @Override
      public void ok(R r) {
        f.complete(r);
      }

      @Override
      public void fail(BrokerException e) {
        f.completeExceptionally(e);
      }
    };
  }

  private boolean send(String end, String msg, Wait wait) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    pipes.send(end, msg, wait, into(f));
    return result(f);
  }

  private PipeCalls.Received<String> recv(String end, String reader, String ack, Wait wait) {
    CompletableFuture<PipeCalls.Received<String>> f = new CompletableFuture<>();
    pipes.recv(end, reader, ack, 0, wait, into(f));
    return result(f);
  }

  private static void assertReason(Runnable r, Reason reason) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void duplexEndsPingPongWithBoundariesAndOrder() {
    pipes.create("pp", true, 0, "");
    assertThat(send("pp.a", "ping", Wait.NO_WAIT)).isTrue();
    assertThat(send("pp.a", "", Wait.NO_WAIT)).isTrue(); // an empty message is a message
    PipeCalls.Received<String> first = recv("pp.b", null, "", Wait.NO_WAIT);
    assertThat(first.message()).isEqualTo("ping");
    PipeCalls.Received<String> second = recv("pp.b", null, first.deliveryId(), Wait.NO_WAIT);
    assertThat(second.message()).isEmpty();
    assertThat(send("pp.b", "pong", Wait.NO_WAIT)).isTrue();
    assertThat(recv("pp.a", null, "", Wait.NO_WAIT).message()).isEqualTo("pong");
  }

  @Test
  void simplexEndsGoOneWayOnly() {
    pipes.create("one-way", false, 0, "");
    assertReason(() -> send("one-way.a", "x", Wait.NO_WAIT), Reason.PIPE_WRONG_DIRECTION);
    assertReason(() -> recv("one-way.b", null, "", Wait.NO_WAIT), Reason.PIPE_WRONG_DIRECTION);
    assertThat(send("one-way.b", "x", Wait.NO_WAIT)).isTrue();
    assertThat(recv("one-way.a", null, "", Wait.NO_WAIT).message()).isEqualTo("x");
  }

  @Test
  void aReceiveThatDoesNotAcknowledgeGetsTheSameMessageAgain() {
    String r = sessions.create(0, "reader").id();
    pipes.create("again", true, 0, "");
    send("again.a", "m1", Wait.NO_WAIT);
    send("again.a", "m2", Wait.NO_WAIT);
    PipeCalls.Received<String> d1 = recv("again.b", r, "", Wait.NO_WAIT);
    PipeCalls.Received<String> d1again = recv("again.b", r, "", Wait.NO_WAIT);
    assertThat(d1again.message()).isEqualTo("m1");
    assertThat(d1again.deliveryId()).isEqualTo(d1.deliveryId());
    assertThat(d1again.redelivered()).isTrue();
    PipeCalls.Received<String> d2 = recv("again.b", r, d1.deliveryId(), Wait.NO_WAIT);
    assertThat(d2.message()).isEqualTo("m2");
    assertThat(d2.redelivered()).isFalse();
    // An acknowledgement of something no longer outstanding is ignored.
    assertThat(pipes.ack("again.b", d1.deliveryId())).isFalse();
    assertThat(pipes.ack("again.b", d2.deliveryId())).isTrue();
    assertThat(recv("again.b", r, "", Wait.NO_WAIT)).isNull();
  }

  @Test
  void aReadersSessionEndingGivesItsDeliveryBackToTheNextReader() {
    Session reader = sessions.create(0, "reader");
    pipes.create("crash", true, 0, "");
    send("crash.a", "m1", Wait.NO_WAIT);
    assertThat(recv("crash.b", reader.id(), "", Wait.NO_WAIT).message()).isEqualTo("m1");
    // Another reader waits while the delivery is outstanding.
    assertThat(recv("crash.b", null, "", Wait.NO_WAIT)).isNull();
    sessions.delete(reader.id());
    PipeCalls.Received<String> again = recv("crash.b", null, "", Wait.NO_WAIT);
    assertThat(again.message()).isEqualTo("m1");
    assertThat(again.redelivered()).isTrue();
  }

  @Test
  void afterThePeerClosesBufferedMessagesComeFirstThenEof() {
    pipes.create("eof", true, 0, "");
    CompletableFuture<PipeCalls.Received<String>> parked = new CompletableFuture<>();
    pipes.recv("eof.a", null, "", 0, Wait.FOREVER, into(parked));
    pipes.create("eof2", true, 0, "");
    send("eof2.b", "last", Wait.NO_WAIT);
    pipes.close("eof2.b", "");
    PipeCalls.Received<String> last = recv("eof2.a", null, "", Wait.NO_WAIT);
    assertThat(last.message()).isEqualTo("last");
    assertReason(() -> recv("eof2.a", null, last.deliveryId(), Wait.NO_WAIT), Reason.PIPE_EOF);
    assertReason(() -> send("eof2.a", "x", Wait.NO_WAIT), Reason.PIPE_CLOSED);
    assertReason(() -> recv("eof2.b", null, "", Wait.NO_WAIT), Reason.PIPE_CLOSED);

    pipes.close("eof.b", ""); // the parked receive fails at once
    assertThatThrownBy(() -> result(parked))
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PIPE_EOF));
    pipes.close("eof.a", "");
    assertReason(() -> pipes.get("eof"), Reason.PIPE_NOT_FOUND); // both ends closed: gone
  }

  @Test
  void anEndOwnedBySessionClosesWithItAndTooLongMessagesStay() {
    Session owner = sessions.create(0, "owner");
    pipes.create("owned", true, 0, "");
    pipes.claim("owned.b", owner.id());
    send("owned.a", "0123456789", Wait.NO_WAIT);
    CompletableFuture<PipeCalls.Received<String>> small = new CompletableFuture<>();
    pipes.recv("owned.b", null, "", 4, Wait.NO_WAIT, into(small));
    assertReason(() -> result(small), Reason.MESSAGE_TOO_LONG);
    assertThat(recv("owned.b", null, "", Wait.NO_WAIT).message()).isEqualTo("0123456789");
    sessions.delete(owner.id());
    assertReason(() -> send("owned.a", "x", Wait.NO_WAIT), Reason.PIPE_CLOSED);
  }

  @Test
  void aFullDirectionHoldsSendsUntilTheReaderAcknowledges() {
    String r = sessions.create(0, "reader").id();
    pipes.create("full", true, 1, "");
    assertThat(send("full.a", "1", Wait.NO_WAIT)).isTrue();
    assertThat(send("full.a", "2", Wait.NO_WAIT)).isFalse();
    CompletableFuture<Boolean> parked = new CompletableFuture<>();
    pipes.send("full.a", "2", Wait.FOREVER, into(parked));
    PipeCalls.Received<String> d1 = recv("full.b", r, "", Wait.NO_WAIT);
    assertThat(parked).isNotDone(); // the outstanding delivery still takes the room
    assertThat(recv("full.b", r, d1.deliveryId(), Wait.NO_WAIT).message()).isEqualTo("2");
    assertThat(result(parked)).isTrue();
  }

  @Test
  void pollAnswersReadinessWithoutTakingAndIsTrueAtEof() {
    pipes.create("poll", true, 0, "");
    CompletableFuture<Boolean> empty = new CompletableFuture<>();
    pipes.poll("poll.b", null, "", Wait.NO_WAIT, into(empty));
    assertThat(result(empty)).isFalse();
    CompletableFuture<Boolean> waiting = new CompletableFuture<>();
    pipes.poll("poll.b", null, "", Wait.FOREVER, into(waiting));
    send("poll.a", "x", Wait.NO_WAIT);
    assertThat(result(waiting)).isTrue();
    assertThat(recv("poll.b", null, "", Wait.NO_WAIT).message()).isEqualTo("x");
    pipes.create("poll2", true, 0, "");
    pipes.close("poll2.a", "");
    CompletableFuture<Boolean> eof = new CompletableFuture<>();
    pipes.poll("poll2.b", null, "", Wait.NO_WAIT, into(eof));
    assertThat(result(eof)).isTrue();
  }

  @Test
  void aNewerReceiveOfTheSameReaderSupersedesAnOlderParkedOne() {
    String r = sessions.create(0, "reader").id();
    pipes.create("twice", true, 0, "");
    CompletableFuture<PipeCalls.Received<String>> older = new CompletableFuture<>();
    pipes.recv("twice.b", r, "", 0, Wait.FOREVER, into(older));
    CompletableFuture<PipeCalls.Received<String>> newer = new CompletableFuture<>();
    pipes.recv("twice.b", r, "", 0, Wait.FOREVER, into(newer));
    assertThat(result(older)).isNull(); // answered empty: one reader, one waiting receive
    send("twice.a", "m", Wait.NO_WAIT);
    assertThat(result(newer).message()).isEqualTo("m");
  }

  @Test
  void anEndClaimedByAnotherSessionStaysOpenWhenTheFormerOwnerEnds() {
    Session first = sessions.create(0, "first");
    Session second = sessions.create(0, "second");
    pipes.create("moved", true, 0, first.id());
    pipes.claim("moved.b", second.id());
    sessions.delete(first.id()); // closes moved.a, which it still owns
    assertReason(() -> send("moved.a", "x", Wait.NO_WAIT), Reason.PIPE_CLOSED);
    assertThat(pipes.get("moved").bClosed()).isFalse();
  }

  @Test
  void deletingFailsParkedCallsAndNamesThatReadAsEndsAreRefused() {
    pipes.create("del", true, 0, "");
    CompletableFuture<PipeCalls.Received<String>> parked = new CompletableFuture<>();
    pipes.recv("del.a", null, "", 0, Wait.FOREVER, into(parked));
    assertThat(pipes.delete("del", false)).isTrue();
    assertReason(() -> result(parked), Reason.OBJECT_DELETED);
    assertReason(() -> pipes.create("x.a", true, 0, ""), Reason.INVALID_NAME);
  }

  @Test
  void aSendWhoseAnswerWasNotWrittenIsTakenBackWhileNoReaderHasIt() {
    pipes.create("undo", true, 1, "");
    String first = new String("first"); // identity matters: the very message is taken back
    assertThat(send("undo.a", first, Wait.NO_WAIT)).isTrue();
    CompletableFuture<Boolean> parked = new CompletableFuture<>();
    pipes.send("undo.a", "second", Wait.FOREVER, into(parked));
    assertThat(pipes.unsend("undo.a", first)).isTrue();
    assertThat(result(parked)).isTrue(); // the room went to the parked send
    assertThat(recv("undo.b", null, "", Wait.NO_WAIT).message()).isEqualTo("second");
    assertThat(pipes.unsend("undo.a", "second")).isFalse(); // a reader has it: the send stands
  }

  /**
   * A reader receives with tiny timeouts while a writer sends; every answer that timed out empty is
   * followed by a receive that acknowledges only what it saw. Nothing is lost or doubled.
   */
  @Test
  void receivesRacingTimeoutsLoseAndDoubleNothing() throws Exception {
    int total = 20_000;
    pipes.create("race", true, 64, "");
    String reader = sessions.create(0, "reader").id();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              for (int i = 0; i < total && !stop.get(); i++) {
                if (!send(
                    "race.a", Integer.toString(i), Wait.ofNanos(TimeUnit.SECONDS.toNanos(5)))) {
                  throw new AssertionError("send timed out at " + i);
                }
              }
            });
    writer.start();
    List<Integer> got = new ArrayList<>();
    Set<String> acked = new HashSet<>();
    String ack = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    while (got.size() < total && System.nanoTime() < deadline) {
      long nanos = ThreadLocalRandom.current().nextLong(1, 200_000);
      PipeCalls.Received<String> r = recv("race.b", reader, ack, Wait.ofNanos(nanos));
      if (r == null) {
        continue; // timed out empty: the acknowledgement was applied, nothing taken
      }
      if (acked.contains(r.deliveryId())) {
        throw new AssertionError("an acknowledged delivery came again: " + r.deliveryId());
      }
      if (!r.deliveryId().equals(ack)) {
        got.add(Integer.parseInt(r.message()));
      }
      if (!ack.isEmpty()) {
        acked.add(ack);
      }
      ack = r.deliveryId();
    }
    stop.set(true);
    writer.join(10_000);
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      expected.add(i);
    }
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void heldMessagesCountAgainstTheByteQuotaUntilAcknowledgedOrDeleted() throws Exception {
    // "m1" counts 2 bytes and the overhead; the quota fits two of them and a 1-byte message.
    long m = 2 + PipeObject.MESSAGE_OVERHEAD_BYTES;
    long c = 1 + PipeObject.MESSAGE_OVERHEAD_BYTES;
    ByteQuota quota = new ByteQuota(2 * m + c);
    PipeRegistry<String> capped =
        new PipeRegistry<>(timer, sessions, s -> s.length(), ObjectQuota.UNLIMITED, quota);
    try {
      capped.create("bytes", true, 0, "");
      capped.create("cap1", true, 1, "");
      capped.send("bytes.a", "m1", Wait.NO_WAIT, into(new CompletableFuture<>()));
      capped.send("bytes.a", "m2", Wait.NO_WAIT, into(new CompletableFuture<>()));
      CompletableFuture<Boolean> first = new CompletableFuture<>();
      capped.send("cap1.a", "c", Wait.NO_WAIT, into(first));
      assertThat(result(first)).isTrue();
      assertThat(quota.held()).isEqualTo(2 * m + c);
      // The pipe is full, so this send waits for room; the quota is full, so m3 is refused.
      CompletableFuture<Boolean> waiting = new CompletableFuture<>();
      capped.send("cap1.a", "c2-is-larger", Wait.ofNanos(10_000_000_000L), into(waiting));
      assertReason(
          () -> capped.send("bytes.a", "m3", Wait.NO_WAIT, into(new CompletableFuture<>())),
          Reason.QUOTA_EXCEEDED);
      // Room in the pipe comes, but not enough bytes: the waiting send is refused, not buffered.
      CompletableFuture<PipeCalls.Received<String>> got = new CompletableFuture<>();
      capped.recv("cap1.b", null, "", 0, Wait.NO_WAIT, into(got));
      assertThat(result(got).message()).isEqualTo("c");
      assertReason(() -> result(waiting), Reason.QUOTA_EXCEEDED);
      assertThat(quota.held()).isEqualTo(2 * m);

      // A delivery counts until its acknowledgement; deleting the pipe gives back the rest.
      String r = sessions.create(0, "reader").id();
      CompletableFuture<PipeCalls.Received<String>> d1 = new CompletableFuture<>();
      capped.recv("bytes.b", r, "", 0, Wait.NO_WAIT, into(d1));
      assertThat(quota.held()).isEqualTo(2 * m);
      CompletableFuture<PipeCalls.Received<String>> d2 = new CompletableFuture<>();
      capped.recv("bytes.b", r, result(d1).deliveryId(), 0, Wait.NO_WAIT, into(d2));
      assertThat(result(d2).message()).isEqualTo("m2");
      assertThat(quota.held()).isEqualTo(m);
      capped.delete("bytes", false);
      assertThat(quota.held()).isZero();
    } finally {
      capped.shutdown();
    }
  }

  @Test
  void aReceiveWithoutASessionMakesRoomForAParkedSendAtOnce() {
    pipes.create("full", true, 1, "");
    assertThat(send("full.a", "a", Wait.NO_WAIT)).isTrue();
    CompletableFuture<Boolean> waiting = new CompletableFuture<>();
    pipes.send("full.a", "b", Wait.ofNanos(60_000_000_000L), into(waiting));
    assertThat(waiting).isNotDone();
    assertThat(recv("full.b", null, "", Wait.NO_WAIT).message()).isEqualTo("a");
    // Answered well before its 60 s wait ends (result() waits 10 s at most).
    assertThat(result(waiting)).isTrue();
    assertThat(recv("full.b", null, "", Wait.NO_WAIT).message()).isEqualTo("b");
  }

  @Test
  void roomLeftByAReceiveWithoutASessionAfterAnAckGoesToTheNextParkedSend() {
    pipes.create("ackpath", true, 1, "");
    String r = sessions.create(0, "reader").id();
    assertThat(send("ackpath.a", "m1", Wait.NO_WAIT)).isTrue();
    PipeCalls.Received<String> d1 = recv("ackpath.b", r, "", Wait.NO_WAIT); // outstanding: full
    CompletableFuture<Boolean> m2 = new CompletableFuture<>();
    CompletableFuture<Boolean> m3 = new CompletableFuture<>();
    pipes.send("ackpath.a", "m2", Wait.ofNanos(60_000_000_000L), into(m2));
    pipes.send("ackpath.a", "m3", Wait.ofNanos(60_000_000_000L), into(m3));
    CompletableFuture<PipeCalls.Received<String>> anonymous = new CompletableFuture<>();
    pipes.recv("ackpath.b", null, "", 0, Wait.ofNanos(60_000_000_000L), into(anonymous));
    assertThat(anonymous).isNotDone();

    // The ack makes room for m2, which the parked receive takes for good; m3 must follow at once.
    assertThat(pipes.ack("ackpath.b", d1.deliveryId())).isTrue();
    assertThat(result(anonymous).message()).isEqualTo("m2");
    assertThat(result(m2)).isTrue();
    assertThat(result(m3)).isTrue(); // result() waits 10 s; the send's own wait is 60 s
    assertThat(recv("ackpath.b", null, "", Wait.NO_WAIT).message()).isEqualTo("m3");
  }
}
