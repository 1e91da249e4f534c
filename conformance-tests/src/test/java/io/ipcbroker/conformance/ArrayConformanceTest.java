package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ValueClient.c;
import static io.ipcbroker.conformance.ValueClient.f;
import static io.ipcbroker.conformance.ValueClient.i;
import static io.ipcbroker.conformance.ValueClient.ints;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status.Code;
import io.ipcbroker.v1.CompareAndSetResponse;
import io.ipcbroker.v1.CreateArrayRequest;
import io.ipcbroker.v1.CreateArrayResponse;
import io.ipcbroker.v1.CreateValueRequest;
import io.ipcbroker.v1.Scalar;
import io.ipcbroker.v1.SharedValue;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python's {@code Array}: created of zeros or of an initializer, read and written by index and
 * slice (all or nothing), added to and compared-and-set per element; indexes past the end and sizes
 * beyond the limit are refused.
 */
@Timeout(60)
class ArrayConformanceTest {
  /** The largest array the contract allows. */
  private static final int MAX_SIZE = 1_048_576;

  private final TestBroker broker = new TestBroker();
  private final ValueClient values = new ValueClient(broker.channel());

  @AfterEach
  void cleanUp() {
    try {
      values.close();
    } finally {
      broker.close();
    }
  }

  /** An {@code q} array of 10, 11, ..., 19. */
  private String tens() {
    return values.createArray("arr-tens", "q", ints(10, 10));
  }

  @Test
  void createWithASizeMakesAnArrayOfZeros() {
    String name = Rpc.uniqueName("arr-zeros");
    CreateArrayResponse r =
        values.createArray(
            CreateArrayRequest.newBuilder().setName(name).setTypecode("i").setSize(5));

    assertThat(r.getCreated()).isTrue();
    SharedValue a = r.getArray();
    assertThat(a.getName()).isEqualTo(name);
    assertThat(a.getTypecode()).isEqualTo("i");
    assertThat(a.getIsArray()).isTrue();
    assertThat(a.getLength()).isEqualTo(5);
    assertThat(a.getHasLock()).isTrue();
    assertThat(a.getLocked()).isFalse();
    assertThat(values.describe(name)).isEqualTo(a);
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(Collections.nCopies(5, i(0)));
  }

  @Test
  void zerosOfFloatAndCharArrays() {
    String d =
        values
            .createArray(
                CreateArrayRequest.newBuilder()
                    .setName(Rpc.uniqueName("arr-zd"))
                    .setTypecode("d")
                    .setSize(2))
            .getArray()
            .getName();
    String ch =
        values
            .createArray(
                CreateArrayRequest.newBuilder()
                    .setName(Rpc.uniqueName("arr-zc"))
                    .setTypecode("c")
                    .setSize(2))
            .getArray()
            .getName();
    assertThat(values.slice(d, 0, 0)).containsExactly(f(0.0), f(0.0));
    assertThat(values.slice(ch, 0, 0)).containsExactly(c(0), c(0));
  }

  @Test
  void createWithAnInitializerKeepsItsElementsInOrder() {
    String name = values.createArray("arr-init", "d", List.of(f(1.5), f(-2), f(0.25)));
    assertThat(values.describe(name).getLength()).isEqualTo(3);
    assertThat(values.slice(name, 0, 0)).containsExactly(f(1.5), f(-2), f(0.25));

    String chars = values.createArray("arr-init-c", "c", List.of(c('a'), c('b'), c(0)));
    assertThat(values.slice(chars, 0, 0)).containsExactly(c('a'), c('b'), c(0));

    String f32 = values.createArray("arr-init-f", "f", List.of(f(0.1), f(2)));
    assertThat(values.slice(f32, 0, 0)).containsExactly(f((double) 0.1f), f(2));
  }

