package io.ipcbroker.server.value;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.ObjectQuota;
import io.ipcbroker.server.core.ObjectTable;
import io.ipcbroker.server.core.Owner;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Reply;
import io.ipcbroker.server.core.Timer;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The broker's named values and arrays: create, create-or-open with the queues' config-match rule,
 * look up, delete. Lock holders are bound to their sessions, so a client that dies releases its
 * locks.
 */
public final class ValueRegistry {
  /** The longest array. */
  public static final int MAX_LENGTH = 1 << 20;

  private final ObjectTable<SharedArray> values;
  private final Timer timer;
  private final SessionRegistry sessions;

  /**
   * A registry whose waits time out on {@code timer} and whose locks belong to {@code sessions}.
   */
  public ValueRegistry(Timer timer, SessionRegistry sessions) {
    this(timer, sessions, ObjectQuota.UNLIMITED);
  }

  /** As above, with its objects counted in {@code quota}. */
  public ValueRegistry(Timer timer, SessionRegistry sessions, ObjectQuota quota) {
    this.timer = timer;
    this.sessions = sessions;
    this.values =
        new ObjectTable<>("value", Reason.VALUE_NOT_FOUND, Reason.VALUE_ALREADY_EXISTS, quota);
  }

  /** What a compare-and-set did. */
  public record CasResult(boolean swapped, Scalar value) {}

  /** What a create did. */
  public record Created(ValueInfo info, boolean created) {}

