package io.ipcbroker.server;

import static io.ipcbroker.server.GrpcAssertions.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullOutcome;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load on one queue for a shutdown to cut through: producers on {@code PutItems} streams with
 * several frames in flight, consumers on {@code Consume} streams that ack each delivery with their
 * next pull. Records what every frame and pull was answered, so that a test can account for each
 * item once the broker has stopped.
 *
 * <p>Each stream is bounded in frames or pulls and by a deadline, so the load ends even if the
 * broker never stops.
 */
final class ShutdownLoad {
  private static final int FRAMES_IN_FLIGHT = 4;
  private static final long STREAM_DEADLINE_SECONDS = 120;

  private final String queue;
  private final List<Producer> producers = new ArrayList<>();
  private final List<Consumer> consumers = new ArrayList<>();
  private final CountDownLatch ended;
  private final List<String> problems = new CopyOnWriteArrayList<>();
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong delivered = new AtomicLong();

  /**
   * Starts {@code producerCount} producers and {@code consumerCount} consumers on {@code queue}.
   */
  ShutdownLoad(Channel channel, String queue, int producerCount, int consumerCount, int maxFrames) {
    this.queue = queue;
    ended = new CountDownLatch(producerCount + consumerCount);
    QueueServiceGrpc.QueueServiceStub stub =
        QueueServiceGrpc.newStub(channel)
            .withDeadlineAfter(STREAM_DEADLINE_SECONDS, TimeUnit.SECONDS);
    for (int i = 0; i < consumerCount; i++) {
      consumers.add(new Consumer(stub, maxFrames));
    }
    for (int i = 0; i < producerCount; i++) {
      producers.add(new Producer(stub, "p" + i, maxFrames));
    }
  }

  /** Waits until every stream has ended, however. */
  boolean awaitEnded(long seconds) throws InterruptedException {
    return ended.await(seconds, TimeUnit.SECONDS);
  }

  /** Asserts that every stream that did not finish its budget ended {@code reason}. */
  void assertStreamsEnded(Status.Code code, Reason reason) {
    for (Producer p : producers) {
      if (p.error != null) {
        assertError(p.error, code, reason);
      }
    }
    for (Consumer c : consumers) {
      assertThat(c.error).as("a consumer never completes its stream by itself").isNotNull();
      assertError(c.error, code, reason);
    }
  }

  /**
   * Checks every item against the queue's content after the shutdown: no item a put acknowledged is
   * lost, none is handed over twice, and nothing that no put acknowledged appears anywhere.
   *
   * @param remaining the items the queue still held once the broker stopped, or null when they
   *     cannot be known (a broker in another process)
   */
  Accounting account(List<String> remaining) {
    Set<String> acked = new HashSet<>();
    for (Producer p : producers) {
      acked.addAll(p.acked);
    }
    Map<String, Integer> deliveries = new HashMap<>();
    Set<String> taken = new HashSet<>(); // acked, and a later pull proves the ack landed
    Set<String> maybeTaken = new HashSet<>(); // acked, and the stream ended before proof
    Set<String> givenBack = new HashSet<>(); // never acked: the queue must have them back
    for (Consumer c : consumers) {
      for (String item : c.seen) {
        deliveries.merge(item, 1, Integer::sum);
      }
      taken.addAll(c.confirmed);
      for (List<String> batch : c.ackedUnconfirmed) {
        maybeTaken.addAll(batch);
      }
      givenBack.addAll(c.unacked.values());
      givenBack.addAll(c.latest.values());
    }
    deliveries.forEach((item, n) -> assertThat(n).as("deliveries of %s", item).isEqualTo(1));
    assertThat(problems).as("protocol problems seen in callbacks").isEmpty();
    // Items of frames that were refused or never answered are outside acked, so this and the
    // checks of the queue's content also prove that they never went in.
    assertThat(deliveries.keySet())
        .as("delivered but never acknowledged to a put")
        .isSubsetOf(acked);
    if (remaining != null) {
      assertThat(new HashSet<>(remaining))
          .as("the queue holds no item twice")
          .hasSize(remaining.size());
      assertThat(remaining)
          .as("left in the queue but never acknowledged")
          .allMatch(acked::contains);
      assertThat(remaining).as("left in the queue and taken").doesNotContainAnyElementsOf(taken);
      assertThat(remaining).as("given back by a failed stream").containsAll(givenBack);
      Set<String> lost = new HashSet<>(acked);
      lost.removeAll(taken);
      lost.removeAll(maybeTaken);
      remaining.forEach(lost::remove);
      assertThat(lost).as("acknowledged puts that no consumer took and the queue lost").isEmpty();
    }
    return new Accounting(acked.size(), taken.size(), maybeTaken.size(), givenBack.size());
  }

  /** The figures of one run. */
  record Accounting(int acked, int taken, int maybeTaken, int givenBack) {}

  private static Payload item(String id) {
    return Payload.newBuilder().setData(ByteString.copyFrom(id, StandardCharsets.UTF_8)).build();
  }

  static String id(Payload p) {
    return p.getData().toString(StandardCharsets.UTF_8);
  }

  private StreamOpen open() {
    return StreamOpen.newBuilder().setQueue(queue).build();
  }

