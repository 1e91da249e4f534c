package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ipcbroker.v1.DescribeConditionRequest;
import io.ipcbroker.v1.DescribeLockRequest;
import io.ipcbroker.v1.DescribeSemaphoreRequest;
import io.ipcbroker.v1.LockInfo;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.SemaphoreInfo;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SDK's manager sync objects against a real broker: Python's Lock, RLock, Condition, Semaphore,
 * BoundedSemaphore, Event and Barrier in Java idioms, and the settling of acquires given up so that
 * nothing is ever stranded.
 */
@Timeout(180)
class IpcSyncTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  private IpcBroker client;
  private IpcBroker other;
  private ExecutorService threads;

  @BeforeEach
  void connect() {
    client = broker.connect();
    other = broker.connect();
    threads = Executors.newCachedThreadPool();
  }

  @AfterEach
  void disconnect() {
    threads.shutdownNow();
    client.close();
    other.close();
  }

  private LockInfo describeLock(String name) {
    return LockServiceGrpc.newBlockingStub(client.channel())
        .describeLock(DescribeLockRequest.newBuilder().setName(name).build())
        .getLock();
  }

  private SemaphoreInfo describeSemaphore(String name) {
    return SemaphoreServiceGrpc.newBlockingStub(client.channel())
        .describeSemaphore(DescribeSemaphoreRequest.newBuilder().setName(name).build())
        .getSemaphore();
  }

  @Test
  void lockExcludesOtherClientsAndHandsOutGrowingFencingTokens() {
    String name = EmbeddedBroker.uniqueName("lock");
    IpcNamedLock mine = client.lock(name);
    IpcNamedLock theirs = other.lock(name);
    long first;
    try (IpcLock held = mine.acquire()) {
      first = mine.fencingToken();
      assertThat(first).isPositive();
      assertThat(theirs.tryAcquire()).isFalse();
      assertThat(theirs.acquire(Duration.ofMillis(50))).isFalse();
    }
    assertThat(mine.fencingToken()).isZero();
    assertThat(theirs.tryAcquire()).isTrue();
    assertThat(theirs.fencingToken()).isGreaterThan(first);
    assertThatThrownBy(mine::release)
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo("LOCK_NOT_OWNED"));
    assertThatThrownBy(mine::unlock).isInstanceOf(IllegalMonitorStateException.class);
    theirs.unlock();
    assertThat(describeLock(name).getLocked()).isFalse();
  }

  @Test
  void aLockIsNotReentrantButAnRLockCountsItsOwnersAcquires() throws Exception {
    IpcNamedLock lock = client.lock(EmbeddedBroker.uniqueName("lock"));
    lock.lock();
    assertThat(lock.tryLock()).isFalse();
    lock.unlock();

    String name = EmbeddedBroker.uniqueName("rlock");
    IpcNamedLock rlock = client.rlock(name);
    rlock.lock();
    rlock.lock();
    assertThat(rlock.holdCount()).isEqualTo(2);
    // Another thread of the same client is another owner.
    assertThat(threads.submit(() -> rlock.tryLock()).get(10, TimeUnit.SECONDS)).isFalse();
    rlock.unlock();
    assertThat(describeLock(name).getLocked()).isTrue();
    rlock.unlock();
    assertThat(describeLock(name).getLocked()).isFalse();
    assertThatThrownBy(() -> client.lock(name))
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo("CONFIG_MISMATCH"));
  }

  @Test
  void closingAClientAbandonsItsLockToTheNextOwner() throws Exception {
    String name = EmbeddedBroker.uniqueName("lock");
    IpcBroker doomed = broker.connect();
    doomed.lock(name).acquire();
    IpcNamedLock theirs = other.lock(name);
    // Acquired and asked on the same thread: a hold (and what it says) is the thread's.
    Future<boolean[]> waiting =
        threads.submit(
            () -> new boolean[] {theirs.acquire(Duration.ofSeconds(30)), theirs.wasAbandoned()});
    await().atMost(Duration.ofSeconds(10)).until(() -> describeLock(name).getWaiters() == 1);
    doomed.close();
    assertThat(waiting.get(10, TimeUnit.SECONDS)).containsExactly(true, true);
  }

  @Test
  void anInterruptedAcquireHoldsNothingAndWaitsNoMore() throws Exception {
    String name = EmbeddedBroker.uniqueName("lock");
    IpcNamedLock mine = client.lock(name);
    IpcNamedLock theirs = other.lock(name);
    mine.acquire();
    AtomicLong failure = new AtomicLong();
    CountDownLatch started = new CountDownLatch(1);
    Thread waiter =
        new Thread(
            () -> {
              started.countDown();
              try {
                theirs.lockInterruptibly();
              } catch (InterruptedException e) {
                failure.set(1);
              }
            });
    waiter.start();
    started.await();
    await().atMost(Duration.ofSeconds(10)).until(() -> describeLock(name).getWaiters() == 1);
    waiter.interrupt();
    waiter.join(10_000);
    assertThat(failure.get()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> describeLock(name).getWaiters() == 0);
    mine.release();
    assertThat(describeLock(name).getLocked()).isFalse();
  }

  @Test
  void conditionHandsWorkFromAProducerToAConsumer() throws Exception {
    String name = EmbeddedBroker.uniqueName("cond");
    IpcValue items = client.value(name + ".items", TypeCode.INT, 0);
    IpcNamedLock lock = client.rlock(name + ".lock");
    IpcCondition ready = client.condition(name, lock);
    IpcCondition theirs = other.condition(name, other.rlock(name + ".lock"));
    Future<Boolean> consumer =
        threads.submit(
            () -> {
              try (IpcLock held = lock.acquire()) {
                return ready.waitFor(() -> items.getLong() > 0, Duration.ofSeconds(30));
              }
            });
    // The consumer waits on the condition (its predicate was false): the notify must wake it.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                LockServiceGrpc.newBlockingStub(client.channel())
                        .describeCondition(
                            DescribeConditionRequest.newBuilder().setName(name).build())
                        .getCondition()
                        .getWaiters()
                    == 1);
    try (IpcLock held = theirs.lock().acquire()) {
      items.set(1);
      theirs.signalAll();
    }
    assertThat(consumer.get(30, TimeUnit.SECONDS)).isTrue();
    assertThat(describeLock(name + ".lock").getLocked()).isFalse();
    // Without the lock, waiting or signalling fails.
    assertThatThrownBy(() -> ready.await(Duration.ZERO))
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo("LOCK_NOT_OWNED"));
    assertThatThrownBy(ready::signal)
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo("LOCK_NOT_OWNED"));
  }

  @Test
  void conditionWaitTimesOutHoldingTheLockAgain() {
    IpcNamedLock lock = client.rlock(EmbeddedBroker.uniqueName("lock"));
    IpcCondition c = client.condition(EmbeddedBroker.uniqueName("cond"), lock);
    lock.acquire();
    lock.acquire();
    long start = System.nanoTime();
    assertThat(c.await(Duration.ofMillis(200))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(150));
    assertThat(lock.holdCount()).isEqualTo(2);
    lock.release();
    lock.release();
  }

  @Test
  void semaphoresCountAndBoundedOnesRefuseOverRelease() {
    IpcSemaphore s = client.semaphore(EmbeddedBroker.uniqueName("sem"), 2);
    assertThat(s.tryAcquire()).isTrue();
    assertThat(s.tryAcquire()).isTrue();
    assertThat(s.acquire(Duration.ofMillis(20))).isFalse();
    s.release(3);
    assertThat(s.value()).isEqualTo(3);

    IpcSemaphore b = client.boundedSemaphore(EmbeddedBroker.uniqueName("bsem"), 1);
    b.acquire();
    b.release();
    assertThatThrownBy(b::release)
        .isInstanceOfSatisfying(
            IpcBrokerException.class,
            e -> {
              assertThat(e.code()).isEqualTo(IpcBrokerException.Code.FAILED_PRECONDITION);
              assertThat(e.reason()).isEqualTo("SEMAPHORE_OVER_RELEASED");
            });
    assertThat(b.value()).isEqualTo(1);
  }

  @Test
  void eventWaitAnswersWhetherItWasSet() throws Exception {
    String name = EmbeddedBroker.uniqueName("event");
    IpcEvent mine = client.event(name);
    IpcEvent theirs = other.event(name);
    long start = System.nanoTime();
    assertThat(mine.await(Duration.ofMillis(200))).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(150));
    Future<Boolean> waiting = threads.submit(() -> mine.await(Duration.ofSeconds(30)));
    theirs.set();
    assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(mine.isSet()).isTrue();
    theirs.clear();
    assertThat(mine.isSet()).isFalse();
  }

  @Test
  void barrierReleasesPartiesWithDistinctIndicesAndBreaksOnTimeout() throws Exception {
    String name = EmbeddedBroker.uniqueName("barrier");
    IpcBarrier b = client.barrier(name, 3);
    List<Future<Integer>> waits = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waits.add(threads.submit(() -> b.await(Duration.ofSeconds(30))));
    }
    List<Integer> indices = new ArrayList<>();
    for (Future<Integer> f : waits) {
      indices.add(f.get(30, TimeUnit.SECONDS));
    }
    assertThat(indices).containsExactlyInAnyOrder(0, 1, 2);

    IpcBarrier theirs = other.barrier(name, 3);
    Future<Integer> left = threads.submit(() -> theirs.await());
    await().atMost(Duration.ofSeconds(10)).until(() -> b.waiting() == 1);
    assertThatThrownBy(() -> b.await(Duration.ofMillis(50)))
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo("BARRIER_BROKEN"));
    assertThatThrownBy(() -> left.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            IpcBrokerException.class, e -> assertThat(e.reason()).isEqualTo("BARRIER_BROKEN"));
    assertThat(b.isBroken()).isTrue();
    b.reset();
    assertThat(b.isBroken()).isFalse();
  }

  /**
   * Races short acquire timeouts and interrupts against releases from two clients, bounded in
   * rounds and time, then checks that no lock level or permit is stranded: whatever a thread was
   * told it did not get, nobody holds.
   */
  @Test
  void acquiresGivenUpNeverStrandALockOrAPermit() throws Exception {
    String lockName = EmbeddedBroker.uniqueName("race-lock");
    String semName = EmbeddedBroker.uniqueName("race-sem");
    String rlockName = EmbeddedBroker.uniqueName("race-rlock");
    client.lock(lockName);
    client.rlock(rlockName);
    client.boundedSemaphore(semName, 2);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    AtomicInteger granted = new AtomicInteger();
    AtomicInteger interrupts = new AtomicInteger();
    AtomicInteger givenUp = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int w = 0; w < 6; w++) {
      IpcBroker c = w % 2 == 0 ? client : other;
      IpcNamedLock lock = c.lock(lockName);
      IpcSemaphore sem = c.boundedSemaphore(semName, 2);
      IpcNamedLock rlock = c.rlock(rlockName);
      Thread t =
          new Thread(
              () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int round = 0; round < 150 && System.nanoTime() < deadline; round++) {
                  Thread.interrupted();
                  try {
                    int which = rnd.nextInt(3);
                    Duration timeout = Duration.ofMillis(rnd.nextInt(4));
                    if (which == 2) {
                      // An RLock held once, then acquired again with a wait that an interrupt may
                      // cut: a lost re-entrant grant must be taken back level by level.
                      try {
                        if (rlock.acquire(timeout)) {
                          granted.incrementAndGet();
                          rlock.acquire(Duration.ofMillis(rnd.nextInt(2)));
                        }
                      } finally {
                        boolean interrupted = Thread.interrupted();
                        while (rlock.holdCount() > 0) {
                          rlock.release();
                        }
                        if (interrupted) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      continue;
                    }
                    boolean useLock = which == 0;
                    boolean got = useLock ? lock.acquire(timeout) : sem.acquire(timeout);
                    if (got) {
                      granted.incrementAndGet();
                      Thread.interrupted(); // an interrupt aimed at the wait must not skip this
                      if (useLock) {
                        lock.release();
                      } else {
                        sem.release();
                      }
                    }
                  } catch (IpcBrokerException e) {
                    if (IpcBrokerException.INTERRUPTED.equals(e.reason())) {
                      givenUp.incrementAndGet(); // settled with the broker before it was thrown
                    } else {
                      errors.add(e);
                    }
                  }
                }
              });
      workers.add(t);
      t.start();
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    while (workers.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
      Thread victim = workers.get(rnd.nextInt(workers.size()));
      victim.interrupt();
      interrupts.incrementAndGet();
      Thread.sleep(0, 200_000); // a pacing gap between interrupts, not a wait for a condition
    }
    for (Thread t : workers) {
      t.join(30_000);
      assertThat(t.isAlive()).isFalse();
    }
    System.out.printf(
        "acquire race: %d grants, %d acquires given up, %d interrupts%n",
        granted.get(), givenUp.get(), interrupts.get());
    assertThat(errors).isEmpty();
    assertThat(granted.get()).isPositive();
    assertThat(givenUp.get()).isPositive();
    LockInfo lock = describeLock(lockName);
    assertThat(lock.getLocked()).as("lock stranded: %s", lock).isFalse();
    LockInfo rlock = describeLock(rlockName);
    assertThat(rlock.getLocked()).as("rlock stranded: %s", rlock).isFalse();
    SemaphoreInfo sem = describeSemaphore(semName);
    assertThat(sem.getValue()).as("permits stranded: %s", sem).isEqualTo(2);
    assertThat(sem.getHeld()).isZero();
  }

  // ---- the README ----

  @Test
  void readmeExampleRunsAndPrintsWhatTheReadmeSays() {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      SyncTutorialExample.run(client);
    } finally {
      System.setOut(stdout);
      client.deleteLock("ledger");
      client.deleteLock("ready.lock");
      client.deleteSemaphore("slots");
      client.deleteEvent("done");
      client.deleteBarrier("start");
    }
    assertThat(captured.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("true", "false", "1", "true", "0");
  }

  @Test
  void readmeShowsTheExampleVerbatim() throws IOException {
    List<String> source =
        Files.readAllLines(Path.of("src/test/java/io/ipcbroker/client/SyncTutorialExample.java"));
    int begin = source.indexOf("    // README:begin");
    int end = source.indexOf("    // README:end");
    assertThat(begin).isNotNegative();
    assertThat(end).isGreaterThan(begin);
    String block =
        source.subList(begin + 1, end).stream()
            .map(line -> line.isEmpty() ? line : line.substring(4))
            .collect(Collectors.joining("\n", "```java\n", "\n```\n"));
    assertThat(Files.readString(Path.of("../README.md"))).contains(block);
  }
}
