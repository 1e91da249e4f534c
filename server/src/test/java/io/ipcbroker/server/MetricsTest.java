package io.ipcbroker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.CreateEventRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The metrics port: {@code /metrics} in Prometheus's text format whose figures move with the work
 * (calls by method and status, queue depth and bytes, sessions, connections, JVM figures), {@code
 * /status.json} with the same picture, the status page itself, and nothing else.
 */
@Timeout(60)
class MetricsTest {
  private BrokerServer broker;
  private ManagedChannel channel;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    broker =
        new BrokerServer(
            BrokerConfig.builder().host("127.0.0.1").port(0).metrics("127.0.0.1", 0).build());
    broker.start();
    channel = Grpc.newChannelBuilder(broker.address(), InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    broker.shutdown();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(broker.metricsAddress() + path.substring(1)))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the one sample of {@code metric} whose labels include {@code labels}. */
  private static double sample(String scrape, String metric, String labels) {
    Pattern line =
        Pattern.compile("^" + Pattern.quote(metric) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(scrape);
    while (m.find()) {
      boolean all = true;
      for (String label : labels.split(",")) {
        all &= m.group(1).contains(label);
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    return Double.NaN;
  }

  private static double plain(String scrape, String metric) {
    Matcher m =
        Pattern.compile("^" + Pattern.quote(metric) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE)
            .matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
  }

  /** An observer for calls whose answers the test does not look at. */
  private static <T> StreamObserver<T> ignoring() {
    return new StreamObserver<T>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  private void put(String queue, String item) {
    QueueServiceGrpc.newBlockingStub(channel)
        .putItem(
            PutItemRequest.newBuilder()
                .setQueue(queue)
                .setItem(Payload.newBuilder().setData(ByteString.copyFromUtf8(item)))
                .build());
  }

  @Test
  void figuresMoveWithTheWork() throws Exception {
    HttpResponse<String> before = get("/metrics");
    assertThat(before.statusCode()).isEqualTo(200);
    assertThat(before.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(plain(before.body(), "ipcbroker_sessions")).isZero();
    assertThat(plain(before.body(), "jvm_threads_live_threads")).isNotNaN().isGreaterThan(0.0);

    QueueServiceGrpc.newBlockingStub(channel)
        .createQueue(CreateQueueRequest.newBuilder().setName("m").build());
    for (int i = 0; i < 3; i++) {
      put("m", "item-" + i);
    }
    assertThatThrownBy(() -> put("missing", "x")).isInstanceOf(StatusRuntimeException.class);
    SessionServiceGrpc.newBlockingStub(channel)
        .createSession(CreateSessionRequest.newBuilder().setClientName("metrics").build());

    String after = get("/metrics").body();
    assertThat(sample(after, "ipcbroker_queue_depth", "queue=\"m\"")).isEqualTo(3.0);
    assertThat(sample(after, "ipcbroker_queue_bytes", "queue=\"m\"")).isNotNaN().isGreaterThan(0.0);
    assertThat(
            sample(
                after,
                "ipcbroker_rpc_seconds_count",
                "method=\"PutItem\",code=\"OK\",service=\"ipcbroker.v1.QueueService\""))
        .isEqualTo(3.0);
    assertThat(
            sample(after, "ipcbroker_rpc_seconds_count", "method=\"PutItem\",code=\"NOT_FOUND\""))
        .isEqualTo(1.0);
    assertThat(after).contains("ipcbroker_rpc_seconds_bucket{");
    assertThat(plain(after, "ipcbroker_sessions")).isEqualTo(1.0);
    assertThat(plain(after, "ipcbroker_connections")).isGreaterThanOrEqualTo(1.0);

    // Gets take the depth back down.
    QueueServiceGrpc.newBlockingStub(channel)
        .getItem(GetItemRequest.newBuilder().setQueue("m").build());
    assertThat(sample(get("/metrics").body(), "ipcbroker_queue_depth", "queue=\"m\""))
        .isEqualTo(2.0);
    assertThat(
            QueueServiceGrpc.newBlockingStub(channel)
                .getQueue(GetQueueRequest.newBuilder().setName("m").build())
                .getQueue()
                .getSize())
        .isEqualTo(2);

    // The queue's totals, its head's age and the transport's figures.
    String totals = get("/metrics").body();
    assertThat(sample(totals, "ipcbroker_queue_items_put_total", "queue=\"m\"")).isEqualTo(3.0);
    assertThat(sample(totals, "ipcbroker_queue_items_got_total", "queue=\"m\"")).isEqualTo(1.0);
    assertThat(sample(totals, "ipcbroker_queue_redeliveries_total", "queue=\"m\"")).isZero();
    assertThat(sample(totals, "ipcbroker_queue_wait_seconds_count", "queue=\"m\"")).isEqualTo(1.0);
    assertThat(sample(totals, "ipcbroker_queue_wait_seconds_sum", "queue=\"m\""))
        .isGreaterThanOrEqualTo(0.0);
    assertThat(sample(totals, "ipcbroker_queue_oldest_item_age_seconds", "queue=\"m\""))
        .isGreaterThanOrEqualTo(0.0);
    // At least the 3 puts, the failed put, the session, the get and the GetQueue: 7 requests.
    assertThat(plain(totals, "ipcbroker_grpc_messages_received_total")).isGreaterThanOrEqualTo(7);
    assertThat(plain(totals, "ipcbroker_grpc_messages_sent_total")).isGreaterThanOrEqualTo(6);
    assertThat(plain(totals, "ipcbroker_grpc_received_bytes_total")).isNotNaN().isGreaterThan(0.0);
    assertThat(plain(totals, "ipcbroker_grpc_sent_bytes_total")).isNotNaN().isGreaterThan(0.0);
    assertThat(plain(totals, "ipcbroker_connections_opened_total")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aDeletedQueueTakesItsSeriesAlongAndANewOneStartsAgain() throws Exception {
    QueueServiceGrpc.QueueServiceBlockingStub queues = QueueServiceGrpc.newBlockingStub(channel);
    queues.createQueue(CreateQueueRequest.newBuilder().setName("gone").build());
    put("gone", "a");
    put("gone", "b");
    assertThat(sample(get("/metrics").body(), "ipcbroker_queue_items_put_total", "queue=\"gone\""))
        .isEqualTo(2.0);

    queues.deleteQueue(DeleteQueueRequest.newBuilder().setName("gone").setForce(true).build());
    String deleted = get("/metrics").body();
    assertThat(deleted).doesNotContain("queue=\"gone\"");

    queues.createQueue(CreateQueueRequest.newBuilder().setName("gone").build());
    put("gone", "c");
    assertThat(sample(get("/metrics").body(), "ipcbroker_queue_items_put_total", "queue=\"gone\""))
        .isEqualTo(1.0);
  }

  @Test
  void locksShowWhatIsHeldAndWhoWaits() throws Exception {
    String session =
        SessionServiceGrpc.newBlockingStub(channel)
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
            .getSession()
            .getSessionId();
    LockServiceGrpc.LockServiceBlockingStub locks = LockServiceGrpc.newBlockingStub(channel);
    locks.createLock(
        CreateLockRequest.newBuilder().setName("ml").setKind(LockKind.LOCK_KIND_LOCK).build());
    locks.acquireLock(
        AcquireLockRequest.newBuilder()
            .setName("ml")
            .setSessionId(session)
            .setOwner("a")
            .setRequestId(1)
            .build());
    // A second owner parks behind the first.
    LockServiceGrpc.newStub(channel)
        .acquireLock(
            AcquireLockRequest.newBuilder()
                .setName("ml")
                .setSessionId(session)
                .setOwner("b")
                .setRequestId(2)
                .build(),
            ignoring());
    EventServiceGrpc.newBlockingStub(channel)
        .createEvent(CreateEventRequest.newBuilder().setName("me").build());

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> sample(get("/metrics").body(), "ipcbroker_sync_waiters", "name=\"ml\"") == 1.0);
    String scrape = get("/metrics").body();
    assertThat(sample(scrape, "ipcbroker_sync_held", "kind=\"lock\",name=\"ml\"")).isEqualTo(1.0);
    // An idle event has no series: a broker may hold 100,000 idle objects.
    assertThat(sample(scrape, "ipcbroker_sync_waiters", "kind=\"event\",name=\"me\"")).isNaN();

    String status = get("/status.json").body();
    assertThat(status)
        .contains("\"kind\":\"lock\",\"name\":\"ml\"")
        .contains("\"kind\":\"event\",\"name\":\"me\"");
  }

  @Test
  void aCallTheClientCancelsIsCountedToo() throws Exception {
    QueueServiceGrpc.newBlockingStub(channel)
        .createQueue(CreateQueueRequest.newBuilder().setName("empty").build());
    // A get parked on an empty queue, then cancelled by its client: the broker never closes it.
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () ->
            QueueServiceGrpc.newStub(channel)
                .getItem(GetItemRequest.newBuilder().setQueue("empty").build(), ignoring()));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                sample(get("/metrics").body(), "ipcbroker_queue_waiting_getters", "queue=\"empty\"")
                    == 1.0);
    ctx.cancel(null);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                sample(
                        get("/metrics").body(),
                        "ipcbroker_rpc_seconds_count",
                        "method=\"GetItem\",code=\"CANCELLED\"")
                    == 1.0);
  }

  @Test
  void anotherHostNameIsRefused() throws Exception {
    // What a page elsewhere sends when it points a name of its own at 127.0.0.1 (java.net.http
    // will not set Host, so the request is written by hand).
    try (Socket socket = new Socket("127.0.0.1", broker.metricsPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /status.json HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String statusLine =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      assertThat(statusLine).startsWith("HTTP/1.1 403");
    }
    assertThat(get("/status.json").statusCode()).isEqualTo(200);
  }

  @Test
  void theStatusPageAndItsDataAreServedAndNothingElse() throws Exception {
    QueueServiceGrpc.newBlockingStub(channel)
        .createQueue(CreateQueueRequest.newBuilder().setName("page-q").build());
    put("page-q", "x");
    SessionServiceGrpc.newBlockingStub(channel)
        .createSession(CreateSessionRequest.newBuilder().setClientName("a\"<b>").build());

    HttpResponse<String> json = get("/status.json");
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.body())
        .contains("\"name\":\"page-q\",\"depth\":1")
        .contains("\"address\":\"" + broker.address() + "\"")
        // A client's name is escaped so that it can close no string, tag or script.
        .contains("\"clientName\":\"a\\\"\\u003cb\\u003e\"");

    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body())
        .contains("<title>ipcbroker status</title>")
        .doesNotContainPattern("(src|href)=\"https?:"); // no external assets

    assertThat(get("/admin").statusCode()).isEqualTo(404);
  }
}
