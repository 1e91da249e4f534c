package io.ipcbroker.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The tutorial's queue example (two writers, one reader) through the SDK, as the README shows it:
 * each thread stands in for a process and has its own connection. Returns what the reader got.
 */
final class QueueTutorialExample {
  private QueueTutorialExample() {}

  static List<String> run(String target, String queueName) throws InterruptedException {
    List<String> received = new ArrayList<>();
    Thread writer1 = new Thread(() -> write(target, queueName, List.of("url_1", "url_2", "url_3")));
    Thread writer2 = new Thread(() -> write(target, queueName, List.of("url_4", "url_5", "url_6")));
    Thread reader =
        new Thread(
            () -> {
              try (IpcBroker broker = IpcBroker.connect(target)) {
                IpcQueue<String> q = broker.queue(queueName, 0);
                for (int i = 0; i < 6; i++) {
                  String url = q.get(Duration.ofSeconds(10));
                  System.out.println("Get " + url + " from queue.");
                  synchronized (received) {
                    received.add(url);
                  }
                }
              }
            });
    reader.start();
    writer1.start();
    writer2.start();
    writer1.join();
    writer2.join();
    reader.join();
    return received;
  }

  private static void write(String target, String queueName, List<String> urls) {
    try (IpcBroker broker = IpcBroker.connect(target)) {
      IpcQueue<String> q = broker.queue(queueName, 0);
      for (String url : urls) {
        q.put(url);
        System.out.println("Put " + url + " to queue...");
      }
    }
  }
}
