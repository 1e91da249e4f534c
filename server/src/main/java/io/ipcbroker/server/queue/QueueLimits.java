package io.ipcbroker.server.queue;

/**
 * Per-stream windows and byte caps that keep clients from making the broker hold unbounded state.
 *
 * @param maxPendingPulls pulls a consumer stream may have waiting at once
 * @param maxPullItems items one pull may ask for
 * @param maxPendingFrames put frames a producer stream may have waiting at once
 * @param maxFrameItems items in one put frame
 * @param maxDeliveryBytes the most item bytes one pull result carries (it always carries at least
 *     one item): keeps an answer within what clients accept by default (4 MiB), however many items
 *     a pull asks for
 * @param maxQueueBytes the most bytes one queue holds, queued and unacknowledged items together
 *     (each item counts its size and {@link #ITEM_OVERHEAD_BYTES}); 0 for no cap
 * @param maxTotalBytes the most bytes all queues of the broker hold together; 0 for no cap
 */
public record QueueLimits(
    int maxPendingPulls,
    int maxPullItems,
    int maxPendingFrames,
    int maxFrameItems,
    int maxDeliveryBytes,
    long maxQueueBytes,
    long maxTotalBytes) {
  /**
   * What an item costs the broker besides its bytes (its entry, message and buffer objects), so
   * that a cap also bounds many tiny items.
   */
  public static final int ITEM_OVERHEAD_BYTES = 128;

  /** The limits the contract documents, without byte caps. */
  public static final QueueLimits DEFAULT = new QueueLimits(1024, 1024, 1024, 4096, 1 << 20);

  /** Windows without byte caps. */
  public QueueLimits(
      int maxPendingPulls,
      int maxPullItems,
      int maxPendingFrames,
      int maxFrameItems,
      int maxDeliveryBytes) {
    this(maxPendingPulls, maxPullItems, maxPendingFrames, maxFrameItems, maxDeliveryBytes, 0, 0);
  }

  /** Checks the caps. */
  public QueueLimits {
    if (maxQueueBytes < 0 || maxTotalBytes < 0) {
      throw new IllegalArgumentException("byte caps must not be negative");
    }
  }

  /** These limits with the byte caps given (0 for none). */
  public QueueLimits withByteCaps(long maxQueueBytes, long maxTotalBytes) {
    return new QueueLimits(
        maxPendingPulls,
        maxPullItems,
        maxPendingFrames,
        maxFrameItems,
        maxDeliveryBytes,
        maxQueueBytes,
        maxTotalBytes);
  }
}
