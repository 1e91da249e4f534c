package io.ipcbroker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.AcquireLockRequest;
import io.ipcbroker.v1.AcquireSemaphoreRequest;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.CreateBarrierRequest;
import io.ipcbroker.v1.CreateEventRequest;
import io.ipcbroker.v1.CreateLockRequest;
import io.ipcbroker.v1.CreateProcessRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateSemaphoreRequest;
import io.ipcbroker.v1.CreateSessionRequest;
import io.ipcbroker.v1.DeleteBarrierRequest;
import io.ipcbroker.v1.DeleteEventRequest;
import io.ipcbroker.v1.DeleteLockRequest;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.DeleteSemaphoreRequest;
import io.ipcbroker.v1.DescribeBarrierRequest;
import io.ipcbroker.v1.DescribeEventRequest;
import io.ipcbroker.v1.DescribeLockRequest;
import io.ipcbroker.v1.DescribeSemaphoreRequest;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetProcessRequest;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.JoinProcessRequest;
import io.ipcbroker.v1.JoinProcessResponse;
import io.ipcbroker.v1.LockKind;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import io.ipcbroker.v1.Signal;
import io.ipcbroker.v1.SignalProcessRequest;
import io.ipcbroker.v1.StreamOpen;
import io.ipcbroker.v1.WaitBarrierRequest;
import io.ipcbroker.v1.WaitEventRequest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves that parked calls cost no thread: a real broker on loopback TCP (Netty) parks 10,000 unary
 * {@code GetItem} calls, or 10,000 pulls on ten {@code Consume} streams, and the JVM's live thread
 * count stays within a small constant of what it was before. Prints the thread counts and the heap
 * used after GC, then releases every waiter (force delete) and checks that each was answered {@code
 * NOT_FOUND}/{@code OBJECT_DELETED}.
 *
 * <p>Client and broker share this JVM, so the client's channel runs on a fixed two-thread executor
 * created before the baseline, and the baseline is taken after one warm-up call.
 */
@Timeout(180)
class ParkedCallsThreadTest {
  private static final int PARKED = 10_000;
  private static final int MAX_EXTRA_THREADS = 8;

  private BrokerServer broker;
  private ExecutorService clientExecutor;
  private ManagedChannel channel;
  private QueueServiceGrpc.QueueServiceBlockingStub blocking;
  private QueueServiceGrpc.QueueServiceStub async;

  @BeforeEach
  void setUp() throws Exception {
    broker = new BrokerServer(BrokerConfig.builder().host("127.0.0.1").port(0).build());
    assertThat(broker.start()).isTrue();
    clientExecutor = Executors.newFixedThreadPool(2);
    // Started now, so that the client's own threads are all in the baseline.
    ((java.util.concurrent.ThreadPoolExecutor) clientExecutor).prestartAllCoreThreads();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", broker.port())
            .usePlaintext()
            .executor(clientExecutor)
            .build();
    blocking = QueueServiceGrpc.newBlockingStub(channel);
    async = QueueServiceGrpc.newStub(channel);
  }

  @AfterEach
  void tearDown() throws Exception {
    channel.shutdownNow();
    channel.awaitTermination(10, TimeUnit.SECONDS);
    broker.shutdown();
    clientExecutor.shutdownNow();
    clientExecutor.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static java.util.Set<String> threadNames() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (java.lang.management.ThreadInfo t :
        ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
      names.add(t.getThreadName());
    }
    return names;
  }

  /** The threads that appeared since {@code before}, to tell the broker's from the JVM's. */
  private static String added(java.util.Set<String> before) {
    java.util.Set<String> now = threadNames();
    now.removeAll(before);
    return now.toString();
  }

