package io.ipcbroker.server.rpc;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Helpers that keep each adapter method to translation only. */
public final class Rpcs {
  private Rpcs() {}

  /**
   * Answers a unary call with what {@code call} returns, or with the status its failure maps to.
   */
  public static <R> void unary(StreamObserver<R> observer, Supplier<R> call) {
    R response;
    try {
      response = call.get();
    } catch (RuntimeException e) {
      observer.onError(StatusMapping.toStatusException(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
