package io.ipcbroker.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.FakeTimer;
import io.ipcbroker.server.core.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the session life cycle on a fake clock: TTL defaults and checks, renewal, expiry by the
 * sweep and by a lookup that finds the session expired, and that what a session owns is released
 * exactly once, whoever ends it, and never after it was detached.
 */
@Timeout(60)
class SessionRegistryTest {
  private static final long SECOND = 1_000_000_000L;

  /** A wall clock that moves only when told. */
  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** Counts its releases. */
  private static final class Owned implements SessionOwned {
    final AtomicInteger released = new AtomicInteger();
    final List<String> log;
    final String name;

    Owned(String name, List<String> log) {
      this.name = name;
      this.log = log;
    }

    Owned() {
      this("", new CopyOnWriteArrayList<>());
    }

    @Override
    public void sessionEnded(Session session) {
      released.incrementAndGet();
      log.add(name);
    }
  }

  private final FakeTimer timer = new FakeTimer();
  private final AtomicLong nanos = new AtomicLong(123_456_789_000L);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
  private final SessionRegistry sessions = new SessionRegistry(timer, clock, nanos::get);

  private void advance(long deltaNanos) {
    nanos.addAndGet(deltaNanos);
    clock.advance(Duration.ofNanos(deltaNanos));
  }

  private static BrokerException thrown(Runnable r) {
    BrokerException e = catchThrowableOfType(BrokerException.class, r::run);
    assertThat(e).as("expected a BrokerException").isNotNull();
    return e;
  }

  @Test
  void createUsesTheDefaultTtlOfTenSeconds() {
    Session s = sessions.create(0, "worker-1");
    assertThat(s.ttlNanos()).isEqualTo(10 * SECOND);
    assertThat(s.expiresAtNanos()).isEqualTo(nanos.get() + 10 * SECOND);
    assertThat(s.createTime()).isEqualTo(clock.instant());
    assertThat(sessions.toInstant(s.expiresAtNanos())).isEqualTo(clock.instant().plusSeconds(10));
    assertThat(s.clientName()).isEqualTo("worker-1");
    assertThat(s.isEnded()).isFalse();
    assertThat(sessions.get(s.id())).isSameAs(s);
    assertThat(sessions.create(0, "").id()).isNotEqualTo(s.id());
    assertThat(sessions.size()).isEqualTo(2);
  }

