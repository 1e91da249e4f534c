package io.ipcbroker.server.queue;

/**
 * Per-stream windows that keep one client from making the broker hold unbounded state.
 *
 * @param maxPendingPulls pulls a consumer stream may have waiting at once
 * @param maxPullItems items one pull may ask for
 * @param maxPendingFrames put frames a producer stream may have waiting at once
 * @param maxFrameItems items in one put frame
 * @param maxDeliveryBytes the most item bytes one pull result carries (it always carries at least
 *     one item): keeps an answer within what clients accept by default (4 MiB), however many items
 *     a pull asks for
 */
public record QueueLimits(
    int maxPendingPulls,
    int maxPullItems,
    int maxPendingFrames,
    int maxFrameItems,
    int maxDeliveryBytes) {
  /** The limits the contract documents. */
  public static final QueueLimits DEFAULT = new QueueLimits(1024, 1024, 1024, 4096, 1 << 20);
}
