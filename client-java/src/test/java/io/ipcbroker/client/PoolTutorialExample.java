package io.ipcbroker.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The README's pool example: two Java workers ({@link SquareWorkerMain}) spawned by the broker, a
 * map, an async task, a task that raises, then close and join. Returns the printed lines.
 */
final class PoolTutorialExample {
  private PoolTutorialExample() {}

  static List<String> run(String target) {
    List<String> printed = new ArrayList<>();
    try (IpcBroker broker = IpcBroker.connect(target)) {
      IpcPool<String, String> pool =
          broker.pool("squares", 2, JavaProcess.of(SquareWorkerMain.class));
      print(printed, pool.map("square", List.of("1", "2", "3", "4")).toString()); // [1, 4, 9, 16]
      IpcAsyncResult<String> r = pool.applyAsync("square", "12");
      print(printed, r.get(Duration.ofSeconds(10))); // 144
      try {
        pool.apply("fail", "x");
      } catch (IpcTaskException e) { // the worker's exception, by type name, message, traceback
        print(printed, e.reason() + " " + e.remoteType() + ": " + e.remoteMessage());
      }
      pool.close(); // no new tasks; the workers exit once the tasks are done
      pool.join();
      print(printed, pool.info().state().toString()); // CLOSED
    }
    return printed;
  }

  private static void print(List<String> printed, String line) {
    System.out.println(line);
    printed.add(line);
  }
}
