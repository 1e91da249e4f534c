package io.ipcbroker.server.queue;

/** An item in a queue, or in a consumer's hands, with its delivery history. */
final class Entry<T> {
  final T item;
  // What it counts against the byte caps (its size and the per-item overhead).
  final int bytes;
  // On the timer's clock: when it was put, and when it last entered the queue (put, or given
  // back by a consumer). The first gives the oldest item's age, the second each stay's wait.
  final long putNanos;
  long queuedNanos;
  int deliveryCount;
  boolean redelivered;

  Entry(T item, int bytes, long putNanos) {
    this.item = item;
    this.bytes = bytes;
    this.putNanos = putNanos;
    this.queuedNanos = putNanos;
  }
}
