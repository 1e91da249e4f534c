package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.Timer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What all queues of one broker share: the timer, the delivery id sequence, the limits and the byte
 * budget.
 */
final class QueueContext {
  private final Timer timer;
  private final QueueLimits limits;
  private final AtomicLong deliveryIds = new AtomicLong();
  private final ByteBudget budget;

  QueueContext(Timer timer, QueueLimits limits) {
    this.timer = timer;
    this.limits = limits;
    this.budget = new ByteBudget(limits.maxTotalBytes(), timer);
  }

  ByteBudget budget() {
    return budget;
  }

  Timer timer() {
    return timer;
  }

  QueueLimits limits() {
    return limits;
  }

  /** A delivery id unique within this run of the broker; never 0. */
  long nextDeliveryId() {
    return deliveryIds.incrementAndGet();
  }
}
