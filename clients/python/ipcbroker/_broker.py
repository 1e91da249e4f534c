# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""A connection to the broker: one channel, one session kept alive, and the service stubs.

Each process has at most one connection per target (:func:`connect`). The connection is tied to
the process that made it: after ``fork`` the child makes its own, and handles unpickled in
another process reconnect there by target and name.
"""
import atexit
import math
import os
import queue as _queue
import threading
import weakref

import grpc

from . import _auth, _stubs
from ._errors import BrokerError, BrokerUnavailableError, translate

DEFAULT_TARGET = "localhost:50051"
ENV_TARGET = "IPCBROKER_TARGET"
ENV_PROCESS_ID = "IPCBROKER_PROCESS_ID"

# Non-blocking calls fail after this long rather than hang on a broker that does not answer.
CALL_TIMEOUT = 30.0
# A blocking call with a timeout gets this much more as its gRPC deadline: the broker answers at
# the timeout itself, the deadline only guards against a broker that stopped answering.
DEADLINE_GRACE = 30.0

_END = object()


def default_target():
    return os.environ.get(ENV_TARGET) or DEFAULT_TARGET


def check_timeout(timeout, name="timeout"):
    """Python's rule: None blocks; a number must be finite and non-negative."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("%s must be a number or None" % name)
    value = float(timeout)
    if math.isnan(value) or math.isinf(value):
        raise ValueError("%s must be finite" % name)
    if value < 0:
        raise ValueError("'%s' must be a non-negative number" % name)
    return value


def deadline_for(timeout):
    """The gRPC deadline (seconds) of a blocking call that waits ``timeout`` on the broker."""
    return None if timeout is None else timeout + DEADLINE_GRACE


def _requests_of(requests):
    # A plain generator over the queue (not a method): grpcio's thread holds it for the life of
    # the call, and it must not keep the Bidi alive, so that a dropped Bidi can be finalized.
    while True:
        request = requests.get()
        if request is _END:
            return
        yield request


def _pump(call, responses):
    # Reads the responses on a thread of its own: a caller's wait is then a queue get, which
    # Ctrl-C can interrupt without leaving a grpcio receive half-done (a later next() on the call
    # fails with "call error 8" after an interrupted one).
    try:
        for response in call:
            responses.put(response)
        responses.put(_END)
    except grpc.RpcError as e:
        responses.put(e)
    except Exception as e:  # noqa: BLE001 - reported to the reader as a failure
        responses.put(e)


class Bidi:
    """A bidirectional stream: ``send`` queues a request, ``recv`` waits for the next response.

    grpcio pulls requests from a generator on its own thread; responses are pumped into a queue
    by another, so that ``recv`` can be interrupted and called again. A Bidi that is dropped
    without ``close`` is half-closed by its finalizer: requests already sent (acks) go first.
    """

    def __init__(self, method, first, timeout=None):
        self._requests = _queue.SimpleQueue()
        self._responses = _queue.SimpleQueue()
        self._requests.put(first)
        self._done = False
        self._call = method(_requests_of(self._requests), timeout=timeout)
        self._reader = threading.Thread(
            target=_pump, args=(self._call, self._responses), name="ipcbroker-stream", daemon=True
        )
        self._reader.start()
        self._finalizer = weakref.finalize(self, self._requests.put, _END)

    def send(self, request):
        self._requests.put(request)

    def recv(self):
        """The next response; raises the translated error if the stream failed, EOFError if the
        broker completed it."""
        response = self._responses.get()
        if response is _END:
            self._done = True
            self._responses.put(_END)  # every later recv sees the end too
            raise EOFError("the broker ended the stream")
        if isinstance(response, Exception):
            self._done = True
            self._responses.put(response)
            raise translate(response) from None
        return response

    def half_close(self):
        """Tells the broker that no request follows; responses keep coming."""
        self._requests.put(_END)

    def close(self, timeout=10.0):
        """Half-closes and waits (at most ``timeout``) for the broker to complete the stream, so
        that acks sent last are applied (a bare cancel can drop them)."""
        if self._done:
            return
        self._done = True
        self._finalizer.detach()
        self._requests.put(_END)  # a second _END after half_close is never read: harmless
        self._reader.join(timeout)
        if self._reader.is_alive():
            self._call.cancel()

    def cancel(self):
        self._done = True
        self._finalizer.detach()
        self._requests.put(_END)
        self._call.cancel()


