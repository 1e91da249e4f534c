package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ValueClient.holder;
import static io.ipcbroker.conformance.ValueClient.i;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.ipcbroker.v1.AcquireValueLockRequest;
import io.ipcbroker.v1.AddAndGetRequest;
import io.ipcbroker.v1.CompareAndSetRequest;
import io.ipcbroker.v1.CreateArrayRequest;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.LockContext;
import io.ipcbroker.v1.ReleaseValueLockRequest;
import io.ipcbroker.v1.SetValueRequest;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input on every value call: invalid and unknown names, unknown typecodes, missing fields,
 * invalid timeouts. Each gets its documented status and reason (never {@code INTERNAL} or {@code
 * UNKNOWN}), changes nothing, and leaves the broker serving.
 */
@Timeout(60)
class ValueBadInputConformanceTest {
  private final TestBroker broker = new TestBroker();
  private final ValueClient values = new ValueClient(broker.channel());
  private String session;

  @BeforeEach
  void openSession() {
    session = broker.createSession(60).getSessionId();
  }

  @AfterEach
  void brokerStillServesThenCleanUp() {
    try {
      String name = values.createValue("vbad-after", "i", i(1));
      assertThat(values.add(name, 0, i(1))).isEqualTo(i(2));
    } finally {
      try {
        values.close();
      } finally {
        broker.close();
      }
    }
  }

  /** A call with a value name, in a session. */
  interface NamedAction {
    void call(ValueClient values, String name, String session);
  }

  /** Every call that takes a value name, made with that name and otherwise valid input. */
  enum NamedCall {
    CREATE_VALUE(
        (v, n, s) ->
            v.stub()
                .createValue(CreateValueRequest.newBuilder().setName(n).setTypecode("i").build())),
    CREATE_ARRAY(
        (v, n, s) ->
            v.stub()
                .createArray(
                    CreateArrayRequest.newBuilder()
                        .setName(n)
                        .setTypecode("i")
                        .setSize(2)
                        .build())),
    DESCRIBE_VALUE((v, n, s) -> v.describe(n)),
    DELETE_VALUE((v, n, s) -> v.delete(n)),
    GET_VALUE((v, n, s) -> v.slice(n, 0, 0, ValueClient.nowait())),
    SET_VALUE((v, n, s) -> v.set(n, i(1), ValueClient.nowait())),
    ADD_AND_GET((v, n, s) -> v.add(n, 0, i(1), ValueClient.nowait())),
    COMPARE_AND_SET((v, n, s) -> v.cas(n, 0, i(0), i(1), ValueClient.nowait())),
    ACQUIRE_VALUE_LOCK(
        (v, n, s) -> v.acquire(n, holder(s, "t").toBuilder().setNowait(true).build())),
    RELEASE_VALUE_LOCK((v, n, s) -> v.release(n, s, "t"));

    final NamedAction call;

    NamedCall(NamedAction call) {
      this.call = call;
    }
  }

  private static final List<String> INVALID_NAMES =
      List.of(
          "",
          "with space",
          "../x",
          "v".repeat(129),
          "-leading-dash",
          ".leading-dot",
          ":leading-colon",
          "a/b",
          "naïve",
          "tab\there");

  static Stream<Arguments> invalidNamesOnEveryCall() {
    return Arrays.stream(NamedCall.values())
        .flatMap(c -> INVALID_NAMES.stream().map(n -> Arguments.of(c, n)));
  }

