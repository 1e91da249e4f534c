package io.ipcbroker.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the real timer's contract: tasks run after their delay, a cancelled task never runs, and a
 * task that throws neither kills the timer thread nor stops a periodic task.
 */
@Timeout(60)
class ExecutorTimerTest {
  private final ExecutorTimer timer = new ExecutorTimer();

  @AfterEach
  void tearDown() {
    timer.close();
  }

  @Test
  void runsAfterTheDelay() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    long start = System.nanoTime();
    timer.schedule(ran::countDown, TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
  }

  @Test
  void cancelledTaskNeverRuns() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    Timer.Timeout t = timer.schedule(runs::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(30));
    t.cancel();
    t.cancel();
    // A later task on the same single thread runs after the cancelled one would have.
    CountDownLatch later = new CountDownLatch(1);
    timer.schedule(later::countDown, TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(runs).hasValue(0);
  }

  @Test
  void failingTasksDoNotStopTheTimer() throws Exception {
    CountDownLatch periodic = new CountDownLatch(3);
    Timer.Timeout p =
        timer.scheduleAtFixedRate(
            () -> {
              periodic.countDown();
              throw new IllegalStateException("periodic failure");
            },
            TimeUnit.MILLISECONDS.toNanos(10));
    timer.schedule(
        () -> {
          throw new IllegalStateException("one-shot failure");
        },
        0);
    CountDownLatch after = new CountDownLatch(1);
    timer.schedule(after::countDown, TimeUnit.MILLISECONDS.toNanos(20));
    assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(periodic.await(10, TimeUnit.SECONDS)).isTrue();
    p.cancel();
  }
}