  @Test
  void ttlBoundsAreAccepted() {
    assertThat(sessions.create(0.5, "").ttlNanos()).isEqualTo(SECOND / 2);
    assertThat(sessions.create(3600, "").ttlNanos()).isEqualTo(3600 * SECOND);
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {
        -1,
        -0.5,
        0.49,
        3600.01,
        Double.NaN,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY
      })
  void invalidTtlIsInvalidFieldValue(double ttl) {
    BrokerException e = thrown(() -> sessions.create(ttl, ""));
    assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD_VALUE);
    assertThat(e.metadata()).containsEntry("field", "ttl_seconds");
    assertThat(sessions.size()).isZero();
  }

  @Test
  void clientNameIsAtMost128Characters() {
    assertThat(sessions.create(0, "c".repeat(128)).clientName()).hasSize(128);
    BrokerException e = thrown(() -> sessions.create(0, "c".repeat(129)));
    assertThat(e.reason()).isEqualTo(Reason.INVALID_FIELD_VALUE);
    assertThat(e.metadata()).containsEntry("field", "client_name");
  }

  @Test
  void theSweepIsScheduledAndStopsOnShutdown() {
    assertThat(timer.periodicTasks()).isEqualTo(1);
    Session s = sessions.create(0, "");
    sessions.shutdown();
    assertThat(timer.periodicTasks()).isZero();
    assertThat(thrown(() -> sessions.create(0, "")).reason())
        .isEqualTo(Reason.SERVER_SHUTTING_DOWN);
    // Live sessions stay as they are.
    assertThat(sessions.get(s.id())).isSameAs(s);
  }

  @Test
  void refreshExtendsTheExpiry() {
    Session s = sessions.create(10, "");
    Owned owned = new Owned();
    sessions.attach(s.id(), owned);
    advance(6 * SECOND);
    assertThat(sessions.refresh(s.id())).isSameAs(s);
    assertThat(s.expiresAtNanos()).isEqualTo(nanos.get() + 10 * SECOND);

    // 12 s after creation, 6 s after the renewal: still alive.
    advance(6 * SECOND);
    sessions.sweep();
    assertThat(sessions.get(s.id())).isSameAs(s);
    assertThat(owned.released).hasValue(0);

    advance(4 * SECOND + 1);
    sessions.sweep();
    assertThat(s.isEnded()).isTrue();
    assertThat(owned.released).hasValue(1);
    assertThat(thrown(() -> sessions.refresh(s.id())).reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
  }

  @Test
  void sweepEndsExpiredSessionsAndReleasesWhatTheyOwnedOnce() {
    Session shortLived = sessions.create(1, "");
    Session longLived = sessions.create(5, "");
    Owned a = new Owned();
    Owned b = new Owned();
    sessions.attach(shortLived.id(), a);
    sessions.attach(longLived.id(), b);

    advance(SECOND); // exactly at the expiry: not yet past it
    sessions.sweep();
    assertThat(shortLived.isEnded()).isFalse();

    advance(1);
    sessions.sweep();
    sessions.sweep();
    assertThat(shortLived.isEnded()).isTrue();
    assertThat(a.released).hasValue(1);
    assertThat(b.released).hasValue(0);
    assertThat(sessions.size()).isEqualTo(1);
    assertThat(thrown(() -> sessions.get(shortLived.id())).reason())
        .isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(sessions.get(longLived.id())).isSameAs(longLived);
  }

  @Test
  void getOfAnExpiredButNotSweptSessionIsNotFoundAndReleasesIt() {
    Session s = sessions.create(1, "");
    Owned owned = new Owned();
    sessions.attach(s.id(), owned);
    advance(SECOND + 1);
    BrokerException e = thrown(() -> sessions.get(s.id()));
    assertThat(e.reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(e.metadata()).containsEntry("session", s.id());
    // Not on the caller's thread, which may hold locks: the release runs on the timer.
    assertThat(owned.released).hasValue(0);
    timer.advanceNanos(0);
    assertThat(owned.released).hasValue(1);
    assertThat(sessions.size()).isZero();
    assertThat(s.ownedCount()).isZero();
    sessions.sweep();
    assertThat(owned.released).hasValue(1);
  }

  @Test
  void refreshOfAnExpiredButNotSweptSessionDoesNotRevive() {
    Session s = sessions.create(1, "");
    Owned owned = new Owned();
    sessions.attach(s.id(), owned);
    advance(2 * SECOND);
    assertThat(thrown(() -> sessions.refresh(s.id())).reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
    timer.advanceNanos(0);
    assertThat(owned.released).hasValue(1);
    assertThat(s.isEnded()).isTrue();
  }

  @Test
  void attachAfterTheEndIsNotFoundAndReleasesNothing() {
    Session s = sessions.create(0, "");
    sessions.delete(s.id());
    Owned late = new Owned();
    assertThat(thrown(() -> sessions.attach(s.id(), late)).reason())
        .isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(late.released).hasValue(0);
    assertThat(thrown(() -> sessions.attach("never-existed", late)).reason())
        .isEqualTo(Reason.SESSION_NOT_FOUND);
    assertThat(thrown(() -> sessions.attach("", late)).reason()).isEqualTo(Reason.FIELD_REQUIRED);
  }

  @Test
  void deleteReleasesInAttachOrderExactlyOnce() {
    Session s = sessions.create(0, "");
    List<String> log = new CopyOnWriteArrayList<>();
    Owned first = new Owned("first", log);
    Owned second = new Owned("second", log);
    sessions.attach(s.id(), first);
    sessions.attach(s.id(), second);
    sessions.attach(s.id(), first); // owning twice is owning once
    assertThat(s.ownedCount()).isEqualTo(2);

    sessions.delete(s.id());
    assertThat(log).containsExactly("first", "second");
    assertThat(thrown(() -> sessions.delete(s.id())).reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
    sessions.end(s, "again");
    advance(100 * SECOND);
    sessions.sweep();
    assertThat(log).containsExactly("first", "second");
  }

  @Test
  void detachedObjectsAreNotReleased() {
    Session s = sessions.create(0, "");
    Owned kept = new Owned();
    Owned gone = new Owned();
    sessions.attach(s.id(), kept);
    sessions.attach(s.id(), gone);
    sessions.detach(s, gone);
    sessions.detach(null, gone); // an unbound call detaches from nothing
    assertThat(s.ownedCount()).isEqualTo(1);
    sessions.delete(s.id());
    assertThat(kept.released).hasValue(1);
    assertThat(gone.released).hasValue(0);
  }

  @Test
  void oneFailingReleaseDoesNotKeepTheOthersFromBeingReleased() {
    Session s = sessions.create(0, "");
    sessions.attach(
        s.id(),
        ended -> {
          throw new IllegalStateException("boom");
        });
    Owned after = new Owned();
    sessions.attach(s.id(), after);
    sessions.delete(s.id());
    assertThat(after.released).hasValue(1);
  }

  @Test
  void requiredIdIsChecked() {
    assertThat(thrown(() -> sessions.get("")).reason()).isEqualTo(Reason.FIELD_REQUIRED);
    assertThat(thrown(() -> sessions.refresh("")).reason()).isEqualTo(Reason.FIELD_REQUIRED);
    assertThat(thrown(() -> sessions.delete("")).reason()).isEqualTo(Reason.FIELD_REQUIRED);
    assertThat(thrown(() -> sessions.get("nope")).reason()).isEqualTo(Reason.SESSION_NOT_FOUND);
  }

  @Test
  void racingEndsReleaseEachOwnedObjectExactlyOnce() throws Exception {
    // Delete, sweep and expired lookups race on the same expired sessions.
    int n = 500;
    List<Session> all = new ArrayList<>();
    List<Owned> owned = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Session s = sessions.create(1, "");
      Owned o = new Owned();
      sessions.attach(s.id(), o);
      all.add(s);
      owned.add(o);
    }
    advance(2 * SECOND);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> runs = new ArrayList<>();
      runs.add(
          pool.submit(
              () -> {
                start.await();
                sessions.sweep();
                return null;
              }));
      runs.add(
          pool.submit(
              () -> {
                start.await();
                for (Session s : all) {
                  try {
                    sessions.get(s.id());
                  } catch (BrokerException expected) {
                    // expired: ended by this call or another
                  }
                }
                return null;
              }));
      runs.add(
          pool.submit(
              () -> {
                start.await();
                for (Session s : all) {
                  sessions.end(s, "test");
                }
                return null;
              }));
      start.countDown();
      for (Future<?> f : runs) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(owned).allSatisfy(o -> assertThat(o.released).hasValue(1));
    assertThat(sessions.size()).isZero();
  }
}
