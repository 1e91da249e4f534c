package io.ipcbroker.server.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.PageSizes;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the life cycle of named queues: create and create-or-open with configuration checks, uids
 * across delete and re-create, listing with prefix and pages, delete with and without force (and
 * what force does to parked calls and bound streams), ephemeral queues and session ends, and
 * shutdown, which fails everything without handing any item over.
 */
@Timeout(60)
class QueueRegistryTest {
  private final QueueFixture f = new QueueFixture();
  private final QueueRegistry<String> registry = f.registry;

  private static BrokerException thrown(Runnable r) {
    BrokerException e = catchThrowableOfType(BrokerException.class, r::run);
    assertThat(e).as("expected a BrokerException").isNotNull();
    return e;
  }

  /** Records join answers. */
  private static final class JoinProbe implements BoundedQueue.JoinSink {
    final List<Object> events = new CopyOnWriteArrayList<>();

    @Override
    public void joined(boolean done, long unfinishedTasks) {
      events.add(done);
    }

    @Override
    public void failed(BrokerException e) {
      events.add(e);
    }
  }

  @Test
  void createThenOpenWithTheSameConfiguration() {
    QueueRegistry.Created<String> c = registry.create("jobs", 10, true, false, null);
    assertThat(c.created()).isTrue();
    QueueRegistry.Created<String> o = registry.create("jobs", 10, true, true, null);
    assertThat(o.created()).isFalse();
    assertThat(o.queue()).isSameAs(c.queue());
    assertThat(o.queue().uid()).isEqualTo(c.queue().uid());
    // 0 and negative both mean unbounded, so they match.
    registry.create("free", 0, false, false, null);
    assertThat(registry.create("free", -1, false, true, null).created()).isFalse();
    assertThat(registry.size()).isEqualTo(2);
  }

  @Test
  void createOfAnExistingNameWithoutAllowExistingFails() {
    registry.create("jobs", 0, false, false, null);
    BrokerException e = thrown(() -> registry.create("jobs", 0, false, false, null));
    assertThat(e.reason()).isEqualTo(Reason.QUEUE_ALREADY_EXISTS);
    assertThat(e.metadata()).containsEntry("queue", "jobs");
  }

  @Test
  void openWithAnotherMaxsizeOrKindIsConfigMismatch() {
    registry.create("jobs", 10, false, false, null);
    BrokerException size = thrown(() -> registry.create("jobs", 11, false, true, null));
    assertThat(size.reason()).isEqualTo(Reason.CONFIG_MISMATCH);
    assertThat(size.metadata()).containsEntry("field", "maxsize");
    BrokerException kind = thrown(() -> registry.create("jobs", 10, true, true, null));
    assertThat(kind.reason()).isEqualTo(Reason.CONFIG_MISMATCH);
    assertThat(kind.metadata()).containsEntry("field", "kind");
  }

  @Test
  void createChecksTheName() {
    BrokerException e = thrown(() -> registry.create("bad name", 0, false, false, null));
    assertThat(e.reason()).isEqualTo(Reason.INVALID_NAME);
    assertThat(registry.size()).isZero();
  }

  @Test
  void recreatedQueueHasANewUidAndTheOldUidNoLongerReachesIt() {
    String oldUid = f.queue("jobs", 0).uid();
    registry.delete("jobs", oldUid, false, false);
    String newUid = f.queue("jobs", 0).uid();
    assertThat(newUid).isNotEqualTo(oldUid);

    assertThat(registry.get("jobs", "").uid()).isEqualTo(newUid);
    assertThat(registry.get("jobs", newUid).uid()).isEqualTo(newUid);
    BrokerException get = thrown(() -> registry.get("jobs", oldUid));
    assertThat(get.reason()).isEqualTo(Reason.UID_MISMATCH);
    BrokerException delete = thrown(() -> registry.delete("jobs", oldUid, true, true));
    assertThat(delete.reason()).isEqualTo(Reason.UID_MISMATCH);
    assertThat(registry.get("jobs", null).uid()).isEqualTo(newUid);
  }

  @Test
  void getOfAMissingQueueIsNotFound() {
    assertThat(thrown(() -> registry.get("nope", "")).reason()).isEqualTo(Reason.QUEUE_NOT_FOUND);
    assertThat(thrown(() -> registry.get("", "")).reason()).isEqualTo(Reason.INVALID_NAME);
  }

