package io.ipcbroker.server.pool;

import java.util.List;
import java.util.Map;

/**
 * What a pool is made of.
 *
 * @param processes how many workers the broker spawns (0: attached workers only)
 * @param argv the worker command; empty for none
 * @param env variables added to the workers' environment
 * @param cwd the workers' working directory; empty for the broker's
 * @param maxTasksPerChild chunks per worker before it retires; 0 for no limit
 * @param retry whether a chunk whose worker died runs once more
 */
public record PoolConfig(
    int processes,
    List<String> argv,
    Map<String, String> env,
    String cwd,
    int maxTasksPerChild,
    boolean retry) {
  /** Copies the collections. */
  public PoolConfig {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
  }
}
