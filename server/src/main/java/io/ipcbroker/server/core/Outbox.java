package io.ipcbroker.server.core;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ordered answers of one client-facing object (a consumer, a producer).
 *
 * <p>Answers are decided under a queue's lock but must be sent after it is released, and several
 * threads decide answers for the same object (its own call, the timer, other clients' puts and
 * gets, a session ending). Appending under the lock fixes their order; {@link #drain} then sends
 * them in that order, one thread at a time, from whichever thread gets there. Without it, a thread
 * that decided an answer first could send it after another thread's later answer, such as the
 * stream's end, and the first answer would be dropped.
 */
public final class Outbox {
  private final Queue<Runnable> answers = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingDrains = new AtomicInteger();

  /** Appends an answer; call it under the lock that decided it. */
  public void add(Runnable answer) {
    answers.add(answer);
  }

  /**
   * Runs the answers appended so far, in order; call it without holding any lock. If another thread
   * is draining, it runs them instead, and this returns at once.
   */
  public void drain() {
    if (pendingDrains.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      Runnable answer;
      while ((answer = answers.poll()) != null) {
        answer.run();
      }
      missed = pendingDrains.addAndGet(-missed);
    } while (missed != 0);
  }
}
