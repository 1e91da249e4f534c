package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ContainerClient.text;
import static io.ipcbroker.conformance.ContainerClient.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status.Code;
import io.ipcbroker.v1.AppendListRequest;
import io.ipcbroker.v1.ClearListRequest;
import io.ipcbroker.v1.CreateListRequest;
import io.ipcbroker.v1.CreateListResponse;
import io.ipcbroker.v1.DeleteListItemRequest;
import io.ipcbroker.v1.DeleteListRequest;
import io.ipcbroker.v1.DescribeListRequest;
import io.ipcbroker.v1.ExtendListRequest;
import io.ipcbroker.v1.GetListItemRequest;
import io.ipcbroker.v1.InsertListItemRequest;
import io.ipcbroker.v1.ListLenRequest;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PopListItemRequest;
import io.ipcbroker.v1.SetListItemRequest;
import io.ipcbroker.v1.SliceListRequest;
import io.ipcbroker.v1.SliceListResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manager's {@code list}: create, open, describe and delete; append, extend, get, set, insert
 * (clamped), pop, delete and slices with Python's indices (negative, out of range as {@code
 * INDEX_OUT_OF_RANGE}, an empty pop included); item limits; slices that stop at the size limit; and
 * races between clients with exact counts.
 */
@Timeout(120)
class ListConformanceTest {
  /** The broker's item limit (see {@link BadInputConformanceTest}). */
  private static final int ITEM_LIMIT =
      Integer.getInteger("ipcbroker.maxItemBytes", (4 << 20) - (64 << 10));

  /** How many appends or pops each of two racing clients makes. */
  private static final int RACE_ROUNDS = 3_000;

  private static final Duration LOAD_LIMIT = Duration.ofSeconds(90);

  private final TestBroker broker = new TestBroker();
  private final ContainerClient containers = new ContainerClient(broker.channel());
  private final ExecutorService clients = Executors.newFixedThreadPool(2);

  @AfterEach
  void cleanUp() {
    clients.shutdownNow();
    try {
      containers.close();
    } finally {
      broker.close();
    }
  }

  private ListServiceGrpc.ListServiceBlockingStub list() {
    return containers.list();
  }

  private static Payload bytes(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    return Payload.newBuilder()
        .setData(ByteString.copyFrom(data))
        .setContentType("application/octet-stream")
        .build();
  }

  /** A list holding "0", "1", ..., n - 1. */
  private String digits(String prefix, int n) {
    String name = containers.createList(prefix);
    list()
        .extendList(
            ExtendListRequest.newBuilder()
                .setName(name)
                .addAllValues(
                    IntStream.range(0, n).mapToObj(i -> text(Integer.toString(i))).toList())
                .build());
    return name;
  }

  private long len(String name) {
    return list().listLen(ListLenRequest.newBuilder().setName(name).build()).getLen();
  }

  private long append(String name, String value) {
    return list()
        .appendList(AppendListRequest.newBuilder().setName(name).setValue(text(value)).build())
        .getLen();
  }

  private String pop(String name, Long index) {
    PopListItemRequest.Builder b = PopListItemRequest.newBuilder().setName(name);
    if (index != null) {
      b.setIndex(index);
    }
    return text(list().popListItem(b.build()).getValue());
  }

  // Objects.

  @Test
  void createOpenDescribeAndDelete() {
    String name = Rpc.uniqueName("list-life");
    containers.trackList(name);
    CreateListResponse created =
        list().createList(CreateListRequest.newBuilder().setName(name).build());
    assertThat(created.getCreated()).isTrue();
    assertThat(created.getList().getName()).isEqualTo(name);
    assertThat(created.getList().getLen()).isZero();
    append(name, "a");

    Rpc.assertFails(
        Code.ALREADY_EXISTS,
        "LIST_ALREADY_EXISTS",
        () -> list().createList(CreateListRequest.newBuilder().setName(name).build()));
    CreateListResponse opened =
        list()
            .createList(
                CreateListRequest.newBuilder().setName(name).setAllowExisting(true).build());
    assertThat(opened.getCreated()).isFalse();
    assertThat(opened.getList().getLen()).as("opening keeps the elements").isEqualTo(1);
    assertThat(
            list().describeList(DescribeListRequest.newBuilder().setName(name).build()).getList())
        .isEqualTo(opened.getList());

    assertThat(list().deleteList(DeleteListRequest.newBuilder().setName(name).build()).getDeleted())
        .isTrue();
    Rpc.assertFails(
        Code.NOT_FOUND,
        "LIST_NOT_FOUND",
        () -> list().deleteList(DeleteListRequest.newBuilder().setName(name).build()));
    assertThat(
            list()
                .deleteList(
                    DeleteListRequest.newBuilder().setName(name).setAllowMissing(true).build())
                .getDeleted())
        .isFalse();
    Rpc.assertFails(Code.NOT_FOUND, "LIST_NOT_FOUND", () -> containers.at(name, 0));
  }

