package io.ipcbroker.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ipcbroker.v1.MapInputs;
import io.ipcbroker.v1.MapOpen;
import io.ipcbroker.v1.MapOutcomes;
import io.ipcbroker.v1.MapRequest;
import io.ipcbroker.v1.MapResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.PoolServiceGrpc;
import io.ipcbroker.v1.TaskOutcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One {@code Map} call, read as an iterator: Python's {@code imap} and {@code imap_unordered}, and
 * the engine of {@code map} and {@code starmap}.
 *
 * <p>The inputs are read lazily on the thread that reads the results: each {@code hasNext} first
 * sends what fits the window (inputs sent minus outcomes received), in messages of whole chunks (a
 * chunk never spans two messages, so a message holds {@code chunksize × k} inputs), and half-closes
 * once the inputs end; then it waits for outcomes. So no more than the window is ever unanswered,
 * and at most one message's worth of inputs is read ahead of it. Closing early cancels the call,
 * which withdraws its queued chunks on the broker.
 */
final class MapStream<R>
    implements IpcMapIterator<R>, ClientResponseObserver<MapRequest, MapResponse>, BrokerCall {
  /** The broker's bounds and default for the window. */
  static final int MAX_WINDOW = 65_536;

  static final int DEFAULT_WINDOW = 1024;

  // A message of inputs stays well under the broker's message limit (the item limit plus 64 KiB).
  private static final int MAX_MESSAGE_BYTES = 1 << 20;
  private static final Object COMPLETED = new Object();

  private final IpcBroker broker;
  private final Iterator<Payload> inputs;
  private final CodedPayloads<R> results;
  private final boolean ordered;
  private final int window;
  private final int batch;
  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final Object sendLock = new Object();
  private ClientCallStreamObserver<MapRequest> requests; // sends guarded by sendLock
  private volatile boolean closed; // by the caller
  private volatile boolean callEnded;
  private boolean cancelled; // guarded by sendLock

  // The reader's state, guarded by this.
  private long sent;
  private long received;
  private boolean inputsEnded;
  private List<Payload> pending = new ArrayList<>();
  private long pendingBytes;
  private final Map<Long, TaskOutcome> inOrder = new HashMap<>();
  private final ArrayDeque<TaskOutcome> asDone = new ArrayDeque<>();
  private long nextIndex;
  private boolean streamEnded;
  private IpcBrokerException failure;

  private MapStream(
      IpcBroker broker,
      Iterator<Payload> inputs,
      CodedPayloads<R> results,
      int chunksize,
      boolean ordered) {
    this.broker = broker;
    this.inputs = inputs;
    this.results = results;
    this.ordered = ordered;
    // Room for four chunks at least, so that two workers never wait for the client.
    this.window = (int) Math.min(MAX_WINDOW, Math.max(DEFAULT_WINDOW, 4L * chunksize));
    this.batch = chunksize >= window ? window : chunksize * Math.max(1, window / 4 / chunksize);
  }

  /**
   * Opens a {@code Map} call of {@code function} on {@code pool} over {@code inputs}.
   *
   * @throws IllegalArgumentException if {@code chunksize} is below 1
   */
  static <R> MapStream<R> open(
      IpcBroker broker,
      String pool,
      String function,
      Iterator<Payload> inputs,
      int chunksize,
      boolean ordered,
      CodedPayloads<R> results) {
    if (chunksize < 1) {
      throw new IllegalArgumentException("chunksize must be at least 1: " + chunksize);
    }
    broker.checkUsable();
    MapStream<R> s = new MapStream<>(broker, inputs, results, chunksize, ordered);
    MapOpen open =
        MapOpen.newBuilder()
            .setPool(pool)
            .setFunction(function)
            .setChunksize(chunksize)
            .setOrdered(ordered)
            .setWindow(s.window)
            .setSessionId(broker.sessionId())
            .build();
    broker.track(s); // first: a call that fails at once untracks it
    synchronized (s.sendLock) {
      PoolServiceGrpc.newStub(broker.channel()).map(s);
      s.requests.onNext(MapRequest.newBuilder().setOpen(open).build());
    }
    return s;
  }

  @Override
  public synchronized boolean hasNext() {
    while (true) {
      drain();
      if (available()) {
        return true;
      }
      if (failure != null) {
        throw failure;
      }
      if (closed || streamEnded && inputsEnded && received == sent) {
        return false;
      }
      refill();
      if (inputsEnded && received == sent) {
        return false; // every outcome came and was read; the broker ends the call
      }
      if (streamEnded) {
        failure =
            new IpcBrokerException(
                IpcBrokerException.Code.INTERNAL,
                "",
                "the broker ended the map before every input was answered",
                Map.of(),
                null);
        throw failure;
      }
      Object event;
      try {
        event = events.take();
      } catch (InterruptedException e) {
        close();
        Thread.currentThread().interrupt();
        throw Errors.interrupted(e);
      }
      handle(event);
    }
  }

  @Override
  public synchronized R next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    TaskOutcome o = ordered ? inOrder.remove(nextIndex++) : asDone.poll();
    if (o.hasValue()) {
      return results.decode(o.getValue());
    }
    throw Errors.task(o.getError());
  }

  private boolean available() {
    return ordered ? inOrder.containsKey(nextIndex) : !asDone.isEmpty();
  }

  private void drain() {
    Object event;
    while ((event = events.poll()) != null) {
      handle(event);
    }
  }

  private void handle(Object event) {
    if (event instanceof MapResponse r) {
      if (r.hasOutcomes()) {
        MapOutcomes m = r.getOutcomes();
        for (int i = 0; i < m.getOutcomesCount(); i++) {
          received++;
          if (ordered) {
            inOrder.put(m.getIndices(i), m.getOutcomes(i));
          } else {
            asDone.add(m.getOutcomes(i));
          }
        }
      }
    } else if (event instanceof IpcBrokerException e) {
      streamEnded = true;
      if (failure == null && !closed) { // a caller's close ends the call with CANCELLED
        failure = e;
      }
    } else if (event == COMPLETED) {
      streamEnded = true;
    }
  }

  /** Sends the inputs that fit the window; half-closes once they end. */
  private void refill() {
    try {
      while (!inputsEnded && !closed) {
        boolean exhausted = false;
        while (pending.size() < batch && pendingBytes < MAX_MESSAGE_BYTES) {
          if (!inputs.hasNext()) {
            exhausted = true;
            break;
          }
          Payload p = inputs.next();
          pending.add(p);
          pendingBytes += p.getSerializedSize();
        }
        if (!pending.isEmpty()) {
          if (sent - received + pending.size() > window) {
            return; // no room until more outcomes come
          }
          MapRequest request =
              MapRequest.newBuilder()
                  .setInputs(MapInputs.newBuilder().addAllItems(pending))
                  .build();
          synchronized (sendLock) {
            if (callEnded || cancelled) {
              return; // the outcome of the call (a failure, or the close) is on its way
            }
            requests.onNext(request);
          }
          sent += pending.size();
          pending = new ArrayList<>();
          pendingBytes = 0;
        }
        if (exhausted) {
          synchronized (sendLock) {
            if (!callEnded && !cancelled) {
              requests.onCompleted();
            }
          }
          inputsEnded = true;
        }
      }
    } catch (RuntimeException e) {
      // The caller's iterable or codec failed: the map stops, and the caller learns why.
      close();
      throw e;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancel("the map was closed");
    events.add(COMPLETED); // wakes a reader
  }

  /** The client closes: the reader learns {@code why}. */
  @Override
  public void abort(IpcBrokerException why) {
    events.add(why);
    cancel("the client closed");
  }

  private void cancel(String why) {
    synchronized (sendLock) {
      if (!callEnded && !cancelled && requests != null) {
        requests.cancel(why, null);
      }
      cancelled = true; // nothing is sent after a cancel (the call would throw)
    }
    broker.untrack(this);
  }

  // ---- the call's observer (gRPC threads) ----

  @Override
  public void beforeStart(ClientCallStreamObserver<MapRequest> stream) {
    requests = stream;
  }

  @Override
  public void onNext(MapResponse value) {
    events.add(value);
  }

  @Override
  public void onError(Throwable t) {
    callEnded = true;
    events.add(Errors.translate(t));
    broker.untrack(this);
  }

  @Override
  public void onCompleted() {
    callEnded = true;
    events.add(COMPLETED);
    broker.untrack(this);
  }
}
