package io.ipcbroker.conformance;

import static io.ipcbroker.conformance.ContainerClient.text;
import static io.ipcbroker.conformance.ContainerClient.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status.Code;
import io.ipcbroker.v1.ClearDictRequest;
import io.ipcbroker.v1.CompareAndSetDictItemRequest;
import io.ipcbroker.v1.CompareAndSetDictItemResponse;
import io.ipcbroker.v1.CreateDictRequest;
import io.ipcbroker.v1.CreateDictResponse;
import io.ipcbroker.v1.CreateListRequest;
import io.ipcbroker.v1.DeleteDictItemRequest;
import io.ipcbroker.v1.DeleteDictRequest;
import io.ipcbroker.v1.DescribeDictRequest;
import io.ipcbroker.v1.DictContainsRequest;
import io.ipcbroker.v1.DictEntry;
import io.ipcbroker.v1.DictLenRequest;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.GetDictItemRequest;
import io.ipcbroker.v1.GetDictItemResponse;
import io.ipcbroker.v1.ListDictItemsRequest;
import io.ipcbroker.v1.ListDictItemsResponse;
import io.ipcbroker.v1.ListDictKeysRequest;
import io.ipcbroker.v1.ListDictKeysResponse;
import io.ipcbroker.v1.ListDictValuesRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PopDictItemRequest;
import io.ipcbroker.v1.PopDictItemResponse;
import io.ipcbroker.v1.SetDefaultDictItemRequest;
import io.ipcbroker.v1.SetDefaultDictItemResponse;
import io.ipcbroker.v1.SetDictItemRequest;
import io.ipcbroker.v1.UpdateDictRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manager's {@code dict}: create, open, describe and delete; every item call with Python's
 * semantics (KeyError as {@code KEY_NOT_FOUND}, defaults, insertion order, update, pop, setdefault,
 * clear); compare-and-set of one key; key and item limits; paging, also while another client
 * changes the dict; and races between clients with exact counts.
 */
@Timeout(120)
class DictConformanceTest {
  /** The broker's item limit (see {@link BadInputConformanceTest}). */
  private static final int ITEM_LIMIT =
      Integer.getInteger("ipcbroker.maxItemBytes", (4 << 20) - (64 << 10));

  /** The longest key, in characters. */
  private static final int MAX_KEY = 1024;

  /** How many operations each of two racing clients makes. */
  private static final int RACE_ROUNDS = 2_000;

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