  /** Every list call, named {@code name} and otherwise valid. */
  static Stream<Arguments> everyCall() {
    Payload v = text("v");
    return Stream.of(
        call(
            "DescribeList",
            (c, n) -> stub(c).describeList(DescribeListRequest.newBuilder().setName(n).build())),
        call(
            "DeleteList",
            (c, n) -> stub(c).deleteList(DeleteListRequest.newBuilder().setName(n).build())),
        call(
            "AppendList",
            (c, n) ->
                stub(c).appendList(AppendListRequest.newBuilder().setName(n).setValue(v).build())),
        call(
            "ExtendList",
            (c, n) ->
                stub(c).extendList(ExtendListRequest.newBuilder().setName(n).addValues(v).build())),
        call(
            "GetListItem",
            (c, n) -> stub(c).getListItem(GetListItemRequest.newBuilder().setName(n).build())),
        call(
            "SetListItem",
            (c, n) ->
                stub(c)
                    .setListItem(SetListItemRequest.newBuilder().setName(n).setValue(v).build())),
        call(
            "InsertListItem",
            (c, n) ->
                stub(c)
                    .insertListItem(
                        InsertListItemRequest.newBuilder().setName(n).setValue(v).build())),
        call(
            "PopListItem",
            (c, n) -> stub(c).popListItem(PopListItemRequest.newBuilder().setName(n).build())),
        call(
            "DeleteListItem",
            (c, n) ->
                stub(c).deleteListItem(DeleteListItemRequest.newBuilder().setName(n).build())),
        call("ListLen", (c, n) -> stub(c).listLen(ListLenRequest.newBuilder().setName(n).build())),
        call(
            "SliceList",
            (c, n) -> stub(c).sliceList(SliceListRequest.newBuilder().setName(n).build())),
        call(
            "ClearList",
            (c, n) -> stub(c).clearList(ClearListRequest.newBuilder().setName(n).build())));
  }

  private static ListServiceGrpc.ListServiceBlockingStub stub(Channel c) {
    return ContainerClient.lists(c);
  }

  /** One call of {@link #everyCall}: sends a request for the list of the given name. */
  interface NamedCall {
    void call(Channel channel, String name);
  }

  private static Arguments call(String rpc, NamedCall call) {
    return Arguments.of(rpc, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyCall")
  void everyCallChecksItsNameAndFindsNoMissingList(String rpc, NamedCall call) {
    for (String bad : List.of("", "has space", "-lead", "x".repeat(129))) {
      Rpc.assertFails(
          Code.INVALID_ARGUMENT, "INVALID_NAME", () -> call.call(broker.channel(), bad));
    }
    Rpc.assertFails(
        Code.NOT_FOUND,
        "LIST_NOT_FOUND",
        () -> call.call(broker.channel(), Rpc.uniqueName("list-missing")));
  }

  // Elements.

  @Test
  void appendExtendGetSetAndNegativeIndices() {
    String name = containers.createList("list-basic");
    assertThat(append(name, "a")).isEqualTo(1);
    assertThat(
            list()
                .extendList(
                    ExtendListRequest.newBuilder()
                        .setName(name)
                        .addValues(text("b"))
                        .addValues(text("c"))
                        .build())
                .getLen())
        .isEqualTo(3);
    assertThat(list().extendList(ExtendListRequest.newBuilder().setName(name).build()).getLen())
        .as("an empty extend")
        .isEqualTo(3);
    assertThat(containers.at(name, 0)).isEqualTo("a");
    assertThat(containers.at(name, 2)).isEqualTo("c");
    assertThat(containers.at(name, -1)).isEqualTo("c");
    assertThat(containers.at(name, -3)).isEqualTo("a");
    list()
        .setListItem(
            SetListItemRequest.newBuilder().setName(name).setIndex(-2).setValue(text("B")).build());
    assertThat(containers.all(name)).containsExactly("a", "B", "c");
    assertThat(len(name)).isEqualTo(3);
  }

  @ParameterizedTest
  @CsvSource({"3", "-4", "1000", "-1000", "9223372036854775807", "-9223372036854775808"})
  void indicesOutOfRangeAreIndexOutOfRangeAndChangeNothing(long index) {
    String name = digits("list-range", 3);
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> containers.at(name, index));
    Rpc.assertFails(
        Code.OUT_OF_RANGE,
        "INDEX_OUT_OF_RANGE",
        () ->
            list()
                .setListItem(
                    SetListItemRequest.newBuilder()
                        .setName(name)
                        .setIndex(index)
                        .setValue(text("x"))
                        .build()));
    Rpc.assertFails(
        Code.OUT_OF_RANGE,
        "INDEX_OUT_OF_RANGE",
        () ->
            list()
                .deleteListItem(
                    DeleteListItemRequest.newBuilder().setName(name).setIndex(index).build()));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> pop(name, index));
    assertThat(containers.all(name)).containsExactly("0", "1", "2");
  }

