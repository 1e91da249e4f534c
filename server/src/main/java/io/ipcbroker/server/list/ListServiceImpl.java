package io.ipcbroker.server.list;

import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.rpc.Payloads;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.v1.AppendListRequest;
import io.ipcbroker.v1.AppendListResponse;
import io.ipcbroker.v1.ClearListRequest;
import io.ipcbroker.v1.ClearListResponse;
import io.ipcbroker.v1.CreateListRequest;
import io.ipcbroker.v1.CreateListResponse;
import io.ipcbroker.v1.DeleteListItemRequest;
import io.ipcbroker.v1.DeleteListItemResponse;
import io.ipcbroker.v1.DeleteListRequest;
import io.ipcbroker.v1.DeleteListResponse;
import io.ipcbroker.v1.DescribeListRequest;
import io.ipcbroker.v1.DescribeListResponse;
import io.ipcbroker.v1.ExtendListRequest;
import io.ipcbroker.v1.ExtendListResponse;
import io.ipcbroker.v1.GetListItemRequest;
import io.ipcbroker.v1.GetListItemResponse;
import io.ipcbroker.v1.InsertListItemRequest;
import io.ipcbroker.v1.InsertListItemResponse;
import io.ipcbroker.v1.ListInfo;
import io.ipcbroker.v1.ListLenRequest;
import io.ipcbroker.v1.ListLenResponse;
import io.ipcbroker.v1.ListServiceGrpc;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PopListItemRequest;
import io.ipcbroker.v1.PopListItemResponse;
import io.ipcbroker.v1.SetListItemRequest;
import io.ipcbroker.v1.SetListItemResponse;
import io.ipcbroker.v1.SliceListRequest;
import io.ipcbroker.v1.SliceListResponse;
import java.util.ArrayList;
import java.util.List;

/** Serves {@code ipcbroker.v1.ListService}: translation to {@link ListRegistry} only. */
public final class ListServiceImpl extends ListServiceGrpc.ListServiceImplBase {
  private final ListRegistry<Payload> lists;
  private final int maxItemBytes;

  /**
   * Serves {@code lists}.
   *
   * @param maxItemBytes the largest element accepted ({@code ITEM_TOO_LARGE} above)
   */
  public ListServiceImpl(ListRegistry<Payload> lists, int maxItemBytes) {
    this.lists = lists;
    this.maxItemBytes = maxItemBytes;
  }

  @Override
  public void createList(CreateListRequest request, StreamObserver<CreateListResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          ListRegistry.Created c = lists.create(request.getName(), request.getAllowExisting());
          return CreateListResponse.newBuilder()
              .setList(info(request.getName(), c.len()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void describeList(
      DescribeListRequest request, StreamObserver<DescribeListResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DescribeListResponse.newBuilder()
                .setList(info(request.getName(), lists.get(request.getName()).len()))
                .build());
  }

  @Override
  public void deleteList(DeleteListRequest request, StreamObserver<DeleteListResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            DeleteListResponse.newBuilder()
                .setDeleted(lists.delete(request.getName(), request.getAllowMissing()))
                .build());
  }

  @Override
  public void appendList(AppendListRequest request, StreamObserver<AppendListResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payload value = required(request.hasValue(), request.getValue());
          return AppendListResponse.newBuilder()
              .setLen(lists.get(request.getName()).append(value))
              .build();
        });
  }

  @Override
  public void extendList(ExtendListRequest request, StreamObserver<ExtendListResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          List<Payload> values = new ArrayList<>(request.getValuesCount());
          for (Payload p : request.getValuesList()) {
            values.add(checked(p));
          }
          return ExtendListResponse.newBuilder()
              .setLen(lists.get(request.getName()).extend(values))
              .build();
        });
  }

  @Override
  public void getListItem(
      GetListItemRequest request, StreamObserver<GetListItemResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            GetListItemResponse.newBuilder()
                .setValue(lists.get(request.getName()).get(request.getIndex()))
                .build());
  }

  @Override
  public void setListItem(
      SetListItemRequest request, StreamObserver<SetListItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payload value = required(request.hasValue(), request.getValue());
          lists.get(request.getName()).set(request.getIndex(), value);
          return SetListItemResponse.getDefaultInstance();
        });
  }

  @Override
  public void insertListItem(
      InsertListItemRequest request, StreamObserver<InsertListItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          Payload value = required(request.hasValue(), request.getValue());
          return InsertListItemResponse.newBuilder()
              .setLen(lists.get(request.getName()).insert(request.getIndex(), value))
              .build();
        });
  }

  @Override
  public void popListItem(
      PopListItemRequest request, StreamObserver<PopListItemResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            PopListItemResponse.newBuilder()
                .setValue(
                    lists
                        .get(request.getName())
                        .pop(request.hasIndex() ? request.getIndex() : null))
                .build());
  }

  @Override
  public void deleteListItem(
      DeleteListItemRequest request, StreamObserver<DeleteListItemResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          lists.get(request.getName()).delete(request.getIndex());
          return DeleteListItemResponse.getDefaultInstance();
        });
  }

  @Override
  public void listLen(ListLenRequest request, StreamObserver<ListLenResponse> observer) {
    Rpcs.unary(
        observer,
        () -> ListLenResponse.newBuilder().setLen(lists.get(request.getName()).len()).build());
  }

  @Override
  public void sliceList(SliceListRequest request, StreamObserver<SliceListResponse> observer) {
    Rpcs.unary(
        observer,
        () -> {
          SharedList.Slice<Payload> s =
              lists
                  .get(request.getName())
                  .slice(
                      request.hasStart() ? request.getStart() : null,
                      request.hasStop() ? request.getStop() : null,
                      request.hasStep() ? request.getStep() : null);
          return SliceListResponse.newBuilder()
              .addAllValues(s.values())
              .setTruncated(s.truncated())
              .setNextStart(s.nextStart())
              .setLen(s.len())
              .build();
        });
  }

  @Override
  public void clearList(ClearListRequest request, StreamObserver<ClearListResponse> observer) {
    Rpcs.unary(
        observer,
        () ->
            ClearListResponse.newBuilder()
                .setRemoved(lists.get(request.getName()).clear())
                .build());
  }

  private static ListInfo info(String name, int len) {
    return ListInfo.newBuilder().setName(name).setLen(len).build();
  }

  /** {@code value}, checked against the item limit; {@code FIELD_REQUIRED} if it is missing. */
  private Payload required(boolean has, Payload value) {
    if (!has) {
      throw BrokerException.of(Reason.FIELD_REQUIRED, "value is required", "field", "value");
    }
    return checked(value);
  }

  private Payload checked(Payload value) {
    Payloads.check(value, maxItemBytes);
    return value;
  }
}
