package io.ipcbroker.conformance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs a main class of this module in a fresh, small JVM on this JVM's own
 * class path: for client processes that the tests start themselves and for children that the tests
 * ask the broker to spawn.
 */
final class JavaChild {
  private JavaChild() {}

  /** The absolute path of this JVM's {@code java} launcher. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** {@code java <small-JVM options> -cp <this class path> <main> <args...>}. */
  static List<String> command(Class<?> main, String... args) {
    // Under surefire the class path may be a manifest-only booter jar; -cp of that jar works, as
    // its manifest's Class-Path lists the real entries.
    List<String> command = new ArrayList<>();
    command.add(java());
    command.add("-Xmx64m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return command;
  }
}
