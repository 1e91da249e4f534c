package io.ipcbroker.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The class path a child JVM gets: the broker runs it in another working directory, so every entry
 * must name the caller's files.
 */
@Timeout(30)
class JavaProcessTest {
  private static final Path BASE = Path.of("/home/u/project");

  private static String cp(String... entries) {
    return String.join(File.pathSeparator, entries);
  }

  @Test
  void relativeEntriesResolveAgainstTheCallersDirectory() {
    assertThat(
            JavaProcess.absoluteClassPath(
                cp("target/classes", "app.jar", "../lib/x.jar", "."), BASE))
        .isEqualTo(
            cp(
                "/home/u/project/target/classes",
                "/home/u/project/app.jar",
                "/home/u/project/../lib/x.jar",
                "/home/u/project/."));
  }

  @Test
  void absoluteEntriesStayAsTheyAre() {
    assertThat(JavaProcess.absoluteClassPath(cp("/opt/a.jar", "/srv/classes"), BASE))
        .isEqualTo(cp("/opt/a.jar", "/srv/classes"));
  }

  @Test
  void wildcardEntriesStayWildcardsOfTheResolvedDirectory() {
    assertThat(JavaProcess.absoluteClassPath(cp("lib/*", "*", "/opt/jars/*", "/*"), BASE))
        .isEqualTo(cp("/home/u/project/lib/*", "/home/u/project/*", "/opt/jars/*", "/*"));
  }

  @Test
  void emptyEntriesAreDropped() {
    assertThat(JavaProcess.absoluteClassPath(cp("", "a.jar", "", "", "/b.jar", ""), BASE))
        .isEqualTo(cp("/home/u/project/a.jar", "/b.jar"));
    assertThat(JavaProcess.absoluteClassPath("", BASE)).isEmpty();
  }

  @Test
  void ofPassesTheCallersClassPathWithEveryEntryAbsolute() {
    List<String> argv = JavaProcess.of(EchoArgsMain.class, "x");

    String classPath = argv.get(argv.indexOf("-cp") + 1);
    assertThat(classPath.split(File.pathSeparator))
        .isNotEmpty()
        .allSatisfy(entry -> assertThat(Path.of(entry.replace("*", "")).isAbsolute()).isTrue());
    assertThat(argv.subList(argv.size() - 2, argv.size()))
        .containsExactly(EchoArgsMain.class.getName(), "x");
  }
}
