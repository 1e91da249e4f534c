package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every RPC of the manager-object and pool services (locks, semaphores, events, barriers, dicts,
 * lists, pools; streams sent one request), sent an empty request and requests of random bytes: each
 * is answered at once with {@code INVALID_ARGUMENT} and a documented reason (never {@code INTERNAL}
 * or {@code UNKNOWN}), and the broker goes on serving. Seeds are fixed and printed.
 */
@Timeout(120)
class ManagerBadInputConformanceTest {
  private static final int RANDOM_REQUESTS = 20;
  private static final TestBroker broker = new TestBroker();

  @AfterAll
  static void close() {
    broker.close();
  }

  static Stream<MethodDescriptor<?, ?>> methods() {
    return Stream.of(
            LockServiceGrpc.getServiceDescriptor(),
            SemaphoreServiceGrpc.getServiceDescriptor(),
            EventServiceGrpc.getServiceDescriptor(),
            BarrierServiceGrpc.getServiceDescriptor(),
            DictServiceGrpc.getServiceDescriptor(),
            ListServiceGrpc.getServiceDescriptor(),
            PoolServiceGrpc.getServiceDescriptor())
        .flatMap((ServiceDescriptor s) -> s.getMethods().stream())
        // ListPools takes no input: there is nothing in its request to get wrong.
        .filter(m -> !m.getBareMethodName().equals("ListPools"));
  }

  /** Sends {@code body} as the raw request of {@code method}. */
  private static StatusRuntimeException send(MethodDescriptor<?, ?> method, byte[] body) {
    MethodDescriptor<byte[], byte[]> raw =
        Rpc.raw(method).toBuilder().setType(MethodDescriptor.MethodType.UNARY).build();
    return catchThrowableOfType(
        StatusRuntimeException.class,
        () ->
            ClientCalls.blockingUnaryCall(
                broker.channel(),
                raw,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                body));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("methods")
  void emptyAndRandomRequestsGetInvalidArgumentWithAReason(MethodDescriptor<?, ?> method) {
    StatusRuntimeException empty = send(method, new byte[0]);
    assertThat(empty).as("an empty request must fail").isNotNull();
    assertThat(empty.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Rpc.errorInfo(empty).getReason())
        .isIn("INVALID_NAME", "FIELD_REQUIRED", "INVALID_FIELD_VALUE", "STREAM_PROTOCOL_VIOLATION");

    long seed = method.getFullMethodName().hashCode();
    Random random = new Random(seed);
    for (int i = 0; i < RANDOM_REQUESTS; i++) {
      byte[] body = new byte[1 + random.nextInt(64)];
      random.nextBytes(body);
      StatusRuntimeException e = send(method, body);
      // Random bytes may happen to parse; whatever they say, the answer is a clean refusal.
      assertThat(e).as("seed %d, request %d", seed, i).isNotNull();
      assertThat(e.getStatus().getCode())
          .as("seed %d, request %d", seed, i)
          .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND);
      assertThat(Rpc.errorInfo(e).getReason()).as("seed %d, request %d", seed, i).isNotEmpty();
    }
    // Still serving.
    assertThat(broker.createQueue("after-bad-input", 0)).isNotEmpty();
  }
}
