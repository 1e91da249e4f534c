package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ValueClient.c;
import static io.ipcbroker.conformance.ValueClient.f;
import static io.ipcbroker.conformance.ValueClient.i;
import static io.ipcbroker.conformance.ValueClient.integer;
import static io.ipcbroker.conformance.ValueClient.u;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.ipcbroker.v1.CompareAndSetResponse;
import io.ipcbroker.v1.CreateArrayRequest;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.CreateValueResponse;
import io.ipcbroker.v1.DeleteValueRequest;
import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.SharedValue;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python's {@code Value}: create and open, describe, delete; every typecode with its real width
 * (bounds, float32 rounding, one byte for {@code c}), writes that do not fit or are of the wrong
 * kind (refused, nothing changed); {@code AddAndGet} and {@code CompareAndSet}, alone and raced by
 * two clients.
 */
@Timeout(120)
class ValueConformanceTest {
  /** How many increments each of two racing clients makes. */
  private static final int INCREMENTS = 20_000;

  /** How many compare-and-set increments each of two racing clients makes. */
  private static final int CAS_INCREMENTS = 10_000;

  /** The longest a racing client may take for its increments. */
  private static final Duration LOAD_LIMIT = Duration.ofSeconds(90);

  private final TestBroker broker = new TestBroker();
  private final ValueClient values = new ValueClient(broker.channel());
  private final ExecutorService clients = Executors.newFixedThreadPool(2);

  @AfterEach
  void cleanUp() {
    clients.shutdownNow();
    try {
      values.close();
    } finally {
      broker.close();
    }
  }

  /** One integer typecode and its bounds. */
  record IntType(String typecode, BigInteger min, BigInteger max) {
    static IntType signed(String typecode, int bits) {
      BigInteger half = BigInteger.ONE.shiftLeft(bits - 1);
      return new IntType(typecode, half.negate(), half.subtract(BigInteger.ONE));
    }

    static IntType unsigned(String typecode, int bits) {
      return new IntType(
          typecode, BigInteger.ZERO, BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE));
    }

