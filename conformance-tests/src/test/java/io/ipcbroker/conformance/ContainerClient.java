package io.ipcbroker.conformance;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.ipcbroker.v1.CreateDictRequest;
import io.ipcbroker.v1.CreateListRequest;
import io.ipcbroker.v1.DeleteDictRequest;
import io.ipcbroker.v1.DeleteListRequest;
import io.ipcbroker.v1.DictEntry;
import io.ipcbroker.v1.DictServiceGrpc;
import io.ipcbroker.v1.GetDictItemRequest;
import io.ipcbroker.v1.GetListItemRequest;
import io.ipcbroker.v1.ListDictItemsRequest;
import io.ipcbroker.v1.ListDictItemsResponse;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.SetDictItemRequest;
import io.ipcbroker.v1.SliceListRequest;
import io.ipcbroker.v1.SliceListResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One client's access to the {@code DictService} and {@code ListService} on the raw stubs: creates
 * dicts and lists (remembering each name for clean-up) and offers the few compound reads the tests
 * share, each call with a fresh {@link TestBroker#CALL_DEADLINE}.
 *
 * <p>{@link #on} gives the same test's view from another client connection; {@link #close} on any
 * of them deletes every dict and list the test created. Create one per test instance and close it
 * in {@code AfterEach}, before the {@link TestBroker}.
 */
public final class ContainerClient implements AutoCloseable {
  private final Channel channel;
  private final Set<String> dictNames;
  private final Set<String> listNames;

  /** Works on {@code channel}, one of the test's client connections. */
  public ContainerClient(Channel channel) {
    this(channel, ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
  }

  private ContainerClient(Channel channel, Set<String> dictNames, Set<String> listNames) {
    this.channel = channel;
    this.dictNames = dictNames;
    this.listNames = listNames;
  }

  /** The same test's containers from {@code other}, another client connection ("process"). */
  public ContainerClient on(Channel other) {
    return new ContainerClient(other, dictNames, listNames);
  }

  /** A blocking dict stub on {@code c} with a fresh {@link TestBroker#CALL_DEADLINE}. */
  public static DictServiceGrpc.DictServiceBlockingStub dicts(Channel c) {
    return DictServiceGrpc.newBlockingStub(c)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A blocking list stub on {@code c} with a fresh {@link TestBroker#CALL_DEADLINE}. */
  public static ListServiceGrpc.ListServiceBlockingStub lists(Channel c) {
    return ListServiceGrpc.newBlockingStub(c)
        .withDeadlineAfter(TestBroker.CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A blocking dict stub on this client's channel with a fresh deadline. */
  public DictServiceGrpc.DictServiceBlockingStub dict() {
    return dicts(channel);
  }

  /** A blocking list stub on this client's channel with a fresh deadline. */
  public ListServiceGrpc.ListServiceBlockingStub list() {
    return lists(channel);
  }

  // Payloads.

  /** UTF-8 text as a {@code text/plain} payload. */
  public static Payload text(String s) {
    return Items.text(s);
  }

  /** The text of a payload. */
  public static String text(Payload p) {
    return p.getData().toString(StandardCharsets.UTF_8);
  }

  /** The texts of payloads, in order. */
  public static List<String> texts(List<Payload> payloads) {
    return payloads.stream().map(ContainerClient::text).toList();
  }

  // Dicts.

  /** Creates an empty dict with a unique name; returns the name. */
  public String createDict(String prefix) {
    String name = Rpc.uniqueName(prefix);
    trackDict(name);
    dict().createDict(CreateDictRequest.newBuilder().setName(name).build());
    return name;
  }

  /** Remembers a dict name for clean-up (for dicts created by raw calls). */
  public void trackDict(String name) {
    dictNames.add(name);
  }

  /** Sets {@code key} to the text {@code value}. */
  public void put(String dict, String key, String value) {
    dict()
        .setDictItem(
            SetDictItemRequest.newBuilder()
                .setName(dict)
                .setKey(key)
                .setValue(text(value))
                .build());
  }

  /** The text value of {@code key}. */
  public String get(String dict, String key) {
    return text(
        dict()
            .getDictItem(GetDictItemRequest.newBuilder().setName(dict).setKey(key).build())
            .getValue());
  }

  /** Every entry, read a page of {@code pageSize} at a time, as {@code key=text} strings. */
  public List<String> items(String dict, int pageSize) {
    List<String> out = new ArrayList<>();
    String token = "";
    do {
      ListDictItemsResponse page =
          dict()
              .listDictItems(
                  ListDictItemsRequest.newBuilder()
                      .setName(dict)
                      .setPageSize(pageSize)
                      .setPageToken(token)
                      .build());
      for (DictEntry e : page.getEntriesList()) {
        out.add(e.getKey() + "=" + text(e.getValue()));
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  // Lists.

  /** Creates an empty list with a unique name; returns the name. */
  public String createList(String prefix) {
    String name = Rpc.uniqueName(prefix);
    trackList(name);
    list().createList(CreateListRequest.newBuilder().setName(name).build());
    return name;
  }

  /** Remembers a list name for clean-up (for lists created by raw calls). */
  public void trackList(String name) {
    listNames.add(name);
  }

  /** The text element at {@code index}. */
  public String at(String list, long index) {
    return text(
        list()
            .getListItem(GetListItemRequest.newBuilder().setName(list).setIndex(index).build())
            .getValue());
  }

  /** One {@code SliceList} answer. */
  public SliceListResponse slice(String list, Long start, Long stop, Long step) {
    SliceListRequest.Builder b = SliceListRequest.newBuilder().setName(list);
    if (start != null) {
      b.setStart(start);
    }
    if (stop != null) {
      b.setStop(stop);
    }
    if (step != null) {
      b.setStep(step);
    }
    return list().sliceList(b.build());
  }

  /** The whole list as texts, following truncated answers. */
  public List<String> all(String list) {
    List<String> out = new ArrayList<>();
    Long start = null;
    while (true) {
      SliceListResponse r = slice(list, start, null, null);
      out.addAll(texts(r.getValuesList()));
      if (!r.getTruncated()) {
        return out;
      }
      start = r.getNextStart();
    }
  }

  /** Deletes every dict and list the test created (ignoring what is already gone). */
  @Override
  public void close() {
    ManagedChannel admin = ConformanceTarget.newChannel();
    try {
      for (String name : dictNames) {
        dicts(admin)
            .deleteDict(DeleteDictRequest.newBuilder().setName(name).setAllowMissing(true).build());
      }
      for (String name : listNames) {
        lists(admin)
            .deleteList(DeleteListRequest.newBuilder().setName(name).setAllowMissing(true).build());
      }
    } finally {
      ConformanceTarget.close(admin);
    }
  }
}
