package io.ipcbroker.server.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.server.core.BrokerException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Records what a {@link QueueConsumer} answers, in the order it answered. */
class ConsumerProbe implements QueueConsumer.Sink<String> {
  /** One answered pull. */
  record Result(long pullId, PullOutcome outcome, List<Delivery<String>> deliveries) {
    List<String> items() {
      return deliveries.stream().map(Delivery::item).collect(Collectors.toList());
    }

    List<Long> ids() {
      return deliveries.stream().map(Delivery::deliveryId).collect(Collectors.toList());
    }
  }

  /** {@link Result}s and {@link BrokerException}s, in order. */
  final List<Object> events = new CopyOnWriteArrayList<>();

  @Override
  public void pullDone(long pullId, PullOutcome outcome, List<Delivery<String>> deliveries) {
    events.add(new Result(pullId, outcome, List.copyOf(deliveries)));
  }

  @Override
  public void failed(BrokerException e) {
    events.add(e);
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

  /** The one answer of pull {@code pullId}; fails if it was answered twice. */
  Result result(long pullId) {
    List<Result> r = results().stream().filter(x -> x.pullId() == pullId).toList();
    assertThat(r).as("answers to pull %d", pullId).hasSizeLessThanOrEqualTo(1);
    return r.isEmpty() ? null : r.get(0);
  }

  boolean answered(long pullId) {
    return result(pullId) != null;
  }
}
