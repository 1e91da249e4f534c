package io.ipcbroker.server.metrics;

import java.util.Comparator;
import java.util.List;

/**
 * What the status page shows, read from the registries at one moment.
 *
 * <p>Each table shows at most {@link #ROWS} rows, those that most need an operator's eye first (the
 * deepest queues, running processes, busy locks), with the full count beside it: a broker may hold
 * 100,000 objects, and a page redrawn every second must stay small.
 *
 * @param address the broker's {@code host:port}
 * @param version its version
 * @param uptimeSeconds how long it has served
 * @param queues every queue's figures
 * @param processes every process record
 * @param sessions every live session
 * @param pools every pool's figures
 * @param syncObjects every lock, semaphore, condition, event and barrier
 */
public record StatusView(
    String address,
    String version,
    long uptimeSeconds,
    List<BrokerMetrics.QueueFigures> queues,
    List<ProcessRow> processes,
    List<SessionRow> sessions,
    List<BrokerMetrics.PoolFigures> pools,
    List<BrokerMetrics.SyncFigures> syncObjects) {

  /** The most rows a table shows. */
  public static final int ROWS = 500;

  /** A process record; {@code exitcode} is null while it has not exited. */
  public record ProcessRow(String id, String name, Long pid, String state, Integer exitcode) {}

  /** A live session. */
  public record SessionRow(
      String id, String clientName, String clientAddress, long ageSeconds, int owned) {}

  /** The view as one JSON object (the status page polls it). */
  public String toJson() {
    Json j = new Json().begin();
    j.field("address").string(address).field("version").string(version);
    j.field("uptimeSeconds").number(uptimeSeconds);
    j.field("counts").begin();
    j.field("queues").number(queues.size()).field("processes").number(processes.size());
    j.field("sessions").number(sessions.size()).field("pools").number(pools.size());
    j.field("syncObjects").number(syncObjects.size()).end();
    j.field("queues").beginArray();
    for (BrokerMetrics.QueueFigures q :
        first(
            queues,
            Comparator.comparingLong(BrokerMetrics.QueueFigures::depth)
                .reversed()
                .thenComparing(BrokerMetrics.QueueFigures::name))) {
      j.begin()
          .field("name")
          .string(q.name())
          .field("depth")
          .number(q.depth())
          .field("bytes")
          .number(q.bytes())
          .field("unacked")
          .number(q.unacked())
          .field("getters")
          .number(q.getters())
          .field("putters")
          .number(q.putters())
          .field("oldestAgeSeconds")
          .numberOrNull(q.oldestAgeNanos() < 0 ? null : q.oldestAgeNanos() / 1_000_000_000L)
          .field("put")
          .number(q.putCount())
          .field("got")
          .number(q.getCount())
          .end();
    }
    j.endArray().field("processes").beginArray();
    for (ProcessRow p :
        first(processes, Comparator.comparing((ProcessRow p) -> p.exitcode() != null))) {
      j.begin()
          .field("id")
          .string(p.id())
          .field("name")
          .string(p.name())
          .field("pid")
          .numberOrNull(p.pid())
          .field("state")
          .string(p.state())
          .field("exitcode")
          .numberOrNull(p.exitcode() == null ? null : p.exitcode().longValue())
          .end();
    }
    j.endArray().field("sessions").beginArray();
    for (SessionRow s : first(sessions, null)) {
      j.begin()
          .field("id")
          .string(s.id())
          .field("clientName")
          .string(s.clientName())
          .field("clientAddress")
          .string(s.clientAddress())
          .field("ageSeconds")
          .number(s.ageSeconds())
          .field("owned")
          .number(s.owned())
          .end();
    }
    j.endArray().field("pools").beginArray();
    for (BrokerMetrics.PoolFigures p : first(pools, null)) {
      j.begin()
          .field("name")
          .string(p.name())
          .field("workers")
          .number(p.workers())
          .field("queued")
          .number(p.queued())
          .field("running")
          .number(p.running())
          .field("succeeded")
          .number(p.succeeded())
          .field("failed")
          .number(p.failed())
          .end();
    }
    j.endArray().field("syncObjects").beginArray();
    for (BrokerMetrics.SyncFigures f :
        first(
            syncObjects,
            Comparator.comparing(
                (BrokerMetrics.SyncFigures f) -> f.waiters() == 0 && f.held() <= 0))) {
      j.begin()
          .field("kind")
          .string(f.kind())
          .field("name")
          .string(f.name())
          .field("state")
          .string(f.state())
          .field("waiters")
          .number(f.waiters())
          .end();
    }
    return j.endArray().end().toString();
  }

  /**
   * The first {@link #ROWS} of {@code all} in {@code order} (a stable sort, so ties keep the
   * registry's order), or in the registry's order when {@code order} is null.
   */
  private static <T> List<T> first(List<T> all, Comparator<? super T> order) {
    if (order == null) {
      return all.size() <= ROWS ? all : all.subList(0, ROWS);
    }
    return all.stream().sorted(order).limit(ROWS).toList();
  }
}
