package io.ipcbroker.bench;

import io.grpc.ManagedChannel;
import io.ipcbroker.client.Codecs;
import io.ipcbroker.client.IpcBroker;
import io.ipcbroker.client.IpcQueue;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.QueueServiceGrpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What 10,000 gets parked on the broker cost it: {@value #CLIENTS} SDK connections each start
 * {@value #PER_CLIENT} {@code getAsync} calls on one empty queue, and the broker's threads and live
 * heap (after a full GC, through {@code jcmd}) are read before and while they wait. Then 10,000
 * items are put and every get must receive exactly one distinct item. Needs the broker this bench
 * started (its pid); left out with {@code --target}.
 */
final class ParkedGetsScenario implements Bench.Scenario {
  static final int CLIENTS = 10;
  static final int PER_CLIENT = 1_000;
  // Every generation's or region's "used NK" up to the metaspace lines: the whole heap under
  // any collector (G1 prints one line, Serial and Parallel one per generation).
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  private final String target;
  private final ManagedChannel channel;
  private final long brokerPid;

  ParkedGetsScenario(String target, ManagedChannel channel, long brokerPid) {
    this.target = target;
    this.channel = channel;
    this.brokerPid = brokerPid;
  }

  @Override
  public List<Bench.Row> run(Bench.Plan plan) throws Exception {
    if (brokerPid < 0) {
      System.err.println("bench: parked gets need the bench's own broker (not --target): left out");
      return List.of();
    }
    String name = "bench-parked-" + System.nanoTime();
    QueueServiceGrpc.QueueServiceBlockingStub queues = QueueServiceGrpc.newBlockingStub(channel);
    List<IpcBroker> clients = new ArrayList<>();
    double threadsBefore;
    double heapBefore;
    double threadsParked;
    double heapParked;
    try {
      List<IpcQueue<byte[]>> handles = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        IpcBroker c = IpcBroker.connect(target);
        clients.add(c);
        IpcQueue<byte[]> q = c.queue(name, 0, Codecs.bytes());
        q.qsize(); // the connection is up and the handle resolved before the baseline
        handles.add(q);
      }
      // A first, smaller round starts whatever the broker starts once (its timer thread, the
      // JIT's compiler threads): the baseline is a broker that has parked gets before.
      parkAndServe(handles, queues, name, PER_CLIENT / 10, () -> {});
      heapBefore = liveHeapMib(); // the first jcmd starts the broker's attach listener thread
      List<String> namesBefore = threads();
      threadsBefore = namesBefore.size();
      double[] parked = new double[2];
      parkAndServe(
          handles,
          queues,
          name,
          PER_CLIENT,
          () -> {
            parked[0] = threads().size();
            parked[1] = liveHeapMib();
            List<String> added = new ArrayList<>(threads());
            namesBefore.forEach(added::remove);
            if (!added.isEmpty()) {
              System.err.println("bench: broker threads added while gets were parked: " + added);
            }
          });
      threadsParked = parked[0];
      heapParked = parked[1];
      clients.get(0).deleteQueue(name, true);
    } catch (JcmdFailed e) {
      System.err.println("bench: " + e.getMessage() + ": the parked-gets rows are left out");
      return List.of();
    } finally {
      for (IpcBroker c : clients) {
        c.close();
      }
    }
    String scenario = "10,000 parked gets (SDK getAsync on 10 connections), broker side";
    return List.of(
        new Bench.Row(
            scenario,
            "broker threads added while they wait",
            "threads",
            new double[] {threadsParked - threadsBefore},
            false),
        new Bench.Row(
            scenario,
            "broker live heap added while they wait (after a full GC)",
            "MiB",
            new double[] {heapParked - heapBefore},
            false));
  }

  /** Something to do while the gets are parked. */
  private interface WhileParked {
    void run() throws Exception;
  }

  /**
   * Parks {@code perClient} gets on each handle, runs {@code whileParked} once the broker counts
   * them all, then puts as many items and checks that each get received exactly one distinct item.
   */
  private static void parkAndServe(
      List<IpcQueue<byte[]>> handles,
      QueueServiceGrpc.QueueServiceBlockingStub queues,
      String name,
      int perClient,
      WhileParked whileParked)
      throws Exception {
    int total = handles.size() * perClient;
    List<CompletableFuture<byte[]>> gets = new ArrayList<>(total);
    for (IpcQueue<byte[]> q : handles) {
      for (int i = 0; i < perClient; i++) {
        gets.add(q.getAsync(Duration.ofSeconds(120)));
      }
    }
    GetQueueRequest describe = GetQueueRequest.newBuilder().setName(name).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (queues.getQueue(describe).getQueue().getWaitingGetters() < total) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the gets did not all park within 60 s");
      }
      Thread.sleep(50); // polling the broker's count; there is nothing to wait on instead
    }
    whileParked.run();
    IpcQueue<byte[]> producer = handles.get(0);
    for (int i = 0; i < total; i++) {
      producer.putAsync(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
    }
    Set<String> got = new HashSet<>();
    for (CompletableFuture<byte[]> g : gets) {
      got.add(new String(g.get(120, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
    if (got.size() != total || producer.qsize() != 0) {
      throw new IllegalStateException(
          got.size() + " distinct items of " + total + " reached the parked gets");
    }
  }

  /** The names of the broker's threads now. */
  private List<String> threads() throws IOException {
    List<String> names = new ArrayList<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(brokerPid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          names.add(Files.readString(task.resolve("comm")).trim());
        } catch (IOException e) {
          // the thread ended between the listing and the read: it is not there now
        }
      }
    }
    return names;
  }

  /** The broker's heap in use right after a full GC, in MiB, through jcmd. */
  private double liveHeapMib() throws Exception {
    jcmd("GC.run");
    String info = jcmd("GC.heap_info");
    int metaspace = info.indexOf("Metaspace");
    Matcher m = USED.matcher(metaspace < 0 ? info : info.substring(0, metaspace));
    long kib = 0;
    boolean any = false;
    while (m.find()) {
      kib += Long.parseLong(m.group(1));
      any = true;
    }
    if (!any) {
      throw new JcmdFailed("jcmd GC.heap_info said nothing about the heap in use");
    }
    return kib / 1024.0;
  }

  /** jcmd could not attach or answer: the rows are left out. */
  private static final class JcmdFailed extends Exception {
    JcmdFailed(String message) {
      super(message);
    }
  }

  /** {@code jcmd PID command}'s output; bounded in time (its output goes to a file meanwhile). */
  private String jcmd(String command) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    Path out = Files.createTempFile("ipcbroker-bench-jcmd", ".txt");
    try {
      Process p =
          new ProcessBuilder(jcmd, Long.toString(brokerPid), command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new JcmdFailed("jcmd " + command + " did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new JcmdFailed("jcmd " + command + " exited " + p.exitValue());
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
