package io.ipcbroker.server.queue;

import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ipcbroker.server.core.BrokerException;
import io.ipcbroker.server.core.Names;
import io.ipcbroker.server.core.Parked;
import io.ipcbroker.server.core.Reason;
import io.ipcbroker.server.core.Wait;
import io.ipcbroker.server.rpc.CallHooks;
import io.ipcbroker.server.rpc.Deadlines;
import io.ipcbroker.server.rpc.ParkedUnary;
import io.ipcbroker.server.rpc.Rpcs;
import io.ipcbroker.server.rpc.SerializedSender;
import io.ipcbroker.server.session.Session;
import io.ipcbroker.server.session.SessionOwned;
import io.ipcbroker.server.session.SessionRegistry;
import io.ipcbroker.v1.ConsumeRequest;
import io.ipcbroker.v1.ConsumeResponse;
import io.ipcbroker.v1.CreateQueueRequest;
import io.ipcbroker.v1.CreateQueueResponse;
import io.ipcbroker.v1.DeleteQueueRequest;
import io.ipcbroker.v1.DeleteQueueResponse;
import io.ipcbroker.v1.GetItemRequest;
import io.ipcbroker.v1.GetItemResponse;
import io.ipcbroker.v1.GetQueueRequest;
import io.ipcbroker.v1.GetQueueResponse;
import io.ipcbroker.v1.JoinQueueRequest;
import io.ipcbroker.v1.JoinQueueResponse;
import io.ipcbroker.v1.ListQueuesRequest;
import io.ipcbroker.v1.ListQueuesResponse;
import io.ipcbroker.v1.Payload;
import io.ipcbroker.v1.Pull;
import io.ipcbroker.v1.PullResult;
import io.ipcbroker.v1.PutItemRequest;
import io.ipcbroker.v1.PutItemResponse;
import io.ipcbroker.v1.PutItemsRequest;
import io.ipcbroker.v1.PutItemsResponse;
import io.ipcbroker.v1.QueueServiceGrpc;
import io.ipcbroker.v1.StreamOpen;
import io.ipcbroker.v1.TaskDoneRequest;
import io.ipcbroker.v1.TaskDoneResponse;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Serves {@code ipcbroker.v1.QueueService}: translates requests into calls on the queue core and
 * core answers into responses. Holds no queue state of its own; the only logic here is each
 * stream's framing (the {@code open} first, then frames) and the binding of calls to sessions.
 */
public final class QueueServiceImpl extends QueueServiceGrpc.QueueServiceImplBase {
  private final QueueRegistry<Payload> queues;
  private final SessionRegistry sessions;
  private final int maxItemBytes;

  /**
   * Serves {@code queues}.
   *
   * @param maxItemBytes the largest item accepted ({@code ITEM_TOO_LARGE} above)
   */
  public QueueServiceImpl(
      QueueRegistry<Payload> queues, SessionRegistry sessions, int maxItemBytes) {
    this.queues = queues;
    this.sessions = sessions;
    this.maxItemBytes = maxItemBytes;
  }

  @Override
  public void createQueue(CreateQueueRequest request, StreamObserver<CreateQueueResponse> obs) {
    Rpcs.unary(
        obs,
        () -> {
          String owner = null;
          if (request.getEphemeral()) {
            owner = Names.checkRequired("session_id", request.getSessionId());
          }
          QueueRegistry.Created<Payload> c =
              queues.create(
                  request.getName(),
                  request.getMaxsize(),
                  QueueProtos.joinable(request.getKind()),
                  request.getAllowExisting(),
                  owner);
          return CreateQueueResponse.newBuilder()
              .setQueue(QueueProtos.toProto(c.queue().info()))
              .setCreated(c.created())
              .build();
        });
  }

  @Override
  public void getQueue(GetQueueRequest request, StreamObserver<GetQueueResponse> obs) {
    Rpcs.unary(
        obs,
        () ->
            GetQueueResponse.newBuilder()
                .setQueue(
                    QueueProtos.toProto(queues.get(request.getName(), request.getUid()).info()))
                .build());
  }

  @Override
  public void listQueues(ListQueuesRequest request, StreamObserver<ListQueuesResponse> obs) {
    Rpcs.unary(
        obs,
        () -> {
          QueueRegistry.Page<Payload> page =
              queues.list(request.getNamePrefix(), request.getPageSize(), request.getPageToken());
          ListQueuesResponse.Builder b =
              ListQueuesResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (BoundedQueue<Payload> q : page.queues()) {
            b.addQueues(QueueProtos.toProto(q.info()));
          }
          return b.build();
        });
  }

