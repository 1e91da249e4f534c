# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``Queue`` and ``JoinableQueue``: named queues held by the broker, with Python's API.

``get`` goes through the broker's acknowledged ``Consume`` stream, so an item is never lost to a
timeout, a Ctrl-C or a crash: a pull given up is revoked, and what crossed the revoke is handed
back to the head of the queue. ``put`` goes through the ``PutItems`` stream and returns once the
broker has enqueued the item (or raises ``queue.Full``). Each thread has its own streams.
"""
import itertools
import queue as _pyqueue
import threading

from . import _stubs
from ._broker import Bidi, check_timeout, deadline_for
from ._codec import check_serializer, decode, encode
from ._handle import Handle, fresh_name, resolve

Empty = _pyqueue.Empty
Full = _pyqueue.Full

_pb = _stubs.queue
_payload = _stubs.payload


class _Streams(threading.local):
    consume = None
    put = None


class Queue(Handle):
    """A named FIFO queue on the broker (Python's ``multiprocessing.Queue``).

    ``Queue(name, maxsize=0)`` creates the queue or opens the existing one of that name (its
    ``maxsize`` and kind must match, else ``ValueError``). ``create=False`` only opens it.
    ``ephemeral=True`` deletes it when this connection's session ends. Items are encoded by the
    ``serializer`` (see ``ipcbroker._codec``): JSON by default, pickle only when asked.
    """

    _kind = _pb.QUEUE_KIND_STANDARD

    def __init__(
        self,
        name=None,
        maxsize=0,
        *,
        broker=None,
        serializer="json",
        create=True,
        ephemeral=False,
    ):
        self._broker = resolve(broker)
        self._serializer = check_serializer(serializer)
        self._name = name or fresh_name("queue")
        if create:
            response = self._broker.call(
                self._broker.queues.CreateQueue,
                _pb.CreateQueueRequest(
                    name=self._name,
                    maxsize=max(0, int(maxsize)),
                    kind=self._kind,
                    allow_existing=True,
                    ephemeral=ephemeral,
                    session_id=self._broker.session_id if ephemeral else "",
                ),
            )
            info = response.queue
            if info.kind != self._kind:
                raise ValueError("queue %r exists with another kind" % self._name)
        else:
            info = self._info()
        self._uid = info.uid
        self._maxsize = info.maxsize
        self._init_local()

    def _init_local(self):
        self._streams = _Streams()
        self._ids = itertools.count(1)
        self._ids_lock = threading.Lock()

    def _after_fork(self):
        self._init_local()  # the parent's streams are not ours

    def _state(self):
        return (self._name, self._uid, self._maxsize, self._serializer)

    def _restore(self, state):
        self._name, self._uid, self._maxsize, self._serializer = state
        self._init_local()

    def _next_id(self):
        with self._ids_lock:
            return next(self._ids)

    def _info(self):
        return self._broker.call(
            self._broker.queues.GetQueue,
            _pb.GetQueueRequest(name=self._name, uid=getattr(self, "_uid", "")),
        ).queue

    @property
    def maxsize(self):
        return self._maxsize

    # -- streams ----------------------------------------------------------------------------

    def _open(self, method, request_type):
        self._broker.check_process()
        stream = Bidi(
            method,
            request_type(
                open=_pb.StreamOpen(
                    queue=self._name, uid=self._uid, session_id=self._broker.session_id
                )
            ),
        )
        stream.recv()  # `opened`: fails here if the queue is gone.
        self._broker.register(stream)
        return stream

    def _consumer(self):
        self._broker  # noqa: B018 - in a forked child, reconnects and drops the parent's streams
        stream = self._streams.consume
        if stream is None:
            stream = self._open(self._broker.queues.Consume, _pb.ConsumeRequest)
            self._streams.consume = stream
        return stream

    def _producer(self):
        self._broker  # noqa: B018 - in a forked child, reconnects and drops the parent's streams
        stream = self._streams.put
        if stream is None:
            stream = self._open(self._broker.queues.PutItems, _pb.PutItemsRequest)
            self._streams.put = stream
        return stream

    def _drop_streams(self, *kinds):
        for kind in kinds:
            stream = getattr(self._streams, kind)
            if stream is not None:
                setattr(self._streams, kind, None)
                self._broker.unregister(stream)
                stream.close()

    # -- put --------------------------------------------------------------------------------

    def put(self, obj, block=True, timeout=None):
        """Puts ``obj``, waiting up to ``timeout`` seconds (forever if None) while the queue is
        full; raises ``queue.Full`` if it stays full."""
        self._put_many([obj], block, timeout)

    def put_nowait(self, obj):
        self.put(obj, False)

    def put_many(self, objs, block=True, timeout=None):
        """Puts several items in one message, in order (much faster than one ``put`` each).
        Returns when all are enqueued; raises ``queue.Full`` if the wait ended first; its ``accepted``
        says how many were enqueued from the first (of the last 4096)."""
        objs = list(objs)
        for start in range(0, len(objs), 4096):
            self._put_many(objs[start : start + 4096], block, timeout)

    def _put_many(self, objs, block, timeout):
        timeout = check_timeout(timeout)
        items = []
        for obj in objs:
            data, content_type = encode(obj, self._serializer)
            items.append(_payload.Payload(data=data, content_type=content_type))
        if not items:
            return
        put_id = self._next_id()
        request = _pb.PutItemsRequest(put_id=put_id, items=items, nowait=not block)
        if block and timeout is not None:
            request.timeout_seconds = timeout
        stream = self._producer()
        stream.send(request)
        try:
            result = self._await(stream, put_id, "result")
        except BaseException:
            self._settle_put(stream, put_id)
            raise
        if result.outcome != _pb.PUT_OUTCOME_OK:
            if result.outcome == _pb.PUT_OUTCOME_ABORTED:
                self._drop_streams("put")
            full = Full()
            full.accepted = result.accepted  # how many of the items were enqueued (a prefix)
            raise full

    def _settle_put(self, stream, put_id):
        # Given up (Ctrl-C, or the stream failed): revoke the frame so that it is not enqueued
        # later behind the caller's back, and learn what was.
        try:
            stream.send(_pb.PutItemsRequest(revoke_put_id=put_id))
            self._await(stream, put_id, "result")
        except BaseException:  # noqa: BLE001 - the stream is unusable; drop it
            pass
        self._drop_streams("put")

    @staticmethod
    def _await(stream, wanted_id, field):
        while True:
            response = stream.recv()
            if response.WhichOneof("event") != field:
                continue
            result = getattr(response, field)
            rid = result.put_id if field == "result" else result.pull_id
            if rid == wanted_id:
                return result

    # -- get --------------------------------------------------------------------------------

    def get(self, block=True, timeout=None):
        """Removes and returns the oldest item, waiting up to ``timeout`` seconds (forever if
        None) for one; raises ``queue.Empty`` if none came."""
        return self._get_many(1, block, timeout)[0]

    def get_nowait(self):
        return self.get(False)

    def get_many(self, max_items, block=True, timeout=None):
        """Removes and returns between 1 and ``max_items`` (at most 1024) of the oldest items,
        waiting as ``get`` does for the first one."""
        if not 1 <= max_items <= 1024:
            raise ValueError("max_items must be in [1, 1024]")
        return self._get_many(max_items, block, timeout)

    def _get_many(self, max_items, block, timeout):
        timeout = check_timeout(timeout)
        pull_id = self._next_id()
        pull = _pb.Pull(pull_id=pull_id, max_items=max_items, nowait=not block)
        if block and timeout is not None:
            pull.timeout_seconds = timeout
        stream = self._consumer()
        stream.send(_pb.ConsumeRequest(pull=pull))
        try:
            result = self._await(stream, pull_id, "pull_result")
        except BaseException:
            self._settle_pull(stream, pull_id)
            raise
        if result.outcome != _pb.PULL_OUTCOME_DELIVERED:
            raise Empty()
        ids = [d.delivery_id for d in result.deliveries]
        try:
            values = [
                decode(d.payload.data, d.payload.content_type, self._serializer)
                for d in result.deliveries
            ]
        except BaseException:
            # Undecodable here: give the items back for a reader that can decode them.
            stream.send(_pb.ConsumeRequest(nack_ids=ids))
            raise
        # Acked at once: the items are the caller's now. The stream's orderly close (half-close,
        # then wait) makes sure the ack is applied.
        stream.send(_pb.ConsumeRequest(ack_ids=ids))
        return values

    def _settle_pull(self, stream, pull_id):
        # Given up: revoke the pull; items that crossed the revoke go back to the head.
        try:
            stream.send(_pb.ConsumeRequest(revoke_pull_id=pull_id))
            result = self._await(stream, pull_id, "pull_result")
            if result.deliveries:
                stream.send(
                    _pb.ConsumeRequest(nack_ids=[d.delivery_id for d in result.deliveries])
                )
        except BaseException:  # noqa: BLE001 - ending the stream gives everything back
            pass
        self._drop_streams("consume")

    # -- state ------------------------------------------------------------------------------

    def qsize(self):
        """Items queued now (exact: the broker counts them)."""
        return self._info().size

    def empty(self):
        return self._info().empty

    def full(self):
        return self._info().full

    def close(self):
        """Completes this thread's streams (pending acks are applied). The queue stays."""
        self._drop_streams("consume", "put")

    def join_thread(self):
        """Nothing to wait for: puts are acknowledged before ``put`` returns."""

    def cancel_join_thread(self):
        """Nothing to cancel (see ``join_thread``)."""

    def delete(self, force=True):
        """Deletes the queue on the broker; returns how many items were discarded."""
        self.close()
        return self._broker.call(
            self._broker.queues.DeleteQueue,
            _pb.DeleteQueueRequest(name=self._name, uid=self._uid, force=force),
        ).discarded_items


class SimpleQueue(Queue):
    """Python's ``SimpleQueue``: an unbounded queue."""

    def __init__(self, name=None, **kwargs):
        super().__init__(name, 0, **kwargs)


class JoinableQueue(Queue):
    """Python's ``JoinableQueue``: each put adds an unfinished task, ``task_done`` ends one and
    ``join`` waits until none is left."""

    _kind = _pb.QUEUE_KIND_JOINABLE

    def task_done(self):
        """Marks one task done; ``ValueError`` if called more times than items were put."""
        self._broker.call(
            self._broker.queues.TaskDone,
            _pb.TaskDoneRequest(queue=self._name, uid=self._uid, count=1),
        )

    def join(self, timeout=None):
        """Waits until every task is done. Returns True, or False if ``timeout`` passed first."""
        timeout = check_timeout(timeout)
        request = _pb.JoinQueueRequest(
            queue=self._name, uid=self._uid, session_id=self._broker.session_id
        )
        if timeout is not None:
            request.timeout_seconds = timeout
        return self._broker.call(
            self._broker.queues.JoinQueue, request, timeout=deadline_for(timeout)
        ).done
