package io.ipcbroker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.v1.MapInputs;
import io.ipcbroker.v1.MapOpen;
import io.ipcbroker.v1.MapRequest;
import io.ipcbroker.v1.MapResponse;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.TaskOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Pool calls on raw stubs that several test classes make. */
final class PoolCalls {
  private PoolCalls() {}

  /** Runs a map over {@code inputs} and answers the outcomes by input index. */
  static Map<Long, TaskOutcome> map(
      Channel channel,
      String pool,
      String function,
      List<String> inputs,
      int chunksize,
      boolean ordered) {
    List<Long> order = new ArrayList<>();
    Map<Long, TaskOutcome> outcomes = new TreeMap<>();
    CompletableFuture<Long> done = new CompletableFuture<>();
    StreamObserver<MapRequest> requests =
        PoolServiceGrpc.newStub(channel)
            .withDeadlineAfter(120, TimeUnit.SECONDS)
            .map(
                new StreamObserver<MapResponse>() {
                  @Override
                  public void onNext(MapResponse r) {
                    if (r.hasOutcomes()) {
                      synchronized (outcomes) {
                        for (int i = 0; i < r.getOutcomes().getIndicesCount(); i++) {
                          long index = r.getOutcomes().getIndices(i);
                          order.add(index);
                          outcomes.put(index, r.getOutcomes().getOutcomes(i));
                        }
                      }
                    } else if (r.hasDone()) {
                      done.complete(r.getDone().getCount());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(-1L);
                  }
                });
    requests.onNext(
        MapRequest.newBuilder()
            .setOpen(
                MapOpen.newBuilder()
                    .setPool(pool)
                    .setFunction(function)
                    .setChunksize(chunksize)
                    .setOrdered(ordered))
            .build());
    MapInputs.Builder batch = MapInputs.newBuilder();
    for (String in : inputs) {
      batch.addItems(RawPoolWorker.text(in));
    }
    requests.onNext(MapRequest.newBuilder().setInputs(batch).build());
    requests.onCompleted();
    assertThat(Futures.get(done, Duration.ofSeconds(120))).isEqualTo(inputs.size());
    synchronized (outcomes) {
      if (ordered) {
        assertThat(order).as("answered in input order").isSorted();
      }
      assertThat(outcomes).hasSize(inputs.size());
      return new TreeMap<>(outcomes);
    }
  }
}
