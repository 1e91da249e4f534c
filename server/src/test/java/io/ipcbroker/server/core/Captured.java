package io.ipcbroker.server.core;

import static org.assertj.core.api.Assertions.assertThat;

/** A {@link Reply} that keeps what it was answered, for tests of the cores. */
public final class Captured<R> implements Reply<R> {
  private int answers;
  private R result;
  private BrokerException failure;

  @Override
  public synchronized void ok(R r) {
    answers++;
    result = r;
  }

  @Override
  public synchronized void fail(BrokerException e) {
    answers++;
    failure = e;
  }

  /** Whether it was answered (at most once, which this checks). */
  public synchronized boolean answered() {
    assertThat(answers).as("answers").isLessThanOrEqualTo(1);
    return answers == 1;
  }

  /** The result; fails the test unless it succeeded. */
  public synchronized R result() {
    assertThat(answered()).as("answered").isTrue();
    assertThat(failure).as("failure").isNull();
    return result;
  }

  /** The failure's reason; fails the test unless it failed. */
  public synchronized Reason reason() {
    assertThat(answered()).as("answered").isTrue();
    assertThat(failure).as("failure").isNotNull();
    return failure.reason();
  }
}
