package io.ipcbroker.client;

import java.io.File;
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
 * the same machine (or one that sees the same paths). Relative class path entries are made absolute
 * against this JVM's {@code user.dir}: the child runs in the broker's working directory (or the one
 * the builder gives), where they would name other files.
 */
public final class JavaProcess {
  private JavaProcess() {}

  /**
   * The argv that runs {@code mainClass}'s {@code main(String[])} with {@code args}: {@code
   * $java.home/bin/java -cp $java.class.path mainClass args...}, each class path entry made
   * absolute.
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
    argv.add(
        absoluteClassPath(
            System.getProperty("java.class.path", ""), Path.of(System.getProperty("user.dir"))));
    argv.add(mainClass.getName());
    argv.addAll(args);
    return List.copyOf(argv);
  }

  /**
   * {@code classPath} with every entry resolved against {@code base}: absolute entries stay as they
   * are, a wildcard entry ({@code *}, {@code dir/*}) stays a wildcard of the resolved directory,
   * and empty entries are dropped (the child's working directory is not the caller's, so "the
   * current directory" would be another one).
   */
  static String absoluteClassPath(String classPath, Path base) {
    List<String> entries = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator, -1)) {
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.equals("*") || entry.endsWith(File.separator + "*") || entry.endsWith("/*")) {
        String dir = base.resolve(entry.substring(0, entry.length() - 1)).toString();
        entries.add(dir.endsWith(File.separator) ? dir + "*" : dir + File.separator + "*");
      } else {
        entries.add(base.resolve(entry).toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
