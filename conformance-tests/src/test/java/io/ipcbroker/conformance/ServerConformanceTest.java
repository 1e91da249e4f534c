package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What tools see of the broker: gRPC health v1, and server reflection v1 and v1alpha (what grpcurl
 * uses) listing and describing the broker's services.
 */
@Timeout(60)
class ServerConformanceTest {
  private static final String QUEUE_SERVICE = "ipcbroker.v1.QueueService";
  private static final String SESSION_SERVICE = "ipcbroker.v1.SessionService";

  private final TestBroker broker = new TestBroker();

  @AfterEach
  void cleanUp() {
    broker.close();
  }

  private HealthGrpc.HealthBlockingStub health() {
    return HealthGrpc.newBlockingStub(broker.channel())
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  @ParameterizedTest(name = "service \"{0}\"")
  @ValueSource(strings = {"", QUEUE_SERVICE, SESSION_SERVICE})
  void healthCheckAnswersServing(String service) {
    assertThat(
            health().check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void healthCheckOfAServiceTheBrokerDoesNotServeFailsWithNotFound() {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                health()
                    .check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  /** Sends one request on a reflection stream and returns the first response. */
  private static <Q, R> R reflect(Function<StreamObserver<R>, StreamObserver<Q>> start, Q request) {
    CompletableFuture<R> response = new CompletableFuture<>();
    StreamObserver<Q> requests =
        start.apply(
            new StreamObserver<>() {
              @Override
              public void onNext(R value) {
                response.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                response.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                response.completeExceptionally(new AssertionError("no response"));
              }
            });
    requests.onNext(request);
    R r = Futures.get(response, Duration.ofSeconds(10));
    requests.onCompleted();
    return r;
  }

  private static void assertDescribesQueueService(List<ByteString> files) {
    List<String> methods = new ArrayList<>();
    for (ByteString bytes : files) {
      FileDescriptorProto file;
      try {
        file = FileDescriptorProto.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      if (!file.getPackage().equals("ipcbroker.v1")) {
        continue;
      }
      for (ServiceDescriptorProto s : file.getServiceList()) {
        if (s.getName().equals("QueueService")) {
          s.getMethodList().stream().map(MethodDescriptorProto::getName).forEach(methods::add);
        }
      }
    }
    assertThat(methods)
        .contains(
            "CreateQueue",
            "GetQueue",
            "ListQueues",
            "DeleteQueue",
            "PutItems",
            "Consume",
            "PutItem",
            "GetItem",
            "TaskDone",
            "JoinQueue");
  }

  @Test
  void reflectionV1ListsAndDescribesTheBrokersServices() {
    var stub =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(broker.channel())
            .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    var listed =
        reflect(
            stub::serverReflectionInfo,
            io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                .setListServices("*")
                .build());
    assertThat(
            listed.getListServicesResponse().getServiceList().stream()
                .map(io.grpc.reflection.v1.ServiceResponse::getName))
        .contains(QUEUE_SERVICE, SESSION_SERVICE);

    var described =
        reflect(
            stub::serverReflectionInfo,
            io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol(QUEUE_SERVICE)
                .build());
    assertDescribesQueueService(described.getFileDescriptorResponse().getFileDescriptorProtoList());
  }

  @Test
  void reflectionV1alphaListsAndDescribesTheBrokersServices() {
    @SuppressWarnings("deprecation")
    var stub =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(broker.channel())
            .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    @SuppressWarnings("deprecation")
    var listed =
        reflect(
            stub::serverReflectionInfo,
            io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                .setListServices("*")
                .build());
    @SuppressWarnings("deprecation")
    var names =
        listed.getListServicesResponse().getServiceList().stream()
            .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
            .toList();
    assertThat(names).contains(QUEUE_SERVICE, SESSION_SERVICE);

    @SuppressWarnings("deprecation")
    var described =
        reflect(
            stub::serverReflectionInfo,
            io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol(QUEUE_SERVICE)
                .build());
    assertDescribesQueueService(described.getFileDescriptorResponse().getFileDescriptorProtoList());
  }
}
