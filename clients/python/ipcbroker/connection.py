# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``Pipe`` and its ``Connection`` ends, held by the broker, with Python's API.

``a, b = Pipe()`` makes a pipe whose two ends are named ``NAME.a`` and ``NAME.b``; either end can
be handed to another process (pickled as a ``Process`` argument, or opened by name with
``Connection("NAME.b")``) in any language. Messages keep their boundaries and order; ``recv``
raises ``EOFError`` once the other end is closed and nothing is left.

Ownership replaces CPython's file descriptors. An end belongs to one session at a time: the
creator's at first, then the session of the last process that opened or unpickled it. An end
closes on ``close()``, or when the session that owns it ends, so a child that exits closes the
ends it was given, and the parent's ``recv`` sees ``EOFError``. ``close()`` on a handle that was
handed to another process (pickled) only closes this process's copy, as closing a descriptor in
CPython leaves the child's copy open.

No message is lost: a received message stays the end's outstanding delivery until this process
acknowledges it (with its next receive or poll, when it hands the end over, when it closes it, or
when its connection closes at exit); a receive interrupted by Ctrl-C gets the message again next
time instead of dropping it.
"""
import io
import os
import threading
import weakref
from multiprocessing import BufferTooShort

from . import _stubs
from ._broker import CALL_TIMEOUT, check_timeout, deadline_for
from ._codec import BYTES, check_serializer, decode, encode
from ._errors import BrokerError
from ._handle import Handle, fresh_name, resolve

__all__ = ["BufferTooShort", "Connection", "Pipe"]

_pb = _stubs.pipe
_payload = _stubs.payload

# How long fork() may spend acknowledging what the parent received (see _ack_after_fork).
_FORK_ACK_TIMEOUT = 5.0


class PipeEOFError(BrokerError, EOFError):
    """``recv`` on an end whose peer is closed, with nothing left (``reason == "PIPE_EOF"``)."""


class PipeClosedError(BrokerError, BrokenPipeError):
    """A send to a closed peer, or any call on an end closed elsewhere (``"PIPE_CLOSED"``)."""


class PipeDirectionError(BrokerError, OSError):
    """An end used against its direction (``"PIPE_WRONG_DIRECTION"``)."""


class MessageTooLongError(BrokerError, OSError):
    """``recv_bytes(maxlength)`` met a longer message (``"MESSAGE_TOO_LONG"``); the message stays
    in the pipe, for a receive with room for it."""


# Reasons whose Python counterpart is the builtin exception CPython's Connection raises.
_BY_REASON = {
    "PIPE_EOF": PipeEOFError,
    "PIPE_CLOSED": PipeClosedError,
    "PIPE_WRONG_DIRECTION": PipeDirectionError,
    "MESSAGE_TOO_LONG": MessageTooLongError,
}


def _call(broker, method, request, timeout=CALL_TIMEOUT):
    """``broker.call`` with the pipe reasons raised as CPython's exceptions."""
    try:
        return broker.call(method, request, timeout=timeout)
    except BrokerError as e:
        cls = _BY_REASON.get(e.reason)
        if cls is None or isinstance(e, cls):
            raise
        raise cls(e.code, e.reason, e.details, e.metadata) from None


class _EndState:
    """What every handle of one end shares in one process: the reader lock and the delivery
    received last and not yet acknowledged. Registered with the connection, so that the delivery
    is acknowledged when the connection closes (at exit) and not handed out again."""

    def __init__(self, broker, end):
        self.broker = broker
        self.end = end
        self.reading = threading.Lock()
        self.last_delivery = ""

    def ack(self, timeout=CALL_TIMEOUT):
        """Acknowledges the outstanding delivery, if any (for a reader that stops reading).

        Skipped while a receive of this process is parked on the end: that receive carries the
        acknowledgement itself, and waiting for it here could wait for the next message."""
        if not self.reading.acquire(blocking=False):
            return
        try:
            if self.last_delivery:
                _call(
                    self.broker,
                    self.broker.pipes.AckPipe,
                    _pb.AckPipeRequest(end=self.end, delivery_id=self.last_delivery),
                    timeout=timeout,
                )
                self.last_delivery = ""
        finally:
            self.reading.release()

    def close(self, timeout=CALL_TIMEOUT):
        # Called by Broker.close() and at fork: a failure there must not stop the others.
        try:
            self.ack(timeout)
        except BrokerError:
            pass


