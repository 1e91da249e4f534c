package io.ipcbroker.conformance;

import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Payload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-item records of one race phase: every item sent and whether its put was answered OK, every
 * receipt (who got it, with the delivery's id, {@code redelivered} flag and count), and the
 * deliveries seen but not used, so that a lost or duplicated item can be traced afterwards.
 *
 * <p>Thread-safe. Items are numbered by the producers; the payload is the number in decimal.
 */
final class RaceLedger {
  /** Who received an item. */
  enum By {
    /** A consumer in the test's JVM, which stayed alive: its receipt counts as final. */
    LIVE,
    /** A child process that was SIGKILLed afterwards: the item may come again. */
    CHILD,
    /** The final drain of the queue. */
    DRAIN
  }

  /** One receipt of an item. */
  record Receipt(By by, String who, long deliveryId, boolean redelivered, int deliveryCount) {
    @Override
    public String toString() {
      return who
          + "#"
          + deliveryId
          + "(count="
          + deliveryCount
          + (redelivered ? ",redel" : "")
          + ")";
    }
  }

  private static final class Item {
    volatile boolean putOk;
    final List<Receipt> receipts = new ArrayList<>(1); // guarded by this
    final List<String> notes = new ArrayList<>(0); // guarded by this
  }

  private final Map<Long, Item> items = new ConcurrentHashMap<>();
  private final Map<Long, List<Receipt>> unknown = new ConcurrentHashMap<>();

  /** The payload of item {@code id}. */
  static Payload payload(long id) {
    return PutClient.text(Long.toString(id));
  }

  /** The number of the item {@code d} carries. */
  static long itemId(Delivery d) {
    return Long.parseLong(d.getPayload().getData().toString(StandardCharsets.UTF_8));
  }

  /** Item {@code id} is about to be sent. */
  void sent(long id) {
    items.put(id, new Item());
  }

  /** The put of item {@code id} was answered OK: it must be accounted for. */
  void putOk(long id) {
    items.get(id).putOk = true;
  }

  /** Item {@code id} was received. */
  void receipt(long id, Receipt r) {
    Item item = items.get(id);
    if (item == null) {
      unknown.computeIfAbsent(id, k -> Collections.synchronizedList(new ArrayList<>())).add(r);
      return;
    }
    synchronized (item) {
      item.receipts.add(r);
    }
  }

  /** Records {@code d} as received by {@code who}. */
  void receipt(By by, String who, Delivery d) {
    receipt(
        itemId(d),
        new Receipt(by, who, d.getDeliveryId(), d.getRedelivered(), d.getDeliveryCount()));
  }

  /** Notes something that happened to an item without being a receipt (a nack, a cancel). */
  void note(long id, String event) {
    Item item = items.get(id);
    if (item != null) {
      synchronized (item) {
        item.notes.add(event);
      }
    }
  }

  /** The verdict over all items; call it once every client stopped and the queue was drained. */
  Verdict account() {
    Verdict v = new Verdict();
    v.unknown = unknown.size();
    items.forEach(
        (id, item) -> {
          List<Receipt> rs;
          synchronized (item) {
            rs = new ArrayList<>(item.receipts);
          }
          v.sent++;
          if (item.putOk) {
            v.putOk++;
          }
          rs.sort(Comparator.comparingInt(Receipt::deliveryCount));
          int live = 0;
          int drained = 0;
          for (Receipt r : rs) {
            switch (r.by()) {
              case LIVE -> live++;
              case CHILD -> v.childReceived++;
              case DRAIN -> drained++;
              default -> throw new AssertionError(r);
            }
            if (r.redelivered()) {
              v.redelivered++;
            }
          }
          v.liveReceived += live;
          v.drained += drained;
          if (rs.isEmpty()) {
            if (item.putOk) {
              v.lost++;
              v.sample(v.lostSamples, id, item, rs);
            }
            return;
          }
          if (rs.size() > 1) {
            v.receivedMoreThanOnce++;
          }
          if (live > 1) {
            v.dupLive++;
          }
          if (live > 0 && drained > 0) {
            v.liveAndDrained++;
          }
          if (live + drained > 1) {
            v.dup++;
          }
          boolean bad = live > 1 || drained > 1 || (live > 0 && drained > 0);
          for (int i = 0; i < rs.size(); i++) {
            Receipt r = rs.get(i);
            // Only a receiver that died before acking may have it before the final one...
            if (i < rs.size() - 1 && r.by() != By.CHILD) {
              bad = true;
            }
            // ...and every later delivery must say that the item may have been used already.
            if (i > 0 && !r.redelivered()) {
              v.unflaggedRedeliveries++;
              bad = true;
            }
            if (i > 0 && r.deliveryCount() == rs.get(i - 1).deliveryCount()) {
              bad = true;
            }
          }
          if (bad) {
            v.badDuplicates++;
            v.sample(v.duplicateSamples, id, item, rs);
          }
        });
    return v;
  }

  /** Counts over one phase's items; field names say what they count. */
  static final class Verdict {
    long sent;
    long putOk;
    long liveReceived;
    long childReceived;
    long drained;
    long redelivered;
    long receivedMoreThanOnce;
    long lost;
    long dup;
    long dupLive;
    long liveAndDrained;
    long badDuplicates;
    long unflaggedRedeliveries;
    long unknown;
    final List<String> lostSamples = new ArrayList<>();
    final List<String> duplicateSamples = new ArrayList<>();

    private void sample(List<String> samples, long id, Item item, List<Receipt> rs) {
      if (samples.size() < 20) {
        synchronized (item) {
          samples.add("item " + id + " receipts=" + rs + " notes=" + item.notes);
        }
      }
    }
  }
}