  /** A producer with up to {@link #FRAMES_IN_FLIGHT} frames of 1 to 4 items waiting at once. */
  private final class Producer implements StreamObserver<PutItemsResponse> {
    private final String prefix;
    private final int maxFrames;
    private final StreamObserver<PutItemsRequest> requests;
    // Guarded by this; callbacks of one call do not overlap, but the first sends do not run on
    // the callback thread.
    private final Map<Long, List<String>> pending = new LinkedHashMap<>();
    private final List<String> acked = new ArrayList<>();
    private long nextFrame = 1;
    private long nextItem;
    private boolean halfClosed;
    volatile Throwable error;

    Producer(QueueServiceGrpc.QueueServiceStub stub, String prefix, int maxFrames) {
      this.prefix = prefix;
      this.maxFrames = maxFrames;
      requests = stub.putItems(this);
      synchronized (this) {
        requests.onNext(PutItemsRequest.newBuilder().setOpen(open()).build());
        while (pending.size() < FRAMES_IN_FLIGHT) {
          sendFrameLocked();
        }
      }
    }

    private void sendFrameLocked() {
      if (nextFrame > maxFrames) {
        if (!halfClosed && pending.isEmpty()) {
          halfClosed = true;
          requests.onCompleted();
        }
        return;
      }
      long frameId = nextFrame++;
      int size = 1 + (int) (frameId % 4);
      List<String> ids = new ArrayList<>(size);
      PutItemsRequest.Builder frame = PutItemsRequest.newBuilder().setPutId(frameId);
      for (int i = 0; i < size; i++) {
        String id = prefix + "-" + nextItem++;
        ids.add(id);
        frame.addItems(item(id));
      }
      pending.put(frameId, ids);
      requests.onNext(frame.build());
    }

    @Override
    public synchronized void onNext(PutItemsResponse r) {
      if (!r.hasResult()) {
        return;
      }
      PutResult result = r.getResult();
      List<String> ids = pending.remove(result.getPutId());
      if (ids == null) {
        // An assertion here would only cancel the call; the test reports it from account().
        problems.add("a result for frame " + result.getPutId() + ", which is not pending");
        return;
      }
      acked.addAll(ids.subList(0, result.getAccepted()));
      accepted.addAndGet(result.getAccepted());
      if (error == null) {
        sendFrameLocked();
      }
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      ended.countDown();
    }
  }

  /**
   * A consumer that pulls up to 8 items at a time and acks each batch one pull late, so that it
   * always holds its latest batch unacknowledged: a shutdown must give those back to the queue.
   */
  private final class Consumer implements StreamObserver<ConsumeResponse> {
    private final int maxPulls;
    private final StreamObserver<ConsumeRequest> requests;
    // Guarded by this.
    private final List<String> seen = new ArrayList<>();
    private final Map<Long, String> unacked = new LinkedHashMap<>(); // to ack with the next pull
    private final Map<Long, String> latest = new LinkedHashMap<>(); // held until the pull after
    // Acks sent with each pull still waiting for its result, by pull id.
    private final Map<Long, List<String>> acksByPull = new LinkedHashMap<>();
    private final List<String> confirmed = new ArrayList<>();
    // The acks whose pull was never answered, once the stream ended.
    private Collection<List<String>> ackedUnconfirmed = List.of();
    private long nextPull = 1;
    volatile Throwable error;

    Consumer(QueueServiceGrpc.QueueServiceStub stub, int maxPulls) {
      this.maxPulls = maxPulls;
      requests = stub.consume(this);
      synchronized (this) {
        requests.onNext(ConsumeRequest.newBuilder().setOpen(open()).build());
        pullLocked();
      }
    }

    private void pullLocked() {
      if (nextPull > maxPulls) {
        return; // the budget is spent; the broker's shutdown ends the stream
      }
      long pullId = nextPull++;
      ConsumeRequest.Builder r =
          ConsumeRequest.newBuilder()
              .setPull(Pull.newBuilder().setPullId(pullId).setMaxItems(8).setTimeoutSeconds(1.0));
      List<String> acking = new ArrayList<>(unacked.values());
      r.addAllAckIds(unacked.keySet());
      unacked.clear();
      acksByPull.put(pullId, acking);
      requests.onNext(r.build());
    }

    @Override
    public synchronized void onNext(ConsumeResponse r) {
      if (!r.hasPullResult()) {
        return;
      }
      PullResult result = r.getPullResult();
      // The broker applies a request's acks before its pull, so the pull's answer proves them.
      List<String> acks = acksByPull.remove(result.getPullId());
      if (acks == null) {
        problems.add("a result for pull " + result.getPullId() + ", which is not pending");
        return;
      }
      confirmed.addAll(acks);
      unacked.putAll(latest);
      latest.clear();
      if (result.getOutcome() == PullOutcome.PULL_OUTCOME_DELIVERED) {
        for (Delivery d : result.getDeliveriesList()) {
          String id = id(d.getPayload());
          seen.add(id);
          latest.put(d.getDeliveryId(), id);
        }
        delivered.addAndGet(result.getDeliveriesCount());
      }
      pullLocked();
    }

    @Override
    public synchronized void onError(Throwable t) {
      error = t;
      ackedUnconfirmed = new ArrayList<>(acksByPull.values());
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      ended.countDown();
    }
  }
}