  /**
   * Creates a value or array, or opens it when {@code allowExisting} is set and its typecode, kind,
   * length and lock match.
   *
   * @param initial the elements (a value has one); null for zeros of {@code length}
   */
  public Created create(
      String name,
      String typecode,
      boolean isArray,
      int length,
      List<Scalar> initial,
      boolean lock,
      boolean allowExisting) {
    values.checkNotShutdown();
    Names.checkName("name", name);
    TypeCode type = TypeCode.of(typecode);
    if (initial != null) {
      if (length != 0 && length != initial.size()) {
        throw BrokerException.of(
            Reason.INVALID_FIELD_VALUE,
            "size and the initializer's length differ",
            "field",
            "size",
            "value",
            length);
      }
      length = initial.size();
    }
    if (length < 0 || length > MAX_LENGTH) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "size must be within [0, " + MAX_LENGTH + "]",
          "field",
          "size",
          "value",
          length);
    }
    long[] cells = new long[length];
    Arrays.fill(cells, type.zero());
    if (initial != null) {
      for (int i = 0; i < length; i++) {
        cells[i] = encodeOrZero(type, initial.get(i));
      }
    }
    int size = length;
    ObjectTable.Opened<SharedArray> o =
        values.create(
            name,
            allowExisting,
            () -> new SharedArray(name, type, isArray, lock, cells, timer, this::bind),
            existing -> checkMatches(existing, type, isArray, size, lock));
    return new Created(o.object().info(), o.created());
  }

  private static void checkMatches(
      SharedArray a, TypeCode type, boolean isArray, int length, boolean lock) {
    String field = null;
    String existing = null;
    String requested = null;
    if (a.isArray != isArray) {
      field = "kind";
      existing = a.isArray ? "array" : "value";
      requested = isArray ? "array" : "value";
    } else if (a.type != type) {
      field = "typecode";
      existing = a.type.code();
      requested = type.code();
    } else if (isArray && a.length() != length) {
      field = "size";
      existing = Integer.toString(a.length());
      requested = Integer.toString(length);
    } else if (a.hasLock != lock) {
      field = "lock";
      existing = Boolean.toString(a.hasLock);
      requested = Boolean.toString(lock);
    }
    if (field != null) {
      throw ObjectTable.configMismatch(a.name, field, existing, requested);
    }
  }

  /**
   * The value or array {@code name}.
   *
   * @throws BrokerException {@code VALUE_NOT_FOUND}
   */
  SharedArray get(String name) {
    return values.get(name);
  }

  /**
   * Reads {@code count} elements from {@code index} (0: one for a value, the rest for an array).
   *
   * @param caller who calls, or null
   */
  public Parked get(
      String name, int index, int count, Owner caller, Wait wait, Reply<List<Scalar>> reply) {
    SharedArray a = get(name);
    int n = span(a, index, count);
    return a.access(
        caller,
        wait,
        cells -> {
          List<Scalar> out = new ArrayList<>(n);
          for (int i = index; i < index + n; i++) {
            out.add(a.type.decode(cells[i]));
          }
          return out;
        },
        reply);
  }

  /** Writes {@code values} from {@code index}: all of them, or none if one does not fit. */
  public Parked set(
      String name, int index, List<Scalar> values, Owner caller, Wait wait, Reply<Void> reply) {
    SharedArray a = get(name);
    if (values.isEmpty()) {
      throw BrokerException.of(Reason.FIELD_REQUIRED, "values is required", "field", "values");
    }
    checkSpan(a, index, values.size());
    long[] encoded = new long[values.size()];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = encodeOrZero(a.type, values.get(i));
    }
    return a.access(
        caller,
        wait,
        cells -> {
          System.arraycopy(encoded, 0, cells, index, encoded.length);
          return null;
        },
        reply);
  }

  /** Adds {@code delta} to element {@code index} and answers the sum. */
  public Parked addAndGet(
      String name, int index, Scalar delta, Owner caller, Wait wait, Reply<Scalar> reply) {
    SharedArray a = get(name);
    checkSpan(a, index, 1);
    required("delta", delta);
    a.type.checkDelta(delta); // its kind, before any wait; the sum is checked when it is made
    return a.access(
        caller,
        wait,
        cells -> {
          cells[index] = a.type.add(cells[index], delta);
          return a.type.decode(cells[index]);
        },
        reply);
  }

  /** Sets element {@code index} to {@code newValue} if it equals {@code expected}. */
  public Parked compareAndSet(
      String name,
      int index,
      Scalar expected,
      Scalar newValue,
      Owner caller,
      Wait wait,
      Reply<CasResult> reply) {
    SharedArray a = get(name);
    checkSpan(a, index, 1);
    long want = a.type.encode(required("expected", expected));
    long next = a.type.encode(required("new_value", newValue));
    return a.access(
        caller,
        wait,
        cells -> {
          boolean swapped = a.type.sameValue(cells[index], want);
          if (swapped) {
            cells[index] = next;
          }
          return new CasResult(swapped, a.type.decode(cells[index]));
        },
        reply);
  }

  /** Acquires {@code name}'s lock for {@code owner}; the reply is the hold count, 0 if not. */
  public Parked acquire(String name, Owner owner, Wait wait, Reply<Integer> reply) {
    SharedArray a = get(name);
    Names.checkRequired("session_id", owner == null ? "" : owner.sessionId());
    return a.acquire(owner, wait, reply);
  }

  /** Gives back one level of {@code owner}'s hold of {@code name}'s lock; answers what is left. */
  public int release(String name, Owner owner) {
    SharedArray a = get(name);
    Names.checkRequired("session_id", owner.sessionId());
    return a.release(owner);
  }

  private static int span(SharedArray a, int index, int count) {
    if (count < 0) {
      throw BrokerException.of(
          Reason.INVALID_FIELD_VALUE,
          "count must not be negative",
          "field",
          "count",
          "value",
          count);
    }
    int n = count != 0 ? count : a.isArray ? Math.max(0, a.length() - index) : 1;
    checkSpan(a, index, n);
    return n;
  }

  private static void checkSpan(SharedArray a, int index, int n) {
    if (index < 0 || n < 0 || (long) index + n > a.length() || (n == 0 && index > a.length())) {
      throw BrokerException.of(
          Reason.INDEX_OUT_OF_RANGE,
          "index " + index + " and count " + n + " reach past the length " + a.length(),
          "index",
          index,
          "length",
          a.length());
    }
  }

  // An element with no kind set is the type's zero: proto3 sends nothing for "0" in some clients.
  private static long encodeOrZero(TypeCode type, Scalar s) {
    return s == null ? type.zero() : type.encode(s);
  }

  private static Scalar required(String field, Scalar s) {
    if (s == null) {
      throw BrokerException.of(Reason.FIELD_REQUIRED, field + " is required", "field", field);
    }
    return s;
  }

  /** Describes {@code name}. */
  public ValueInfo describe(String name) {
    return get(name).info();
  }

  /** Deletes {@code name}; its parked calls fail {@code OBJECT_DELETED}. */
  public boolean delete(String name, boolean allowMissing) {
    return values.delete(
        name,
        allowMissing,
        a ->
            a.close(
                BrokerException.of(Reason.OBJECT_DELETED, name + " was deleted", "name", name)));
  }

  /** Fails every parked call with {@code SERVER_SHUTTING_DOWN} and refuses new ones. */
  public void shutdown() {
    BrokerException e = BrokerException.shuttingDown();
    values.shutdown(a -> a.close(e));
  }

  // A holder's lock is released when its session ends.
  private Runnable bind(SharedArray array, Owner holder) {
    SessionOwned owned = s -> array.releaseAll(holder);
    Session session = sessions.attachUncounted(holder.sessionId(), owned);
    return () -> sessions.detach(session, owned);
  }
}
