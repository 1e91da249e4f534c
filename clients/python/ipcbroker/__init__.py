# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""ipcbroker for Python: ``multiprocessing``'s primitives, served by an ipcbroker broker.

A program written for ``multiprocessing`` runs against the broker by changing its imports and
naming what it shares::

    from ipcbroker import Queue            # was: from multiprocessing import Queue
    q = Queue("urls", maxsize=10)          # was: q = Queue(10)

Every object lives on the broker under its name, so programs in any language that speak the
broker's gRPC contract share it. The connection comes from ``IPCBROKER_TARGET`` (which the
broker sets for the processes it spawns), else ``localhost:50051``; ``ipcbroker.connect(target)``
or ``broker=`` on any constructor chooses another. ``Manager()`` gives
``multiprocessing.managers.SyncManager``'s factory methods.
"""
import os as _os

# gRPC channels do not survive fork unless gRPC's fork support is on before grpc is imported;
# with it, a handle used in a forked child (multiprocessing's default start method on Linux)
# reconnects there. A value the program set itself is kept.
_os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "1")

from multiprocessing import TimeoutError, cpu_count  # noqa: E402
from queue import Empty, Full
from threading import BrokenBarrierError

from ._broker import Broker, connect, default_target
from ._codec import DecodeError
from ._errors import (
    AlreadyExistsError,
    BrokerError,
    BrokerUnavailableError,
    NotFoundError,
    ProcessError,
)
from .managers import Manager
from .pool import AsyncResult, Pool, RemoteTraceback, TaskError
from .process import Process, active_children, current_process
from .queues import JoinableQueue, Queue, SimpleQueue
from .connection import BufferTooShort, Connection, Pipe
from .managed import DictProxy, ListProxy, Namespace
from .sharedctypes import Array, RawArray, RawValue, Value
from .synchronize import Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore

__all__ = [
    "AlreadyExistsError",
    "Array",
    "AsyncResult",
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "Broker",
    "BrokerError",
    "BrokerUnavailableError",
    "BufferTooShort",
    "Condition",
    "Connection",
    "DecodeError",
    "DictProxy",
    "Empty",
    "Event",
    "Full",
    "JoinableQueue",
    "ListProxy",
    "Lock",
    "Manager",
    "Namespace",
    "NotFoundError",
    "Pipe",
    "Pool",
    "Process",
    "ProcessError",
    "Queue",
    "RLock",
    "RawArray",
    "RawValue",
    "RemoteTraceback",
    "Semaphore",
    "SimpleQueue",
    "TaskError",
    "TimeoutError",
    "Value",
    "active_children",
    "connect",
    "cpu_count",
    "current_process",
    "default_target",
]
