package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pipes through the SDK: Python's {@code Pipe()} names and behaviour, EOF, an end handed to another
 * client, and receives that an interrupt or a short timeout cannot make lose a message.
 */
@Timeout(120)
class IpcPipeTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  private IpcBroker parent;
  private IpcBroker child;

  @BeforeEach
  void setUp() {
    parent = broker.connect();
    child = broker.connect();
  }

  @AfterEach
  void tearDown() {
    child.close();
    parent.close();
  }

  private static void assertReason(Runnable r, String reason) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void pingPongBetweenTwoClients() {
    IpcPipe<String> p = parent.pipe();
    IpcConnection<String> theirs = child.connection(p.b().end());
    for (int i = 0; i < 50; i++) {
      p.a().send("ping " + i);
      assertThat(theirs.recv()).isEqualTo("ping " + i);
      theirs.send("pong " + i);
      assertThat(p.a().recv()).isEqualTo("pong " + i);
    }
  }

  @Test
  void aSpawnedChildAnswersOnTheEndItWasHandedAndItsEndClosesWithIt() {
    IpcPipe<String> p = parent.pipe();
    IpcProcess echo = parent.process(JavaProcess.of(PipeEchoMain.class, p.b().end())).start();
    p.a().send("hello");
    assertThat(p.a().recv()).isEqualTo("HELLO");
    echo.join();
    assertThat(echo.exitcode()).isZero();
    assertReason(() -> p.a().recv(), "PIPE_EOF");
  }

  @Test
  void simplexPipesGoFromBToA() {
    IpcPipe<String> p = parent.pipe(false);
    assertReason(() -> p.a().send("x"), "PIPE_WRONG_DIRECTION");
    p.b().send("x");
    assertThat(p.a().recv()).isEqualTo("x");
  }

  @Test
  void eofAfterThePeerClosedAndEverythingWasReceived() {
    IpcPipe<String> p = parent.pipe();
    p.b().send("last");
    p.b().close();
    assertThat(p.b().closed()).isTrue();
    assertThat(p.a().poll(Duration.ZERO)).isTrue();
    assertThat(p.a().recv()).isEqualTo("last");
    assertThatThrownBy(() -> p.a().recv())
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("PIPE_EOF");
              assertThat(e.code()).isEqualTo(IpcBrokerException.Code.OUT_OF_RANGE);
            });
    assertReason(() -> p.a().send("x"), "PIPE_CLOSED");
    assertThatThrownBy(() -> p.b().send("x")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anEndTakenOverByAClientClosesWithThatClient() {
    IpcPipe<String> p = parent.pipe();
    IpcBroker other = broker.connect();
    IpcConnection<String> theirs = other.connection(p.b().end());
    theirs.send("bye");
    other.close();
    assertThat(p.a().recv()).isEqualTo("bye");
    assertReason(() -> p.a().recv(), "PIPE_EOF");
  }

  @Test
  void bytesKeepTheirBoundariesAndATooLongMessageStays() {
    IpcPipe<String> p = parent.pipe();
    byte[] buf = "xxhello worldxx".getBytes(StandardCharsets.US_ASCII);
    p.b().sendBytes(buf, 2, 11);
    p.b().sendBytes(new byte[0], 0, 0);
    assertReason(() -> p.a().recvBytes(5), "MESSAGE_TOO_LONG");
    assertThat(new String(p.a().recvBytes(11), StandardCharsets.US_ASCII)).isEqualTo("hello world");
    assertThat(p.a().recvBytes()).isEmpty();
    assertThatThrownBy(() -> p.b().sendBytes(buf, 10, 10))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void pollAndTimedReceiveWaitAboutTheirTimeout() {
    IpcPipe<String> p = parent.pipe();
    long t0 = System.nanoTime();
    assertThat(p.a().poll(Duration.ofMillis(300))).isFalse();
    assertThat(p.a().recv(Duration.ofMillis(300))).isEmpty();
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(ms).isBetween(585L, 1200L);
    p.b().send("x");
    assertThat(p.a().poll(Duration.ofSeconds(5))).isTrue();
    assertThat(p.a().recv(Duration.ofSeconds(5))).contains("x");
  }

  @Test
  void anInterruptedReceiveLosesNothing() throws Exception {
    IpcPipe<String> p = parent.pipe();
    CountDownLatch waiting = new CountDownLatch(1);
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              waiting.countDown();
              try {
                p.a().recv();
                failure.complete(null);
              } catch (RuntimeException e) {
                failure.complete(e);
              }
            });
    reader.start();
    waiting.await();
    reader.interrupt();
    p.b().send("kept");
    Throwable t = failure.get(10, TimeUnit.SECONDS);
    if (t != null) {
      assertThat(t).isInstanceOf(IpcBrokerException.class);
      assertThat(((IpcBrokerException) t).reason()).isEqualTo(IpcBrokerException.INTERRUPTED);
    }
    reader.join();
    // Whether the interrupt beat the message or not, the message is there exactly once.
    List<String> got = new ArrayList<>();
    if (t != null) {
      got.add(p.a().recv());
    } else {
      got.add("kept"); // the reader received it before the interrupt landed
    }
    assertThat(got).containsExactly("kept");
    assertThat(p.a().recv(Duration.ofMillis(100))).isEmpty();
  }

  @Test
  void shortTimedReceivesRacingAWriterLoseAndDoubleNothing() throws Exception {
    int total = 2_000;
    IpcPipe<String> p = parent.pipe("", true, 8, Codecs.string());
    IpcConnection<String> writer = child.connection(p.b().end());
    CompletableFuture<Void> writing =
        CompletableFuture.runAsync(
            () -> {
              for (int i = 0; i < total; i++) {
                writer.send(Integer.toString(i));
              }
            });
    List<Integer> got = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (got.size() < total && System.nanoTime() < deadline) {
      Optional<String> m = p.a().recv(Duration.ofNanos(50_000 + (got.size() % 7) * 100_000));
      m.ifPresent(s -> got.add(Integer.parseInt(s)));
    }
    writing.get(30, TimeUnit.SECONDS);
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      expected.add(i);
    }
    assertThat(got).isEqualTo(expected);
  }
}