  @ParameterizedTest(name = "{0} with \"{1}\"")
  @MethodSource("invalidNamesOnEveryCall")
  void invalidNameFailsWithInvalidName(NamedCall call, String name) {
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "INVALID_NAME", () -> call.call.call(values, name, session));
  }

  @ParameterizedTest
  @ValueSource(strings = {"_x", "9lives", "a.b:c-d_e", "V"})
  void namesFromTheAllowedAlphabetAreAccepted(String prefix) {
    String name = prefix + Rpc.uniqueName("");
    assertThat(
            values
                .create(CreateValueRequest.newBuilder().setName(name).setTypecode("i"))
                .getValue()
                .getName())
        .isEqualTo(name);
  }

  @Test
  void nameOf128CharactersIsAccepted() {
    String name = Rpc.uniqueName("long");
    String full = name + "x".repeat(128 - name.length());
    values.create(CreateValueRequest.newBuilder().setName(full).setTypecode("i"));
    assertThat(values.describe(full).getName()).hasSize(128);
  }

  @Test
  void valuesHaveANamespaceOfTheirOwn() {
    String name = Rpc.uniqueName("vbad-shared-name");
    broker.createQueue(CreateQueueRequest.newBuilder().setName(name));
    assertThat(
            values
                .create(CreateValueRequest.newBuilder().setName(name).setTypecode("i"))
                .getCreated())
        .isTrue();
    assertThat(broker.getQueue(name).getName()).isEqualTo(name);
  }

  @ParameterizedTest
  @EnumSource(
      value = NamedCall.class,
      names = {"CREATE_VALUE", "CREATE_ARRAY"},
      mode = EnumSource.Mode.EXCLUDE)
  void unknownNameFailsWithValueNotFound(NamedCall call) {
    String name = Rpc.uniqueName("vbad-unknown");
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> call.call.call(values, name, session));
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "u", "ii", "I ", " i", "int", "D", "C", "?", "\u0000"})
  void unknownTypecodeFailsWithInvalidFieldValueAndCreatesNothing(String typecode) {
    String value = Rpc.uniqueName("vbad-typecode");
    values.track(value);
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            values
                .stub()
                .createValue(
                    CreateValueRequest.newBuilder().setName(value).setTypecode(typecode).build()));
    String array = Rpc.uniqueName("vbad-typecode-arr");
    values.track(array);
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            values
                .stub()
                .createArray(
                    CreateArrayRequest.newBuilder()
                        .setName(array)
                        .setTypecode(typecode)
                        .setSize(2)
                        .build()));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(value));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(array));
  }

  @Test
  void createWithoutTypecodeFailsWithFieldRequired() {
    String name = Rpc.uniqueName("vbad-notype");
    values.track(name);
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () -> values.stub().createValue(CreateValueRequest.newBuilder().setName(name).build()));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () ->
            values
                .stub()
                .createArray(CreateArrayRequest.newBuilder().setName(name).setSize(1).build()));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(name));
  }

  /** A call on an existing value without one of its required fields. */
  enum MissingField {
    SET_VALUE_VALUES((v, n) -> v.stub().setValue(SetValueRequest.newBuilder().setName(n).build())),
    ADD_AND_GET_DELTA(
        (v, n) -> v.stub().addAndGet(AddAndGetRequest.newBuilder().setName(n).build())),
    COMPARE_AND_SET_EXPECTED(
        (v, n) ->
            v.stub()
                .compareAndSet(
                    CompareAndSetRequest.newBuilder().setName(n).setNewValue(i(6)).build())),
    COMPARE_AND_SET_NEW_VALUE(
        (v, n) ->
            v.stub()
                .compareAndSet(
                    CompareAndSetRequest.newBuilder().setName(n).setExpected(i(5)).build())),
    ACQUIRE_VALUE_LOCK_LOCK(
        (v, n) ->
            v.stub().acquireValueLock(AcquireValueLockRequest.newBuilder().setName(n).build())),
    ACQUIRE_VALUE_LOCK_SESSION_ID(
        (v, n) ->
            v.stub()
                .acquireValueLock(
                    AcquireValueLockRequest.newBuilder()
                        .setName(n)
                        .setLock(LockContext.newBuilder().setOwner("t").setNowait(true))
                        .build())),
    RELEASE_VALUE_LOCK_SESSION_ID(
        (v, n) ->
            v.stub()
                .releaseValueLock(
                    ReleaseValueLockRequest.newBuilder().setName(n).setOwner("t").build()));

    final BiConsumer<ValueClient, String> call;

    MissingField(BiConsumer<ValueClient, String> call) {
      this.call = call;
    }
  }

  @ParameterizedTest
  @EnumSource(MissingField.class)
  void callWithoutARequiredFieldFailsWithFieldRequiredAndChangesNothing(MissingField call) {
    String name = values.createValue("vbad-required", "i", i(5));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "FIELD_REQUIRED", () -> call.call.accept(values, name));
    assertThat(values.get(name)).isEqualTo(i(5));
    assertThat(values.describe(name).getLocked()).isFalse();
  }

  /** A call with a value name and a lock context. */
  interface TimedAction {
    void call(ValueClient values, String name, LockContext lock);
  }

  /** Every call that takes a timeout, made with that timeout. */
  enum TimedCall {
    GET_VALUE((v, n, l) -> v.slice(n, 0, 0, l)),
    SET_VALUE((v, n, l) -> v.set(n, i(1), l)),
    ADD_AND_GET((v, n, l) -> v.add(n, 0, i(1), l)),
    COMPARE_AND_SET((v, n, l) -> v.cas(n, 0, i(5), i(1), l)),
    ACQUIRE_VALUE_LOCK((v, n, l) -> v.acquire(n, l));

    final TimedAction call;

    TimedCall(TimedAction call) {
      this.call = call;
    }
  }

  static Stream<Arguments> invalidTimeoutsOnEveryCall() {
    double[] timeouts = {
      -1, -0.001, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
    };
    return Arrays.stream(TimedCall.values())
        .flatMap(c -> Arrays.stream(timeouts).mapToObj(t -> Arguments.of(c, t)));
  }

  @ParameterizedTest(name = "{0} with timeout {1}")
  @MethodSource("invalidTimeoutsOnEveryCall")
  void invalidTimeoutFailsWithInvalidTimeoutAndChangesNothing(TimedCall call, double timeout) {
    String name = values.createValue("vbad-timeout", "i", i(5));
    LockContext lock = holder(session, "t").toBuilder().setTimeoutSeconds(timeout).build();
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "INVALID_TIMEOUT", () -> call.call.call(values, name, lock));
    assertThat(values.get(name)).isEqualTo(i(5));
    assertThat(values.describe(name).getLocked()).isFalse();
  }
}
