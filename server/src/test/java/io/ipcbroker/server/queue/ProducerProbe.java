package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.BrokerException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Records what a {@link QueueProducer} answers, in the order it answered. */
final class ProducerProbe implements QueueProducer.Sink {
  /** One answered put frame. */
  record Result(long putId, PutOutcome outcome, int accepted) {}

  /** Marks {@link #drained()} in {@link #events}. */
  static final String DRAINED = "drained";

  /** {@link Result}s, {@link BrokerException}s and {@link #DRAINED}, in order. */
  final List<Object> events = new CopyOnWriteArrayList<>();

  @Override
  public void putDone(long putId, PutOutcome outcome, int accepted) {
    events.add(new Result(putId, outcome, accepted));
  }

  @Override
  public void failed(BrokerException e) {
    events.add(e);
  }

  @Override
  public void drained() {
    events.add(DRAINED);
  }

  List<Result> results() {
    return events.stream()
        .filter(Result.class::isInstance)
        .map(Result.class::cast)
        .collect(Collectors.toList());
  }

  List<BrokerException> failures() {
    return events.stream()
        .filter(BrokerException.class::isInstance)
        .map(BrokerException.class::cast)
        .collect(Collectors.toList());
  }

  /** The answers of frame {@code putId} (a correct producer gives at most one). */
  List<Result> results(long putId) {
    return results().stream().filter(r -> r.putId() == putId).collect(Collectors.toList());
  }
}
