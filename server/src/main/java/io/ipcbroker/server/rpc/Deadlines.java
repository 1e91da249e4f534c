package io.ipcbroker.server.rpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.ipcbroker.server.core.Wait;
import java.util.concurrent.TimeUnit;

/** Reads the current call's deadline for the core's {@link Wait} rule. */
public final class Deadlines {
  private Deadlines() {}

  /** The current call's deadline, or null if it has none. Read it in the handler itself. */
  public static Deadline current() {
    return Context.current().getDeadline();
  }

  /** Nanoseconds left before {@code deadline}, or {@link Wait#NO_DEADLINE}. */
  public static long remainingNanos(Deadline deadline) {
    return deadline == null ? Wait.NO_DEADLINE : deadline.timeRemaining(TimeUnit.NANOSECONDS);
  }

  /** Applies the timeout rule of blocking calls to a request and the call's deadline. */
  public static Wait waitFor(
      boolean nowait, boolean hasTimeout, double timeout, Deadline deadline) {
    return Wait.of(nowait, hasTimeout ? timeout : null, remainingNanos(deadline));
  }
}
