package io.ipcbroker.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The tutorial's process example through the SDK, as the README shows it: a child that sleeps 3 s
 * and says hello, joined with a 1 s timeout while it still runs, then joined to the end. Prints
 * what Python's version prints (in Java's spelling) and returns the printed lines.
 */
final class ProcessTutorialExample {
  private ProcessTutorialExample() {}

  static List<String> run(String target) {
    List<String> printed = new ArrayList<>();
    try (IpcBroker broker = IpcBroker.connect(target)) {
      IpcProcess p = broker.process("sh", "-c", "sleep 3; echo hello bob").create();
      print(printed, String.valueOf(p.daemon())); // false
      p.start();
      p.join(Duration.ofSeconds(1)); // returns after 1 s; the child still sleeps
      print(printed, "name: " + p.name()); // name: Process-1
      print(printed, "is_alive: " + p.isAlive()); // is_alive: true
      print(printed, "exitcode: " + p.exitcode()); // exitcode: null
      p.join();
      print(printed, p.stdout().strip()); // hello bob
      print(printed, "exitcode: " + p.exitcode()); // exitcode: 0
      p.close(); // deletes the record; a running process could not be closed
    }
    return printed;
  }

  private static void print(List<String> printed, String line) {
    System.out.println(line);
    printed.add(line);
  }
}
