package io.ipcbroker.client;

import java.util.List;
import java.util.Map;

/**
 * The README's dicts, lists and namespaces example. The lines between the markers are the README's
 * code block, verbatim ({@code IpcDictTest} checks both: that it runs and prints what the README
 * says, and that the README shows exactly this text).
 */
final class ContainerTutorialExample {
  private ContainerTutorialExample() {}

  static void run(IpcBroker broker) {
    // README:begin
    IpcDict<String> scores = broker.dict("scores"); // Manager().dict(), shared by name
    scores.put("alice", "3");
    scores.setDefault("bob", "0"); // sets a missing key only, atomically
    scores.compareAndSet("alice", "3", "4"); // true: alice held "3"
    for (Map.Entry<String, String> e : scores.items()) { // insertion order, fetched in pages
      System.out.println(e.getKey() + "=" + e.getValue()); // alice=4, then bob=0
    }
    System.out.println(scores.get("carol").orElse("none")); // none; require("carol"): KEY_NOT_FOUND

    IpcList<String> log = broker.list("log"); // Manager().list()
    log.extend(List.of("a", "b", "c"));
    log.insert(-1, "x"); // Python's insert: [a, b, x, c]
    System.out.println(log.slice(-2, Integer.MAX_VALUE)); // log[-2:] is [x, c]
    System.out.println(log.pop(0)); // a; get(9) is INDEX_OUT_OF_RANGE

    IpcNamespace<String> config = broker.namespace("config"); // Manager().Namespace()
    config.set("mode", "fast"); // config._x would be refused
    System.out.println(config.require("mode")); // fast
    // README:end
  }
}
