package io.ipcbroker.client;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Commands that run a Java class in a new JVM: the nearest thing to Python's {@code
 * Process(target=...)}, since a JVM cannot fork itself.
 *
 * <pre>{@code
 * IpcProcess writer =
 *     broker.process(JavaProcess.of(Worker.class, "urls")).name("writer-1").start();
 * }</pre>
 *
 * <p>The new JVM is this one's ({@code java.home}) with this one's class path, so the class and
 * everything it uses are found as they are here; the child reaches the broker with {@link
 * IpcBroker#fromEnvironment()}. The broker runs the command on its host, so this fits a broker on
 * the same machine (or one that sees the same paths).
 */
public final class JavaProcess {
  private JavaProcess() {}

  /**
   * The argv that runs {@code mainClass}'s {@code main(String[])} with {@code args}: {@code
   * $java.home/bin/java -cp $java.class.path mainClass args...}.
   */
  public static List<String> of(Class<?> mainClass, String... args) {
    return of(mainClass, Arrays.asList(args));
  }

  /** As {@link #of(Class, String...)}. */
  public static List<String> of(Class<?> mainClass, List<String> args) {
    Objects.requireNonNull(mainClass, "mainClass");
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.add("-cp");
    argv.add(System.getProperty("java.class.path"));
    argv.add(mainClass.getName());
    argv.addAll(args);
    return List.copyOf(argv);
  }
}
