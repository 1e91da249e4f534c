package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.ipcbroker.v1.AdminServiceGrpc;
import io.ipcbroker.v1.BarrierServiceGrpc;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.ErrorReason;
import io.ipcbroker.v1.EventServiceGrpc;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.LockServiceGrpc;
import io.ipcbroker.v1.PipeServiceGrpc;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.ProcessServiceGrpc;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.SemaphoreServiceGrpc;
import io.ipcbroker.v1.SessionServiceGrpc;
import io.ipcbroker.v1.ValueServiceGrpc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random requests to every method of every service, from a printed seed: messages whose fields take
 * edge values (empty, huge and ill-formed names, extreme and non-finite numbers, unknown enum
 * values, nested messages), the same bytes with random corruption, and plain random bytes. Each
 * call must end with a documented answer: success, or a status with the broker's {@code ErrorInfo}
 * and a reason of {@code ErrorReason}; never {@code INTERNAL}, {@code UNKNOWN}, {@code DATA_LOSS}
 * or {@code UNIMPLEMENTED}. Afterwards the broker still serves and a queue the requests could not
 * name still holds its items, in order.
 *
 * <p>{@code -Dipcbroker.fuzzSeed=N} replays a run; {@code -Dipcbroker.fuzzCases=N} sets the cases
 * per method (default 12). Calls run 64 at a time with a 2 s deadline, so a request that parks (a
 * huge timeout) ends with the client's {@code DEADLINE_EXCEEDED}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FuzzConformanceTest {
  private static final long SEED = Long.getLong("ipcbroker.fuzzSeed", System.nanoTime());
  private static final int CASES = Integer.getInteger("ipcbroker.fuzzCases", 12);
  private static final int IN_FLIGHT = 64;
  private static final Set<Status.Code> NEVER =
      EnumSet.of(
          Status.Code.INTERNAL,
          Status.Code.UNKNOWN,
          Status.Code.DATA_LOSS,
          Status.Code.UNIMPLEMENTED);
  // Ended by this test's own deadline or cancel: no ErrorInfo to expect.
  private static final Set<Status.Code> CLIENT_SIDE =
      EnumSet.of(Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED);
  private static final Set<String> REASONS =
      Arrays.stream(ErrorReason.values())
          .filter(r -> r != ErrorReason.UNRECOGNIZED)
          .map(Enum::name)
          .collect(Collectors.toSet());
  private static final List<ServiceDescriptor> SERVICES =
      List.of(
          SessionServiceGrpc.getServiceDescriptor(),
          QueueServiceGrpc.getServiceDescriptor(),
          ProcessServiceGrpc.getServiceDescriptor(),
          ValueServiceGrpc.getServiceDescriptor(),
          LockServiceGrpc.getServiceDescriptor(),
          SemaphoreServiceGrpc.getServiceDescriptor(),
          EventServiceGrpc.getServiceDescriptor(),
          BarrierServiceGrpc.getServiceDescriptor(),
          PipeServiceGrpc.getServiceDescriptor(),
          DictServiceGrpc.getServiceDescriptor(),
          ListServiceGrpc.getServiceDescriptor(),
          PoolServiceGrpc.getServiceDescriptor(),
          AdminServiceGrpc.getServiceDescriptor());

  private final String run = Rpc.uniqueName("fz");
  private List<String> strings;

  @Test
  void everyMethodAnswersRandomRequestsWithADocumentedStatus() throws Exception {
    System.out.println(
        "FuzzConformanceTest seed " + SEED + " (replay: -Dipcbroker.fuzzSeed=" + SEED + ")");
    try (TestBroker broker = new TestBroker()) {
      String victim = broker.createQueue("fz-victim", 0);
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        kept.add("kept-" + i);
      }
      broker.put(victim, kept.toArray(new String[0]));
      String session = broker.createSession(120).getSessionId();
      strings = stringPool(session);

      // In the embedded broker, grpc-java reports an exception that escaped a call's listener
      // (which the client never sees) as a SEVERE log record: those count as failures too.
      List<String> severe = new java.util.concurrent.CopyOnWriteArrayList<>();
      Logger grpcLog = Logger.getLogger("io.grpc");
      Handler recorder =
          new Handler() {
            @Override
            public void publish(LogRecord record) {
              if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(record.getMessage() + ": " + record.getThrown());
              }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
          };
      grpcLog.addHandler(recorder);
      Map<String, Integer> outcomes = new TreeMap<>();
      ManagedChannel channel = broker.newChannel();
      try {
        Random seeds = new Random(SEED);
        List<Case> cases = new ArrayList<>();
        for (ServiceDescriptor service : SERVICES) {
          for (MethodDescriptor<?, ?> m : service.getMethods()) {
            for (int i = 0; i < CASES; i++) {
              cases.add(new Case(m, seeds.nextLong(), i % 4));
            }
          }
        }
        List<String> failures = new ArrayList<>();
        for (int from = 0; from < cases.size(); from += IN_FLIGHT) {
          List<Case> batch = cases.subList(from, Math.min(cases.size(), from + IN_FLIGHT));
          List<CompletableFuture<Ended>> ends = new ArrayList<>();
          for (Case c : batch) {
            ends.add(call(channel, c));
          }
          for (int i = 0; i < batch.size(); i++) {
            Ended e = ends.get(i).get(30, TimeUnit.SECONDS);
            outcomes.merge(outcome(e), 1, Integer::sum);
            String problem = check(e);
            if (problem != null) {
              failures.add(batch.get(i) + ": " + problem);
            }
          }
        }
        System.out.println("FuzzConformanceTest outcomes: " + outcomes);
        assertThat(failures).as("seed %d", SEED).isEmpty();
        assertThat(severe).as("seed %d", SEED).isEmpty();
        assertThat(cases.size()).isGreaterThan(500);
      } finally {
        grpcLog.removeHandler(recorder);
        ConformanceTarget.close(channel);
        cleanUp(broker); // the session goes when the TestBroker closes
      }
      // Nothing it could not name was touched, and the broker still serves.
      assertThat(broker.take(victim, kept.size())).containsExactlyElementsOf(kept);
    }
  }

  /** The code and reason of an ending, for the run's summary. */
  private static String outcome(Ended e) {
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(e.status, e.trailers);
    if (details != null && details.getDetailsCount() == 1) {
      try {
        return e.status.getCode() + "/" + details.getDetails(0).unpack(ErrorInfo.class).getReason();
      } catch (InvalidProtocolBufferException ex) {
        return e.status.getCode() + "/?";
      }
    }
    return e.status.getCode().toString();
  }

  /** Why an ending is not a documented one, or null if it is. */
  private static String check(Ended e) {
    Status.Code code = e.status.getCode();
    if (NEVER.contains(code)) {
      return code + " " + e.status.getDescription();
    }
    if (code == Status.Code.OK || CLIENT_SIDE.contains(code)) {
      return null;
    }
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(e.status, e.trailers);
    if (details == null || details.getDetailsCount() != 1) {
      return code + " without ErrorInfo: " + e.status.getDescription();
    }
    try {
      ErrorInfo info = details.getDetails(0).unpack(ErrorInfo.class);
      if (!info.getDomain().equals("ipcbroker.dev") || !REASONS.contains(info.getReason())) {
        return code + " with an undocumented reason " + info.getDomain() + "/" + info.getReason();
      }
    } catch (InvalidProtocolBufferException ex) {
      return code + " whose detail is not an ErrorInfo";
    }
    return null;
  }

  // ---- the requests ----

  /** One call: a method, the seed of its requests, and how they are made. */
  private record Case(MethodDescriptor<?, ?> method, long seed, int mode) {
    @Override
    public String toString() {
      return method.getFullMethodName() + " seed " + seed + " mode " + mode;
    }
  }

  private record Ended(Status status, Metadata trailers) {}

  /** Sends 1 to 3 requests of {@code c} (one for a unary method), half-closes, reads answers. */
  private CompletableFuture<Ended> call(ManagedChannel channel, Case c) {
    Random r = new Random(c.seed);
    Descriptor type = Rpc.requestType(c.method);
    ClientCall<byte[], byte[]> call =
        channel.newCall(
            Rpc.raw(c.method), CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS));
    CompletableFuture<Ended> ended = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            ended.complete(new Ended(status, trailers));
          }
        },
        new Metadata());
    call.request(1);
    // A method that takes one request sometimes gets none or two: a framing mistake the broker
    // must answer as well as any other.
    int n =
        c.method.getType().clientSendsOneMessage()
            ? (r.nextInt(8) == 0 ? 2 * r.nextInt(2) : 1)
            : 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      call.sendMessage(requestBytes(type, r, c.mode));
    }
    call.halfClose();
    return ended;
  }

  /** Mode 0 and 1: a random message; 2: one with random bytes flipped or cut; 3: random bytes. */
  private byte[] requestBytes(Descriptor type, Random r, int mode) {
    if (mode == 3) {
      byte[] b = new byte[r.nextInt(64)];
      r.nextBytes(b);
      return b;
    }
    byte[] b = randomMessage(type, r, 0).toByteArray();
    if (mode == 2 && b.length > 0) {
      if (r.nextBoolean()) {
        b = Arrays.copyOf(b, r.nextInt(b.length));
      } else {
        for (int i = 0; i < 1 + r.nextInt(4); i++) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
      }
    }
    return b;
  }

  private Message randomMessage(Descriptor type, Random r, int depth) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor f : type.getFields()) {
      if (r.nextInt(10) < 4) {
        continue;
      }
      if (f.isRepeated()) {
        for (int i = r.nextInt(4); i > 0; i--) {
          b.addRepeatedField(f, randomValue(f, r, depth));
        }
      } else if (f.getRealContainingOneof() == null || !b.hasOneof(f.getRealContainingOneof())) {
        b.setField(f, randomValue(f, r, depth));
      }
    }
    return b.build();
  }

  private Object randomValue(FieldDescriptor f, Random r, int depth) {
    switch (f.getJavaType()) {
      case INT:
        return pick(r, 0, 1, 2, -1, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE, r.nextInt());
      case LONG:
        return pick(r, 0L, 1L, -1L, 1000L, Long.MAX_VALUE, Long.MIN_VALUE, r.nextLong());
      case FLOAT:
        return pick(r, 0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.MAX_VALUE);
      case DOUBLE:
        return pick(
            r,
            0d,
            0.01,
            1d,
            -1d,
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            1e300,
            Double.MIN_VALUE);
      case BOOLEAN:
        return r.nextBoolean();
      case STRING:
        return strings.get(r.nextInt(strings.size()));
      case BYTE_STRING:
        byte[] bytes = new byte[pick(r, 0, 1, 16, 1000, 70_000)];
        r.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
      case ENUM:
        List<EnumValueDescriptor> values = f.getEnumType().getValues();
        return r.nextInt(4) == 0
            ? f.getEnumType().findValueByNumberCreatingIfUnknown(50 + r.nextInt(1000))
            : values.get(r.nextInt(values.size()));
      case MESSAGE:
        return depth < 3
            ? randomMessage(f.getMessageType(), r, depth + 1)
            : DynamicMessage.getDefaultInstance(f.getMessageType());
      default:
        throw new AssertionError(f.getJavaType());
    }
  }

  @SafeVarargs
  private static <V> V pick(Random r, V... values) {
    return values[r.nextInt(values.length)];
  }

  /**
   * Names this run's requests may use: a few valid names of its own (so that some calls reach the
   * objects), its session, and ill-formed ones. None names an executable, so no process starts.
   */
  private List<String> stringPool(String session) {
    return List.of(
        "",
        run + "-a",
        run + "-b",
        run + "-a.a",
        session,
        "proc-999999999",
        "x".repeat(129),
        "y".repeat(5000),
        "bad name/../",
        "ctl\u0001\u007f",
        "\u00e9t\u00e9-\u4e2d\u6587",
        "\ud83d\ude00",
        "-leading",
        "text/plain",
        "application/json",
        "0",
        "/");
  }

  /** Deletes what the requests may have created under any name of the pool. */
  private void cleanUp(TestBroker broker) {
    for (String name : strings) {
      for (ServiceDescriptor s : SERVICES) {
        for (MethodDescriptor<?, ?> m : s.getMethods()) {
          if (m.getBareMethodName() != null && m.getBareMethodName().startsWith("Delete")) {
            deleteQuietly(broker, m, name);
          }
        }
      }
    }
  }

  private static void deleteQuietly(TestBroker broker, MethodDescriptor<?, ?> m, String name) {
    Descriptor type = Rpc.requestType(m);
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    FieldDescriptor nameField = type.findFieldByName("name");
    if (nameField == null || m.getType() != MethodDescriptor.MethodType.UNARY) {
      return;
    }
    b.setField(nameField, name);
    for (String flag : new String[] {"force", "allow_missing"}) {
      FieldDescriptor f = type.findFieldByName(flag);
      if (f != null && f.getJavaType() == FieldDescriptor.JavaType.BOOLEAN) {
        b.setField(f, true);
      }
    }
    try {
      io.grpc.stub.ClientCalls.blockingUnaryCall(
          broker.channel(),
          Rpc.raw(m),
          CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
          b.build().toByteArray());
    } catch (RuntimeException e) {
      // Not there, or not deletable that way: nothing to clean.
    }
  }
}