  @Override
  public void deleteQueue(DeleteQueueRequest request, StreamObserver<DeleteQueueResponse> obs) {
    Rpcs.unary(
        obs,
        () -> {
          QueueRegistry.Deleted d =
              queues.delete(
                  request.getName(),
                  request.getUid(),
                  request.getForce(),
                  request.getAllowMissing());
          return DeleteQueueResponse.newBuilder()
              .setDeleted(d.deleted())
              .setDiscardedItems(d.discardedItems())
              .build();
        });
  }

  @Override
  public void taskDone(TaskDoneRequest request, StreamObserver<TaskDoneResponse> obs) {
    Rpcs.unary(
        obs,
        () -> {
          long count = request.getCount();
          if (count < 0) {
            throw BrokerException.of(
                Reason.INVALID_FIELD_VALUE,
                "count must not be negative",
                "field",
                "count",
                "value",
                count);
          }
          long left =
              queues.get(request.getQueue(), request.getUid()).taskDone(count == 0 ? 1 : count);
          return TaskDoneResponse.newBuilder().setUnfinishedTasks(left).build();
        });
  }

  @Override
  public void joinQueue(JoinQueueRequest request, StreamObserver<JoinQueueResponse> obs) {
    ParkedUnary.serve(
        obs,
        sessions,
        request.getSessionId(),
        request.getNowait(),
        request.hasTimeoutSeconds(),
        request.getTimeoutSeconds(),
        (wait, answer) -> {
          BoundedQueue.JoinHandle handle =
              queues
                  .get(request.getQueue(), request.getUid())
                  .join(
                      wait,
                      new BoundedQueue.JoinSink() {
                        @Override
                        public void joined(boolean done, long unfinished) {
                          answer.answer(
                              JoinQueueResponse.newBuilder()
                                  .setDone(done)
                                  .setUnfinishedTasks(unfinished)
                                  .build());
                        }

                        @Override
                        public void failed(BrokerException e) {
                          answer.fail(e);
                        }
                      });
          return Parked.of(handle::cancel, handle::fail);
        });
  }

  @Override
  public void putItem(PutItemRequest request, StreamObserver<PutItemResponse> obs) {
    Deadline deadline = Deadlines.current();
    ServerCallStreamObserver<PutItemResponse> call =
        (ServerCallStreamObserver<PutItemResponse>) obs;
    SerializedSender<PutItemResponse> sender = new SerializedSender<>(call);
    CallHooks hooks = CallHooks.install(call, sender);
    QueueProducer<Payload> producer = null;
    try {
      if (!request.hasItem()) {
        throw BrokerException.of(Reason.FIELD_REQUIRED, "item is required", "field", "item");
      }
      QueueProtos.checkItem(request.getItem(), maxItemBytes);
      Wait wait =
          Deadlines.waitFor(
              request.getNowait(),
              request.hasTimeoutSeconds(),
              request.getTimeoutSeconds(),
              deadline);
      BoundedQueue<Payload> queue = queues.get(request.getQueue(), request.getUid());
      producer =
          queue.newProducer(
              new QueueProducer.Sink() {
                @Override
                public void putDone(long putId, PutOutcome outcome, int accepted) {
                  if (outcome == PutOutcome.ABORTED || outcome == PutOutcome.REVOKED) {
                    return; // failed() follows with the reason; unary puts are never revoked
                  }
                  sender.send(
                      PutItemResponse.newBuilder()
                          .setOutcome(QueueProtos.toProto(outcome))
                          .build());
                  sender.complete();
                }

                @Override
                public void failed(BrokerException e) {
                  sender.fail(e);
                }

                @Override
                public void drained() {}
              });
      hooks.onCancel(producer::close);
      bindToSession(request.getSessionId(), producer, producer::ownedBy);
      producer.put(1, List.of(request.getItem()), wait);
      producer.finish();
    } catch (RuntimeException e) {
      if (producer != null) {
        producer.close();
      }
      sender.fail(e);
    }
  }

