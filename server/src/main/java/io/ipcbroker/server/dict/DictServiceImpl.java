package io.ipcbroker.server.dict;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.Payloads;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.v1.ClearDictRequest;
import io.ipcbroker.v1.ClearDictResponse;
import io.ipcbroker.v1.CompareAndSetDictItemRequest;
import io.ipcbroker.v1.CompareAndSetDictItemResponse;
import io.ipcbroker.v1.CreateDictRequest;
import io.ipcbroker.v1.CreateDictResponse;
import io.ipcbroker.v1.DeleteDictItemRequest;
import io.ipcbroker.v1.DeleteDictItemResponse;
import io.ipcbroker.v1.DeleteDictRequest;
import io.ipcbroker.v1.DeleteDictResponse;
import io.ipcbroker.v1.DescribeDictRequest;
import io.ipcbroker.v1.DescribeDictResponse;
import io.ipcbroker.v1.DictContainsRequest;
import io.ipcbroker.v1.DictContainsResponse;
import io.ipcbroker.v1.DictEntry;
import io.ipcbroker.v1.DictInfo;
import io.ipcbroker.v1.DictLenRequest;
import io.ipcbroker.v1.DictLenResponse;
import io.ipcbroker.v1.DictServiceGrpc;
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
import io.ipcbroker.v1.SetDefaultDictItemResponse;
import io.ipcbroker.v1.SetDictItemRequest;
import io.ipcbroker.v1.SetDictItemResponse;
import io.ipcbroker.v1.UpdateDictRequest;
import io.ipcbroker.v1.UpdateDictResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Serves {@code ipcbroker.v1.DictService}: translation to {@link DictRegistry} only. */
public final class DictServiceImpl extends DictServiceGrpc.DictServiceImplBase {
  private final DictRegistry<Payload> dicts;
  private final int maxItemBytes;

  /**
   * Serves {@code dicts}.
   *
   * @param maxItemBytes the largest value accepted ({@code ITEM_TOO_LARGE} above)
   */
  public DictServiceImpl(DictRegistry<Payload> dicts, int maxItemBytes) {
    this.dicts = dicts;
    this.maxItemBytes = maxItemBytes;
  }

  @Override
  public void createDict(CreateDictRequest request, StreamObserver<CreateDictResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          DictRegistry.Created c = dicts.create(request.getName(), request.getAllowExisting());
          return CreateDictResponse.newBuilder()
              .setDict(info(request.getName(), c.len()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void describeDict(
      DescribeDictRequest request, StreamObserver<DescribeDictResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeDictResponse.newBuilder()
                .setDict(info(request.getName(), dicts.get(request.getName()).len()))
                .build());
  }

  @Override
  public void deleteDict(DeleteDictRequest request, StreamObserver<DeleteDictResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteDictResponse.newBuilder()
                .setDeleted(dicts.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void getDictItem(
      GetDictItemRequest request, StreamObserver<GetDictItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payload orElse = optional(request.hasDefaultValue(), request.getDefaultValue());
          SharedDict.Found<Payload> f = dicts.get(request.getName()).get(request.getKey(), orElse);
          return GetDictItemResponse.newBuilder().setFound(f.found()).setValue(f.value()).build();
        });
  }

  @Override
  public void setDictItem(
      SetDictItemRequest request, StreamObserver<SetDictItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payload value = required("value", request.hasValue(), request.getValue());
          return SetDictItemResponse.newBuilder()
              .setCreated(dicts.get(request.getName()).set(request.getKey(), value))
              .build();
        });
  }

