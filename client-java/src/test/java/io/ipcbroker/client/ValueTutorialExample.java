package io.ipcbroker.client;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's shared counter through the SDK, as the README shows it:
 *
 * <pre>{@code
 * def work(counter):
 *     for _ in range(1000):
 *         with counter.get_lock():
 *             counter.value += 1
 *
 * counter = Value('i', 0)
 * workers = [Process(target=work, args=(counter,)) for _ in range(4)]
 * for w in workers: w.start()
 * for w in workers: w.join()
 * print(counter.value)  # 4000
 * }</pre>
 *
 * Each thread stands in for a process and has its own connection. Returns what the main program
 * prints.
 */
final class ValueTutorialExample {
  private ValueTutorialExample() {}

  static long run(String target, String counterName, int workers, int increments)
      throws InterruptedException {
    try (IpcBroker broker = IpcBroker.connect(target)) {
      IpcValue counter = broker.value(counterName, TypeCode.INT, 0);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        threads.add(new Thread(() -> work(target, counterName, increments)));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      System.out.println(counter.get());
      return counter.getLong();
    }
  }

  @SuppressWarnings("try") // the lock is held for the block; the body need not name it
  private static void work(String target, String counterName, int increments) {
    try (IpcBroker broker = IpcBroker.connect(target)) {
      IpcValue counter = broker.value(counterName, TypeCode.INT, 0);
      for (int i = 0; i < increments; i++) {
        try (IpcLock held = counter.lock().acquire()) {
          counter.set(counter.getLong() + 1); // counter.value += 1, made safe by the lock
        }
      }
    }
  }
}