  @Override
  public void getItem(GetItemRequest request, StreamObserver<GetItemResponse> obs) {
    Deadline deadline = Deadlines.current();
    ServerCallStreamObserver<GetItemResponse> call =
        (ServerCallStreamObserver<GetItemResponse>) obs;
    SerializedSender<GetItemResponse> sender = new SerializedSender<>(call);
    CallHooks hooks = CallHooks.install(call, sender);
    QueueConsumer<Payload> consumer = null;
    try {
      Wait wait =
          Deadlines.waitFor(
              request.getNowait(),
              request.hasTimeoutSeconds(),
              request.getTimeoutSeconds(),
              deadline);
      BoundedQueue<Payload> queue = queues.get(request.getQueue(), request.getUid());
      consumer =
          queue.newConsumer(
              new QueueConsumer.Sink<>() {
                @Override
                public void pullDone(
                    long pullId, PullOutcome outcome, List<Delivery<Payload>> deliveries) {
                  GetItemResponse.Builder b =
                      GetItemResponse.newBuilder().setOutcome(QueueProtos.toProto(outcome));
                  if (!deliveries.isEmpty()) {
                    b.setDelivery(QueueProtos.toProto(deliveries.get(0)));
                  }
                  sender.send(b.build());
                  sender.complete();
                }

                @Override
                public void failed(BrokerException e) {
                  sender.fail(e);
                }

                @Override
                public boolean isAbandoned() {
                  return sender.isCancelled();
                }
              });
      // Best-effort by design (see the contract): the item is committed once the response was
      // written, and handed back if the call was cancelled before that.
      hooks.onCancel(consumer::close);
      hooks.onClose(consumer::ackAllAndClose);
      bindToSession(request.getSessionId(), consumer, consumer::ownedBy);
      consumer.pull(1, 1, wait);
    } catch (RuntimeException e) {
      if (consumer != null) {
        consumer.close();
      }
      sender.fail(e);
    }
  }