class Broker:
    """One process's connection to a broker.

    ``target`` is ``host:port`` (or any gRPC target, ``unix:/path`` too); by default the
    ``IPCBROKER_TARGET`` environment variable, which the broker sets for the processes it spawns,
    else ``localhost:50051``. Opening it creates a session, kept alive in the background, that
    owns this process's waits and stream deliveries: if the process dies, the broker gives back
    what it held once the connection drops or the session's TTL passes.

    ``token`` is the broker's token (default ``IPCBROKER_TOKEN``, which the broker sets for its
    children): each call is signed with it and the token itself is never sent. ``tls_ca`` is a
    PEM file of the CA to trust (default ``IPCBROKER_TLS_CA``; plaintext without one), and
    ``client_cert``/``client_key`` PEM files for a broker that requires client certificates.
    """

    def __init__(
        self,
        target=None,
        *,
        ttl=10.0,
        client_name=None,
        connect_timeout=10.0,
        token=None,
        tls_ca=None,
        client_cert=None,
        client_key=None,
    ):
        self.target = target or default_target()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._closed = False
        self._exit_finalizer = None  # set by connect(), which closes its connections at exit
        # Weak: a stream whose handle or thread is gone is finalized (half-closed) on its own.
        self._closeables = weakref.WeakSet()
        self.channel, self._raw_channel = _auth.open_channel(
            self.target,
            [
                ("grpc.keepalive_time_ms", 30000),
                ("grpc.keepalive_timeout_ms", 10000),
                ("grpc.max_receive_message_length", 8 * 1024 * 1024),
            ],
            token=token,
            tls_ca=tls_ca,
            client_cert=client_cert,
            client_key=client_key,
        )
        for attr, (module, stub) in _stubs.SERVICES.items():
            setattr(self, attr, getattr(module, stub)(self.channel))
        request = _stubs.session.CreateSessionRequest(
            ttl_seconds=ttl,
            client_name=client_name or "python:%d" % os.getpid(),
            process_id=os.environ.get(ENV_PROCESS_ID, ""),
        )
        try:
            response = self.sessions.CreateSession(
                request, timeout=connect_timeout, wait_for_ready=True
            )
        except grpc.RpcError as e:
            self._raw_channel.close()
            raise translate(e) from None
        self.session_id = response.session.session_id
        self.server_id = response.session.server_id
        self._ttl = response.session.ttl_seconds or ttl
        self._stop = threading.Event()
        self._keeper = threading.Thread(
            target=self._keep_alive, name="ipcbroker-keepalive", daemon=True
        )
        self._keeper.start()

    def _keep_alive(self):
        # Renew at a third of the TTL, so that two lost renewals still leave the session alive.
        period = max(0.2, self._ttl / 3.0)
        while not self._stop.wait(period):
            try:
                self.sessions.RefreshSession(
                    _stubs.session.RefreshSessionRequest(session_id=self.session_id),
                    timeout=period,
                )
            except grpc.RpcError:
                pass  # The next call of the program reports what is wrong.

    def check_process(self):
        """Fails loudly if this connection was closed, or is used in a forked child (gRPC channels
        do not survive fork)."""
        if self._closed:
            raise BrokerUnavailableError(
                None, "CLIENT_CLOSED", "this connection to %s is closed" % self.target
            )
        if os.getpid() != self._pid:
            raise RuntimeError(
                "this ipcbroker connection belongs to process %d; use ipcbroker.connect() in the "
                "child, or pass handles to children (they reconnect when unpickled)" % self._pid
            )

    def call(self, method, request, timeout=CALL_TIMEOUT):
        """Runs a unary call and translates its error. Ctrl-C cancels the call."""
        if self._closed:
            self.check_process()
        future = method.future(request, timeout=timeout)
        try:
            return future.result()
        except grpc.RpcError as e:
            raise translate(e) from None
        except BaseException:
            future.cancel()
            raise

    def register(self, closeable):
        """Closes ``closeable`` (a stream) when this connection closes, if it still exists."""
        with self._lock:
            self._closeables.add(closeable)
            # A multiprocessing child made this connection while unpickling its arguments, and
            # then cleared the finalizers: register again, so that its streams' last acks are
            # sent before it ends with os._exit.
            if self._exit_finalizer is not None and not self._exit_finalizer.still_active():
                self._exit_finalizer = close_at_exit(self.close)

    def unregister(self, closeable):
        with self._lock:
            self._closeables.discard(closeable)

    def close(self):
        """Completes open streams, ends the session (releasing what it holds) and closes the
        channel. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            closeables, self._closeables = list(self._closeables), weakref.WeakSet()
        if os.getpid() != self._pid:
            return  # A forked copy: the parent's channel and session are not ours to end.
        self._stop.set()
        for c in reversed(closeables):
            try:
                c.close()
            except Exception:  # noqa: BLE001 - closing must go on
                pass
        try:
            self.sessions.DeleteSession(
                _stubs.session.DeleteSessionRequest(session_id=self.session_id), timeout=5
            )
        except grpc.RpcError:
            pass
        self._raw_channel.close()

    @property
    def closed(self):
        return self._closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<ipcbroker.Broker target=%r session=%r>" % (self.target, self.session_id)


_connections = {}
_connections_lock = threading.Lock()


def _reset_after_fork():
    # Another thread may have held the lock at fork; the child has only this thread.
    global _connections_lock
    _connections_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def close_at_exit(closer):
    """Runs ``closer`` when this process ends: at interpreter exit, and also in a child that
    multiprocessing started with fork or forkserver, which ends with os._exit and runs only
    multiprocessing's own finalizers (a stream's last acks must reach the broker). Returns the
    finalizer: a child clears the registry after unpickling its arguments, so callers check
    ``still_active()`` again once work starts (see Broker.register)."""
    import multiprocessing.util

    atexit.register(closer)
    return multiprocessing.util.Finalize(None, closer, exitpriority=10)


def connect(target=None):
    """This process's shared connection to ``target`` (default: ``IPCBROKER_TARGET``), made on
    first use and closed at exit."""
    target = target or default_target()
    key = (os.getpid(), target)
    with _connections_lock:
        broker = _connections.get(key)
        if broker is None or broker.closed:
            broker = Broker(target)
            _connections[key] = broker
            broker._exit_finalizer = close_at_exit(broker.close)
        return broker


def _close_all():
    with _connections_lock:
        mine = [b for (pid, _), b in _connections.items() if pid == os.getpid()]
        _connections.clear()
    for broker in mine:
        try:
            broker.close()
        except BrokerError:
            pass

