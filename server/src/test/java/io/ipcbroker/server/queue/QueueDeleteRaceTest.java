package io.ipcbroker.server.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.ExecutorTimer;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races a delete without force against a producer and a consumer that keep the queue busy. A delete
 * without force may only succeed on an idle queue, so it must never discard an item: every put that
 * was answered OK is acked by the consumer. Bounded by rounds and by time.
 */
@Timeout(60)
class QueueDeleteRaceTest {
  private static final int ROUNDS = 2000;
  private static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(4);

  private final ExecutorTimer timer = new ExecutorTimer();
  private final QueueRegistry<String> registry =
      new QueueRegistry<>(timer, new SessionRegistry(timer), QueueLimits.DEFAULT);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    timer.close();
  }

  private static boolean ended(BrokerException e) {
    return e.reason() == Reason.OBJECT_DELETED;
  }

  @Test
  void deleteWithoutForceNeverDiscardsAnAcceptedItem() throws Exception {
    long end = System.nanoTime() + MAX_NANOS;
    int rounds = 0;
    long refusals = 0;
    List<String> problems = new ArrayList<>();
    while (rounds < ROUNDS && System.nanoTime() < end) {
      rounds++;
      BoundedQueue<String> q = registry.create("race", 0, false, false, null).queue();
      Set<String> accepted = ConcurrentHashMap.newKeySet();
      Set<String> acked = ConcurrentHashMap.newKeySet();
      ProducerProbe pp = new ProducerProbe();
      QueueProducer<String> producer = q.newProducer(pp);
      Future<?> puts =
          pool.submit(
              () -> {
                try {
                  for (long id = 1; id < 1_000_000; id++) {
                    String item = "i" + id;
                    producer.put(id, List.of(item), Wait.NO_WAIT);
                    // A nowait put on an unbounded queue is answered at once.
                    long putId = id;
                    List<ProducerProbe.Result> answers =
                        awaitAnswer(() -> pp.results(putId).isEmpty() ? null : pp.results(putId));
                    if (answers.size() != 1) {
                      throw new IllegalStateException("put " + id + " answered " + answers);
                    }
                    if (answers.get(0).outcome() == PutOutcome.OK) {
                      accepted.add(item);
                    }
                    pp.events.clear();
                  }
                } catch (BrokerException e) {
                  if (!ended(e)) {
                    throw e;
                  }
                }
              });
      ConsumerProbe cp = new ConsumerProbe();
      QueueConsumer<String> consumer = q.newConsumer(cp);
      Future<?> takes =
          pool.submit(
              () -> {
                try {
                  for (long id = 1; ; id++) {
                    consumer.pull(id, 16, Wait.NO_WAIT);
                    long pullId = id;
                    ConsumerProbe.Result r = awaitAnswer(() -> cp.result(pullId));
                    if (r.outcome() == PullOutcome.DELIVERED) {
                      consumer.ack(r.ids());
                      acked.addAll(r.items());
                    }
                    cp.events.clear();
                  }
                } catch (BrokerException e) {
                  if (!ended(e)) {
                    throw e;
                  }
                }
              });
      QueueRegistry.Deleted deleted = null;
      while (deleted == null) {
        try {
          deleted = registry.delete("race", "", false, false);
        } catch (BrokerException e) {
          assertThat(e.reason()).isIn(Reason.QUEUE_NOT_EMPTY, Reason.QUEUE_IN_USE);
          refusals++;
        }
      }
      puts.get(20, TimeUnit.SECONDS);
      takes.get(20, TimeUnit.SECONDS);
      if (deleted.discardedItems() != 0) {
        problems.add("round " + rounds + ": discarded " + deleted.discardedItems());
      }
      Set<String> lost = new HashSet<>(accepted);
      lost.removeAll(acked);
      if (!lost.isEmpty()) {
        problems.add("round " + rounds + ": accepted and never taken " + lost);
      }
    }
    System.out.printf(
        "DELETE-RACE rounds=%d refusals=%d problems=%d%n", rounds, refusals, problems.size());
    assertThat(problems).isEmpty();
    assertThat(refusals).as("the delete raced with a busy queue").isPositive();
  }

  /**
   * Waits for a nowait operation's answer. It is normally sent before the operation returns; but
   * when another thread is already sending the same consumer's or producer's answers (the delete
   * failing it), that thread sends this one too, in order, a moment later.
   */
  private static <A> A awaitAnswer(Supplier<A> answer) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    A a;
    while ((a = answer.get()) == null) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no answer within 5 s");
      }
      Thread.onSpinWait();
    }
    return a;
  }
}
