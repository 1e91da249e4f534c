package io.ipcbroker.server.queue;

import java.time.Instant;

/**
 * A queue's configuration and its exact live figures, taken at one instant under the queue's lock.
 *
 * @param bytes what its queued and unacknowledged items count against the byte caps
 * @param consumers the consumers bound (streams and unary gets in progress)
 * @param oldestItemAgeNanos how long ago the head item was first put; -1 when empty
 * @param putCount items put since creation
 * @param getCount items got for good (acknowledged or committed) since creation
 * @param redeliveryCount items given back by consumers that ended without acking them
 * @param handOvers items handed to consumers since creation, redeliveries included
 * @param waitSeconds the time those items had waited in the queue before each hand-over, summed (a
 *     double: a long of nanoseconds would overflow within days on a deep, busy queue)
 */
public record QueueInfo(
    String name,
    String uid,
    long maxsize,
    boolean joinable,
    String ownerSessionId,
    Instant createTime,
    long size,
    long unfinishedTasks,
    long unacked,
    int waitingGetters,
    int waitingPutters,
    int waitingJoiners,
    long bytes,
    int consumers,
    long oldestItemAgeNanos,
    long putCount,
    long getCount,
    long redeliveryCount,
    long handOvers,
    double waitSeconds) {

  /** Python's {@code empty()}. */
  public boolean empty() {
    return size == 0;
  }

  /** Python's {@code full()}. */
  public boolean full() {
    return maxsize > 0 && size >= maxsize;
  }
}
