package io.ipcbroker.conformance;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@link RaceChildConsumer} processes one after another in each of a few slots and SIGKILLs
 * each by its pid at random 0.3 to 2.5 s after it reached the broker, reading its stdout until EOF
 * so that every item it printed is recorded as received by a child. Several slots, because a child
 * JVM takes 1 to 2.5 s to start on a busy two-core machine and the race wants many kills.
 *
 * <p>The signal is sent with {@code kill -KILL <pid>}: {@code Process.destroyForcibly()} would
 * close this end of the pipe and lose the last lines. Only processes started here are ever
 * signalled, and {@link #killAll} makes sure none is left running.
 */
final class RaceChildren {
  private static final long READY_WAIT_MILLIS = 30_000;
  private static final long EXIT_WAIT_MILLIS = 10_000;
  private static final int SIGKILL_EXIT = 128 + 9;

  private final String target;
  private final String queue;
  private final RaceLedger ledger;
  private final SplittableRandom random; // guarded by this; split per slot
  private final List<Process> started = new ArrayList<>(); // guarded by this
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicInteger kills = new AtomicInteger();

  RaceChildren(String target, String queue, RaceLedger ledger, SplittableRandom random) {
    this.target = target;
    this.queue = queue;
    this.ledger = ledger;
    this.random = random;
  }

  /** The command that starts one child, on this JVM's own class path. */
  List<String> command(long seed) {
    return JavaChild.command(RaceChildConsumer.class, target, queue, Long.toString(seed));
  }

  /**
   * Runs one slot: starts, kills and replaces children until {@link #stop} or {@code endNanos};
   * kills the last one before returning. Failures (a child that could not start or exited by
   * itself) are collected in {@link #failures}. Slots may run concurrently, one thread each.
   */
  void run(long endNanos) throws InterruptedException, IOException {
    SplittableRandom slotRandom;
    synchronized (this) {
      slotRandom = random.split();
    }
    while (stop.getCount() > 0 && System.nanoTime() - endNanos < 0) {
      if (!runOne(slotRandom)) {
        return;
      }
    }
  }

  /** Asks {@link #run} to kill the current child now and return. */
  void stop() {
    stop.countDown();
  }

  private boolean runOne(SplittableRandom slotRandom) throws InterruptedException, IOException {
    Path stderr = Files.createTempFile("race-child-", ".err");
    ProcessBuilder pb = new ProcessBuilder(command(slotRandom.nextLong()));
    pb.redirectError(stderr.toFile());
    pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
    Process p;
    int n;
    synchronized (this) {
      p = pb.start();
      started.add(p);
      n = started.size();
    }
    String who = "child" + n + "/pid" + p.pid();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    CompletableFuture<Void> eof = new CompletableFuture<>();
    Thread reader = new Thread(() -> read(p, who, ready, eof), "race-child-reader-" + n);
    reader.setDaemon(true);
    reader.start();
    try {
      try {
        ready.get(READY_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        failures.add(who + " did not reach the broker: " + stderrOf(stderr));
        return false;
      }
      // Let it consume for a random while; a stop request cuts the wait short.
      stop.await(300 + slotRandom.nextInt(2201), TimeUnit.MILLISECONDS);
      if (!p.isAlive()) {
        failures.add(who + " exited by itself with " + p.exitValue() + ": " + stderrOf(stderr));
        return false;
      }
      OsProcesses.sigkill(p.pid());
      kills.incrementAndGet();
      if (!p.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        failures.add(who + " survived SIGKILL");
        return false;
      }
      if (p.exitValue() != SIGKILL_EXIT) {
        failures.add(who + " exited with " + p.exitValue() + ": " + stderrOf(stderr));
        return false;
      }
      try {
        eof.get(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        failures.add(who + " stdout was not read to EOF: " + e);
        return false;
      }
      return true;
    } finally {
      killIfAlive(p);
      p.getOutputStream().close();
      Files.deleteIfExists(stderr);
    }
  }

  private void read(
      Process p, String who, CompletableFuture<Void> ready, CompletableFuture<Void> eof) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.equals("READY")) {
          ready.complete(null);
          continue;
        }
        String[] f = line.split(" ");
        if (f.length != 5 || !f[0].equals("R")) {
          failures.add(who + " printed a malformed line: " + line);
          continue;
        }
        ledger.receipt(
            Long.parseLong(f[1]),
            new RaceLedger.Receipt(
                RaceLedger.By.CHILD,
                who,
                Long.parseLong(f[2]),
                f[3].equals("1"),
                Integer.parseInt(f[4])));
      }
      eof.complete(null);
    } catch (IOException | RuntimeException e) {
      eof.completeExceptionally(e);
    } finally {
      ready.completeExceptionally(new IllegalStateException(who + " ended before READY"));
    }
  }

  private static void killIfAlive(Process p) throws InterruptedException, IOException {
    if (p.isAlive()) {
      OsProcesses.sigkill(p.pid());
      p.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * SIGKILLs every child started here that still runs, and closes its stdin (which makes it halt by
   * itself should the signal fail); for the test's finally block. Works even when the calling
   * thread was interrupted (a test timeout), restoring the interrupt afterwards.
   */
  void killAll() throws InterruptedException, IOException {
    List<Process> all;
    synchronized (this) {
      all = new ArrayList<>(started);
    }
    boolean interrupted = Thread.interrupted();
    try {
      for (Process p : all) {
        killIfAlive(p);
        p.getOutputStream().close();
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether every child started here has ended. */
  synchronized boolean noneAlive() {
    return started.stream().noneMatch(Process::isAlive);
  }

  private static String stderrOf(Path stderr) {
    try {
      String s = Files.readString(stderr, StandardCharsets.UTF_8);
      return s.length() > 4000 ? s.substring(0, 4000) + "..." : s;
    } catch (IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }

  synchronized int started() {
    return started.size();
  }

  int kills() {
    return kills.get();
  }

  List<String> failures() {
    return new ArrayList<>(failures);
  }

  static String classPathInfo() {
    String cp = System.getProperty("java.class.path");
    String[] parts = cp.split(File.pathSeparator);
    return parts.length + " entries" + (parts.length == 1 ? " (" + parts[0] + ")" : "");
  }
}