  private DictServiceGrpc.DictServiceBlockingStub dict() {
    return containers.dict();
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

  private long len(String name) {
    return dict().dictLen(DictLenRequest.newBuilder().setName(name).build()).getLen();
  }

  private boolean contains(String name, String key) {
    return dict()
        .dictContains(DictContainsRequest.newBuilder().setName(name).setKey(key).build())
        .getContains();
  }

  private List<String> keys(String name) {
    List<String> out = new ArrayList<>();
    String token = "";
    do {
      ListDictKeysResponse page =
          dict()
              .listDictKeys(
                  ListDictKeysRequest.newBuilder().setName(name).setPageToken(token).build());
      out.addAll(page.getKeysList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  private CompareAndSetDictItemResponse cas(
      String name, String key, Payload expected, Payload newValue) {
    CompareAndSetDictItemRequest.Builder b =
        CompareAndSetDictItemRequest.newBuilder().setName(name).setKey(key);
    if (expected != null) {
      b.setExpected(expected);
    }
    if (newValue != null) {
      b.setNewValue(newValue);
    } else {
      b.setDeleteKey(true);
    }
    return dict().compareAndSetDictItem(b.build());
  }

  // Objects.

  @Test
  void createOpenDescribeAndDelete() {
    String name = Rpc.uniqueName("dict-life");
    containers.trackDict(name);
    CreateDictResponse created =
        dict().createDict(CreateDictRequest.newBuilder().setName(name).build());
    assertThat(created.getCreated()).isTrue();
    assertThat(created.getDict().getName()).isEqualTo(name);
    assertThat(created.getDict().getLen()).isZero();
    containers.put(name, "a", "1");

    Rpc.assertFails(
        Code.ALREADY_EXISTS,
        "DICT_ALREADY_EXISTS",
        () -> dict().createDict(CreateDictRequest.newBuilder().setName(name).build()));
    CreateDictResponse opened =
        dict()
            .createDict(
                CreateDictRequest.newBuilder().setName(name).setAllowExisting(true).build());
    assertThat(opened.getCreated()).isFalse();
    assertThat(opened.getDict().getLen()).as("opening keeps the entries").isEqualTo(1);
    assertThat(
            dict().describeDict(DescribeDictRequest.newBuilder().setName(name).build()).getDict())
        .isEqualTo(opened.getDict());

    assertThat(dict().deleteDict(DeleteDictRequest.newBuilder().setName(name).build()).getDeleted())
        .isTrue();
    Rpc.assertFails(
        Code.NOT_FOUND,
        "DICT_NOT_FOUND",
        () -> dict().deleteDict(DeleteDictRequest.newBuilder().setName(name).build()));
    assertThat(
            dict()
                .deleteDict(
                    DeleteDictRequest.newBuilder().setName(name).setAllowMissing(true).build())
                .getDeleted())
        .isFalse();
    Rpc.assertFails(Code.NOT_FOUND, "DICT_NOT_FOUND", () -> containers.get(name, "a"));

    dict().createDict(CreateDictRequest.newBuilder().setName(name).build());
    assertThat(len(name)).as("a re-created dict is empty").isZero();
  }

  @Test
  void aDictAndAListMayShareAName() {
    String name = containers.createDict("dict-shared");
    containers.trackList(name);
    containers.list().createList(CreateListRequest.newBuilder().setName(name).build());
    containers.put(name, "k", "v");
    assertThat(containers.get(name, "k")).isEqualTo("v");
  }

  /** Every dict call, named {@code name} and otherwise valid. */
  static Stream<Arguments> everyCall() {
    Payload v = text("v");
    List<Arguments> calls = new ArrayList<>();
    calls.add(
        call(
            "DescribeDict",
            (c, n) -> stub(c).describeDict(DescribeDictRequest.newBuilder().setName(n).build())));
    calls.add(
        call(
            "DeleteDict",
            (c, n) -> stub(c).deleteDict(DeleteDictRequest.newBuilder().setName(n).build())));
    calls.add(
        call(
            "GetDictItem",
            (c, n) ->
                stub(c)
                    .getDictItem(GetDictItemRequest.newBuilder().setName(n).setKey("k").build())));
    calls.add(
        call(
            "SetDictItem",
            (c, n) ->
                stub(c)
                    .setDictItem(
                        SetDictItemRequest.newBuilder()
                            .setName(n)
                            .setKey("k")
                            .setValue(v)
                            .build())));
    calls.add(
        call(
            "DeleteDictItem",
            (c, n) ->
                stub(c)
                    .deleteDictItem(
                        DeleteDictItemRequest.newBuilder().setName(n).setKey("k").build())));
    calls.add(
        call(
            "DictContains",
            (c, n) ->
                stub(c)
                    .dictContains(
                        DictContainsRequest.newBuilder().setName(n).setKey("k").build())));
    calls.add(
        call("DictLen", (c, n) -> stub(c).dictLen(DictLenRequest.newBuilder().setName(n).build())));
    calls.add(
        call(
            "ListDictKeys",
            (c, n) -> stub(c).listDictKeys(ListDictKeysRequest.newBuilder().setName(n).build())));
    calls.add(
        call(
            "ListDictValues",
            (c, n) ->
                stub(c).listDictValues(ListDictValuesRequest.newBuilder().setName(n).build())));
    calls.add(
        call(
            "ListDictItems",
            (c, n) -> stub(c).listDictItems(ListDictItemsRequest.newBuilder().setName(n).build())));
    calls.add(
        call(
            "UpdateDict",
            (c, n) ->
                stub(c)
                    .updateDict(
                        UpdateDictRequest.newBuilder()
                            .setName(n)
                            .addEntries(DictEntry.newBuilder().setKey("k").setValue(v))
                            .build())));
    calls.add(
        call(
            "PopDictItem",
            (c, n) ->
                stub(c)
                    .popDictItem(
                        PopDictItemRequest.newBuilder()
                            .setName(n)
                            .setKey("k")
                            .setDefaultValue(v)
                            .build())));
    calls.add(
        call(
            "SetDefaultDictItem",
            (c, n) ->
                stub(c)
                    .setDefaultDictItem(
                        SetDefaultDictItemRequest.newBuilder()
                            .setName(n)
                            .setKey("k")
                            .setDefaultValue(v)
                            .build())));
    calls.add(
        call(
            "ClearDict",
            (c, n) -> stub(c).clearDict(ClearDictRequest.newBuilder().setName(n).build())));
    calls.add(
        call(
            "CompareAndSetDictItem",
            (c, n) ->
                stub(c)
                    .compareAndSetDictItem(
                        CompareAndSetDictItemRequest.newBuilder()
                            .setName(n)
                            .setKey("k")
                            .setNewValue(v)
                            .build())));
    return calls.stream();
  }

  private static DictServiceGrpc.DictServiceBlockingStub stub(Channel c) {
    return ContainerClient.dicts(c);
  }

  /** One call of {@link #everyCall}: sends a request for the dict of the given name. */
  interface NamedCall {
    void call(Channel channel, String name);
  }

  private static Arguments call(String rpc, NamedCall call) {
    return Arguments.of(rpc, call);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyCall")
  void everyCallChecksItsNameAndFindsNoMissingDict(String rpc, NamedCall call) {
    for (String bad : List.of("", "has space", "-lead", "x".repeat(129))) {
      Rpc.assertFails(
          Code.INVALID_ARGUMENT, "INVALID_NAME", () -> call.call(broker.channel(), bad));
    }
    Rpc.assertFails(
        Code.NOT_FOUND,
        "DICT_NOT_FOUND",
        () -> call.call(broker.channel(), Rpc.uniqueName("dict-missing")));
  }

  // Items.

  @Test
  void setGetContainsLenAndDeleteItemFollowPython() {
    String name = containers.createDict("dict-items");
    assertThat(
            dict()
                .setDictItem(
                    SetDictItemRequest.newBuilder()
                        .setName(name)
                        .setKey("a")
                        .setValue(text("1"))
                        .build())
                .getCreated())
        .isTrue();
    assertThat(
            dict()
                .setDictItem(
                    SetDictItemRequest.newBuilder()
                        .setName(name)
                        .setKey("a")
                        .setValue(text("2"))
                        .build())
                .getCreated())
        .isFalse();
    assertThat(containers.get(name, "a")).isEqualTo("2");
    assertThat(contains(name, "a")).isTrue();
    assertThat(contains(name, "b")).isFalse();
    assertThat(len(name)).isEqualTo(1);

    Rpc.assertFails(Code.NOT_FOUND, "KEY_NOT_FOUND", () -> containers.get(name, "b"));
    GetDictItemResponse withDefault =
        dict()
            .getDictItem(
                GetDictItemRequest.newBuilder()
                    .setName(name)
                    .setKey("b")
                    .setDefaultValue(text("dflt"))
                    .build());
    assertThat(withDefault.getFound()).isFalse();
    assertThat(text(withDefault.getValue())).isEqualTo("dflt");
    assertThat(contains(name, "b")).as("a default is not stored").isFalse();

    assertThat(
            dict()
                .deleteDictItem(
                    DeleteDictItemRequest.newBuilder().setName(name).setKey("a").build())
                .getDeleted())
        .isTrue();
    Rpc.assertFails(
        Code.NOT_FOUND,
        "KEY_NOT_FOUND",
        () ->
            dict()
                .deleteDictItem(
                    DeleteDictItemRequest.newBuilder().setName(name).setKey("a").build()));
    assertThat(
            dict()
                .deleteDictItem(
                    DeleteDictItemRequest.newBuilder()
                        .setName(name)
                        .setKey("a")
                        .setAllowMissing(true)
                        .build())
                .getDeleted())
        .isFalse();
    assertThat(len(name)).isZero();
  }

  @Test
  void valuesComeBackByteForByteWithTheirContentType() {
    String name = containers.createDict("dict-bytes");
    Payload odd =
        Payload.newBuilder()
            .setData(ByteString.copyFrom(new byte[] {0, -1, 10, 13, 0}))
            .setContentType("application/x-python-pickle")
            .build();
    Payload empty = Payload.getDefaultInstance();
    dict()
        .setDictItem(
            SetDictItemRequest.newBuilder().setName(name).setKey("odd").setValue(odd).build());
    dict()
        .setDictItem(
            SetDictItemRequest.newBuilder().setName(name).setKey("empty").setValue(empty).build());
    assertThat(
            dict().getDictItem(GetDictItemRequest.newBuilder().setName(name).setKey("odd").build()))
        .extracting(GetDictItemResponse::getValue)
        .isEqualTo(odd);
    GetDictItemResponse e =
        dict().getDictItem(GetDictItemRequest.newBuilder().setName(name).setKey("empty").build());
    assertThat(e.getFound()).isTrue();
    assertThat(e.getValue()).isEqualTo(empty);
  }

  @Test
  void keysMayBeEmptyOrUpTo1024CharactersAndNoLonger() {
    String name = containers.createDict("dict-keys");
    String max = "k".repeat(MAX_KEY);
    String unicodeMax = "\u00e9".repeat(MAX_KEY); // 2 bytes each in UTF-8: counted as characters
    containers.put(name, "", "empty");
    containers.put(name, max, "max");
    containers.put(name, unicodeMax, "accents");
    assertThat(containers.get(name, "")).isEqualTo("empty");
    assertThat(containers.get(name, max)).isEqualTo("max");
    assertThat(containers.get(name, unicodeMax)).isEqualTo("accents");

    String tooLong = max + "k";
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE", () -> containers.put(name, tooLong, "v"));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE", () -> containers.get(name, tooLong));
    Rpc.assertFails(Code.INVALID_ARGUMENT, "INVALID_FIELD_VALUE", () -> contains(name, tooLong));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            dict()
                .updateDict(
                    UpdateDictRequest.newBuilder()
                        .setName(name)
                        .addEntries(DictEntry.newBuilder().setKey("fine").setValue(text("1")))
                        .addEntries(DictEntry.newBuilder().setKey(tooLong).setValue(text("2")))
                        .build()));
    assertThat(contains(name, "fine")).as("a failed update changes nothing").isFalse();
    assertThat(len(name)).isEqualTo(3);
  }

  @Test
  void valuesOverTheItemLimitAreRefusedAndChangeNothing() {
    String name = containers.createDict("dict-large");
    Payload tooLarge = bytes(ITEM_LIMIT + 1);
    List<Runnable> calls =
        List.of(
            () ->
                dict()
                    .setDictItem(
                        SetDictItemRequest.newBuilder()
                            .setName(name)
                            .setKey("k")
                            .setValue(tooLarge)
                            .build()),
            () ->
                dict()
                    .updateDict(
                        UpdateDictRequest.newBuilder()
                            .setName(name)
                            .addEntries(DictEntry.newBuilder().setKey("small").setValue(text("s")))
                            .addEntries(DictEntry.newBuilder().setKey("k").setValue(tooLarge))
                            .build()),
            () ->
                dict()
                    .setDefaultDictItem(
                        SetDefaultDictItemRequest.newBuilder()
                            .setName(name)
                            .setKey("k")
                            .setDefaultValue(tooLarge)
                            .build()),
            () -> cas(name, "k", null, tooLarge));
    for (Runnable call : calls) {
      Rpc.assertFails(Code.INVALID_ARGUMENT, "ITEM_TOO_LARGE", call);
    }
    assertThat(len(name)).isZero();

    Payload atLimit = bytes(ITEM_LIMIT);
    dict()
        .setDictItem(
            SetDictItemRequest.newBuilder().setName(name).setKey("k").setValue(atLimit).build());
    assertThat(
            dict()
                .getDictItem(GetDictItemRequest.newBuilder().setName(name).setKey("k").build())
                .getValue())
        .isEqualTo(atLimit);
  }

  @Test
  void missingPayloadsAreFieldRequired() {
    String name = containers.createDict("dict-required");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () ->
            dict().setDictItem(SetDictItemRequest.newBuilder().setName(name).setKey("k").build()));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () ->
            dict()
                .updateDict(
                    UpdateDictRequest.newBuilder()
                        .setName(name)
                        .addEntries(DictEntry.newBuilder().setKey("k"))
                        .build()));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () ->
            dict()
                .setDefaultDictItem(
                    SetDefaultDictItemRequest.newBuilder().setName(name).setKey("k").build()));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "FIELD_REQUIRED",
        () ->
            dict()
                .compareAndSetDictItem(
                    CompareAndSetDictItemRequest.newBuilder().setName(name).setKey("k").build()));
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            dict()
                .compareAndSetDictItem(
                    CompareAndSetDictItemRequest.newBuilder()
                        .setName(name)
                        .setKey("k")
                        .setNewValue(text("v"))
                        .setDeleteKey(true)
                        .build()));
    assertThat(len(name)).isZero();
  }

  @Test
  void updateSetsInOrderAndInsertionOrderIsKept() {
    String name = containers.createDict("dict-update");
    containers.put(name, "b", "0");
    long after =
        dict()
            .updateDict(
                UpdateDictRequest.newBuilder()
                    .setName(name)
                    .addEntries(DictEntry.newBuilder().setKey("a").setValue(text("1")))
                    .addEntries(DictEntry.newBuilder().setKey("b").setValue(text("2")))
                    .addEntries(DictEntry.newBuilder().setKey("c").setValue(text("3")))
                    .addEntries(DictEntry.newBuilder().setKey("a").setValue(text("4")))
                    .build())
            .getLen();
    assertThat(after).isEqualTo(3);
    assertThat(containers.items(name, 0)).containsExactly("b=2", "a=4", "c=3");
    assertThat(keys(name)).containsExactly("b", "a", "c");
    assertThat(
            texts(
                dict()
                    .listDictValues(ListDictValuesRequest.newBuilder().setName(name).build())
                    .getValuesList()))
        .containsExactly("2", "4", "3");

    // A key deleted and set again moves to the end, as in Python.
    dict().deleteDictItem(DeleteDictItemRequest.newBuilder().setName(name).setKey("b").build());
    containers.put(name, "b", "5");
    assertThat(keys(name)).containsExactly("a", "c", "b");
    assertThat(dict().updateDict(UpdateDictRequest.newBuilder().setName(name).build()).getLen())
        .as("an empty update")
        .isEqualTo(3);
  }

  @Test
  void popSetDefaultAndClearFollowPython() {
    String name = containers.createDict("dict-pop");
    containers.put(name, "a", "1");
    PopDictItemResponse popped =
        dict().popDictItem(PopDictItemRequest.newBuilder().setName(name).setKey("a").build());
    assertThat(popped.getFound()).isTrue();
    assertThat(text(popped.getValue())).isEqualTo("1");
    assertThat(contains(name, "a")).isFalse();
    Rpc.assertFails(
        Code.NOT_FOUND,
        "KEY_NOT_FOUND",
        () ->
            dict().popDictItem(PopDictItemRequest.newBuilder().setName(name).setKey("a").build()));
    PopDictItemResponse defaulted =
        dict()
            .popDictItem(
                PopDictItemRequest.newBuilder()
                    .setName(name)
                    .setKey("a")
                    .setDefaultValue(text("d"))
                    .build());
    assertThat(defaulted.getFound()).isFalse();
    assertThat(text(defaulted.getValue())).isEqualTo("d");

    SetDefaultDictItemResponse first =
        dict()
            .setDefaultDictItem(
                SetDefaultDictItemRequest.newBuilder()
                    .setName(name)
                    .setKey("s")
                    .setDefaultValue(text("first"))
                    .build());
    assertThat(first.getInserted()).isTrue();
    assertThat(text(first.getValue())).isEqualTo("first");
    SetDefaultDictItemResponse second =
        dict()
            .setDefaultDictItem(
                SetDefaultDictItemRequest.newBuilder()
                    .setName(name)
                    .setKey("s")
                    .setDefaultValue(text("second"))
                    .build());
    assertThat(second.getInserted()).isFalse();
    assertThat(text(second.getValue())).isEqualTo("first");

    containers.put(name, "t", "2");
    assertThat(dict().clearDict(ClearDictRequest.newBuilder().setName(name).build()).getRemoved())
        .isEqualTo(2);
    assertThat(len(name)).isZero();
    assertThat(containers.items(name, 0)).isEmpty();
  }

  @Test
  void compareAndSetSwapsOnlyOnAMatchAndAnswersTheKeysStateNow() {
    String name = containers.createDict("dict-cas");
    CompareAndSetDictItemResponse insert = cas(name, "k", null, text("1"));
    assertThat(insert.getSwapped()).as("expected absent").isTrue();
    assertThat(insert.getFound()).isTrue();
    assertThat(text(insert.getValue())).isEqualTo("1");

    CompareAndSetDictItemResponse notAbsent = cas(name, "k", null, text("2"));
    assertThat(notAbsent.getSwapped()).isFalse();
    assertThat(text(notAbsent.getValue())).isEqualTo("1");

    CompareAndSetDictItemResponse wrong = cas(name, "k", text("9"), text("2"));
    assertThat(wrong.getSwapped()).isFalse();
    assertThat(text(wrong.getValue())).isEqualTo("1");

    Payload sameBytesOtherType =
        Payload.newBuilder()
            .setData(text("1").getData())
            .setContentType("application/json")
            .build();
    assertThat(cas(name, "k", sameBytesOtherType, text("2")).getSwapped())
        .as("the content type is part of the comparison")
        .isFalse();

    CompareAndSetDictItemResponse hit = cas(name, "k", text("1"), text("2"));
    assertThat(hit.getSwapped()).isTrue();
    assertThat(text(hit.getValue())).isEqualTo("2");
    assertThat(containers.get(name, "k")).isEqualTo("2");

    CompareAndSetDictItemResponse deleted = cas(name, "k", text("2"), null);
    assertThat(deleted.getSwapped()).isTrue();
    assertThat(deleted.getFound()).isFalse();
    assertThat(deleted.hasValue()).isFalse();
    assertThat(contains(name, "k")).isFalse();

    CompareAndSetDictItemResponse missing = cas(name, "k", text("2"), text("3"));
    assertThat(missing.getSwapped()).isFalse();
    assertThat(missing.getFound()).isFalse();
    assertThat(contains(name, "k")).isFalse();
  }

  // Paging.

  @Test
  void pagesFollowThePageSizeItsDefaultAndItsCap() {
    String name = containers.createDict("dict-pages");
    UpdateDictRequest.Builder fill = UpdateDictRequest.newBuilder().setName(name);
    for (int i = 0; i < 1500; i++) {
      fill.addEntries(DictEntry.newBuilder().setKey("k" + i).setValue(text("v" + i)));
    }
    dict().updateDict(fill.build());

    ListDictKeysResponse byDefault =
        dict().listDictKeys(ListDictKeysRequest.newBuilder().setName(name).build());
    assertThat(byDefault.getKeysCount()).isEqualTo(100);
    assertThat(byDefault.getNextPageToken()).isNotEmpty();
    assertThat(
            dict()
                .listDictKeys(
                    ListDictKeysRequest.newBuilder().setName(name).setPageSize(5000).build())
                .getKeysCount())
        .isEqualTo(1000);
    List<String> all = containers.items(name, 7);
    assertThat(all).hasSize(1500).doesNotHaveDuplicates();
    assertThat(all.get(0)).isEqualTo("k0=v0");
    assertThat(all.get(1499)).isEqualTo("k1499=v1499");

    // Tokens of one listing serve the others.
    ListDictItemsResponse next =
        dict()
            .listDictItems(
                ListDictItemsRequest.newBuilder()
                    .setName(name)
                    .setPageSize(1)
                    .setPageToken(byDefault.getNextPageToken())
                    .build());
    assertThat(next.getEntries(0).getKey()).isEqualTo("k100");
  }

  @Test
  void badPageSizesAndForeignTokensAreInvalidFieldValues() {
    String name = containers.createDict("dict-tokens");
    String other = containers.createDict("dict-tokens-other");
    for (String d : List.of(name, other)) {
      containers.put(d, "a", "1");
      containers.put(d, "b", "2");
    }
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            dict()
                .listDictKeys(
                    ListDictKeysRequest.newBuilder().setName(name).setPageSize(-1).build()));
    String foreign =
        dict()
            .listDictKeys(ListDictKeysRequest.newBuilder().setName(other).setPageSize(1).build())
            .getNextPageToken();
    for (String token : List.of(foreign, "garbage!", "AAAA")) {
      Rpc.assertFails(
          Code.INVALID_ARGUMENT,
          "INVALID_FIELD_VALUE",
          () ->
              dict()
                  .listDictItems(
                      ListDictItemsRequest.newBuilder().setName(name).setPageToken(token).build()));
    }
    // A dict deleted and re-created under the name does not take its predecessor's tokens.
    String mine =
        dict()
            .listDictKeys(ListDictKeysRequest.newBuilder().setName(name).setPageSize(1).build())
            .getNextPageToken();
    dict().deleteDict(DeleteDictRequest.newBuilder().setName(name).build());
    dict().createDict(CreateDictRequest.newBuilder().setName(name).build());
    containers.put(name, "a", "1");
    containers.put(name, "b", "2");
    Rpc.assertFails(
        Code.INVALID_ARGUMENT,
        "INVALID_FIELD_VALUE",
        () ->
            dict()
                .listDictKeys(
                    ListDictKeysRequest.newBuilder().setName(name).setPageToken(mine).build()));
  }

  @Test
  void pagesOfLargeValuesFitTheDefaultReceiveLimit() {
    String name = containers.createDict("dict-bigpages");
    Payload mib = bytes(1 << 20);
    for (int i = 0; i < 8; i++) {
      dict()
          .setDictItem(
              SetDictItemRequest.newBuilder().setName(name).setKey("k" + i).setValue(mib).build());
    }
    int entries = 0;
    int pages = 0;
    String token = "";
    do {
      ListDictItemsResponse page =
          dict()
              .listDictItems(
                  ListDictItemsRequest.newBuilder().setName(name).setPageToken(token).build());
      assertThat(page.getEntriesCount()).isBetween(1, 3);
      entries += page.getEntriesCount();
      pages++;
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertThat(entries).isEqualTo(8);
    assertThat(pages).isGreaterThanOrEqualTo(3);
  }

  @Test
  void pagingWhileAnotherClientChangesTheDictReturnsEveryStableEntryOnce() throws Exception {
    String name = containers.createDict("dict-walk");
    int stable = 3_000;
    UpdateDictRequest.Builder fill = UpdateDictRequest.newBuilder().setName(name);
    for (int i = 0; i < stable; i++) {
      fill.addEntries(DictEntry.newBuilder().setKey("stable-" + i).setValue(text("s")));
    }
    dict().updateDict(fill.build());

    ContainerClient writer = containers.on(broker.newChannel());
    AtomicBoolean walking = new AtomicBoolean(true);
    CountDownLatch writing = new CountDownLatch(1);
    CompletableFuture<Integer> churn =
        CompletableFuture.supplyAsync(
            () -> {
              int n = 0;
              while (walking.get() || n < 100) {
                writer.put(name, "churn-" + (n % 64), "v" + n);
                writer
                    .dict()
                    .deleteDictItem(
                        DeleteDictItemRequest.newBuilder()
                            .setName(name)
                            .setKey("churn-" + ((n + 32) % 64))
                            .setAllowMissing(true)
                            .build());
                // The stable entries' values change too; they keep their place.
                writer.put(name, "stable-" + (n * 7 % stable), "t" + n);
                n++;
                if (n == 10) {
                  writing.countDown();
                }
              }
              return n;
            },
            clients);
    writing.await();
    List<String> keys = new ArrayList<>();
    String token = "";
    try {
      do {
        ListDictKeysResponse page =
            dict()
                .listDictKeys(
                    ListDictKeysRequest.newBuilder()
                        .setName(name)
                        .setPageSize(25)
                        .setPageToken(token)
                        .build());
        keys.addAll(page.getKeysList());
        token = page.getNextPageToken();
      } while (!token.isEmpty());
    } finally {
      walking.set(false);
    }
    assertThat(Futures.get(churn, LOAD_LIMIT)).isGreaterThanOrEqualTo(100);

    List<String> stableKeys = keys.stream().filter(k -> k.startsWith("stable-")).toList();
    assertThat(stableKeys).hasSize(stable).doesNotHaveDuplicates();
    for (int i = 0; i < stable; i++) {
      assertThat(stableKeys.get(i)).as("insertion order").isEqualTo("stable-" + i);
    }
  }

  // Races.

  /** Runs {@code body} on two client connections started together; waits for both. */
  private void race(Race.Body<ContainerClient> body) {
    Race.twoClients(
        clients, () -> containers.on(broker.newChannel()), LOAD_LIMIT.plusSeconds(10), body);
  }

  @Test
  void racingSetDefaultsInsertEachKeyExactlyOnce() {
    String name = containers.createDict("dict-race-setdefault");
    int[][] inserted = new int[2][1];
    race(
        (id, client) -> {
          for (int n = 0; n < RACE_ROUNDS; n++) {
            SetDefaultDictItemResponse r =
                client
                    .dict()
                    .setDefaultDictItem(
                        SetDefaultDictItemRequest.newBuilder()
                            .setName(name)
                            .setKey("k" + n)
                            .setDefaultValue(text("client-" + id))
                            .build());
            if (r.getInserted()) {
              inserted[id][0]++;
              assertThat(text(r.getValue())).isEqualTo("client-" + id);
            }
          }
        });
    assertThat(inserted[0][0] + inserted[1][0]).isEqualTo(RACE_ROUNDS);
    assertThat(len(name)).isEqualTo(RACE_ROUNDS);
    Set<String> owners = new HashSet<>();
    for (String entry : containers.items(name, 1000)) {
      owners.add(entry.substring(entry.indexOf('=') + 1));
    }
    assertThat(owners).isSubsetOf("client-0", "client-1");
  }

  @Test
  void racingCompareAndSetIncrementsLoseNoIncrement() {
    String name = containers.createDict("dict-race-cas");
    containers.put(name, "counter", "0");
    race(
        (id, client) -> {
          String seen = client.get(name, "counter");
          for (int n = 0; n < RACE_ROUNDS; ) {
            String next = Long.toString(Long.parseLong(seen) + 1);
            CompareAndSetDictItemRequest r =
                CompareAndSetDictItemRequest.newBuilder()
                    .setName(name)
                    .setKey("counter")
                    .setExpected(text(seen))
                    .setNewValue(text(next))
                    .build();
            CompareAndSetDictItemResponse a = client.dict().compareAndSetDictItem(r);
            seen = text(a.getValue());
            if (a.getSwapped()) {
              n++;
            }
          }
        });
    assertThat(containers.get(name, "counter")).isEqualTo(Integer.toString(2 * RACE_ROUNDS));
  }

  @Test
  void racingUpdatesAreAtomicAsAWhole() {
    String name = containers.createDict("dict-race-update");
    race(
        (id, client) -> {
          for (int n = 0; n < RACE_ROUNDS / 4; n++) {
            UpdateDictRequest.Builder b = UpdateDictRequest.newBuilder().setName(name);
            for (int k = 0; k < 8; k++) {
              b.addEntries(DictEntry.newBuilder().setKey("k" + k).setValue(text(id + ":" + n)));
            }
            client.dict().updateDict(b.build());
            // Every read of all eight keys sees one update, never a mix of two.
            List<String> values =
                client.items(name, 1000).stream()
                    .map(e -> e.substring(e.indexOf('=') + 1))
                    .toList();
            assertThat(new HashSet<>(values)).hasSize(1);
          }
        });
    assertThat(len(name)).isEqualTo(8);
  }
}
