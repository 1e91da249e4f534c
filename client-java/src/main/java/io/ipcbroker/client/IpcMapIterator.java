package io.ipcbroker.client;

import java.util.Iterator;

/**
 * The results of {@link IpcPool#imap} and {@link IpcPool#imapUnordered}, as they come. {@code
 * next()} blocks until the next result is there; a failed task throws its {@link IpcTaskException}
 * and the iteration goes on. Closing it before the end withdraws the tasks that did not start; it
 * is closed by itself once every result was returned. An iterator left unfinished and unclosed
 * keeps its call open until the client closes (and a closed pool waits for its inputs), so stop
 * early in a try-with-resources. Inputs are read on the thread that calls {@code hasNext()}, a
 * batch at a time: an input source that waits for earlier results would wait for itself.
 *
 * @param <R> the results' type
 */
public interface IpcMapIterator<R> extends Iterator<R>, AutoCloseable {
  /**
   * Whether another result (or task failure) comes; blocks until that is known.
   *
   * @throws IpcBrokerException if the call failed ({@code POOL_CLOSED}, a lost connection, ...)
   */
  @Override
  boolean hasNext();

  /**
   * The next result.
   *
   * @throws IpcTaskException if its task failed
   * @throws java.util.NoSuchElementException after the last one
   */
  @Override
  R next();

  /** Stops early: the tasks not started are withdrawn; the results not read are dropped. */
  @Override
  void close();
}
