package io.ipcbroker.server.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Requests that their clients gave up on and settled, so that one still in flight is refused when
 * it arrives instead of granting what nobody waits for. Bounded: only the most recent are kept,
 * since a request arrives within its deadline or not at all, and clients settle right after giving
 * up. Not thread-safe; the owning object's monitor guards it.
 */
public final class SettledRequests {
  private final Map<RequestRef, Boolean> recent;

  /** Remembers the last {@code capacity} settled requests. */
  public SettledRequests(int capacity) {
    this.recent =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<RequestRef, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** Records that {@code ref} was given up on. */
  public void add(RequestRef ref) {
    recent.put(ref, Boolean.TRUE);
  }

  /** Whether {@code ref} (null for an untagged request: never) was given up on. */
  public boolean contains(RequestRef ref) {
    return ref != null && recent.containsKey(ref);
  }

  /** Forgets the requests of a session that ended (they can no longer arrive usefully). */
  public void forgetSession(String sessionId) {
    recent.keySet().removeIf(r -> r.sessionId().equals(sessionId));
  }
}
