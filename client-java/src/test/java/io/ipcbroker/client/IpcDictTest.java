package io.ipcbroker.client;

import static io.ipcbroker.client.IpcValueTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ipcbroker.v1.Payload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's dicts and namespaces against a real broker: Python's Manager dict in Java idioms. */
@Timeout(120)
class IpcDictTest {
  @RegisterExtension static final EmbeddedBroker broker = new EmbeddedBroker();

  private IpcBroker client;
  private IpcBroker other;
  private ExecutorService threads;

  @BeforeEach
  void connect() {
    client = broker.connect();
    other = broker.connect();
    threads = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void disconnect() {
    threads.shutdownNow();
    client.close();
    other.close();
  }

  private static <T> List<T> all(Iterable<T> items) {
    return StreamSupport.stream(items.spliterator(), false).toList();
  }

  @Test
  void twoClientsShareADictByName() {
    String name = EmbeddedBroker.uniqueName("d");
    IpcDict<String> mine = client.dict(name);
    IpcDict<String> theirs = other.dict(name);
    mine.put("k", "v");
    assertThat(theirs.get("k")).contains("v");
    assertThat(theirs.name()).isEqualTo(name);
    assertThat(theirs.size()).isEqualTo(1);
    assertThat(theirs.isEmpty()).isFalse();
  }

  @Test
  void getRequireGetOrDefaultAndContainsKey() {
    IpcDict<String> d = client.dict(EmbeddedBroker.uniqueName("d"));
    d.put("a", "1");
    d.put("", "empty key");
    assertThat(d.get("a")).contains("1");
    assertThat(d.get("")).contains("empty key");
    assertThat(d.get("missing")).isEmpty();
    assertThat(d.getOrDefault("missing", "dflt")).isEqualTo("dflt");
    assertThat(d.require("a")).isEqualTo("1");
    assertFails(() -> d.require("missing"), IpcBrokerException.Code.NOT_FOUND, "KEY_NOT_FOUND");
    assertThat(d.containsKey("a")).isTrue();
    assertThat(d.containsKey("missing")).isFalse();
  }

  @Test
  void anEmptyStringIsAValueNotAMissingKey() {
    IpcDict<String> d = client.dict(EmbeddedBroker.uniqueName("d"));
    d.put("k", "");
    assertThat(d.get("k")).contains("");
    assertThat(d.remove("k")).contains("");
    assertThat(d.remove("k")).isEmpty();
  }

  @Test
  void removePopSetDefaultUpdateAndClear() {
    IpcDict<String> d = client.dict(EmbeddedBroker.uniqueName("d"));
    Map<String, String> batch = new LinkedHashMap<>();
    batch.put("x", "1");
    batch.put("y", "2");
    batch.put("z", "3");
    d.update(batch);
    assertThat(all(d.keys())).containsExactly("x", "y", "z");
    assertThat(d.pop("x")).isEqualTo("1");
    assertFails(() -> d.pop("x"), IpcBrokerException.Code.NOT_FOUND, "KEY_NOT_FOUND");
    assertThat(d.remove("y")).contains("2");
    assertThat(d.setDefault("z", "other")).isEqualTo("3");
    assertThat(d.setDefault("w", "new")).isEqualTo("new");
    assertThat(all(d.items())).containsExactly(Map.entry("z", "3"), Map.entry("w", "new"));
    d.clear();
    assertThat(d.size()).isZero();
    assertThat(d.isEmpty()).isTrue();
  }

  @Test
  void compareAndSetWithNullForAbsentAndForDelete() {
    IpcDict<String> d = client.dict(EmbeddedBroker.uniqueName("d"));
    assertThat(d.compareAndSet("k", null, "1")).isTrue();
    assertThat(d.compareAndSet("k", null, "2")).isFalse();
    assertThat(d.compareAndSet("k", "0", "2")).isFalse();
    assertThat(d.compareAndSet("k", "1", "2")).isTrue();
    assertThat(d.get("k")).contains("2");
    assertThat(d.compareAndSet("k", "2", null)).isTrue();
    assertThat(d.containsKey("k")).isFalse();
  }

  @Test
  void iterationsFetchPagesLazilyInInsertionOrder() {
    IpcDict<String> d = client.dict(EmbeddedBroker.uniqueName("d"));
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 2500; i++) {
      many.put("k" + i, "v" + i);
    }
    d.update(many);
    assertThat(all(d.keys())).containsExactlyElementsOf(many.keySet());
    assertThat(all(d.values())).containsExactlyElementsOf(many.values());
    assertThat(all(d.items())).containsExactlyElementsOf(many.entrySet());

    // Changes during an iteration: no exception; survivors once, additions at the end.
    Iterator<String> keys = d.keys().iterator();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      seen.add(keys.next());
    }
    d.remove("k5"); // seen already
    d.remove("k2000"); // not yet seen: never seen
    d.put("late", "v");
    keys.forEachRemaining(seen::add);
    assertThat(seen).hasSize(2500).doesNotHaveDuplicates().doesNotContain("k2000").endsWith("late");
    assertThat(all(client.dict(EmbeddedBroker.uniqueName("empty")).keys())).isEmpty();
  }

  @Test
  void codecsCarryOtherTypesAndUndecodableValuesThrowWithTheirBytes() {
    String name = EmbeddedBroker.uniqueName("d");
    IpcDict<Payload> protos = client.dict(name, Codecs.protobuf(Payload.getDefaultInstance()));
    Payload p = Payload.newBuilder().setContentType("x/y").build();
    protos.put("p", p);
    assertThat(protos.get("p")).contains(p);

    IpcDict<byte[]> raw = other.dict(name, Codecs.bytes());
    raw.put("junk", new byte[] {(byte) 0xff, 1});
    assertThatThrownBy(() -> protos.get("junk"))
        .isInstanceOfSatisfying(
            ItemDecodeException.class, e -> assertThat(e.data()).containsExactly(0xff, 1));
  }

  @Test
  void limitsAndMissingDictsSurfaceAsReasons() {
    String name = EmbeddedBroker.uniqueName("d");
    IpcDict<String> d = client.dict(name);
    assertFails(
        () -> d.put("k".repeat(1025), "v"),
        IpcBrokerException.Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE");
    assertFails(
        () -> d.put("big", "x".repeat(4 << 20)),
        IpcBrokerException.Code.INVALID_ARGUMENT,
        "ITEM_TOO_LARGE");
    assertFails(
        () -> client.dict("no spaces"), IpcBrokerException.Code.INVALID_ARGUMENT, "INVALID_NAME");

    assertThat(client.deleteDict(name)).isTrue();
    assertThat(client.deleteDict(name)).isFalse();
    assertFails(() -> d.get("k"), IpcBrokerException.Code.NOT_FOUND, "DICT_NOT_FOUND");
    assertFails(
        () -> d.keys().iterator().hasNext(), IpcBrokerException.Code.NOT_FOUND, "DICT_NOT_FOUND");
  }

  @Test
  void racingSetDefaultsAgreeOnOneWinner() throws Exception {
    String name = EmbeddedBroker.uniqueName("d");
    IpcDict<String> a = client.dict(name);
    IpcDict<String> b = other.dict(name);
    for (int round = 0; round < 200; round++) {
      String key = "k" + round;
      CompletableFuture<String> fa =
          CompletableFuture.supplyAsync(() -> a.setDefault(key, "a"), threads);
      CompletableFuture<String> fb =
          CompletableFuture.supplyAsync(() -> b.setDefault(key, "b"), threads);
      String fromA = fa.get(10, TimeUnit.SECONDS);
      String fromB = fb.get(10, TimeUnit.SECONDS);
      String winner = a.require(key);
      assertThat(winner).isIn("a", "b");
      assertThat(fromA).isEqualTo(winner);
      assertThat(fromB).isEqualTo(winner);
    }
  }

  // ---- namespaces ----

  @Test
  void namespacesShareAttributesAndAreDictsUnderneath() {
    String name = EmbeddedBroker.uniqueName("ns");
    IpcNamespace<String> mine = client.namespace(name);
    IpcNamespace<String> theirs = other.namespace(name);
    assertThat(mine.name()).isEqualTo(name);
    mine.set("mode", "fast");
    assertThat(theirs.get("mode")).contains("fast");
    assertThat(theirs.require("mode")).isEqualTo("fast");
    assertThat(theirs.has("mode")).isTrue();
    assertThat(client.dict(name).get("mode")).as("the same dict").contains("fast");

    assertThat(theirs.delete("mode")).isTrue();
    assertThat(mine.delete("mode")).isFalse();
    assertThat(mine.has("mode")).isFalse();
    assertThat(mine.get("mode")).isEqualTo(Optional.empty());
    assertFails(() -> mine.require("mode"), IpcBrokerException.Code.NOT_FOUND, "KEY_NOT_FOUND");
  }

  @Test
  void attributesStartingWithAnUnderscoreAreRefusedAsPythonKeepsThemLocal() {
    IpcNamespace<String> ns = client.namespace(EmbeddedBroker.uniqueName("ns"));
    assertThatThrownBy(() -> ns.set("_private", "v")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ns.get("_x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ns.has("__dict__")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ns.delete("_x")).isInstanceOf(IllegalArgumentException.class);
    ns.set("a_b", "fine");
    assertThat(ns.require("a_b")).isEqualTo("fine");
  }

  // ---- the README ----

  @Test
  void readmeExampleRunsAndPrintsWhatTheReadmeSays() {
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      ContainerTutorialExample.run(client);
    } finally {
      System.setOut(stdout);
      client.deleteDict("scores");
      client.deleteList("log");
      client.deleteDict("config");
    }
    assertThat(captured.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("alice=4", "bob=0", "none", "[x, c]", "a", "fast");
  }

  @Test
  void readmeShowsTheExampleVerbatim() throws IOException {
    List<String> source =
        Files.readAllLines(
            Path.of("src/test/java/io/ipcbroker/client/ContainerTutorialExample.java"));
    int begin = source.indexOf("    // README:begin");
    int end = source.indexOf("    // README:end");
    assertThat(begin).isNotNegative();
    assertThat(end).isGreaterThan(begin);
    String block =
        source.subList(begin + 1, end).stream()
            .map(line -> line.isEmpty() ? line : line.substring(4))
            .collect(Collectors.joining("\n", "```java\n", "\n```\n"));
    assertThat(Files.readString(Path.of("../README.md"))).contains(block);
  }
}