  @Test
  void sizeEqualToTheInitializersLengthIsAcceptedAndAnotherIsRefused() {
    String name = Rpc.uniqueName("arr-size-init");
    CreateArrayResponse r =
        values.createArray(
            CreateArrayRequest.newBuilder()
                .setName(name)
                .setTypecode("i")
                .setSize(3)
                .addAllInitializer(ints(1, 3)));
    assertThat(r.getArray().getLength()).isEqualTo(3);
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(ints(1, 3));

    for (int size : new int[] {2, 4}) {
      String other = Rpc.uniqueName("arr-size-mismatch");
      Rpc.assertFails(
          Code.INVALID_ARGUMENT,
          "INVALID_FIELD_VALUE",
          () ->
              values.createArray(
                  CreateArrayRequest.newBuilder()
                      .setName(other)
                      .setTypecode("i")
                      .setSize(size)
                      .addAllInitializer(ints(1, 3))));
      Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(other));
    }
  }

  @Test
  void anEmptyArrayHasLengthZero() {
    String name = Rpc.uniqueName("arr-empty");
    assertThat(
            values
                .createArray(CreateArrayRequest.newBuilder().setName(name).setTypecode("i"))
                .getArray()
                .getLength())
        .isZero();
    assertThat(values.describe(name).getIsArray()).isTrue();
  }

  @Test
  void initializerWithAnElementThatDoesNotFitCreatesNothing() {
    String tooLarge = Rpc.uniqueName("arr-init-range");
    Rpc.assertFails(
        Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE",
        () ->
            values.createArray(
                CreateArrayRequest.newBuilder()
                    .setName(tooLarge)
                    .setTypecode("b")
                    .addAllInitializer(List.of(i(1), i(128), i(2)))));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(tooLarge));

    String wrongKind = Rpc.uniqueName("arr-init-kind");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "TYPE_MISMATCH",
        () ->
            values.createArray(
                CreateArrayRequest.newBuilder()
                    .setName(wrongKind)
                    .setTypecode("i")
                    .addAllInitializer(List.of(i(1), f(2.0)))));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(wrongKind));
  }

  @Test
  void openWithAllowExistingNeedsTheSameTypecodeLockAndLength() {
    String name = tens();
    CreateArrayResponse opened =
        values.createArray(
            CreateArrayRequest.newBuilder()
                .setName(name)
                .setTypecode("q")
                .setSize(10)
                .setAllowExisting(true));
    assertThat(opened.getCreated()).isFalse();
    assertThat(opened.getArray()).isEqualTo(values.describe(name));
    // The initializer of an open is ignored; its length must match.
    assertThat(
            values
                .createArray(
                    CreateArrayRequest.newBuilder()
                        .setName(name)
                        .setTypecode("q")
                        .addAllInitializer(ints(0, 10))
                        .setAllowExisting(true))
                .getCreated())
        .isFalse();
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(ints(10, 10));

    for (CreateArrayRequest.Builder other :
        List.of(
            CreateArrayRequest.newBuilder().setTypecode("q").setSize(11),
            CreateArrayRequest.newBuilder().setTypecode("q").setSize(9),
            CreateArrayRequest.newBuilder().setTypecode("i").setSize(10),
            CreateArrayRequest.newBuilder().setTypecode("q").setSize(10).setLock(false))) {
      Rpc.assertFails(
          Code.FAILED_PRECONDITION,
          "CONFIG_MISMATCH",
          () -> values.createArray(other.setName(name).setAllowExisting(true)));
    }
    Rpc.assertFails(
        Code.FAILED_PRECONDITION,
        "CONFIG_MISMATCH",
        () ->
            values.create(
                CreateValueRequest.newBuilder()
                    .setName(name)
                    .setTypecode("q")
                    .setAllowExisting(true)));
    assertThat(values.describe(name).getLength()).isEqualTo(10);
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(ints(10, 10));
  }

  @Test
  void getValueReadsTheSliceOfIndexAndCountAndCountZeroMeansToTheEnd() {
    String name = tens();
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(ints(10, 10));
    assertThat(values.slice(name, 0, 10)).containsExactlyElementsOf(ints(10, 10));
    assertThat(values.slice(name, 2, 3)).containsExactly(i(12), i(13), i(14));
    assertThat(values.slice(name, 7, 0)).containsExactly(i(17), i(18), i(19));
    assertThat(values.slice(name, 9, 1)).containsExactly(i(19));
    assertThat(values.slice(name, 9, 0)).containsExactly(i(19));
    assertThat(values.slice(name, 4, 1)).containsExactly(i(14));
  }

  @Test
  void readsPastTheEndOrAtANegativeIndexFailWithIndexOutOfRange() {
    String name = tens();
    int[][] slices = {{10, 1}, {11, 0}, {8, 3}, {0, 11}, {-1, 1}, {-1, 0}, {Integer.MAX_VALUE, 1}};
    for (int[] s : slices) {
      Rpc.assertFails(
          Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.slice(name, s[0], s[1]));
    }
  }

  @Test
  void setValueWritesASliceAndLeavesTheRestAlone() {
    String name = tens();
    values.setSlice(name, 3, List.of(i(-3), i(-4), i(-5)));
    assertThat(values.slice(name, 0, 0))
        .containsExactly(i(10), i(11), i(12), i(-3), i(-4), i(-5), i(16), i(17), i(18), i(19));
    values.setSlice(name, 9, List.of(i(99)));
    values.setSlice(name, 0, ints(0, 10));
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(ints(0, 10));
  }

  @Test
  void sliceWriteWithOneBadElementChangesNothing() {
    String name = values.createArray("arr-all-or-nothing", "b", ints(0, 5));
    Rpc.assertFails(
        Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE",
        () -> values.setSlice(name, 1, List.of(i(100), i(101), i(128))));
    Rpc.assertFails(
        Code.OUT_OF_RANGE,
        "VALUE_OUT_OF_RANGE",
        () -> values.setSlice(name, 0, List.of(i(-129), i(5))));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "TYPE_MISMATCH",
        () -> values.setSlice(name, 1, List.of(i(100), f(1.0))));
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(ints(0, 5));
  }

  @Test
  void writesPastTheEndOrAtANegativeIndexFailWithIndexOutOfRangeAndChangeNothing() {
    String name = tens();
    Rpc.assertFails(
        Code.OUT_OF_RANGE,
        "INDEX_OUT_OF_RANGE",
        () -> values.setSlice(name, 9, List.of(i(1), i(2))));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.setSlice(name, 10, List.of(i(1))));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.setSlice(name, -1, List.of(i(1))));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.setSlice(name, 0, ints(0, 11)));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.add(name, 10, i(1)));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.add(name, -1, i(1)));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.cas(name, 10, i(0), i(1)));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.cas(name, -1, i(10), i(1)));
    assertThat(values.slice(name, 0, 0)).containsExactlyElementsOf(ints(10, 10));
  }

  @Test
  void aValueIsAnArrayOfLengthOneThatIsNotIndexed() {
    String name = values.createValue("arr-value", "i", i(5));
    assertThat(values.slice(name, 0, 1)).containsExactly(i(5));
    assertThat(values.slice(name, 0, 0)).containsExactly(i(5));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.slice(name, 1, 1));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.slice(name, 0, 2));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.setSlice(name, 0, ints(1, 2)));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> values.add(name, 1, i(1)));
    assertThat(values.get(name)).isEqualTo(i(5));
  }

  @Test
  void addAndGetAndCompareAndSetWorkOnOneElement() {
    String name = tens();
    assertThat(values.add(name, 4, i(5))).isEqualTo(i(19));
    assertThat(values.add(name, 0, i(-10))).isEqualTo(i(0));

    CompareAndSetResponse hit = values.cas(name, 9, i(19), i(-1));
    assertThat(hit.getSwapped()).isTrue();
    assertThat(hit.getValue()).isEqualTo(i(-1));
    CompareAndSetResponse miss = values.cas(name, 8, i(19), i(-2));
    assertThat(miss.getSwapped()).isFalse();
    assertThat(miss.getValue()).isEqualTo(i(18));

    assertThat(values.slice(name, 0, 0))
        .containsExactly(i(0), i(11), i(12), i(13), i(19), i(15), i(16), i(17), i(18), i(-1));
  }

  @Test
  void addAndGetOnAnElementOverflowingFailsAndChangesNothing() {
    String name = values.createArray("arr-add-over", "B", List.of(i(0), i(255), i(7)));
    Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.add(name, 1, i(1)));
    Rpc.assertFails(Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.add(name, 0, i(-1)));
    assertThat(values.slice(name, 0, 0)).containsExactly(i(0), i(255), i(7));
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, -1000, MAX_SIZE + 1, Integer.MAX_VALUE})
  void sizeBelowZeroOrAboveTheLimitFailsWithInvalidFieldValue(int size) {
    String name = Rpc.uniqueName("arr-badsize");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            values.createArray(
                CreateArrayRequest.newBuilder().setName(name).setTypecode("b").setSize(size)));
    Rpc.assertFails(Code.NOT_FOUND, "VALUE_NOT_FOUND", () -> values.describe(name));
  }

  @Test
  void sizeOfExactlyTheLimitIsAccepted() {
    String name = Rpc.uniqueName("arr-maxsize");
    SharedValue a =
        values
            .createArray(
                CreateArrayRequest.newBuilder().setName(name).setTypecode("b").setSize(MAX_SIZE))
            .getArray();
    assertThat(a.getLength()).isEqualTo(MAX_SIZE);
    values.setSlice(name, MAX_SIZE - 1, List.of(i(-7)));
    assertThat(values.slice(name, MAX_SIZE - 2, 0)).containsExactly(i(0), i(-7));
    assertThat(values.delete(name)).isTrue();
  }

  @Test
  void elementsKeepTheirTypesWidth() {
    String name = values.createArray("arr-width", "H", List.of(i(0), i(65535)));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.setSlice(name, 0, List.of(i(65536))));
    Rpc.assertFails(
        Code.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", () -> values.setSlice(name, 0, List.of(i(-1))));
    Scalar[] got = values.slice(name, 0, 0).toArray(new Scalar[0]);
    assertThat(got).containsExactly(i(0), i(65535));
  }
}
