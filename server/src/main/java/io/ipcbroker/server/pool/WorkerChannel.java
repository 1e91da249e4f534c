package io.ipcbroker.server.pool;

import java.util.List;

/**
 * The broker's side of a worker's stream, as the core sees it. Called outside the pool's monitor,
 * possibly from several threads; the adapter serializes.
 *
 * @param <P> the payload type
 */
public interface WorkerChannel<P> {
  /** Answers the worker's hello; the first thing it is sent. */
  void accepted(String workerId);

  /** Sends a chunk. */
  void chunk(long chunkId, String function, List<P> items);

  /** Asks the worker to finish what it holds and exit. */
  void retire(String reason);

  /** Ends the stream (the pool was terminated or deleted). */
  void end();
}
