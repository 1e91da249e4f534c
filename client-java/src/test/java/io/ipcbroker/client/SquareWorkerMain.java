package io.ipcbroker.client;

/**
 * A pool worker for the tests and the README: {@code square} (an integer as text, squared), {@code
 * fail} (throws {@code IllegalArgumentException("bad input")}), {@code sleep} (sleeps the given
 * milliseconds, then echoes them), {@code pid} (this worker's pid) and {@code add} (the sum of a
 * list of integers, sent as {@link Codecs#stringList()} by {@code starmap}).
 */
public final class SquareWorkerMain {
  private SquareWorkerMain() {}

  /** The functions, for a worker spawned by a pool or one attached in a test. */
  static PoolWorker.Builder functions() {
    return PoolWorker.builder()
        .function(
            "square",
            Codecs.string(),
            Codecs.string(),
            s -> Long.toString(Long.parseLong(s) * Long.parseLong(s)))
        .function(
            "fail",
            Codecs.string(),
            Codecs.string(),
            s -> {
              throw new IllegalArgumentException("bad input");
            })
        .function(
            "sleep",
            Codecs.string(),
            Codecs.string(),
            s -> {
              try {
                Thread.sleep(Long.parseLong(s));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
              }
              return s;
            })
        .function(
            "pid",
            Codecs.string(),
            Codecs.string(),
            s -> Long.toString(ProcessHandle.current().pid()))
        .function(
            "add",
            Codecs.stringList(),
            Codecs.string(),
            args -> Long.toString(args.stream().mapToLong(Long::parseLong).sum()));
  }

  /** Serves the pool named in {@code IPCBROKER_POOL} until the broker retires this worker. */
  public static void main(String[] args) {
    PoolWorker.serveFromEnvironment(functions());
  }
}
