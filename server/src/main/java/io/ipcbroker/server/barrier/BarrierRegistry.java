package io.ipcbroker.server.barrier;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.NamePages;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import java.util.List;
import java.util.Objects;

/** The broker's named barriers. */
public final class BarrierRegistry {
  /** The most parties a barrier may have. */
  public static final int MAX_PARTIES = 1_000_000;

  private final ObjectTable<BarrierObject> barriers;
  private final Timer timer;

  /** A registry whose waits time out on {@code timer}. */
  public BarrierRegistry(Timer timer) {
    this(timer, ObjectQuota.UNLIMITED);
  }

  /** As above, with its objects counted in {@code quota}. */
  public BarrierRegistry(Timer timer, ObjectQuota quota) {
    this.timer = timer;
    this.barriers =
        new ObjectTable<>(
            "barrier", Reason.BARRIER_NOT_FOUND, Reason.BARRIER_ALREADY_EXISTS, quota);
  }

  /** What a create did. */
  public record Created(BarrierObject.Info info, boolean created) {}

  /**
   * Creates a barrier, or opens it if parties and default timeout match.
   *
   * @param timeoutSeconds the default timeout of a wait; null for none
   */
  public Created create(String name, int parties, Double timeoutSeconds, boolean allowExisting) {
    if (parties < 1 || parties > MAX_PARTIES) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "parties must be within [1, " + MAX_PARTIES + "]",
          "field",
          "parties",
          "value",
          parties);
    }
    if (timeoutSeconds != null
        && (timeoutSeconds.isNaN() || timeoutSeconds.isInfinite() || timeoutSeconds < 0)) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "timeout_seconds must be a finite number >= 0",
          "field",
          "timeout_seconds",
          "value",
          timeoutSeconds);
    }
    ObjectTable.Opened<BarrierObject> o =
        barriers.create(
            name,
            allowExisting,
            () -> new BarrierObject(name, parties, timeoutSeconds, timer),
            existing -> {
              if (existing.parties != parties) {
                throw ObjectTable.configMismatch(name, "parties", existing.parties, parties);
              }
              if (!Objects.equals(existing.timeoutSeconds, timeoutSeconds)) {
                throw ObjectTable.configMismatch(
                    name, "timeout_seconds", existing.timeoutSeconds, timeoutSeconds);
              }
            });
    return new Created(o.object().info(), o.created());
  }

  /**
   * Describes the first {@code max} barriers named after {@code after} (all when null), by name
   * (for operators); one deleted since the table's snapshot is left out.
   */
  public List<BarrierObject.Info> describeAll(String after, int max) {
    return NamePages.describeAfter(
        barriers.list(), o -> o.name, BarrierObject::infoIfOpen, after, max);
  }

  /** Describes {@code name}. */
  public BarrierObject.Info describe(String name) {
    return barriers.get(name).info();
  }

  /** The default timeout of waits at {@code name}, or null. */
  public Double defaultTimeout(String name) {
    return barriers.get(name).timeoutSeconds;
  }

  /** Deletes {@code name}; its parked waits fail {@code OBJECT_DELETED}. */
  public boolean delete(String name, boolean allowMissing) {
    return barriers.delete(
        name,
        allowMissing,
        b ->
            b.close(
                BrokerException.of(Reason.OBJECT_DELETED, name + " was deleted", "name", name)));
  }

  /** Waits at {@code name}; the reply is the caller's index. */
  public Parked await(String name, Wait wait, Reply<Integer> reply) {
    return barriers.get(name).await(wait, reply);
  }

  /** Breaks {@code name}. */
  public void abort(String name) {
    barriers.get(name).abort();
  }

  /** Resets {@code name}. */
  public void reset(String name) {
    barriers.get(name).reset();
  }

  /** Fails every parked call with {@code SERVER_SHUTTING_DOWN} and refuses new ones. */
  public void shutdown() {
    BrokerException e = BrokerException.shuttingDown();
    barriers.shutdown(b -> b.close(e));
  }
}