  private static double heapUsedMiB() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
  }

  private int waitingGetters(String queue) {
    return blocking
        .getQueue(GetQueueRequest.newBuilder().setName(queue).build())
        .getQueue()
        .getWaitingGetters();
  }

  /** "CODE/REASON" of a failed call, for counting. */
  private static String outcome(Throwable t) {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    String reason = "none";
    if (s != null) {
      for (Any d : s.getDetailsList()) {
        if (d.is(ErrorInfo.class)) {
          try {
            reason = d.unpack(ErrorInfo.class).getReason();
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            reason = "unparseable";
          }
        }
      }
    }
    return Status.fromThrowable(t).getCode() + "/" + reason;
  }

  private void warmUp(String queue) {
    blocking.createQueue(CreateQueueRequest.newBuilder().setName(queue).build());
    GetItemResponse r =
        blocking.getItem(GetItemRequest.newBuilder().setQueue(queue).setNowait(true).build());
    assertThat(r.hasDelivery()).isFalse();
    waitingGetters(queue);
  }

  private void release(String queue) {
    assertThat(
            blocking
                .deleteQueue(DeleteQueueRequest.newBuilder().setName(queue).setForce(true).build())
                .getDeleted())
        .isTrue();
  }

  @Test
  void tenThousandParkedUnaryGetsUseNoThreadEach() throws Exception {
    warmUp("parked");
    int threadsBefore = threads();
    java.util.Set<String> namesBefore = threadNames();
    double heapBefore = heapUsedMiB();

    CountDownLatch answered = new CountDownLatch(PARKED);
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    GetItemRequest get = GetItemRequest.newBuilder().setQueue("parked").build();
    for (int i = 0; i < PARKED; i++) {
      async.getItem(
          get,
          new StreamObserver<GetItemResponse>() {
            @Override
            public void onNext(GetItemResponse value) {
              outcomes.computeIfAbsent("delivered", k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
              outcomes.computeIfAbsent(outcome(t), k -> new AtomicInteger()).incrementAndGet();
              answered.countDown();
            }

            @Override
            public void onCompleted() {
              answered.countDown();
            }
          });
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> waitingGetters("parked") == PARKED);
    int threadsParked = threads();
    double heapParked = heapUsedMiB();
    System.out.printf(
        "THREADS unary parked=0 n=%d parked=%d n=%d added=%s%n",
        threadsBefore, PARKED, threadsParked, added(namesBefore));
    System.out.printf(
        "HEAP unary parked=0 usedMiB=%.1f parked=%d usedMiB=%.1f (client and broker)%n",
        heapBefore, PARKED, heapParked);
    assertThat(threadsParked - threadsBefore).isLessThanOrEqualTo(MAX_EXTRA_THREADS);

    release("parked");
    assertThat(answered.await(60, TimeUnit.SECONDS)).as("every parked get answered").isTrue();
    assertThat(outcomes).containsOnlyKeys("NOT_FOUND/OBJECT_DELETED");
    assertThat(outcomes.get("NOT_FOUND/OBJECT_DELETED")).hasValue(PARKED);
  }

  @Test
  void tenThousandParkedProcessJoinsUseNoThreadEach() throws Exception {
    String session =
        SessionServiceGrpc.newBlockingStub(channel)
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
            .getSession()
            .getSessionId();
    ProcessServiceGrpc.ProcessServiceBlockingStub processes =
        ProcessServiceGrpc.newBlockingStub(channel);
    // Started before the baseline: the child's own JDK reaper thread is not a waiter's.
    String id =
        processes
            .createProcess(
                CreateProcessRequest.newBuilder()
                    .setSessionId(session)
                    .addArgv("sleep")
                    .addArgv("300")
                    .setStart(true)
                    .build())
            .getProcess()
            .getId();
    JoinProcessRequest join = JoinProcessRequest.newBuilder().setId(id).build();
    assertThat(processes.joinProcess(join.toBuilder().setNowait(true).build()).getExited())
        .isFalse();
    int threadsBefore = threads();
    java.util.Set<String> namesBefore = threadNames();

    CountDownLatch answered = new CountDownLatch(PARKED);
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    ProcessServiceGrpc.ProcessServiceStub asyncProcesses = ProcessServiceGrpc.newStub(channel);
    for (int i = 0; i < PARKED; i++) {
      asyncProcesses.joinProcess(
          join,
          new StreamObserver<JoinProcessResponse>() {
            @Override
            public void onNext(JoinProcessResponse r) {
              String key =
                  "exited="
                      + r.getExited()
                      + " exitcode="
                      + r.getProcess().getExitStatus().getExitcode();
              outcomes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
              outcomes.computeIfAbsent(outcome(t), k -> new AtomicInteger()).incrementAndGet();
              answered.countDown();
            }

            @Override
            public void onCompleted() {
              answered.countDown();
            }
          });
    }
    // A later call on the same connection is served after the joins arrived.
    assertThat(
            processes
                .getProcess(GetProcessRequest.newBuilder().setId(id).build())
                .getProcess()
                .getAlive())
        .isTrue();
    assertThat(answered.getCount()).isEqualTo(PARKED);
    int threadsParked = threads();
    System.out.printf(
        "THREADS joins parked=0 n=%d parked=%d n=%d added=%s%n",
        threadsBefore, PARKED, threadsParked, added(namesBefore));
    assertThat(threadsParked - threadsBefore).isLessThanOrEqualTo(MAX_EXTRA_THREADS);

    processes.signalProcess(
        SignalProcessRequest.newBuilder().setId(id).setSignal(Signal.SIGNAL_KILL).build());
    assertThat(answered.await(60, TimeUnit.SECONDS)).as("every parked join answered").isTrue();
    assertThat(outcomes).containsOnlyKeys("exited=true exitcode=-9");
    assertThat(outcomes.get("exited=true exitcode=-9")).hasValue(PARKED);
  }

  @Test
  void tenThousandParkedPullsOnTenStreamsUseNoThreadEach() throws Exception {
    int streams = 10;
    int pullsPerStream = PARKED / streams;
    warmUp("pulls");
    int threadsBefore = threads();
    java.util.Set<String> namesBefore = threadNames();
    double heapBefore = heapUsedMiB();

    CountDownLatch ended = new CountDownLatch(streams);
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    AtomicInteger pullResults = new AtomicInteger();
    for (int s = 0; s < streams; s++) {
      StreamObserver<ConsumeRequest> req =
          async.consume(
              new StreamObserver<ConsumeResponse>() {
                @Override
                public void onNext(ConsumeResponse value) {
                  if (value.hasPullResult()) {
                    pullResults.incrementAndGet();
                  }
                }

                @Override
                public void onError(Throwable t) {
                  outcomes.computeIfAbsent(outcome(t), k -> new AtomicInteger()).incrementAndGet();
                  ended.countDown();
                }

                @Override
                public void onCompleted() {
                  outcomes.computeIfAbsent("OK", k -> new AtomicInteger()).incrementAndGet();
                  ended.countDown();
                }
              });
      req.onNext(
          ConsumeRequest.newBuilder().setOpen(StreamOpen.newBuilder().setQueue("pulls")).build());
      for (int p = 1; p <= pullsPerStream; p++) {
        req.onNext(ConsumeRequest.newBuilder().setPull(Pull.newBuilder().setPullId(p)).build());
      }
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> waitingGetters("pulls") == PARKED);
    int threadsParked = threads();
    double heapParked = heapUsedMiB();
    System.out.printf(
        "THREADS consume streams=%d parked=0 n=%d parked=%d n=%d added=%s%n",
        streams, threadsBefore, PARKED, threadsParked, added(namesBefore));
    System.out.printf(
        "HEAP consume parked=0 usedMiB=%.1f parked=%d usedMiB=%.1f (client and broker)%n",
        heapBefore, PARKED, heapParked);
    assertThat(threadsParked - threadsBefore).isLessThanOrEqualTo(MAX_EXTRA_THREADS);

    release("pulls");
    assertThat(ended.await(60, TimeUnit.SECONDS)).as("every stream ended").isTrue();
    assertThat(outcomes).containsOnlyKeys("NOT_FOUND/OBJECT_DELETED");
    assertThat(outcomes.get("NOT_FOUND/OBJECT_DELETED")).hasValue(streams);
    assertThat(pullResults).hasValue(0);
  }

  /** A unary observer that counts how a parked call ended. */
  private static <T> StreamObserver<T> counting(
      Map<String, AtomicInteger> outcomes, CountDownLatch answered) {
    return new StreamObserver<T>() {
      @Override
      public void onNext(T value) {
        outcomes.computeIfAbsent("answered", k -> new AtomicInteger()).incrementAndGet();
      }

      @Override
      public void onError(Throwable t) {
        outcomes.computeIfAbsent(outcome(t), k -> new AtomicInteger()).incrementAndGet();
        answered.countDown();
      }

      @Override
      public void onCompleted() {
        answered.countDown();
      }
    };
  }

  @Test
  void tenThousandParkedSyncWaitsUseNoThreadEach() throws Exception {
    String session =
        SessionServiceGrpc.newBlockingStub(channel)
            .createSession(CreateSessionRequest.newBuilder().setTtlSeconds(60).build())
            .getSession()
            .getSessionId();
    LockServiceGrpc.LockServiceBlockingStub locks = LockServiceGrpc.newBlockingStub(channel);
    SemaphoreServiceGrpc.SemaphoreServiceBlockingStub sems =
        SemaphoreServiceGrpc.newBlockingStub(channel);
    EventServiceGrpc.EventServiceBlockingStub events = EventServiceGrpc.newBlockingStub(channel);
    BarrierServiceGrpc.BarrierServiceBlockingStub barriers =
        BarrierServiceGrpc.newBlockingStub(channel);
    locks.createLock(
        CreateLockRequest.newBuilder().setName("l").setKind(LockKind.LOCK_KIND_LOCK).build());
    sems.createSemaphore(CreateSemaphoreRequest.newBuilder().setName("s").setValue(0).build());
    events.createEvent(CreateEventRequest.newBuilder().setName("e").build());
    barriers.createBarrier(
        CreateBarrierRequest.newBuilder().setName("b").setParties(PARKED + 1).build());
    assertThat(
            locks
                .acquireLock(
                    AcquireLockRequest.newBuilder()
                        .setName("l")
                        .setSessionId(session)
                        .setOwner("holder")
                        .build())
                .getAcquired())
        .isTrue();
    int threadsBefore = threads();
    java.util.Set<String> namesBefore = threadNames();

    int each = PARKED / 4;
    CountDownLatch answered = new CountDownLatch(4 * each);
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    LockServiceGrpc.LockServiceStub locksAsync = LockServiceGrpc.newStub(channel);
    SemaphoreServiceGrpc.SemaphoreServiceStub semsAsync = SemaphoreServiceGrpc.newStub(channel);
    EventServiceGrpc.EventServiceStub eventsAsync = EventServiceGrpc.newStub(channel);
    BarrierServiceGrpc.BarrierServiceStub barriersAsync = BarrierServiceGrpc.newStub(channel);
    for (int i = 0; i < each; i++) {
      locksAsync.acquireLock(
          AcquireLockRequest.newBuilder()
              .setName("l")
              .setSessionId(session)
              .setOwner("t" + i)
              .build(),
          counting(outcomes, answered));
      semsAsync.acquireSemaphore(
          AcquireSemaphoreRequest.newBuilder().setName("s").setSessionId(session).build(),
          counting(outcomes, answered));
      eventsAsync.waitEvent(
          WaitEventRequest.newBuilder().setName("e").build(), counting(outcomes, answered));
      barriersAsync.waitBarrier(
          WaitBarrierRequest.newBuilder().setName("b").build(), counting(outcomes, answered));
    }
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                locks
                            .describeLock(DescribeLockRequest.newBuilder().setName("l").build())
                            .getLock()
                            .getWaiters()
                        == each
                    && sems.describeSemaphore(
                                DescribeSemaphoreRequest.newBuilder().setName("s").build())
                            .getSemaphore()
                            .getWaiters()
                        == each
                    && events
                            .describeEvent(DescribeEventRequest.newBuilder().setName("e").build())
                            .getEvent()
                            .getWaiters()
                        == each
                    && barriers
                            .describeBarrier(
                                DescribeBarrierRequest.newBuilder().setName("b").build())
                            .getBarrier()
                            .getNWaiting()
                        == each);
    int threadsParked = threads();
    System.out.printf(
        "THREADS sync parked=0 n=%d parked=%d n=%d added=%s%n",
        threadsBefore, 4 * each, threadsParked, added(namesBefore));
    assertThat(threadsParked - threadsBefore).isLessThanOrEqualTo(MAX_EXTRA_THREADS);

    locks.deleteLock(DeleteLockRequest.newBuilder().setName("l").build());
    sems.deleteSemaphore(DeleteSemaphoreRequest.newBuilder().setName("s").build());
    events.deleteEvent(DeleteEventRequest.newBuilder().setName("e").build());
    barriers.deleteBarrier(DeleteBarrierRequest.newBuilder().setName("b").build());
    assertThat(answered.await(60, TimeUnit.SECONDS)).as("every parked wait answered").isTrue();
    assertThat(outcomes).containsOnlyKeys("NOT_FOUND/OBJECT_DELETED");
    assertThat(outcomes.get("NOT_FOUND/OBJECT_DELETED")).hasValue(4 * each);
  }
}
