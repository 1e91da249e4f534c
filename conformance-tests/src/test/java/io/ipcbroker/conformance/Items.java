package io.ipcbroker.conformance;

import com.google.protobuf.ByteString;
import io.ipcbroker.v1.Delivery;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PullResult;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Text payloads, the way the tutorial's strings and numbers travel through a queue. */
public final class Items {
  private Items() {}

  /** UTF-8 text as a {@code text/plain} payload. */
  public static Payload text(String s) {
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(s, StandardCharsets.UTF_8))
        .setContentType("text/plain; charset=utf-8")
        .build();
  }

  /** Several texts as payloads, in order. */
  public static List<Payload> texts(String... s) {
    return Arrays.stream(s).map(Items::text).toList();
  }

  /** The text of a delivery. */
  public static String text(Delivery d) {
    return d.getPayload().getData().toString(StandardCharsets.UTF_8);
  }

  /** The texts of a pull's deliveries, in order. */
  public static List<String> texts(PullResult r) {
    return r.getDeliveriesList().stream().map(Items::text).toList();
  }

  /** The delivery ids of a pull's deliveries, in order. */
  public static long[] ids(PullResult r) {
    return r.getDeliveriesList().stream().mapToLong(Delivery::getDeliveryId).toArray();
  }
}
