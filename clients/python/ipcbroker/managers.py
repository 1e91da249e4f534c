# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``Manager``: ``multiprocessing.managers.SyncManager``'s factory methods, on the broker.

Code written against a manager runs by changing one import and the manager's construction::

    from ipcbroker import Manager           # was: from multiprocessing import Manager
    with Manager("localhost:50051") as m:   # was: with Manager() as m:
        q = m.Queue()
        lock = m.Lock()
        d = m.dict()

Objects made without a ``name=`` get a fresh name and belong to the manager: ``shutdown()`` (or
leaving the ``with`` block, or the program's end) deletes them, as a Python manager's objects go with its server.
Objects made with ``name=`` are shared by that name with every program, in any language, and
outlive the manager. Handles are picklable: pass them to ``multiprocessing`` processes, pool
tasks or broker-spawned children, which reconnect to the same broker.
"""
import os

from . import _auth
from ._broker import Broker, close_at_exit, default_target


class Manager:
    """A connection to the broker with ``SyncManager``'s factory methods.

    ``address`` is the broker's target (``"host:port"``, or a ``(host, port)`` tuple as Python's
    managers take); default ``IPCBROKER_TARGET``, else ``localhost:50051``. ``authkey`` is the
    broker's token (its ``--auth-token-file``), as bytes or str; by default ``IPCBROKER_TOKEN``.
    As with Python's authkey it never crosses the network: each call is signed with it. Starting
    the manager sets ``IPCBROKER_TOKEN`` (unless set) so that the processes this program starts
    afterwards, which use its handles, connect with it too.
    """

    def __init__(self, address=None, authkey=None, serializer="json", **_ignored):
        if isinstance(address, tuple):
            address = "%s:%d" % address
        self._target = address or default_target()
        if isinstance(authkey, (bytes, bytearray)):
            try:
                authkey = bytes(authkey).decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(
                    "authkey must be the broker's token, in UTF-8 (Python's random process "
                    "authkey is not one)"
                ) from None
        self._token = authkey
        self._serializer = serializer
        self._broker = None
        self._owned = []

    # -- lifecycle, as BaseManager ------------------------------------------------------------

    def start(self, initializer=None, initargs=()):
        """Connects (a factory called before ``start`` does it too, as ``multiprocessing.Manager()``
        returns a started manager). ``RuntimeError`` if already started."""
        if self._broker is not None:
            raise RuntimeError("Already started server")  # Python's ProcessError message
        self._broker = Broker(self._target, client_name="python-manager", token=self._token)
        if self._token:
            # Handles reconnect in other processes (children, unpickled proxies) by target and
            # name, and find the token where the broker's own children do.
            os.environ.setdefault(_auth.ENV_TOKEN, self._token)
        # As Python's manager, it shuts down when the program ends, in whatever way.
        close_at_exit(self.shutdown)
        if initializer is not None:
            initializer(*initargs)
        return self

    connect = start

    def shutdown(self):
        """Deletes the objects this manager named and ends its session."""
        if self._broker is None:
            return
        for handle in reversed(self._owned):
            try:
                # A Namespace's attributes are all shared values; its own delete is _delete.
                getattr(type(handle), "_delete", type(handle).delete)(handle)
            except Exception:  # noqa: BLE001 - already gone, or deleted by another program
                pass
        self._owned = []
        self._broker.close()
        self._broker = None

    def __enter__(self):
        if self._broker is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()

    @property
    def address(self):
        return self._target

    @property
    def broker(self):
        return self._broker

    def _make(self, cls, name, *args, **kwargs):
        if self._broker is None:
            self.start()
        handle = cls(name, *args, broker=self._broker, **kwargs)
        if name is None:
            self._owned.append(handle)
        return handle

    # -- SyncManager's factories ----------------------------------------------------------

    def Queue(self, maxsize=0, *, name=None):
        from .queues import Queue

        return self._make(Queue, name, maxsize, serializer=self._serializer)

    def JoinableQueue(self, maxsize=0, *, name=None):
        from .queues import JoinableQueue

        return self._make(JoinableQueue, name, maxsize, serializer=self._serializer)

    def Lock(self, *, name=None):
        from .synchronize import Lock

        return self._make(Lock, name)

    def RLock(self, *, name=None):
        from .synchronize import RLock

        return self._make(RLock, name)

    def Semaphore(self, value=1, *, name=None):
        from .synchronize import Semaphore

        return self._make(Semaphore, name, value)

    def BoundedSemaphore(self, value=1, *, name=None):
        from .synchronize import BoundedSemaphore

        return self._make(BoundedSemaphore, name, value)

    def Condition(self, lock=None, *, name=None):
        from .synchronize import Condition

        return self._make(Condition, name, lock)

    def Event(self, *, name=None):
        from .synchronize import Event

        return self._make(Event, name)

    def Barrier(self, parties, action=None, timeout=None, *, name=None):
        from .synchronize import Barrier

        return self._make(Barrier, name, parties, action, timeout)

    def Value(self, typecode, value, lock=True, *, name=None):
        from .sharedctypes import Value

        return self._make(Value, name, typecode, value, lock=lock)

    def Array(self, typecode, sequence, lock=True, *, name=None):
        from .sharedctypes import Array

        return self._make(Array, name, typecode, sequence, lock=lock)

    def list(self, sequence=(), *, name=None):
        from .managed import ListProxy

        return self._make(ListProxy, name, list(sequence))

    def dict(self, *args, name=None, **kwargs):
        from .managed import DictProxy

        return self._make(DictProxy, name, dict(*args, **kwargs))

    def Namespace(self, *, name=None, **kwargs):
        from .managed import Namespace

        return self._make(Namespace, name, **kwargs)

    def Pool(self, processes=None, initializer=None, initargs=(), maxtasksperchild=None, **kw):
        from .pool import Pool

        return self._make(
            lambda n, *a, **k: Pool(*a, name=n, **k),
            kw.pop("name", None),
            processes,
            initializer,
            initargs,
            maxtasksperchild,
            serializer=self._serializer,
            **kw,
        )
