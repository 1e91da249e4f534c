package io.ipcbroker.server.queue;

/** An item in a queue, or in a consumer's hands, with its delivery history. */
final class Entry<T> {
  final T item;
  // What it counts against the byte caps (its size and the per-item overhead).
  final int bytes;
  int deliveryCount;
  boolean redelivered;

  Entry(T item, int bytes) {
    this.item = item;
    this.bytes = bytes;
  }
}
