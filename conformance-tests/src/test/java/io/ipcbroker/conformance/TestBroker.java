package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.DeleteSessionRequest;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.PutOutcome;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueKind;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.Session;
import io.ipcbroker.v1.SessionServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One test's access to the broker under test: client connections, stubs with deadlines, and the
 * clean-up of every queue and session the test created, so that tests can share a broker.
 *
 * <p>Create one per test instance and {@link #close} it in {@code @AfterEach}.
 */
public final class TestBroker implements AutoCloseable {
  /** The deadline of every unary call that is not about deadlines. */
  public static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
  private final Set<String> queueNames = ConcurrentHashMap.newKeySet();
  private final Set<String> sessionIds = ConcurrentHashMap.newKeySet();
  private final ManagedChannel channel;

  /** Connects the test's first client. */
  public TestBroker() {
    channel = newChannel();
  }

  /** The test's first client connection. */
  public ManagedChannel channel() {
    return channel;
  }

  /** Another client connection (another "process"), closed with this fixture. */
  public ManagedChannel newChannel() {
    ManagedChannel c = ConformanceTarget.newChannel();
    channels.add(c);
    return c;
  }

  /** A blocking queue stub on the first client with a fresh {@link #CALL_DEADLINE}. */
  public QueueServiceGrpc.QueueServiceBlockingStub queues() {
    return queues(channel);
  }

  /** A blocking queue stub on {@code c} with a fresh {@link #CALL_DEADLINE}. */
  public static QueueServiceGrpc.QueueServiceBlockingStub queues(Channel c) {
    return QueueServiceGrpc.newBlockingStub(c)
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An async queue stub on {@code c} with a fresh {@link #CALL_DEADLINE}. */
  public static QueueServiceGrpc.QueueServiceStub queuesAsync(Channel c) {
    return QueueServiceGrpc.newStub(c)
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A blocking session stub on the first client with a fresh {@link #CALL_DEADLINE}. */
  public SessionServiceGrpc.SessionServiceBlockingStub sessions() {
    return SessionServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Creates a standard queue with a unique name; returns the name. */
  public String createQueue(String prefix, long maxsize) {
    return createQueue(
            CreateQueueRequest.newBuilder().setName(Rpc.uniqueName(prefix)).setMaxsize(maxsize))
        .getName();
  }

  /** Creates a joinable queue with a unique name; returns the name. */
  public String createJoinableQueue(String prefix, long maxsize) {
    return createQueue(
            CreateQueueRequest.newBuilder()
                .setName(Rpc.uniqueName(prefix))
                .setMaxsize(maxsize)
                .setKind(QueueKind.QUEUE_KIND_JOINABLE))
        .getName();
  }

  /** Sends {@code request} and remembers the name for clean-up; returns the queue. */
  public Queue createQueue(CreateQueueRequest.Builder request) {
    queueNames.add(request.getName());
    return queues().createQueue(request.build()).getQueue();
  }

  /** Remembers a queue name for clean-up (for queues created by raw calls). */
  public void track(String queueName) {
    queueNames.add(queueName);
  }

  /** The queue's live figures. */
  public Queue getQueue(String name) {
    return queues().getQueue(GetQueueRequest.newBuilder().setName(name).build()).getQueue();
  }

  /** Waits (at most 5 s) until the queue's figures satisfy {@code condition}; returns them. */
  public Queue awaitQueue(String name, Predicate<Queue> condition) {
    Queue[] last = new Queue[1];
    await()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5))
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              last[0] = getQueue(name);
              return condition.test(last[0]);
            });
    return last[0];
  }

  /**
   * Puts {@code texts} as one non-blocking frame over a fresh {@code PutItems} stream and checks
   * that all went in.
   */
  public void put(String queue, String... texts) {
    PutClient p = PutClient.open(channel, queue);
    PutResult r = p.awaitResult(p.put(Items.texts(texts), null, true));
    assertThat(r.getOutcome()).as("put %s", List.of(texts)).isEqualTo(PutOutcome.PUT_OUTCOME_OK);
    p.halfCloseAndAwait();
  }

  /** Takes {@code n} items over a fresh {@code Consume} stream, acking them; returns the texts. */
  public List<String> take(String queue, int n) {
    ConsumeClient c = ConsumeClient.open(channel, queue);
    List<String> texts = c.take(n);
    c.halfCloseAndAwait();
    return texts;
  }

  /** Opens a session with {@code ttlSeconds} (0: the default) and remembers it for clean-up. */
  public Session createSession(double ttlSeconds) {
    Session s =
        sessions()
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(ttlSeconds).build())
            .getSession();
    sessionIds.add(s.getSessionId());
    return s;
  }

  /** Ends session {@code id} now, as a client that closes (or crashes and expires) does. */
  public void deleteSession(String id) {
    sessions().deleteSession(DeleteSessionRequest.newBuilder().setSessionId(id).build());
  }

  /** Remembers a session for clean-up (for sessions created by raw calls). */
  public void trackSession(String sessionId) {
    sessionIds.add(sessionId);
  }

  /** Deletes what the test created (force, ignoring what is already gone) and disconnects. */
  @Override
  public void close() {
    ManagedChannel admin = ConformanceTarget.newChannel();
    try {
      for (String name : queueNames) {
        queues(admin)
            .deleteQueue(
                DeleteQueueRequest.newBuilder()
                    .setName(name)
                    .setForce(true)
                    .setAllowMissing(true)
                    .build());
      }
      for (String id : sessionIds) {
        try {
          SessionServiceGrpc.newBlockingStub(admin)
              .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .deleteSession(DeleteSessionRequest.newBuilder().setSessionId(id).build());
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
            throw e;
          }
        }
      }
    } finally {
      ConformanceTarget.close(admin);
      for (ManagedChannel c : channels) {
        ConformanceTarget.close(c);
      }
    }
  }
}
