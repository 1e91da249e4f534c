package io.ipcbroker.client;

import io.ipcbroker.v1.AppendListRequest;
import io.ipcbroker.v1.ClearListRequest;
import io.ipcbroker.v1.DeleteListItemRequest;
import io.ipcbroker.v1.ExtendListRequest;
import io.ipcbroker.v1.GetListItemRequest;
import io.ipcbroker.v1.InsertListItemRequest;
import io.ipcbroker.v1.ListLenRequest;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PopListItemRequest;
import io.ipcbroker.v1.SetListItemRequest;
import io.ipcbroker.v1.SliceListRequest;
import io.ipcbroker.v1.SliceListResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The SDK's {@link IpcList}: one RPC per call; a slice follows the broker's truncated answers. */
final class ListHandle<V> implements IpcList<V> {
  private final IpcBroker broker;
  private final String name;
  private final CodedPayloads<V> payloads;

  ListHandle(IpcBroker broker, String name, Codec<V> codec) {
    this.broker = broker;
    this.name = name;
    this.payloads = new CodedPayloads<>(name, codec);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void append(V value) {
    Payload p = payloads.encode(value);
    broker.callLists(
        stub -> stub.appendList(AppendListRequest.newBuilder().setName(name).setValue(p).build()));
  }

  @Override
  public void extend(Collection<? extends V> values) {
    ExtendListRequest.Builder b = ExtendListRequest.newBuilder().setName(name);
    for (V v : values) {
      b.addValues(payloads.encode(v));
    }
    ExtendListRequest request = b.build();
    broker.callLists(stub -> stub.extendList(request));
  }

  @Override
  public V get(int index) {
    return payloads.decode(
        broker
            .callLists(
                stub ->
                    stub.getListItem(
                        GetListItemRequest.newBuilder().setName(name).setIndex(index).build()))
            .getValue());
  }

  @Override
  public void set(int index, V value) {
    Payload p = payloads.encode(value);
    broker.callLists(
        stub ->
            stub.setListItem(
                SetListItemRequest.newBuilder().setName(name).setIndex(index).setValue(p).build()));
  }

  @Override
  public V pop() {
    return payloads.decode(
        broker
            .callLists(
                stub -> stub.popListItem(PopListItemRequest.newBuilder().setName(name).build()))
            .getValue());
  }

  @Override
  public V pop(int index) {
    return payloads.decode(
        broker
            .callLists(
                stub ->
                    stub.popListItem(
                        PopListItemRequest.newBuilder().setName(name).setIndex(index).build()))
            .getValue());
  }

  @Override
  public void insert(int index, V value) {
    Payload p = payloads.encode(value);
    broker.callLists(
        stub ->
            stub.insertListItem(
                InsertListItemRequest.newBuilder()
                    .setName(name)
                    .setIndex(index)
                    .setValue(p)
                    .build()));
  }

  @Override
  public void removeAt(int index) {
    broker.callLists(
        stub ->
            stub.deleteListItem(
                DeleteListItemRequest.newBuilder().setName(name).setIndex(index).build()));
  }

  @Override
  public int size() {
    return (int)
        broker
            .callLists(stub -> stub.listLen(ListLenRequest.newBuilder().setName(name).build()))
            .getLen();
  }

  @Override
  public List<V> slice(int from, int to) {
    return slice((long) from, (long) to, null);
  }

  @Override
  public List<V> slice(int from, int to, int step) {
    if (step == 0) {
      throw new IllegalArgumentException("slice step cannot be zero");
    }
    return slice((long) from, (long) to, (long) step);
  }

  @Override
  public List<V> toList() {
    return slice(null, null, null);
  }

  private List<V> slice(Long from, Long to, Long step) {
    List<V> out = new ArrayList<>();
    Long start = from;
    while (true) {
      SliceListRequest.Builder b = SliceListRequest.newBuilder().setName(name);
      if (start != null) {
        b.setStart(start);
      }
      if (to != null) {
        b.setStop(to);
      }
      if (step != null) {
        b.setStep(step);
      }
      SliceListRequest request = b.build();
      SliceListResponse r = broker.callLists(stub -> stub.sliceList(request));
      for (Payload p : r.getValuesList()) {
        out.add(payloads.decode(p));
      }
      if (!r.getTruncated()) {
        return out;
      }
      start = r.getNextStart();
    }
  }

  @Override
  public void clear() {
    broker.callLists(stub -> stub.clearList(ClearListRequest.newBuilder().setName(name).build()));
  }

  @Override
  public String toString() {
    return "IpcList[" + name + "]";
  }
}
