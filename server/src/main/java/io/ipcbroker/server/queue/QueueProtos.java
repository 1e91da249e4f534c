package io.ipcbroker.server.queue;

import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.Payloads;
import io.ipcbroker.server.rpc.Timestamps;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PutResult;
import io.ipcbroker.v1.Queue;
import io.ipcbroker.v1.QueueKind;
import java.util.List;

/** Translations between the contract's messages and the queue core. */
final class QueueProtos {
  /** The longest content type accepted, in characters. */
  private QueueProtos() {}

  static Queue toProto(QueueInfo info) {
    Queue.Builder b =
        Queue.newBuilder()
            .setName(info.name())
            .setUid(info.uid())
            .setMaxsize(info.maxsize())
            .setKind(
                info.joinable() ? QueueKind.QUEUE_KIND_JOINABLE : QueueKind.QUEUE_KIND_STANDARD)
            .setOwnerSessionId(info.ownerSessionId())
            .setCreateTime(Timestamps.of(info.createTime()))
            .setSize(info.size())
            .setEmpty(info.empty())
            .setFull(info.full())
            .setUnfinishedTasks(info.unfinishedTasks())
            .setUnacked(info.unacked())
            .setWaitingGetters(info.waitingGetters())
            .setWaitingPutters(info.waitingPutters())
            .setWaitingJoiners(info.waitingJoiners())
            .setBytes(info.bytes())
            .setConsumers(info.consumers())
            .setPutCount(info.putCount())
            .setGetCount(info.getCount())
            .setRedeliveryCount(info.redeliveryCount());
    if (info.oldestItemAgeNanos() >= 0) {
      b.setOldestItemAge(Timestamps.ofNanos(info.oldestItemAgeNanos()));
    }
    return b.build();
  }

  static io.ipcbroker.v1.Delivery toProto(Delivery<Payload> d) {
    return io.ipcbroker.v1.Delivery.newBuilder()
        .setDeliveryId(d.deliveryId())
        .setPayload(d.item())
        .setRedelivered(d.redelivered())
        .setDeliveryCount(d.deliveryCount())
        .build();
  }

  static io.ipcbroker.v1.PullOutcome toProto(PullOutcome outcome) {
    return switch (outcome) {
      case DELIVERED -> io.ipcbroker.v1.PullOutcome.PULL_OUTCOME_DELIVERED;
      case EMPTY -> io.ipcbroker.v1.PullOutcome.PULL_OUTCOME_EMPTY;
      case REVOKED -> io.ipcbroker.v1.PullOutcome.PULL_OUTCOME_REVOKED;
    };
  }

  static PutResult toProto(long putId, PutOutcome outcome, int accepted) {
    return PutResult.newBuilder()
        .setPutId(putId)
        .setOutcome(toProto(outcome))
        .setAccepted(accepted)
        .build();
  }

  static io.ipcbroker.v1.PutOutcome toProto(PutOutcome outcome) {
    return switch (outcome) {
      case OK -> io.ipcbroker.v1.PutOutcome.PUT_OUTCOME_OK;
      case FULL -> io.ipcbroker.v1.PutOutcome.PUT_OUTCOME_FULL;
      case ABORTED -> io.ipcbroker.v1.PutOutcome.PUT_OUTCOME_ABORTED;
      case REVOKED -> io.ipcbroker.v1.PutOutcome.PUT_OUTCOME_REVOKED;
    };
  }

  /** Whether {@code kind} asks for a joinable queue; rejects values this broker does not know. */
  static boolean joinable(QueueKind kind) {
    return switch (kind) {
      case QUEUE_KIND_UNSPECIFIED, QUEUE_KIND_STANDARD -> false;
      case QUEUE_KIND_JOINABLE -> true;
      case UNRECOGNIZED ->
          throw BrokerException.of(
              Reason.INVALID_FIELD_VALUE,
              "kind is not a known QueueKind",
              "field",
              "kind",
              "value",
              "unrecognized");
    };
  }

  /**
   * Checks items before any of them is applied, so a bad item rejects its whole request.
   *
   * @throws BrokerException {@link Reason#ITEM_TOO_LARGE}, {@link Reason#INVALID_FIELD_VALUE}
   */
  static void checkItems(List<Payload> items, int maxItemBytes) {
    for (Payload p : items) {
      checkItem(p, maxItemBytes);
    }
  }

  static void checkItem(Payload p, int maxItemBytes) {
    Payloads.check(p, maxItemBytes);
  }
}
