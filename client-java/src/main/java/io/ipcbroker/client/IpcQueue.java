package io.ipcbroker.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A named queue on the broker, shared by every program that opens the same name: Python's {@code
 * multiprocessing.Queue}. Items leave in the order they entered; a bounded queue blocks puts while
 * full; gets block while empty.
 *
 * <p>Gets use the broker's acknowledged stream: an item is never lost to a timeout, an interrupt or
 * a cancelled future; if this program dies holding an item it has not yet returned from {@code
 * get}, the broker gives the item to another consumer (flagged as redelivered).
 *
 * <p>Handles are thread-safe. Closing a handle ends its streams; it does not delete the queue.
 *
 * @param <T> the item type, converted by the handle's {@link Codec}
 */
public interface IpcQueue<T> extends AutoCloseable {
  /** The queue's name. */
  String name();

  /** Identifies the queue this handle opened; a re-created queue of the same name has another. */
  String uid();

  /** The most items the queue holds; 0 means unbounded. */
  long maxsize();

  /**
   * Puts {@code item}, waiting as long as the queue is full.
   *
   * @throws IpcBrokerException if the broker fails the put (for example {@code ITEM_TOO_LARGE})
   */
  void put(T item);

  /**
   * Puts {@code item}, waiting at most {@code timeout} for room.
   *
   * @throws QueueFullException if the queue stayed full for {@code timeout}; the item was not put
   */
  void put(T item, Duration timeout);

  /**
   * Puts {@code item} if there is room now.
   *
   * @throws QueueFullException if the queue is full; the item was not put
   */
  void putNowait(T item);

  /**
   * Removes and returns the oldest item, waiting as long as the queue is empty.
   *
   * @throws ItemDecodeException if the codec cannot decode the item (the exception carries it)
   */
  T get();

  /**
   * Removes and returns the oldest item, waiting at most {@code timeout}.
   *
   * @throws QueueEmptyException if the queue stayed empty for {@code timeout}
   */
  T get(Duration timeout);

  /**
   * Removes and returns the oldest item if there is one now.
   *
   * @throws QueueEmptyException if the queue is empty
   */
  T getNowait();

  /**
   * Removes and returns between one and {@code maxItems} of the oldest items: waits at most {@code
   * timeout} for the first one, then takes as many as are there, in one round trip. The fast way to
   * drain a queue: one message carries many items.
   *
   * @param maxItems 1 to 1024
   * @throws QueueEmptyException if the queue stayed empty for {@code timeout}
   * @throws ItemDecodeException if the first item cannot be decoded (it is taken); an undecodable
   *     item after the first stays in the queue, at its head, for the next get
   */
  List<T> getMany(int maxItems, Duration timeout);

  /**
   * Puts {@code item} without blocking the caller; the future fails as {@link #put} would. While
   * earlier puts of this handle are in flight, the SDK sends the following ones together in one
   * message (as Python's queue feeder thread batches): many puts in flight are the fast way to fill
   * a queue.
   */
  CompletableFuture<Void> putAsync(T item);

  /** As {@link #put(Object, Duration)}, without blocking the caller. */
  CompletableFuture<Void> putAsync(T item, Duration timeout);

  /**
   * Gets an item without blocking the caller. Cancelling the future gives up the get; an item that
   * was already on its way goes back to the head of the queue.
   */
  CompletableFuture<T> getAsync();

  /** As {@link #get(Duration)}, without blocking the caller. */
  CompletableFuture<T> getAsync(Duration timeout);

  /** The number of items in the queue now (Python's {@code qsize()}), exact. */
  long qsize();

  /** Whether the queue is empty now (Python's {@code empty()}). */
  boolean isEmpty();

  /** Whether the queue is bounded and full now (Python's {@code full()}). */
  boolean isFull();

  /**
   * Ends this handle's streams, waiting briefly for the broker to confirm; pending gets fail with
   * {@code CLIENT_CLOSED}. The queue itself stays.
   */
  @Override
  void close();
}