  @Test
  void anEmptyListHasNoIndexAtAllAndPopFromItIsIndexOutOfRange() {
    String name = containers.createList("list-empty");
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> containers.at(name, 0));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> containers.at(name, -1));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> pop(name, null));
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> pop(name, 0L));
    assertThat(containers.slice(name, null, null, null).getValuesList()).isEmpty();
  }

  @Test
  void popTakesTheLastByDefaultOrTheGivenIndex() {
    String name = digits("list-pop", 5);
    assertThat(pop(name, null)).isEqualTo("4");
    assertThat(pop(name, 0L)).isEqualTo("0");
    assertThat(pop(name, -2L)).isEqualTo("2");
    assertThat(containers.all(name)).containsExactly("1", "3");
    list().deleteListItem(DeleteListItemRequest.newBuilder().setName(name).setIndex(-1).build());
    assertThat(containers.all(name)).containsExactly("1");
  }

  @ParameterizedTest(name = "insert({0}) -> {1}")
  @CsvSource({
    "0, x012",
    "1, 0x12",
    "3, 012x",
    "4, 012x",
    "1000, 012x",
    "-1, 01x2",
    "-3, x012",
    "-4, x012",
    "-1000, x012",
    "9223372036854775807, 012x",
    "-9223372036854775808, x012"
  })
  void insertClampsItsIndexAsPython(long index, String expected) {
    String name = digits("list-insert", 3);
    assertThat(
            list()
                .insertListItem(
                    InsertListItemRequest.newBuilder()
                        .setName(name)
                        .setIndex(index)
                        .setValue(text("x"))
                        .build())
                .getLen())
        .isEqualTo(4);
    assertThat(String.join("", containers.all(name))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{0}:{1}:{2}] -> {3}")
  @CsvSource(
      nullValues = "_",
      value = {
        "_, _, _, 0123456789",
        "2, 5, _, 234",
        "-3, _, _, 789",
        "_, -7, _, 012",
        "-100, 100, _, 0123456789",
        "5, 2, _, ''",
        "_, _, 2, 02468",
        "1, _, 3, 147",
        "_, _, -1, 9876543210",
        "_, _, -3, 9630",
        "8, 2, -2, 864",
        "-2, -100, -4, 840",
        "100, _, -1, 9876543210",
        "_, _, 9223372036854775807, 0",
        "_, _, -9223372036854775808, 9",
        "9223372036854775807, -9223372036854775808, -1, 9876543210"
      })
  void slicesFollowPython(Long start, Long stop, Long step, String expected) {
    String name = digits("list-slice", 10);
    SliceListResponse r = containers.slice(name, start, stop, step);
    assertThat(String.join("", texts(r.getValuesList()))).isEqualTo(expected);
    assertThat(r.getTruncated()).isFalse();
    assertThat(r.getLen()).isEqualTo(10);
  }

  @Test
  void aSliceStepOfZeroIsInvalidFieldValue() {
    String name = digits("list-step0", 3);
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE", () -> containers.slice(name, null, null, 0L));
  }

  @Test
  void largeSlicesStopEarlyToFitTheReceiveLimitAndTellWhereToGoOn() {
    String name = containers.createList("list-bigslice");
    Payload mib = bytes(1 << 20);
    for (int i = 0; i < 8; i++) {
      list().appendList(AppendListRequest.newBuilder().setName(name).setValue(mib).build());
    }
    for (long step : new long[] {1, -1, 3}) {
      int elements = 0;
      Long start = null;
      int answers = 0;
      while (true) {
        SliceListResponse r = containers.slice(name, start, null, step);
        answers++;
        assertThat(r.getValuesCount()).isBetween(1, 3);
        elements += r.getValuesCount();
        if (!r.getTruncated()) {
          break;
        }
        start = r.getNextStart();
      }
      assertThat(elements).as("step %s", step).isEqualTo(step == 3 ? 3 : 8);
      assertThat(answers).isGreaterThanOrEqualTo(step == 3 ? 1 : 3);
    }
  }

  @Test
  void elementsOverTheItemLimitAreRefusedAndChangeNothing() {
    String name = digits("list-large", 2);
    Payload tooLarge = bytes(ITEM_LIMIT + 1);
    List<Runnable> calls =
        List.of(
            () ->
                list()
                    .appendList(
                        AppendListRequest.newBuilder().setName(name).setValue(tooLarge).build()),
            () ->
                list()
                    .extendList(
                        ExtendListRequest.newBuilder()
                            .setName(name)
                            .addValues(text("small"))
                            .addValues(tooLarge)
                            .build()),
            () ->
                list()
                    .setListItem(
                        SetListItemRequest.newBuilder().setName(name).setValue(tooLarge).build()),
            () ->
                list()
                    .insertListItem(
                        InsertListItemRequest.newBuilder()
                            .setName(name)
                            .setValue(tooLarge)
                            .build()));
    for (Runnable call : calls) {
      Rpc.assertFails(Code.INVALID_ARGUMENT, "ITEM_TOO_LARGE", call);
    }
    assertThat(containers.all(name)).containsExactly("0", "1");

    Payload atLimit = bytes(ITEM_LIMIT);
    list().appendList(AppendListRequest.newBuilder().setName(name).setValue(atLimit).build());
    assertThat(
            list()
                .getListItem(GetListItemRequest.newBuilder().setName(name).setIndex(-1).build())
                .getValue())
        .isEqualTo(atLimit);
  }

  @Test
  void missingValuesAreFieldRequired() {
    String name = digits("list-required", 1);
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () -> list().appendList(AppendListRequest.newBuilder().setName(name).build()));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () -> list().setListItem(SetListItemRequest.newBuilder().setName(name).build()));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () -> list().insertListItem(InsertListItemRequest.newBuilder().setName(name).build()));
    assertThat(containers.all(name)).containsExactly("0");
  }

  @Test
  void clearRemovesEverythingAndAnswersHowMany() {
    String name = digits("list-clear", 4);
    assertThat(list().clearList(ClearListRequest.newBuilder().setName(name).build()).getRemoved())
        .isEqualTo(4);
    assertThat(len(name)).isZero();
    assertThat(append(name, "again")).isEqualTo(1);
  }

  // Races.

  /** Runs {@code body} on two client connections started together; waits for both. */
  private void race(Race.Body<ContainerClient> body) {
    Race.twoClients(
        clients, () -> containers.on(broker.newChannel()), LOAD_LIMIT.plusSeconds(10), body);
  }

  @Test
  void racingAppendsLoseNothingAndKeepEachClientsOrder() {
    String name = containers.createList("list-race-append");
    race(
        (id, client) -> {
          for (int n = 0; n < RACE_ROUNDS; n++) {
            client
                .list()
                .appendList(
                    AppendListRequest.newBuilder()
                        .setName(name)
                        .setValue(text(id + ":" + n))
                        .build());
          }
        });
    List<String> all = containers.all(name);
    assertThat(all).hasSize(2 * RACE_ROUNDS);
    for (int id = 0; id < 2; id++) {
      String prefix = id + ":";
      List<String> mine = all.stream().filter(s -> s.startsWith(prefix)).toList();
      assertThat(mine)
          .isEqualTo(IntStream.range(0, RACE_ROUNDS).mapToObj(n -> prefix + n).toList());
    }
  }

  @Test
  void racingPopsTakeEveryElementExactlyOnce() {
    String name = digits("list-race-pop", 2 * RACE_ROUNDS);
    List<String> popped = Collections.synchronizedList(new ArrayList<>());
    ConcurrentHashMap<Integer, Integer> perClient = new ConcurrentHashMap<>();
    race(
        (id, client) -> {
          for (int n = 0; n < RACE_ROUNDS; n++) {
            PopListItemRequest.Builder b = PopListItemRequest.newBuilder().setName(name);
            if (id == 1) {
              b.setIndex(0); // one client pops from the front, the other from the back
            }
            popped.add(text(client.list().popListItem(b.build()).getValue()));
            perClient.merge(id, 1, Integer::sum);
          }
        });
    assertThat(len(name)).isZero();
    assertThat(popped)
        .hasSize(2 * RACE_ROUNDS)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, 2 * RACE_ROUNDS).mapToObj(Integer::toString).toList());
    Rpc.assertFails(Code.OUT_OF_RANGE, "INDEX_OUT_OF_RANGE", () -> pop(name, null));
  }
}
