package io.ipcbroker.server.queue;

/** An item in a queue, or in a consumer's hands, with its delivery history. */
final class Entry<T> {
  final T item;
  int deliveryCount;
  boolean redelivered;

  Entry(T item) {
    this.item = item;
  }
}
