package io.ipcbroker.client;

import io.ipcbroker.v1.ClearDictRequest;
import io.ipcbroker.v1.CompareAndSetDictItemRequest;
import io.ipcbroker.v1.DeleteDictItemRequest;
import io.ipcbroker.v1.DictContainsRequest;
import io.ipcbroker.v1.DictEntry;
import io.ipcbroker.v1.DictLenRequest;
import io.ipcbroker.v1.GetDictItemRequest;
import io.ipcbroker.v1.GetDictItemResponse;
import io.ipcbroker.v1.ListDictItemsRequest;
import io.ipcbroker.v1.ListDictItemsResponse;
import io.ipcbroker.v1.ListDictKeysRequest;
import io.ipcbroker.v1.ListDictKeysResponse;
import io.ipcbroker.v1.ListDictValuesRequest;
import io.ipcbroker.v1.ListDictValuesResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PopDictItemRequest;
import io.ipcbroker.v1.PopDictItemResponse;
import io.ipcbroker.v1.SetDefaultDictItemRequest;
import io.ipcbroker.v1.SetDictItemRequest;
import io.ipcbroker.v1.UpdateDictRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/** The SDK's {@link IpcDict}: one RPC per call, pages fetched as iterations need them. */
final class DictHandle<V> implements IpcDict<V> {
  // Sent as the default of reads and pops that may miss; the answer's `found` tells them apart.
  private static final Payload ABSENT = Payload.getDefaultInstance();

  /** The page size of iterations: the broker's cap, so that few round trips are needed. */
  static final int PAGE_SIZE = 1000;

  private final IpcBroker broker;
  private final String name;
  private final CodedPayloads<V> payloads;

  DictHandle(IpcBroker broker, String name, Codec<V> codec) {
    this.broker = broker;
    this.name = name;
    this.payloads = new CodedPayloads<>(name, codec);
  }