  @Override
  public void deleteDictItem(
      DeleteDictItemRequest request, StreamObserver<DeleteDictItemResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteDictItemResponse.newBuilder()
                .setDeleted(
                    dicts
                        .get(request.getName())
                        .delete(request.getKey(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void dictContains(
      DictContainsRequest request, StreamObserver<DictContainsResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DictContainsResponse.newBuilder()
                .setContains(dicts.get(request.getName()).contains(request.getKey()))
                .build());
  }

  @Override
  public void dictLen(DictLenRequest request, StreamObserver<DictLenResponse> observer) {
    Rpcs.unary(
        observer,
        () -> DictLenResponse.newBuilder().setLen(dicts.get(request.getName()).len()).build());
  }

  @Override
  public void listDictKeys(
      ListDictKeysRequest request, StreamObserver<ListDictKeysResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          SharedDict.Page<String> page =
              dicts.get(request.getName()).keys(request.getPageSize(), request.getPageToken());
          return ListDictKeysResponse.newBuilder()
              .addAllKeys(page.items())
              .setNextPageToken(page.nextToken())
              .build();
        });
  }

  @Override
  public void listDictValues(
      ListDictValuesRequest request, StreamObserver<ListDictValuesResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          SharedDict.Page<Payload> page =
              dicts.get(request.getName()).values(request.getPageSize(), request.getPageToken());
          return ListDictValuesResponse.newBuilder()
              .addAllValues(page.items())
              .setNextPageToken(page.nextToken())
              .build();
        });
  }

  @Override
  public void listDictItems(
      ListDictItemsRequest request, StreamObserver<ListDictItemsResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          SharedDict.Page<Map.Entry<String, Payload>> page =
              dicts.get(request.getName()).items(request.getPageSize(), request.getPageToken());
          ListDictItemsResponse.Builder b =
              ListDictItemsResponse.newBuilder().setNextPageToken(page.nextToken());
          for (Map.Entry<String, Payload> e : page.items()) {
            b.addEntries(DictEntry.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
          }
          return b.build();
        });
  }

  @Override
  public void updateDict(UpdateDictRequest request, StreamObserver<UpdateDictResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          List<Map.Entry<String, Payload>> entries = new ArrayList<>(request.getEntriesCount());
          for (DictEntry e : request.getEntriesList()) {
            entries.add(Map.entry(e.getKey(), required("value", e.hasValue(), e.getValue())));
          }
          return UpdateDictResponse.newBuilder()
              .setLen(dicts.get(request.getName()).update(entries))
              .build();
        });
  }

  @Override
  public void popDictItem(
      PopDictItemRequest request, StreamObserver<PopDictItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payload orElse = optional(request.hasDefaultValue(), request.getDefaultValue());
          SharedDict.Found<Payload> f = dicts.get(request.getName()).pop(request.getKey(), orElse);
          return PopDictItemResponse.newBuilder().setFound(f.found()).setValue(f.value()).build();
        });
  }

  @Override
  public void setDefaultDictItem(
      SetDefaultDictItemRequest request, StreamObserver<SetDefaultDictItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payload orElse =
              required("default_value", request.hasDefaultValue(), request.getDefaultValue());
          SharedDict.Found<Payload> f =
              dicts.get(request.getName()).setDefault(request.getKey(), orElse);
          return SetDefaultDictItemResponse.newBuilder()
              .setInserted(!f.found())
              .setValue(f.value())
              .build();
        });
  }

  @Override
  public void clearDict(ClearDictRequest request, StreamObserver<ClearDictResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            ClearDictResponse.newBuilder()
                .setRemoved(dicts.get(request.getName()).clear())
                .build());
  }

  @Override
  public void compareAndSetDictItem(
      CompareAndSetDictItemRequest request,
      StreamObserver<CompareAndSetDictItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          if (request.hasNewValue() && request.getDeleteKey()) {
            throw BrokerException.of(
                Reason.INVALID_FIELD_VALUE,
                "new_value and delete_key exclude each other",
                "field",
                "delete_key",
                "value",
                true);
          }
          Payload expected = optional(request.hasExpected(), request.getExpected());
          Payload newValue =
              request.getDeleteKey()
                  ? null
                  : required("new_value", request.hasNewValue(), request.getNewValue());
          SharedDict.Swap<Payload> s =
              dicts.get(request.getName()).compareAndSet(request.getKey(), expected, newValue);
          CompareAndSetDictItemResponse.Builder b =
              CompareAndSetDictItemResponse.newBuilder()
                  .setSwapped(s.swapped())
                  .setFound(s.current() != null);
          if (s.current() != null) {
            b.setValue(s.current());
          }
          return b.build();
        });
  }

  private static DictInfo info(String name, int len) {
    return DictInfo.newBuilder().setName(name).setLen(len).build();
  }

  /** {@code value} if the request has it (checked against the item limit), else null. */
  private Payload optional(boolean has, Payload value) {
    return has ? checked(value) : null;
  }

  /** {@code value}, checked against the item limit; {@code FIELD_REQUIRED} if it is missing. */
  private Payload required(String field, boolean has, Payload value) {
    if (!has) {
      throw BrokerException.of(Reason.FIELD_REQUIRED, field + " is required", "field", field);
    }
    return checked(value);
  }

  // Values compare by data and content type only (compare-and-set): fields a newer client's
  // payload might carry, unknown to this broker, are not kept.
  private Payload checked(Payload value) {
    Payloads.check(value, maxItemBytes);
    return value.getUnknownFields().asMap().isEmpty()
        ? value
        : Payload.newBuilder()
            .setData(value.getData())
            .setContentType(value.getContentType())
            .build();
  }
}