_states = weakref.WeakKeyDictionary()
_states_guard = threading.Lock()


def _reset_after_fork():
    # A forked child starts with one thread: a guard copied while another thread held it would
    # never be released.
    global _states_guard
    _states_guard = threading.Lock()


def _ack_after_fork():
    # The parent hands its ends over to a forked child without pickling them: acknowledge what
    # this process received, as pickling does, or the child's first receive on such an end would
    # wait for this process's next call on it.
    with _states_guard:
        states = [state for per_broker in _states.values() for state in per_broker.values()]
    for state in states:
        if state.broker.closed:
            continue
        try:
            state.broker.check_process()  # not a connection of a process this one forked from
            state.close(timeout=_FORK_ACK_TIMEOUT)
        except Exception:  # noqa: BLE001 - fork() must not fail for it; the child's recv says
            pass


os.register_at_fork(after_in_child=_reset_after_fork, after_in_parent=_ack_after_fork)


def _state_for(broker, end):
    with _states_guard:
        per_broker = _states.setdefault(broker, {})
        state = per_broker.get(end)
        if state is None:
            state = per_broker[end] = _EndState(broker, end)
            broker.register(state)
        return state


class Connection(Handle):
    """One end of a pipe (Python's ``multiprocessing.connection.Connection``).

    ``Connection(end)`` opens the end named ``end`` (``"NAME.a"`` or ``"NAME.b"``) and makes this
    process's session its owner. Objects travel encoded by the ``serializer`` (JSON by default,
    ``"pickle"`` only when both sides choose it); ``send_bytes``/``recv_bytes`` carry raw bytes.
    """

    def __init__(self, name, *, broker=None, serializer="json"):
        if not name:
            raise ValueError("a Connection opens an existing pipe end by name (NAME.a or NAME.b)")
        broker = resolve(broker)
        pipe = _call(broker, broker.pipes.GetPipe, _pb.GetPipeRequest(name=name)).pipe
        if name not in (pipe.end_a, pipe.end_b):
            raise ValueError("%r names a pipe; open one of its ends, %r or %r" % (
                name, pipe.end_a, pipe.end_b))
        self._setup(broker, name, pipe.duplex, check_serializer(serializer))
        self._claim()

    @classmethod
    def _make(cls, broker, end, duplex, serializer):
        conn = cls.__new__(cls)
        conn._setup(broker, end, duplex, serializer)
        return conn

    def _setup(self, broker, end, duplex, serializer):
        self._broker = broker
        self._name = end
        self._duplex = duplex
        self._serializer = serializer
        self._closed = False
        # Set once this handle was pickled: another process may own the end now, so close()
        # closes only this copy.
        self._handed_over = False
        self._shared = _state_for(broker, end)

    def _claim(self):
        try:
            _call(
                self._broker,
                self._broker.pipes.ClaimPipeEnd,
                _pb.ClaimPipeEndRequest(end=self._name, session_id=self._broker.session_id),
            )
        except PipeClosedError:
            pass  # Closed already: this handle's calls say so (EOFError, BrokenPipeError).

    def _state(self):
        self._check_closed()  # as CPython, which cannot hand over a closed descriptor
        # Handing the end over: acknowledge what this process received, so that the receiver's
        # first recv does not wait for (or get again) a message already consumed here.
        self._shared.ack()
        self._handed_over = True
        return (self._name, self._duplex, self._serializer)

    def _restore(self, state):
        end, duplex, serializer = state
        self._setup(self._broker, end, duplex, serializer)
        self._claim()

    def _after_fork(self):
        # A forked child that uses the end takes it over, as an unpickling child does: the
        # reader state is per process, and the end now closes when the child's session ends.
        self._shared = _state_for(self._connection, self._name)
        self._handed_over = False
        self._claim()

    # -- properties -------------------------------------------------------------------------

    @property
    def closed(self):
        """True if this handle is closed."""
        return self._closed

    @property
    def readable(self):
        """True if this end can receive (both ends of a duplex pipe; end ``a`` of a simplex)."""
        return self._duplex or self._name.endswith(".a")

    @property
    def writable(self):
        """True if this end can send (both ends of a duplex pipe; end ``b`` of a simplex)."""
        return self._duplex or self._name.endswith(".b")

    @property
    def pipe_name(self):
        """The name of the pipe this end belongs to."""
        return self._name[:-2]

    def fileno(self):
        """There is no file descriptor: the pipe lives in the broker."""
        self._check_closed()
        raise io.UnsupportedOperation("a broker pipe end has no file descriptor")

    def _check_closed(self):
        self._broker  # noqa: B018 - in a forked child, reconnects (and claims) before anything
        if self._closed:
            raise OSError("handle is closed")

    def _check_readable(self):
        self._check_closed()
        if not self.readable:
            raise OSError("connection is write-only")

    def _check_writable(self):
        self._check_closed()
        if not self.writable:
            raise OSError("connection is read-only")

    # -- sending ----------------------------------------------------------------------------

    def send(self, obj):
        """Sends ``obj``, encoded by the serializer. Waits while the pipe is full;
        ``BrokenPipeError`` if the other end is closed."""
        self._check_writable()
        data, content_type = encode(obj, self._serializer)
        self._send(data, content_type)

    def send_bytes(self, buf, offset=0, size=None):
        """Sends ``buf[offset:offset + size]`` as one message of raw bytes."""
        self._check_writable()
        view = memoryview(buf)
        if view.itemsize > 1:
            view = view.cast("B")
        n = view.nbytes
        if offset < 0:
            raise ValueError("offset is negative")
        if n < offset:
            raise ValueError("buffer length < offset")
        if size is None:
            size = n - offset
        elif size < 0:
            raise ValueError("size is negative")
        elif offset + size > n:
            raise ValueError("buffer length < offset + size")
        self._send(view[offset : offset + size].tobytes(), BYTES)

    def _send(self, data, content_type):
        request = _pb.SendPipeRequest(
            end=self._name,
            payload=_payload.Payload(data=data, content_type=content_type),
            session_id=self._broker.session_id,
        )
        # A full pipe makes the send wait, as a full OS pipe does: no deadline. A send given up
        # by Ctrl-C is taken back by the broker unless a reader already has it.
        _call(self._broker, self._broker.pipes.SendPipe, request, timeout=None)

    # -- receiving --------------------------------------------------------------------------

    def _receive(self, max_bytes=0):
        """The next message's payload, acknowledging the previous one."""
        self._check_readable()
        with self._shared.reading:
            while True:
                request = _pb.RecvPipeRequest(
                    end=self._name,
                    ack_delivery_id=self._shared.last_delivery,
                    max_bytes=max_bytes,
                    session_id=self._broker.session_id,
                )
                response = _call(self._broker, self._broker.pipes.RecvPipe, request, timeout=None)
                # Answered: the acknowledgement it carried is applied. Only now is the message
                # this process's; one lost to Ctrl-C is received again by the next call.
                self._shared.last_delivery = response.delivery_id if response.received else ""
                if response.received:
                    return response.payload
                # Not received without a timeout: a newer receive of this session took the wait
                # over (another handle of the end elsewhere in this process); wait again.

    def recv(self):
        """Receives the next object. Blocks until one is there; ``EOFError`` once the other end
        is closed and nothing is left."""
        payload = self._receive()
        return decode(payload.data, payload.content_type, self._serializer)

    def recv_bytes(self, maxlength=None):
        """Receives the next message as bytes (the encoded form of an object sent by ``send``).
        A message longer than ``maxlength`` raises ``OSError`` and stays in the pipe."""
        if maxlength is not None and maxlength < 0:
            raise ValueError("negative maxlength")
        # The wire's max_bytes 0 means "no limit", so maxlength 0 asks for at most 1 byte and
        # refuses a 1-byte message here (it is consumed, as CPython consumes a bad message).
        limit = 0 if maxlength is None else max(1, maxlength)
        data = self._receive(limit).data
        if maxlength is not None and len(data) > maxlength:
            raise OSError("bad message length")
        return data

    def recv_bytes_into(self, buf, offset=0):
        """Receives the next message into ``buf`` at ``offset`` and returns its length;
        ``BufferTooShort`` (holding the message) if it does not fit."""
        view = memoryview(buf)
        if view.itemsize > 1:
            view = view.cast("B")
        if offset < 0:
            raise ValueError("negative offset")
        if offset > view.nbytes:
            raise ValueError("offset too large")
        data = self._receive().data
        if len(data) > view.nbytes - offset:
            raise BufferTooShort(data)
        view[offset : offset + len(data)] = data
        return len(data)

    def poll(self, timeout=0.0):
        """Whether a receive would return at once (a message is there, or EOF), waiting up to
        ``timeout`` seconds for that (forever if None; at once for 0 or less)."""
        self._check_readable()
        if timeout is not None and isinstance(timeout, (int, float)) and timeout < 0:
            timeout = 0.0  # CPython: a negative timeout polls once
        timeout = check_timeout(timeout)
        with self._shared.reading:
            request = _pb.PollPipeRequest(
                end=self._name,
                ack_delivery_id=self._shared.last_delivery,
                session_id=self._broker.session_id,
            )
            if timeout == 0:
                request.nowait = True
                deadline = CALL_TIMEOUT
            else:
                if timeout is not None:
                    request.timeout_seconds = timeout
                deadline = deadline_for(timeout)
            ready = _call(self._broker, self._broker.pipes.PollPipe, request, timeout=deadline)
            self._shared.last_delivery = ""  # the poll carried the acknowledgement
            return ready.ready

    # -- closing ----------------------------------------------------------------------------

    def close(self):
        """Closes this end: the other end's ``recv`` then raises ``EOFError`` once drained, its
        ``send`` ``BrokenPipeError``. Idempotent. A handle that was handed to another process
        closes only here (the other process's copy stays open)."""
        if self._closed:
            return
        self._broker  # noqa: B018 - in a forked child, reconnects first
        self._closed = True
        if self._handed_over:
            self._shared.close()  # acknowledge what this copy received, nothing more
            return
        with self._shared.reading:
            ack, self._shared.last_delivery = self._shared.last_delivery, ""
        try:
            _call(
                self._broker,
                self._broker.pipes.ClosePipeEnd,
                _pb.ClosePipeEndRequest(end=self._name, ack_delivery_id=ack),
            )
        except BrokerError as e:
            if e.reason != "PIPE_NOT_FOUND":
                raise  # gone already is closed: both ends closed, or the pipe was deleted

    def delete(self):
        """Deletes the whole pipe on the broker (both ends); returns whether it existed."""
        self._closed = True
        return _call(
            self._broker,
            self._broker.pipes.DeletePipe,
            _pb.DeletePipeRequest(name=self.pipe_name, allow_missing=True),
        ).deleted

    def describe(self):
        """The broker's description of the pipe (a ``Pipe`` message: ends, closed flags,
        buffered counts)."""
        return _call(
            self._broker, self._broker.pipes.GetPipe, _pb.GetPipeRequest(name=self._name)
        ).pipe

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<ipcbroker.Connection end=%r%s>" % (self._name, " closed" if self._closed else "")


def Pipe(duplex=True, *, name=None, broker=None, capacity=0, serializer="json"):
    """Creates a pipe and returns its two ends ``(conn1, conn2)``, as Python's ``Pipe``: with
    ``duplex=False``, ``conn1`` only receives and ``conn2`` only sends.

    ``name`` names the pipe (ends ``NAME.a`` and ``NAME.b``; None makes a fresh one);
    ``capacity`` bounds the messages buffered per direction (0: the broker's 1024). Both ends
    belong to this process's session until handed to another process.
    """
    broker = resolve(broker)
    serializer = check_serializer(serializer)
    pipe = _call(
        broker,
        broker.pipes.CreatePipe,
        _pb.CreatePipeRequest(
            name=name or fresh_name("pipe"),
            duplex=bool(duplex),
            capacity=capacity,
            session_id=broker.session_id,
        ),
    ).pipe
    return (
        Connection._make(broker, pipe.end_a, pipe.duplex, serializer),
        Connection._make(broker, pipe.end_b, pipe.duplex, serializer),
    )