  @Test
  void listFiltersByPrefixInNameOrderAPageAtATime() {
    for (String n : List.of("jobs:3", "other", "jobs:1", "a", "jobs:5", "jobs:2", "jobs:4")) {
      f.queue(n, 0);
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      QueueRegistry.Page<String> page = registry.list("jobs:", 2, token);
      assertThat(page.queues()).hasSizeLessThanOrEqualTo(2);
      page.queues().forEach(q -> seen.add(q.name()));
      token = page.nextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(seen).containsExactly("jobs:1", "jobs:2", "jobs:3", "jobs:4", "jobs:5");
    assertThat(pages).isEqualTo(3);

    assertThat(registry.list("", 0, "").queues())
        .extracting(BoundedQueue::name)
        .containsExactly("a", "jobs:1", "jobs:2", "jobs:3", "jobs:4", "jobs:5", "other");
    assertThat(registry.list("zzz", 0, "").queues()).isEmpty();
    assertThat(registry.list("", 0, "").nextPageToken()).isEmpty();
  }

  @Test
  void listPageSizeDefaultsTo100AndIsCappedAt1000() {
    for (int i = 0; i < 1001; i++) {
      f.queue(String.format("q%04d", i), 0);
    }
    QueueRegistry.Page<String> dflt = registry.list("", 0, "");
    assertThat(dflt.queues()).hasSize(PageSizes.DEFAULT);
    assertThat(dflt.nextPageToken()).isNotEmpty();
    QueueRegistry.Page<String> capped = registry.list("", 5000, "");
    assertThat(capped.queues()).hasSize(PageSizes.MAX);
    QueueRegistry.Page<String> rest = registry.list("", 5000, capped.nextPageToken());
    assertThat(rest.queues()).extracting(BoundedQueue::name).containsExactly("q1000");
    assertThat(rest.nextPageToken()).isEmpty();
  }

  @Test
  void listRejectsInvalidTokensAndNegativePageSize() {
    f.queue("a", 0);
    for (String bad : List.of("not base64!", "cTE6", "eHl6OmFiYw")) { // "q1:", "xyz:abc"
      BrokerException e = thrown(() -> registry.list("", 0, bad));
      assertThat(e.reason()).as("token %s", bad).isEqualTo(Reason.INVALID_FIELD_VALUE);
      assertThat(e.metadata()).containsEntry("field", "page_token");
    }
    BrokerException size = thrown(() -> registry.list("", -1, ""));
    assertThat(size.reason()).isEqualTo(Reason.INVALID_FIELD_VALUE);
    assertThat(size.metadata()).containsEntry("field", "page_size");
  }

  @Test
  void deleteWithoutForceRefusesQueuedOrUnackedItems() {
    BoundedQueue<String> q = f.queue("busy", 0);
    f.put(q, "a");
    BrokerException queued = thrown(() -> registry.delete("busy", "", false, false));
    assertThat(queued.reason()).isEqualTo(Reason.QUEUE_NOT_EMPTY);

    ConsumerProbe probe = new ConsumerProbe();
    q.newConsumer(probe).pull(1, 1, Wait.NO_WAIT);
    assertThat(q.info().size()).isZero();
    BrokerException unacked = thrown(() -> registry.delete("busy", "", false, false));
    assertThat(unacked.reason()).isEqualTo(Reason.QUEUE_NOT_EMPTY);
    assertThat(unacked.metadata()).containsEntry("unacked", "1");
    // Refused: nothing changed.
    assertThat(registry.get("busy", "")).isSameAs(q);
    assertThat(probe.failures()).isEmpty();
    assertThat(q.info().unacked()).isEqualTo(1);
  }

  @Test
  void deleteWithoutForceRefusesParkedWaiters() {
    BoundedQueue<String> getters = f.queue("getters", 0);
    getters.newConsumer(new ConsumerProbe()).pull(1, 1, Wait.FOREVER);
    assertThat(thrown(() -> registry.delete("getters", "", false, false)).reason())
        .isEqualTo(Reason.QUEUE_IN_USE);

    BoundedQueue<String> joiners = f.joinable("joiners", 0);
    f.put(joiners, "a");
    ConsumerProbe cp = new ConsumerProbe();
    QueueConsumer<String> c = joiners.newConsumer(cp);
    c.pull(1, 1, Wait.NO_WAIT);
    c.ack(cp.result(1).ids());
    joiners.join(Wait.FOREVER, new JoinProbe());
    assertThat(thrown(() -> registry.delete("joiners", "", false, false)).reason())
        .isEqualTo(Reason.QUEUE_IN_USE);
    assertThat(registry.size()).isEqualTo(2);
  }

  @Test
  void idleQueueIsDeletedWithoutForceAndAllowMissingToleratesAbsence() {
    BoundedQueue<String> q = f.queue("idle", 0);
    q.newConsumer(new ConsumerProbe()); // bound but not waiting
    assertThat(registry.delete("idle", q.uid(), false, false))
        .isEqualTo(new QueueRegistry.Deleted(true, 0));
    assertThat(thrown(() -> registry.get("idle", "")).reason()).isEqualTo(Reason.QUEUE_NOT_FOUND);
    assertThat(registry.delete("idle", "", false, true))
        .isEqualTo(new QueueRegistry.Deleted(false, 0));
    assertThat(thrown(() -> registry.delete("idle", "", false, false)).reason())
        .isEqualTo(Reason.QUEUE_NOT_FOUND);
  }

  @Test
  void forceDeleteEndsConsumersProducersAndJoiners() {
    BoundedQueue<String> q = f.joinable("doomed", 2);
    f.put(q, "a");
    ConsumerProbe holder = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(holder);
    c.pull(1, 1, Wait.NO_WAIT); // holds a
    f.put(q, "b", "c"); // full
    c.pull(2, 1, Wait.ofNanos(QueueFixture.SECOND)); // would be served at once: b
    ProducerProbe pp = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(pp);
    p.put(1, List.of("d", "e"), Wait.FOREVER); // d goes in, e waits
    p.put(2, List.of("f"), Wait.FOREVER);
    JoinProbe join = new JoinProbe();
    q.join(Wait.FOREVER, join);
    QueueInfo before = q.info();
    assertThat(before.unacked()).isEqualTo(2);
    assertThat(before.size()).isEqualTo(2);

    QueueRegistry.Deleted d = registry.delete("doomed", "", true, false);
    assertThat(d.deleted()).isTrue();
    assertThat(d.discardedItems()).isEqualTo(4); // c, d queued; a, b unacked

    BrokerException consumerFailure = holder.failures().get(0);
    assertThat(consumerFailure.reason()).isEqualTo(Reason.OBJECT_DELETED);
    assertThat(holder.failures()).hasSize(1);
    assertThat(pp.events).hasSize(3);
    assertThat(pp.events.subList(0, 2))
        .containsExactly(
            new ProducerProbe.Result(1, PutOutcome.ABORTED, 1),
            new ProducerProbe.Result(2, PutOutcome.ABORTED, 0));
    assertThat(((BrokerException) pp.events.get(2)).reason()).isEqualTo(Reason.OBJECT_DELETED);
    assertThat(join.events).hasSize(1);
    assertThat(((BrokerException) join.events.get(0)).reason()).isEqualTo(Reason.OBJECT_DELETED);

    assertThat(thrown(() -> registry.get("doomed", "")).reason()).isEqualTo(Reason.QUEUE_NOT_FOUND);
    // The old object refuses new work.
    assertThat(thrown(() -> q.newConsumer(new ConsumerProbe())).reason())
        .isEqualTo(Reason.OBJECT_DELETED);
    assertThat(thrown(() -> c.ack(List.of(1L))).reason()).isEqualTo(Reason.OBJECT_DELETED);
  }

  @Test
  void forceDeleteHandsNothingOverWhileItEndsTheQueue() {
    // A full queue with a parked putter and a bound consumer: ending the consumer must not let
    // the putter fill the room that discarding the items opened.
    BoundedQueue<String> q = f.queue("no-handover", 1);
    f.put(q, "x");
    ConsumerProbe cp = new ConsumerProbe();
    q.newConsumer(cp);
    ProducerProbe pp = new ProducerProbe();
    q.newProducer(pp).put(1, List.of("z"), Wait.FOREVER);

    QueueRegistry.Deleted d = registry.delete("no-handover", "", true, false);
    assertThat(d.discardedItems()).isEqualTo(1);
    assertThat(pp.results()).containsExactly(new ProducerProbe.Result(1, PutOutcome.ABORTED, 0));
    assertThat(cp.results()).isEmpty();
  }

  @Test
  void forceDeleteDoesNotDeliverOneConsumersItemsToAnother() {
    BoundedQueue<String> q = f.queue("no-redelivery", 0);
    f.put(q, "x");
    ConsumerProbe holder = new ConsumerProbe();
    q.newConsumer(holder).pull(1, 1, Wait.NO_WAIT);
    ConsumerProbe waiter = new ConsumerProbe();
    q.newConsumer(waiter).pull(1, 1, Wait.FOREVER);

    registry.delete("no-redelivery", "", true, false);
    assertThat(waiter.results()).isEmpty();
    assertThat(waiter.failures())
        .extracting(BrokerException::reason)
        .containsExactly(Reason.OBJECT_DELETED);
  }

  @Test
  void forceDeleteReleasesTheSessionBindingsOfItsStreams() {
    Session s = f.sessions.create(0, "test");
    BoundedQueue<String> q = f.queue("bound", 1);
    f.put(q, "x");
    QueueConsumer<String> c = q.newConsumer(new ConsumerProbe());
    f.bind(c, s.id());
    QueueProducer<String> p = q.newProducer(new ProducerProbe());
    f.bind(p, s.id());
    p.put(1, List.of("y"), Wait.FOREVER);
    assertThat(s.ownedCount()).isEqualTo(2);

    registry.delete("bound", "", true, false);
    // The streams ended with the queue; the session must not keep them.
    assertThat(s.ownedCount()).isZero();
  }

  @Test
  void ephemeralQueueIsDeletedWhenItsSessionEnds() {
    Session s = f.sessions.create(0, "owner");
    BoundedQueue<String> q = registry.create("eph", 0, false, false, s.id()).queue();
    assertThat(q.ownerSessionId()).isEqualTo(s.id());
    assertThat(q.info().ownerSessionId()).isEqualTo(s.id());
    f.put(q, "a");
    ConsumerProbe waiter = new ConsumerProbe();
    q.newConsumer(waiter);

    f.sessions.delete(s.id());
    assertThat(thrown(() -> registry.get("eph", "")).reason()).isEqualTo(Reason.QUEUE_NOT_FOUND);
    assertThat(waiter.failures())
        .extracting(BrokerException::reason)
        .containsExactly(Reason.OBJECT_DELETED);
  }

  @Test
  void ephemeralQueueNeedsALiveSessionAndRegistersNothingOtherwise() {
    BrokerException e = thrown(() -> registry.create("eph", 0, false, false, "no-such"));
    assertThat(e.reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(registry.size()).isZero();
    assertThat(f.queue("eph", 0).ownerSessionId()).isEmpty();
  }

  @Test
  void manuallyDeletedEphemeralQueueReleasesItsSessionBinding() {
    Session s = f.sessions.create(0, "owner");
    registry.create("eph", 0, false, false, s.id());
    assertThat(s.ownedCount()).isEqualTo(1);
    registry.delete("eph", "", false, false);
    assertThat(s.ownedCount()).isZero();

    // A queue re-created under the name is not the session's: its end leaves it alone.
    BoundedQueue<String> again = f.queue("eph", 0);
    f.sessions.delete(s.id());
    assertThat(registry.get("eph", "")).isSameAs(again);
  }

  @Test
  void sessionEndFailsItsConsumerAndReturnsItsUnacked() {
    Session s = f.sessions.create(0, "c");
    BoundedQueue<String> q = f.queue("jobs", 0);
    f.put(q, "a", "b");
    ConsumerProbe probe = new ConsumerProbe();
    QueueConsumer<String> c = q.newConsumer(probe);
    f.bind(c, s.id());
    c.pull(1, 1, Wait.NO_WAIT); // holds a
    c.pull(2, 1, Wait.NO_WAIT); // holds b
    c.pull(3, 1, Wait.FOREVER); // parked

    f.sessions.delete(s.id());
    assertThat(probe.failures())
        .extracting(BrokerException::reason)
        .containsExactly(Reason.SESSION_NOT_FOUND);
    assertThat(probe.answered(3)).isFalse();
    QueueInfo info = q.info();
    assertThat(info.unacked()).isZero();
    assertThat(info.waitingGetters()).isZero();
    ConsumerProbe next = new ConsumerProbe();
    q.newConsumer(next).pull(1, 2, Wait.NO_WAIT);
    assertThat(next.result(1).deliveries())
        .extracting(Delivery::item, Delivery::redelivered)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", true),
            org.assertj.core.groups.Tuple.tuple("b", true));
  }

  @Test
  void sessionEndAbortsItsProducersFrames() {
    Session s = f.sessions.create(0, "p");
    BoundedQueue<String> q = f.queue("jobs", 1);
    f.put(q, "x");
    ProducerProbe probe = new ProducerProbe();
    QueueProducer<String> p = q.newProducer(probe);
    f.bind(p, s.id());
    p.put(1, List.of("a"), Wait.FOREVER);
    f.sessions.delete(s.id());
    assertThat(probe.events).hasSize(2);
    assertThat(probe.events.get(0)).isEqualTo(new ProducerProbe.Result(1, PutOutcome.ABORTED, 0));
    assertThat(((BrokerException) probe.events.get(1)).reason())
        .isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(q.info().waitingPutters()).isZero();
  }

  @Test
  void consumerThatEndsOnItsOwnLeavesItsSession() {
    Session s = f.sessions.create(0, "c");
    BoundedQueue<String> q = f.queue("jobs", 0);
    QueueConsumer<String> c = q.newConsumer(new ConsumerProbe());
    f.bind(c, s.id());
    QueueProducer<String> p = q.newProducer(new ProducerProbe());
    f.bind(p, s.id());
    assertThat(s.ownedCount()).isEqualTo(2);
    c.close();
    p.finish();
    assertThat(s.ownedCount()).isZero();
  }

  @Test
  void shutdownFailsEverythingWithoutHandingItemsOver() {
    BoundedQueue<String> q1 = f.queue("q1", 0);
    f.put(q1, "x");
    ConsumerProbe holder = new ConsumerProbe();
    q1.newConsumer(holder).pull(1, 1, Wait.NO_WAIT); // holds x
    ConsumerProbe waiter = new ConsumerProbe();
    q1.newConsumer(waiter).pull(1, 1, Wait.FOREVER);

    BoundedQueue<String> q2 = f.queue("q2", 1);
    f.put(q2, "y");
    ProducerProbe putter = new ProducerProbe();
    q2.newProducer(putter).put(1, List.of("z"), Wait.FOREVER);

    BoundedQueue<String> q3 = f.joinable("q3", 0);
    f.put(q3, "t");
    JoinProbe join = new JoinProbe();
    q3.join(Wait.FOREVER, join);

    registry.shutdown();

    assertThat(holder.failures())
        .extracting(BrokerException::reason)
        .containsExactly(Reason.SERVER_SHUTTING_DOWN);
    // x went back to the queue, not to the parked pull of another consumer.
    assertThat(waiter.results()).isEmpty();
    assertThat(waiter.failures())
        .extracting(BrokerException::reason)
        .containsExactly(Reason.SERVER_SHUTTING_DOWN);
    assertThat(putter.events).hasSize(2);
    assertThat(putter.events.get(0)).isEqualTo(new ProducerProbe.Result(1, PutOutcome.ABORTED, 0));
    assertThat(((BrokerException) putter.events.get(1)).reason())
        .isEqualTo(Reason.SERVER_SHUTTING_DOWN);
    assertThat(join.events).hasSize(1);
    assertThat(((BrokerException) join.events.get(0)).reason())
        .isEqualTo(Reason.SERVER_SHUTTING_DOWN);

    assertThat(q1.info().size()).isEqualTo(1);
    assertThat(q2.info().size()).isEqualTo(1);
    assertThat(thrown(() -> q1.newConsumer(new ConsumerProbe())).reason())
        .isEqualTo(Reason.SERVER_SHUTTING_DOWN);
    assertThat(thrown(() -> registry.create("new", 0, false, false, null)).reason())
        .isEqualTo(Reason.SERVER_SHUTTING_DOWN);
  }
}
