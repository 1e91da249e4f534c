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
from multiprocessing import TimeoutError, cpu_count
from queue import Empty, Full

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

__all__ = [
    "AlreadyExistsError",
    "AsyncResult",
    "Broker",
    "BrokerError",
    "BrokerUnavailableError",
    "DecodeError",
    "Empty",
    "Full",
    "JoinableQueue",
    "Manager",
    "NotFoundError",
    "Pool",
    "Process",
    "ProcessError",
    "Queue",
    "RemoteTraceback",
    "SimpleQueue",
    "TaskError",
    "TimeoutError",
    "active_children",
    "connect",
    "cpu_count",
    "current_process",
    "default_target",
]
