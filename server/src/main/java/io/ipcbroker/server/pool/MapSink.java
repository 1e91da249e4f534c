package io.ipcbroker.server.pool;

import io.ipcbroker.server.core.BrokerException;
import java.util.List;

/**
 * Where a map's outcomes go (the adapter's stream). Called outside the pool's monitor, one call at
 * a time, in the order the map produces them.
 *
 * @param <P> the payload type
 */
public interface MapSink<P> {
  /** Outcomes of the inputs at {@code indices}. */
  void outcomes(List<Long> indices, List<Outcome<P>> outcomes);

  /** Every input was answered; {@code count} in all. */
  void done(long count);

  /** The map failed (deleted pool, shutdown). */
  void fail(BrokerException e);
}