    @Override
    public String toString() {
      return typecode;
    }
  }

  static Stream<IntType> integerTypes() {
    return Stream.of(
        IntType.signed("b", 8),
        IntType.unsigned("B", 8),
        IntType.signed("h", 16),
        IntType.unsigned("H", 16),
        IntType.signed("i", 32),
        IntType.unsigned("I", 32),
        IntType.signed("l", 64),
        IntType.unsigned("L", 64),
        IntType.signed("q", 64),
        IntType.unsigned("Q", 64));
  }

  static Stream<Arguments> zeroOfEveryTypecode() {
    return Stream.of(
        Arguments.of("b", i(0)),
        Arguments.of("B", i(0)),
        Arguments.of("h", i(0)),
        Arguments.of("H", i(0)),
        Arguments.of("i", i(0)),
        Arguments.of("I", i(0)),
        Arguments.of("l", i(0)),
        Arguments.of("L", i(0)),
        Arguments.of("q", i(0)),
        Arguments.of("Q", i(0)),
        Arguments.of("f", f(0.0)),
        Arguments.of("d", f(0.0)),
        Arguments.of("c", c(0)));
  }

  // Create, open, describe, delete.

  @ParameterizedTest(name = "{0}")
  @MethodSource("zeroOfEveryTypecode")
  void createWithoutInitialValueMakesAZeroOfTheTypecodeWithALock(String typecode, Scalar zero) {
    String name = Rpc.uniqueName("val-zero");
    CreateValueResponse r =
        values.create(CreateValueRequest.newBuilder().setName(name).setTypecode(typecode));

    assertThat(r.getCreated()).isTrue();
    SharedValue v = r.getValue();
    assertThat(v.getName()).isEqualTo(name);
    assertThat(v.getTypecode()).isEqualTo(typecode);
    assertThat(v.getIsArray()).isFalse();
    assertThat(v.getLength()).isEqualTo(1);
    assertThat(v.getHasLock()).isTrue();
    assertThat(v.getLocked()).isFalse();
    assertThat(v.getLockWaiters()).isZero();
    assertThat(values.describe(name)).isEqualTo(v);
    assertThat(values.get(name)).isEqualTo(zero);
  }

  @Test
  void createWithAnInitialValueAndWithoutALock() {
    String name = Rpc.uniqueName("val-init");
    SharedValue v =
        values
            .create(
                CreateValueRequest.newBuilder()
                    .setName(name)
                    .setTypecode("d")
                    .setInitial(f(2.5))
                    .setLock(false))
            .getValue();
    assertThat(v.getHasLock()).isFalse();
    assertThat(values.describe(name).getHasLock()).isFalse();
    assertThat(values.get(name)).isEqualTo(f(2.5));
  }

  @Test
  void createOfAnExistingNameFailsWithValueAlreadyExistsAndChangesNothing() {
    String name = values.createValue("val-exists", "i", i(5));
    Rpc.assertFails(
        Code.ALREADY_EXISTS,
        "VALUE_ALREADY_EXISTS",
        () ->
            values.create(
                CreateValueRequest.newBuilder().setName(name).setTypecode("i").setInitial(i(9))));
    Rpc.assertFails(
        Code.ALREADY_EXISTS,
        "VALUE_ALREADY_EXISTS",
        () ->
            values.createArray(
                CreateArrayRequest.newBuilder().setName(name).setTypecode("i").setSize(1)));
    assertThat(values.get(name)).isEqualTo(i(5));
    assertThat(values.describe(name).getIsArray()).isFalse();
  }

  @Test
  void createWithAllowExistingOpensAMatchingValueAndIgnoresTheInitialValue() {
    String name = values.createValue("val-open", "i", i(5));
    CreateValueResponse opened =
        values.create(
            CreateValueRequest.newBuilder()
                .setName(name)
                .setTypecode("i")
                .setInitial(i(9))
                .setAllowExisting(true));
    assertThat(opened.getCreated()).isFalse();
    assertThat(opened.getValue()).isEqualTo(values.describe(name));
    assertThat(values.get(name)).isEqualTo(i(5));

    // An explicit lock = true is the default's configuration.
    assertThat(
            values
                .create(
                    CreateValueRequest.newBuilder()
                        .setName(name)
                        .setTypecode("i")
                        .setLock(true)
                        .setAllowExisting(true))
                .getCreated())
        .isFalse();

    String fresh = Rpc.uniqueName("val-open-new");
    CreateValueResponse created =
        values.create(
            CreateValueRequest.newBuilder()
                .setName(fresh)
                .setTypecode("i")
                .setInitial(i(7))
                .setAllowExisting(true));
    assertThat(created.getCreated()).isTrue();
    assertThat(values.get(fresh)).isEqualTo(i(7));
  }

  @Test
  void openWithAnotherConfigurationFailsWithConfigMismatchAndChangesNothing() {
    String name = values.createValue("val-mismatch", "i", i(5));
    String raw = values.createRawValue("val-mismatch-raw", "i", i(6));
    String array = values.createArray("val-mismatch-arr", "i", List.of(i(1)));

    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            values.create(
                CreateValueRequest.newBuilder()
                    .setName(name)
                    .setTypecode("q")
                    .setAllowExisting(true)));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            values.create(
                CreateValueRequest.newBuilder()
                    .setName(name)
                    .setTypecode("i")
                    .setLock(false)
                    .setAllowExisting(true)));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            values.create(
                CreateValueRequest.newBuilder()
                    .setName(raw)
                    .setTypecode("i")
                    .setAllowExisting(true)));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            values.create(
                CreateValueRequest.newBuilder()
                    .setName(array)
                    .setTypecode("i")
                    .setAllowExisting(true)));
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            values.createArray(
                CreateArrayRequest.newBuilder()
                    .setName(name)
                    .setTypecode("i")
                    .setSize(1)
                    .setAllowExisting(true)));

    assertThat(values.describe(name))
        .returns("i", SharedValue::getTypecode)
        .returns(true, SharedValue::getHasLock)
        .returns(false, SharedValue::getIsArray);
    assertThat(values.get(name)).isEqualTo(i(5));
    assertThat(values.describe(raw).getHasLock()).isFalse();
    assertThat(values.get(raw)).isEqualTo(i(6));
    assertThat(values.describe(array).getIsArray()).isTrue();
    assertThat(values.slice(array, 0, 0)).containsExactly(i(1));
  }

  @Test
  void deleteRemovesTheValueAndTheNameCanBeCreatedAgain() {
    String name = values.createValue("val-delete", "i", i(5));
    assertThat(values.delete(name)).isTrue();

    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(name));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.get(name));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.delete(name));
    assertThat(
            values
                .stub()
                .deleteValue(
                    DeleteValueRequest.newBuilder().setName(name).setAllowMissing(true).build())
                .getDeleted())
        .isFalse();

    CreateValueResponse again =
        values.create(
            CreateValueRequest.newBuilder().setName(name).setTypecode("d").setAllowExisting(true));
    assertThat(again.getCreated()).isTrue();
    assertThat(values.get(name)).isEqualTo(f(0.0));
  }

  // Widths and kinds.

  @ParameterizedTest(name = "{0}")
  @MethodSource("integerTypes")
  void integerTypecodeAcceptsItsBoundsAndRefusesOneBeyondThemWithoutChange(IntType type) {
    String name = values.createValue("val-bounds", type.typecode(), null);

    values.set(name, integer(type.min()));
    assertThat(values.get(name)).isEqualTo(integer(type.min()));
    Scalar belowMin = integer(type.min().subtract(BigInteger.ONE));
    if (belowMin != null) {
      Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.set(name, belowMin));
      assertThat(values.get(name)).isEqualTo(integer(type.min()));
    }

    values.set(name, integer(type.max()));
    assertThat(values.get(name)).isEqualTo(integer(type.max()));
    Scalar aboveMax = integer(type.max().add(BigInteger.ONE));
    if (aboveMax != null) {
      Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.set(name, aboveMax));
    }
    assertThat(values.get(name)).isEqualTo(integer(type.max()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("integerTypes")
  void createWithAnInitialValueBeyondTheBoundsFailsAndCreatesNothing(IntType type) {
    for (BigInteger beyond :
        List.of(type.min().subtract(BigInteger.ONE), type.max().add(BigInteger.ONE))) {
      Scalar initial = integer(beyond);
      if (initial == null) {
        continue;
      }
      String name = Rpc.uniqueName("val-badinit");
      Rpc.assertFails(
          Code.OUT_OF_RANGE,
          "VALUE_OUT_OF_RANGE",
          () ->
              values.create(
                  CreateValueRequest.newBuilder()
                      .setName(name)
                      .setTypecode(type.typecode())
                      .setInitial(initial)));
      Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(name));
    }
    String name = Rpc.uniqueName("val-maxinit");
    values.create(
        CreateValueRequest.newBuilder()
            .setName(name)
            .setTypecode(type.typecode())
            .setInitial(integer(type.max())));
    assertThat(values.get(name)).isEqualTo(integer(type.max()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"L", "Q"})
  void unsignedSixtyFourBitValuesTravelInUintValueAboveTwoToTheSixtyThreeMinusOne(String typecode) {
    String name = values.createValue("val-u64", typecode, null);
    BigInteger twoTo63 = BigInteger.ONE.shiftLeft(63);

    values.set(name, u(twoTo63.longValue()));
    assertThat(values.get(name)).isEqualTo(u(Long.MIN_VALUE));
    values.set(name, u(-1L)); // 2^64 - 1
    assertThat(values.get(name)).isEqualTo(integer(ValueClient.U64_MAX));

    // uint_value carries any size: a small one is the same number, read back in int_value.
    values.set(name, u(5));
    assertThat(values.get(name)).isEqualTo(i(5));

    // Adds cross 2^63 - 1 both ways.
    values.set(name, u(Long.MIN_VALUE));
    assertThat(values.add(name, 0, i(-1))).isEqualTo(i(Long.MAX_VALUE));
    assertThat(values.add(name, 0, i(1))).isEqualTo(u(Long.MIN_VALUE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"l", "q"})
  void signedSixtyFourBitValueRefusesTwoToTheSixtyThree(String typecode) {
    String name = values.createValue("val-i64", typecode, i(Long.MAX_VALUE));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.set(name, u(Long.MIN_VALUE)));
    Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.set(name, u(-1L)));
    assertThat(values.get(name)).isEqualTo(i(Long.MAX_VALUE));
  }

  @Test
  void float32KeepsTheNearestFloat32() {
    String name = values.createValue("val-f32", "f", f(0.1));
    double nearest = (double) 0.1f;
    assertThat(nearest).isNotEqualTo(0.1);
    assertThat(values.get(name)).isEqualTo(f(nearest));

    values.set(name, f(1.0 / 3));
    assertThat(values.get(name)).isEqualTo(f((double) (float) (1.0 / 3)));
    values.set(name, f(Float.MAX_VALUE));
    assertThat(values.get(name)).isEqualTo(f(Float.MAX_VALUE));
    values.set(name, f(-Float.MAX_VALUE));
    assertThat(values.get(name)).isEqualTo(f(-Float.MAX_VALUE));
    values.set(name, f(Float.MIN_VALUE));
    assertThat(values.get(name)).isEqualTo(f(Float.MIN_VALUE));

    Scalar sum = values.add(name, 0, f(0.2));
    assertThat(sum.getKindCase()).isEqualTo(Scalar.KindCase.FLOAT_VALUE);
    assertThat(sum.getFloatValue()).isEqualTo((double) (float) sum.getFloatValue());
  }

  @ParameterizedTest
  @ValueSource(doubles = {1e39, -1e39, Double.MAX_VALUE, -Double.MAX_VALUE})
  void finiteFloatBeyondTheFloat32RangeFailsWithValueOutOfRange(double tooLarge) {
    String name = values.createValue("val-f32-range", "f", f(1.5));
    Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.set(name, f(tooLarge)));
    assertThat(values.get(name)).isEqualTo(f(1.5));
    String fresh = Rpc.uniqueName("val-f32-init");
    Rpc.assertFails(
        Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE",
        () ->
            values.create(
                CreateValueRequest.newBuilder()
                    .setName(fresh)
                    .setTypecode("f")
                    .setInitial(f(tooLarge))));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(fresh));
  }

  @Test
  void doubleKeepsEveryDoubleExactly() {
    String name = values.createValue("val-f64", "d", f(0.1));
    assertThat(values.get(name)).isEqualTo(f(0.1));
    for (double d : new double[] {Double.MAX_VALUE, -Double.MIN_VALUE, 1e39, 1.0 / 3}) {
      values.set(name, f(d));
      assertThat(values.get(name)).isEqualTo(f(d));
    }
  }

  @Test
  void charValueHoldsExactlyOneByte() {
    String name = values.createValue("val-char", "c", c('a'));
    assertThat(values.get(name)).isEqualTo(c('a'));
    values.set(name, c(0xff));
    assertThat(values.get(name)).isEqualTo(c(0xff));
    values.set(name, c(0));
    assertThat(values.get(name)).isEqualTo(c(0));

    values.set(name, c('z'));
    // Exactly one byte, or Python's TypeError.
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.set(name, c('a', 'b')));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.set(name, c()));
    assertThat(values.get(name)).isEqualTo(c('z'));
  }

  @Test
  void scalarOfTheWrongKindFailsWithTypeMismatchAndChangesNothing() {
    String integer = values.createValue("val-kind-i", "i", i(5));
    String real = values.createValue("val-kind-d", "d", f(2.5));
    String chr = values.createValue("val-kind-c", "c", c('x'));

    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.set(integer, f(1.0)));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.set(integer, c('1')));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.set(real, c('1')));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.set(chr, i('y')));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.set(chr, f(1.0)));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.add(integer, 0, f(1.0)));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.add(real, 0, c('1')));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.add(chr, 0, i(1)));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.add(chr, 0, c(1)));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.cas(integer, 0, i(5), f(6.0)));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.cas(integer, 0, f(5.0), i(6)));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "TYPE_MISMATCH", () -> values.cas(chr, 0, c('x'), i(1)));

    assertThat(values.get(integer)).isEqualTo(i(5));
    assertThat(values.get(real)).isEqualTo(f(2.5));
    assertThat(values.get(chr)).isEqualTo(c('x'));

    String fresh = Rpc.uniqueName("val-kind-init");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "TYPE_MISMATCH",
        () ->
            values.create(
                CreateValueRequest.newBuilder()
                    .setName(fresh)
                    .setTypecode("i")
                    .setInitial(f(1.0))));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(fresh));
  }

  // AddAndGet and CompareAndSet.

  @Test
  void addAndGetAddsAndAnswersTheResult() {
    String integer = values.createValue("val-add-i", "q", i(40));
    assertThat(values.add(integer, 0, i(2))).isEqualTo(i(42));
    assertThat(values.add(integer, 0, i(-50))).isEqualTo(i(-8));
    assertThat(values.get(integer)).isEqualTo(i(-8));

    String real = values.createValue("val-add-d", "d", f(1.5));
    assertThat(values.add(real, 0, f(0.25))).isEqualTo(f(1.75));
    assertThat(values.add(real, 0, i(2))).isEqualTo(f(3.75)); // an integer delta for a float
    assertThat(values.get(real)).isEqualTo(f(3.75));
  }

  @Test
  void addAndGetChecksTheResultAgainstTheTypeNotTheDelta() {
    // As Python's v.value += delta: only the sum must fit.
    String signed = values.createValue("val-add-delta-b", "b", i(100));
    assertThat(values.add(signed, 0, i(-200))).isEqualTo(i(-100));
    assertThat(values.add(signed, 0, i(227))).isEqualTo(i(127));
    String unsigned = values.createValue("val-add-delta-B", "B", i(200));
    assertThat(values.add(unsigned, 0, i(-1))).isEqualTo(i(199));
    assertThat(values.add(unsigned, 0, i(-199))).isEqualTo(i(0));
    String u64 = values.createValue("val-add-delta-Q", "Q", u(-1L));
    assertThat(values.add(u64, 0, i(-1))).isEqualTo(u(-2L));
    assertThat(values.add(u64, 0, i(Long.MIN_VALUE))).isEqualTo(i(Long.MAX_VALUE - 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("integerTypes")
  void addAndGetWhoseResultOverflowsFailsWithValueOutOfRangeAndChangesNothing(IntType type) {
    String name = values.createValue("val-add-over", type.typecode(), integer(type.max()));
    Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.add(name, 0, i(1)));
    assertThat(values.get(name)).isEqualTo(integer(type.max()));

    values.set(name, integer(type.min()));
    Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.add(name, 0, i(-1)));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.add(name, 0, i(Long.MIN_VALUE)));
    assertThat(values.get(name)).isEqualTo(integer(type.min()));

    // Back inside the range from either bound.
    assertThat(values.add(name, 0, i(1))).isEqualTo(integer(type.min().add(BigInteger.ONE)));
    values.set(name, integer(type.max()));
    assertThat(values.add(name, 0, i(-1))).isEqualTo(integer(type.max().subtract(BigInteger.ONE)));
  }

  @Test
  void compareAndSetSwapsOnlyOnTheExpectedValueAndAnswersTheCurrentOne() {
    String name = values.createValue("val-cas", "i", i(5));

    CompareAndSetResponse hit = values.cas(name, 0, i(5), i(6));
    assertThat(hit.getSwapped()).isTrue();
    assertThat(hit.getValue()).isEqualTo(i(6));

    CompareAndSetResponse miss = values.cas(name, 0, i(5), i(7));
    assertThat(miss.getSwapped()).isFalse();
    assertThat(miss.getValue()).isEqualTo(i(6));
    assertThat(values.get(name)).isEqualTo(i(6));

    Rpc.assertFails(
        Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.cas(name, 0, i(6), i(1L << 40)));
    assertThat(values.get(name)).isEqualTo(i(6));
  }

  @Test
  void compareAndSetComparesFloatsByValue() {
    String name = values.createValue("val-cas-f", "d", f(-0.0));
    CompareAndSetResponse zero = values.cas(name, 0, f(0.0), f(1.0));
    assertThat(zero.getSwapped()).as("-0.0 equals 0.0").isTrue();
    assertThat(zero.getValue()).isEqualTo(f(1.0));

    values.set(name, f(Double.NaN));
    CompareAndSetResponse nan = values.cas(name, 0, f(Double.NaN), f(2.0));
    assertThat(nan.getSwapped()).as("NaN equals nothing").isFalse();
    assertThat(nan.getValue().getFloatValue()).isNaN();
    assertThat(values.get(name).getFloatValue()).isNaN();
  }

  @Test
  void compareAndSetOnFloat32ComparesWithTheStoredFloat32() {
    String name = values.createValue("val-cas-f32", "f", f(0.1));
    CompareAndSetResponse r = values.cas(name, 0, f((double) 0.1f), f(0.5));
    assertThat(r.getSwapped()).isTrue();
    assertThat(r.getValue()).isEqualTo(f(0.5));
  }

  // Races.

  /** Runs {@code body} on two client connections started together; waits for both. */
  private void race(Race.Body<ValueClient> body) {
    Race.twoClients(
        clients, () -> values.on(broker.newChannel()), LOAD_LIMIT.plusSeconds(10), body);
  }

  /** Fails once a racing client has taken longer than {@link #LOAD_LIMIT}. */
  private static void assertWithinLimit(long t0, int done) {
    if (Timing.since(t0).compareTo(LOAD_LIMIT) > 0) {
      throw new AssertionError("only " + done + " increments within " + LOAD_LIMIT);
    }
  }

  @Test
  void twoClientsAddingConcurrentlyLoseNoIncrement() {
    String name = values.createValue("val-race-add", "q", i(0));
    race(
        (id, client) -> {
          long t0 = Timing.start();
          long last = -1;
          for (int n = 0; n < INCREMENTS; n++) {
            long now = client.add(name, 0, i(1)).getIntValue();
            assertThat(now).as("AddAndGet answers a growing result").isGreaterThan(last);
            last = now;
            assertWithinLimit(t0, n);
          }
        });
    assertThat(values.get(name)).isEqualTo(i(2L * INCREMENTS));
  }

  @Test
  void twoClientsIncrementingWithCompareAndSetRetryLoopsLoseNoIncrement() {
    String name = values.createValue("val-race-cas", "q", i(0));
    race(
        (id, client) -> {
          long t0 = Timing.start();
          long expected = client.get(name).getIntValue();
          for (int n = 0; n < CAS_INCREMENTS; ) {
            CompareAndSetResponse r = client.cas(name, 0, i(expected), i(expected + 1));
            if (r.getSwapped()) {
              assertThat(r.getValue()).isEqualTo(i(expected + 1));
              expected++;
              n++;
            } else {
              // The answer carries the value that made it fail: another, later one.
              assertThat(r.getValue().getKindCase()).isEqualTo(Scalar.KindCase.INT_VALUE);
              assertThat(r.getValue().getIntValue()).isGreaterThan(expected);
              expected = r.getValue().getIntValue();
            }
            assertWithinLimit(t0, n);
          }
        });
    assertThat(values.get(name)).isEqualTo(i(2L * CAS_INCREMENTS));
  }
}
