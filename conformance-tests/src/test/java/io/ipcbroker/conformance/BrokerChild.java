package io.ipcbroker.conformance;

import io.grpc.ManagedChannel;

/**
 * What the Java programs that the tests have the broker spawn share: finding the broker the way any
 * spawned child does (from {@code IPCBROKER_TARGET}), a bounded lifetime, and an exit status that
 * tells the test what went wrong.
 */
final class BrokerChild {
  /** The exit status of a child whose work failed (the stack trace is on its stderr). */
  static final int FAILED = 2;

  /** The exit status of a child that outlived its longest lifetime. */
  static final int TOO_OLD = 3;

  private BrokerChild() {}

  /** The child's work. */
  interface Body {
    void run() throws Exception;
  }

  /**
   * Runs {@code body}, halting with {@link #TOO_OLD} after {@code maxLifetimeMillis} so that no
   * child outlives a broken test for long; exits 0 when it returns and {@link #FAILED} when it
   * throws.
   */
  static void run(long maxLifetimeMillis, Body body) {
    Thread guard =
        new Thread(
            () -> {
              try {
                Thread.sleep(maxLifetimeMillis);
              } catch (InterruptedException e) {
                return;
              }
              System.err.println("child: lived longer than " + maxLifetimeMillis + " ms");
              Runtime.getRuntime().halt(TOO_OLD);
            },
            "lifetime-guard");
    guard.setDaemon(true);
    guard.start();
    try {
      body.run();
    } catch (Throwable t) {
      t.printStackTrace();
      System.err.flush();
      Runtime.getRuntime().halt(FAILED);
    }
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  /** The value of a variable the broker sets in every child's environment; fails if missing. */
  static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(name + " is not set");
    }
    return value;
  }

  /** A channel to the broker at {@code IPCBROKER_TARGET}. */
  static ManagedChannel connect() {
    return ConformanceTarget.channelTo(env("IPCBROKER_TARGET"));
  }
}
