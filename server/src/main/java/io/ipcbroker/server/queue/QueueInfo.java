package io.ipcbroker.server.queue;

import java.time.Instant;

/**
 * A queue's configuration and its exact live figures, taken at one instant under the queue's lock.
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
    int waitingJoiners) {

  /** Python's {@code empty()}. */
  public boolean empty() {
    return size == 0;
  }

  /** Python's {@code full()}. */
  public boolean full() {
    return maxsize > 0 && size >= maxsize;
  }
}
