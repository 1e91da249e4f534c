package io.ipcbroker.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.ipcbroker.v1.ErrorReason;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the server's {@link Reason} and the contract's {@code ipcbroker.v1.ErrorReason} in step,
 * and pins the status code of every reason to the one error_reason.proto documents.
 */
@Timeout(60)
class ReasonTest {
  // Values of the contract that are never sent as a status (or are protobuf's own).
  private static final Set<String> NOT_SENT =
      Set.of(
          "ERROR_REASON_UNSPECIFIED",
          "QUEUE_EMPTY",
          "QUEUE_FULL",
          "TASK_RAISED",
          "WORKER_DIED",
          "FUNCTION_NOT_FOUND",
          "POOL_TERMINATED",
          "UNRECOGNIZED");

  @Test
  void everyReasonExistsInTheContract() {
    Set<String> contract =
        Arrays.stream(ErrorReason.values()).map(Enum::name).collect(Collectors.toSet());
    for (Reason r : Reason.values()) {
      assertThat(contract).as("ErrorReason has %s", r).contains(r.name());
    }
  }

  @Test
  void everySentContractValueExistsAsReason() {
    Set<String> server = Arrays.stream(Reason.values()).map(Enum::name).collect(Collectors.toSet());
    for (ErrorReason r : ErrorReason.values()) {
      if (NOT_SENT.contains(r.name())) {
        continue;
      }
      assertThat(server).as("Reason has %s", r).contains(r.name());
    }
  }

  @Test
  void notSentValuesAreNotReasons() {
    for (Reason r : Reason.values()) {
      assertThat(NOT_SENT).doesNotContain(r.name());
    }
  }

  @Test
  void codesAreTheDocumentedOnes() {
    // As written next to each value in error_reason.proto.
    Map<Reason, ErrorCode> documented =
        Map.ofEntries(
            Map.entry(Reason.INVALID_NAME, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.INVALID_TIMEOUT, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.FIELD_REQUIRED, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.INVALID_FIELD_VALUE, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.ITEM_TOO_LARGE, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.STREAM_PROTOCOL_VIOLATION, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.MALFORMED_REQUEST, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.EXECUTABLE_NOT_FOUND, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.CWD_NOT_FOUND, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.SIGNAL_NOT_ALLOWED, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.REDIRECT_FAILED, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.TYPE_MISMATCH, ErrorCode.INVALID_ARGUMENT),
            Map.entry(Reason.SESSION_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.QUEUE_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.UID_MISMATCH, ErrorCode.NOT_FOUND),
            Map.entry(Reason.OBJECT_DELETED, ErrorCode.NOT_FOUND),
            Map.entry(Reason.DELIVERY_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.PROCESS_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.VALUE_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.PIPE_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.QUEUE_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.VALUE_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.PIPE_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.CONFIG_MISMATCH, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.QUEUE_NOT_EMPTY, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.QUEUE_IN_USE, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.TASK_DONE_TOO_MANY_TIMES, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.QUEUE_NOT_JOINABLE, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.PROCESS_ALREADY_STARTED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.PROCESS_NOT_STARTED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.PROCESS_RUNNING, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.OUTPUT_NOT_CAPTURED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.SPAWN_FAILED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.NO_LOCK, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.LOCK_NOT_OWNED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.PIPE_CLOSED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.PIPE_WRONG_DIRECTION, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.LOCK_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.SEMAPHORE_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.CONDITION_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.EVENT_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.BARRIER_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.DICT_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.LIST_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.KEY_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.LOCK_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.SEMAPHORE_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.CONDITION_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.EVENT_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.BARRIER_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.DICT_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.LIST_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.SEMAPHORE_OVER_RELEASED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.BARRIER_BROKEN, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.POOL_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.TASK_NOT_FOUND, ErrorCode.NOT_FOUND),
            Map.entry(Reason.POOL_ALREADY_EXISTS, ErrorCode.ALREADY_EXISTS),
            Map.entry(Reason.POOL_CLOSED, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.POOL_BROKEN, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.POOL_RUNNING, ErrorCode.FAILED_PRECONDITION),
            Map.entry(Reason.LIMIT_EXCEEDED, ErrorCode.RESOURCE_EXHAUSTED),
            Map.entry(Reason.QUOTA_EXCEEDED, ErrorCode.RESOURCE_EXHAUSTED),
            Map.entry(Reason.SPAWN_DISABLED, ErrorCode.PERMISSION_DENIED),
            Map.entry(Reason.EXECUTABLE_NOT_ALLOWED, ErrorCode.PERMISSION_DENIED),
            Map.entry(Reason.TOKEN_MISSING, ErrorCode.UNAUTHENTICATED),
            Map.entry(Reason.TOKEN_INVALID, ErrorCode.UNAUTHENTICATED),
            Map.entry(Reason.TOKEN_EXPIRED, ErrorCode.UNAUTHENTICATED),
            Map.entry(Reason.TOKEN_REPLAYED, ErrorCode.UNAUTHENTICATED),
            Map.entry(Reason.SERVER_SHUTTING_DOWN, ErrorCode.UNAVAILABLE),
            Map.entry(Reason.VALUE_OUT_OF_RANGE, ErrorCode.OUT_OF_RANGE),
            Map.entry(Reason.INDEX_OUT_OF_RANGE, ErrorCode.OUT_OF_RANGE),
            Map.entry(Reason.PIPE_EOF, ErrorCode.OUT_OF_RANGE),
            Map.entry(Reason.MESSAGE_TOO_LONG, ErrorCode.OUT_OF_RANGE),
            Map.entry(Reason.LOCK_TIMEOUT, ErrorCode.DEADLINE_EXCEEDED));
    assertThat(documented.keySet()).isEqualTo(EnumSet.allOf(Reason.class));
    for (Reason r : Reason.values()) {
      assertThat(r.code()).as("code of %s", r).isEqualTo(documented.get(r));
    }
  }
}