  Codec<V> codec() {
    return payloads.codec();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Optional<V> get(String key) {
    Objects.requireNonNull(key, "key");
    GetDictItemResponse r =
        broker.callDicts(
            stub ->
                stub.getDictItem(
                    GetDictItemRequest.newBuilder()
                        .setName(name)
                        .setKey(key)
                        .setDefaultValue(ABSENT)
                        .build()));
    return r.getFound() ? Optional.of(payloads.decode(r.getValue())) : Optional.empty();
  }

  @Override
  public V getOrDefault(String key, V defaultValue) {
    return get(key).orElse(defaultValue);
  }

  @Override
  public V require(String key) {
    Objects.requireNonNull(key, "key");
    return payloads.decode(
        broker
            .callDicts(
                stub ->
                    stub.getDictItem(
                        GetDictItemRequest.newBuilder().setName(name).setKey(key).build()))
            .getValue());
  }

  @Override
  public void put(String key, V value) {
    Objects.requireNonNull(key, "key");
    Payload p = payloads.encode(value);
    broker.callDicts(
        stub ->
            stub.setDictItem(
                SetDictItemRequest.newBuilder().setName(name).setKey(key).setValue(p).build()));
  }

  @Override
  public Optional<V> remove(String key) {
    Objects.requireNonNull(key, "key");
    PopDictItemResponse r =
        broker.callDicts(
            stub ->
                stub.popDictItem(
                    PopDictItemRequest.newBuilder()
                        .setName(name)
                        .setKey(key)
                        .setDefaultValue(ABSENT)
                        .build()));
    return r.getFound() ? Optional.of(payloads.decode(r.getValue())) : Optional.empty();
  }

  @Override
  public V pop(String key) {
    Objects.requireNonNull(key, "key");
    return payloads.decode(
        broker
            .callDicts(
                stub ->
                    stub.popDictItem(
                        PopDictItemRequest.newBuilder().setName(name).setKey(key).build()))
            .getValue());
  }

  /** Deletes {@code key} without reading its value; returns whether the dict had it. */
  boolean delete(String key) {
    Objects.requireNonNull(key, "key");
    return broker
        .callDicts(
            stub ->
                stub.deleteDictItem(
                    DeleteDictItemRequest.newBuilder()
                        .setName(name)
                        .setKey(key)
                        .setAllowMissing(true)
                        .build()))
        .getDeleted();
  }

  @Override
  public boolean containsKey(String key) {
    Objects.requireNonNull(key, "key");
    return broker
        .callDicts(
            stub ->
                stub.dictContains(
                    DictContainsRequest.newBuilder().setName(name).setKey(key).build()))
        .getContains();
  }

  @Override
  public int size() {
    return (int)
        broker
            .callDicts(stub -> stub.dictLen(DictLenRequest.newBuilder().setName(name).build()))
            .getLen();
  }

  @Override
  public boolean isEmpty() {
    return size() == 0;
  }

  @Override
  public Iterable<String> keys() {
    return () ->
        new Pages<>(
            token -> {
              ListDictKeysResponse r =
                  broker.callDicts(
                      stub ->
                          stub.listDictKeys(
                              ListDictKeysRequest.newBuilder()
                                  .setName(name)
                                  .setPageSize(PAGE_SIZE)
                                  .setPageToken(token)
                                  .build()));
              return new Page<>(r.getKeysList(), r.getNextPageToken());
            });
  }

  @Override
  public Iterable<V> values() {
    return () ->
        new Pages<>(
            token -> {
              ListDictValuesResponse r =
                  broker.callDicts(
                      stub ->
                          stub.listDictValues(
                              ListDictValuesRequest.newBuilder()
                                  .setName(name)
                                  .setPageSize(PAGE_SIZE)
                                  .setPageToken(token)
                                  .build()));
              List<V> values = new ArrayList<>(r.getValuesCount());
              for (Payload p : r.getValuesList()) {
                values.add(payloads.decode(p));
              }
              return new Page<>(values, r.getNextPageToken());
            });
  }

  @Override
  public Iterable<Map.Entry<String, V>> items() {
    return () ->
        new Pages<>(
            token -> {
              ListDictItemsResponse r =
                  broker.callDicts(
                      stub ->
                          stub.listDictItems(
                              ListDictItemsRequest.newBuilder()
                                  .setName(name)
                                  .setPageSize(PAGE_SIZE)
                                  .setPageToken(token)
                                  .build()));
              List<Map.Entry<String, V>> entries = new ArrayList<>(r.getEntriesCount());
              for (DictEntry e : r.getEntriesList()) {
                entries.add(Map.entry(e.getKey(), payloads.decode(e.getValue())));
              }
              return new Page<>(entries, r.getNextPageToken());
            });
  }

  @Override
  public void update(Map<String, ? extends V> entries) {
    UpdateDictRequest.Builder b = UpdateDictRequest.newBuilder().setName(name);
    for (Map.Entry<String, ? extends V> e : entries.entrySet()) {
      b.addEntries(
          DictEntry.newBuilder()
              .setKey(Objects.requireNonNull(e.getKey(), "key"))
              .setValue(payloads.encode(e.getValue())));
    }
    UpdateDictRequest request = b.build();
    broker.callDicts(stub -> stub.updateDict(request));
  }

  @Override
  public V setDefault(String key, V defaultValue) {
    Objects.requireNonNull(key, "key");
    Payload p = payloads.encode(defaultValue);
    return payloads.decode(
        broker
            .callDicts(
                stub ->
                    stub.setDefaultDictItem(
                        SetDefaultDictItemRequest.newBuilder()
                            .setName(name)
                            .setKey(key)
                            .setDefaultValue(p)
                            .build()))
            .getValue());
  }

  @Override
  public void clear() {
    broker.callDicts(stub -> stub.clearDict(ClearDictRequest.newBuilder().setName(name).build()));
  }

  @Override
  public boolean compareAndSet(String key, V expected, V newValue) {
    Objects.requireNonNull(key, "key");
    CompareAndSetDictItemRequest.Builder b =
        CompareAndSetDictItemRequest.newBuilder().setName(name).setKey(key);
    if (expected != null) {
      b.setExpected(payloads.encode(expected));
    }
    if (newValue != null) {
      b.setNewValue(payloads.encode(newValue));
    } else {
      b.setDeleteKey(true);
    }
    CompareAndSetDictItemRequest request = b.build();
    return broker.callDicts(stub -> stub.compareAndSetDictItem(request)).getSwapped();
  }

  @Override
  public String toString() {
    return "IpcDict[" + name + "]";
  }

  /** One page of a listing. */
  record Page<T>(List<T> items, String nextToken) {}

  /** Walks a listing, fetching the next page when the current one is used up. */
  private static final class Pages<T> implements Iterator<T> {
    private final Function<String, Page<T>> fetch;
    private Iterator<T> current = List.<T>of().iterator();
    private String token = "";
    private boolean started;

    Pages(Function<String, Page<T>> fetch) {
      this.fetch = fetch;
    }

    @Override
    public boolean hasNext() {
      while (!current.hasNext()) {
        if (started && token.isEmpty()) {
          return false;
        }
        Page<T> page = fetch.apply(token);
        started = true;
        current = page.items().iterator();
        token = page.nextToken();
      }
      return true;
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }
  }
}
