package io.ipcbroker.server.pool;

import java.util.Map;

/**
 * One task's outcome: a value, or why it failed.
 *
 * @param <P> the payload type
 */
public record Outcome<P>(P value, Failure failure) {
  /** Why a task failed. */
  public enum Kind {
    /** The function raised. */
    RAISED,
    /** Its worker died, or its stream broke, while it ran the task. */
    WORKER_DIED,
    /** No attached worker serves its function. */
    FUNCTION_NOT_FOUND,
    /** The pool was terminated first. */
    POOL_TERMINATED,
    /** The pool broke first. */
    POOL_BROKEN,
    /** Its result was over the item limit. */
    ITEM_TOO_LARGE
  }

  /** A failure: its kind and, for {@link Kind#RAISED}, what the worker said. */
  public record Failure(
      Kind kind, String typeName, String message, String traceback, Map<String, String> metadata) {
    /** Copies the metadata. */
    public Failure {
      metadata = Map.copyOf(metadata);
    }

    /** A failure of the broker's making, named by its kind. */
    public static Failure of(Kind kind, String message, Map<String, String> metadata) {
      return new Failure(kind, kind.name(), message, "", metadata);
    }
  }

  /** A value. */
  public static <P> Outcome<P> succeededWith(P value) {
    return new Outcome<>(value, null);
  }

  /** A failure. */
  public static <P> Outcome<P> failedWith(Failure failure) {
    return new Outcome<>(null, failure);
  }

  /** Whether it is a value. */
  public boolean succeeded() {
    return failure == null;
  }
}
