package io.ipcbroker.server.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * A registry of {@code String} queues on a {@link FakeTimer}, with helpers that put and take
 * without waiting. Each test class makes a fresh one.
 */
final class QueueFixture {
  final FakeTimer timer = new FakeTimer();
  final SessionRegistry sessions = new SessionRegistry(timer);
  final QueueRegistry<String> registry = new QueueRegistry<>(timer, sessions, QueueLimits.DEFAULT);

  static final long SECOND = 1_000_000_000L;

  BoundedQueue<String> queue(String name, long maxsize) {
    return registry.create(name, maxsize, false, false, null).queue();
  }

  BoundedQueue<String> joinable(String name, long maxsize) {
    return registry.create(name, maxsize, true, false, null).queue();
  }

  /** Puts {@code items} in one frame that must be accepted whole at once. */
  void put(BoundedQueue<String> q, String... items) {
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    p.put(1, List.of(items), Wait.NO_WAIT);
    p.finish();
    assertThat(probe.results())
        .containsExactly(new ProducerProbe.Result(1, PutOutcome.OK, items.length));
  }

  /** Takes and acks everything queued now, in order, with one fresh consumer. */
  List<String> drain(BoundedQueue<String> q) {
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    List<String> out = new ArrayList<>();
    long id = 1;
    while (true) {
      c.pull(id, QueueLimits.DEFAULT.maxPullItems(), Wait.NO_WAIT);
      ConsumerProbe.Result r = probe.result(id++);
      if (r.outcome() != PullOutcome.DELIVERED) {
        break;
      }
      out.addAll(r.items());
      c.ack(r.ids());
    }
    c.close();
    return out;
  }

  /** Binds {@code c} to session {@code id} as the gRPC adapter does. */
  void bind(QueueConsumer<String> c, String id) {
    Session s = sessions.attach(id, c);
    c.ownedBy(s, () -> sessions.detach(s, c));
  }

  /** Binds {@code p} to session {@code id} as the gRPC adapter does. */
  void bind(QueueProducer<String> p, String id) {
    Session s = sessions.attach(id, p);
    p.ownedBy(s, () -> sessions.detach(s, p));
  }
}