  @Override
  public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> obs) {
    ServerCallStreamObserver<ConsumeResponse> call =
        (ServerCallStreamObserver<ConsumeResponse>) obs;
    ConsumeCall consume = new ConsumeCall(new SerializedSender<>(call), Deadlines.current());
    call.setOnCancelHandler(consume::cancelled);
    return consume;
  }

  @Override
  public StreamObserver<PutItemsRequest> putItems(StreamObserver<PutItemsResponse> obs) {
    ServerCallStreamObserver<PutItemsResponse> call =
        (ServerCallStreamObserver<PutItemsResponse>) obs;
    PutItemsCall put = new PutItemsCall(new SerializedSender<>(call), Deadlines.current());
    call.setOnCancelHandler(put::cancelled);
    return put;
  }

  /** Binds {@code owned} to a session when {@code sessionId} is set. */
  private <O extends SessionOwned> void bindToSession(
      String sessionId, O owned, BiConsumer<Session, Runnable> record) {
    if (sessionId.isEmpty()) {
      return;
    }
    Session session = sessions.attach(sessionId, owned);
    record.accept(session, () -> sessions.detach(session, owned));
  }

  private BoundedQueue<Payload> openQueue(StreamOpen open) {
    return queues.get(open.getQueue(), open.getUid());
  }

  private static BrokerException violation(String detail) {
    return BrokerException.of(
        Reason.STREAM_PROTOCOL_VIOLATION, "stream protocol violation: " + detail, "detail", detail);
  }

  /** One {@code Consume} stream. Inbound callbacks are serialised by gRPC. */
  private final class ConsumeCall
      implements StreamObserver<ConsumeRequest>, QueueConsumer.Sink<Payload> {
    private final SerializedSender<ConsumeResponse> sender;
    private final Deadline deadline;
    private volatile QueueConsumer<Payload> consumer;
    private volatile boolean cancelled;

    ConsumeCall(SerializedSender<ConsumeResponse> sender, Deadline deadline) {
      this.sender = sender;
      this.deadline = deadline;
    }

    @Override
    public void onNext(ConsumeRequest request) {
      try {
        QueueConsumer<Payload> c = consumer;
        if (request.hasOpen()) {
          if (c != null) {
            throw violation("a second open");
          }
          c = open(request.getOpen());
        } else if (c == null) {
          throw violation("the first request must carry open");
        }
        c.ack(request.getAckIdsList());
        c.nack(request.getNackIdsList());
        if (request.getRevokePullId() != 0) {
          c.revoke(request.getRevokePullId());
        }
        if (request.hasPull()) {
          Pull pull = request.getPull();
          if (pull.getPullId() == 0) {
            throw violation("pull_id must not be 0");
          }
          Wait wait =
              Deadlines.waitFor(
                  pull.getNowait(), pull.hasTimeoutSeconds(), pull.getTimeoutSeconds(), deadline);
          c.pull(pull.getPullId(), pull.getMaxItems() == 0 ? 1 : pull.getMaxItems(), wait);
        }
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private QueueConsumer<Payload> open(StreamOpen open) {
      BoundedQueue<Payload> queue = openQueue(open);
      QueueConsumer<Payload> c = queue.newConsumer(this);
      consumer = c;
      bindToSession(open.getSessionId(), c, c::ownedBy);
      sender.send(
          ConsumeResponse.newBuilder().setOpened(QueueProtos.toProto(queue.info())).build());
      if (cancelled) {
        c.close();
      }
      return c;
    }

    private void fail(RuntimeException e) {
      QueueConsumer<Payload> c = consumer;
      if (c == null) {
        sender.fail(e);
        return;
      }
      if (e instanceof BrokerException be) {
        c.fail(be); // hands back what the stream held, then answers failed()
      } else {
        c.close();
      }
      c.afterAnswers(() -> sender.fail(e));
    }

    @Override
    public void onError(Throwable t) {
      // The client's side broke: treat it as a crash; everything unacked goes back.
      sender.markClosed();
      closeConsumer();
    }

    @Override
    public void onCompleted() {
      QueueConsumer<Payload> c = consumer;
      if (c != null) {
        c.finish();
      }
      sender.complete();
    }

    void cancelled() {
      cancelled = true;
      sender.markClosed();
      closeConsumer();
    }

    private void closeConsumer() {
      QueueConsumer<Payload> c = consumer;
      if (c != null) {
        c.close();
      }
    }

    @Override
    public void pullDone(long pullId, PullOutcome outcome, List<Delivery<Payload>> deliveries) {
      PullResult.Builder result =
          PullResult.newBuilder().setPullId(pullId).setOutcome(QueueProtos.toProto(outcome));
      for (Delivery<Payload> d : deliveries) {
        result.addDeliveries(QueueProtos.toProto(d));
      }
      sender.send(ConsumeResponse.newBuilder().setPullResult(result).build());
    }

    @Override
    public void failed(BrokerException e) {
      sender.fail(e);
    }

    @Override
    public boolean isAbandoned() {
      return sender.isCancelled();
    }
  }

  /** One {@code PutItems} stream. Inbound callbacks are serialised by gRPC. */
  private final class PutItemsCall implements StreamObserver<PutItemsRequest>, QueueProducer.Sink {
    private final SerializedSender<PutItemsResponse> sender;
    private final Deadline deadline;
    private volatile QueueProducer<Payload> producer;
    private volatile boolean cancelled;

    PutItemsCall(SerializedSender<PutItemsResponse> sender, Deadline deadline) {
      this.sender = sender;
      this.deadline = deadline;
    }

    @Override
    public void onNext(PutItemsRequest request) {
      try {
        QueueProducer<Payload> p = producer;
        if (request.hasOpen()) {
          if (p != null) {
            throw violation("a second open");
          }
          p = open(request.getOpen());
        } else if (p == null) {
          throw violation("the first request must carry open");
        }
        if (request.getRevokePutId() != 0) {
          p.revoke(request.getRevokePutId());
        }
        if (request.getPutId() == 0) {
          if (request.getItemsCount() > 0) {
            throw violation("items without a put_id");
          }
          return;
        }
        if (request.getItemsCount() == 0) {
          throw BrokerException.of(
              Reason.FIELD_REQUIRED, "a put frame needs at least one item", "field", "items");
        }
        QueueProtos.checkItems(request.getItemsList(), maxItemBytes);
        Wait wait =
            Deadlines.waitFor(
                request.getNowait(),
                request.hasTimeoutSeconds(),
                request.getTimeoutSeconds(),
                deadline);
        p.put(request.getPutId(), request.getItemsList(), wait);
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private QueueProducer<Payload> open(StreamOpen open) {
      BoundedQueue<Payload> queue = openQueue(open);
      QueueProducer<Payload> p = queue.newProducer(this);
      producer = p;
      bindToSession(open.getSessionId(), p, p::ownedBy);
      sender.send(
          PutItemsResponse.newBuilder().setOpened(QueueProtos.toProto(queue.info())).build());
      if (cancelled) {
        p.close();
      }
      return p;
    }

    private void fail(RuntimeException e) {
      QueueProducer<Payload> p = producer;
      if (p == null) {
        sender.fail(e);
        return;
      }
      if (e instanceof BrokerException be) {
        p.fail(be); // answers pending frames ABORTED first
      } else {
        p.close();
      }
      // After any result another thread decided: a frame that went in must be answered.
      p.afterAnswers(() -> sender.fail(e));
    }

    @Override
    public void onError(Throwable t) {
      sender.markClosed();
      closeProducer();
    }

    @Override
    public void onCompleted() {
      QueueProducer<Payload> p = producer;
      if (p == null) {
        sender.complete();
      } else {
        p.finish(); // completes the stream once every frame is answered
      }
    }

    void cancelled() {
      cancelled = true;
      sender.markClosed();
      closeProducer();
    }

    private void closeProducer() {
      QueueProducer<Payload> p = producer;
      if (p != null) {
        p.close();
      }
    }

    @Override
    public void putDone(long putId, PutOutcome outcome, int accepted) {
      sender.send(
          PutItemsResponse.newBuilder()
              .setResult(QueueProtos.toProto(putId, outcome, accepted))
              .build());
    }

    @Override
    public void failed(BrokerException e) {
      sender.fail(e);
    }

    @Override
    public void drained() {
      sender.complete();
    }
  }
}
