# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""What every handle to a named broker object shares: its connection, and pickling by name."""
import os
import uuid

from . import _broker


def fresh_name(kind):
    """A unique name for an object created without one (a Manager's ``Queue()``)."""
    return "py-%s-%s" % (kind, uuid.uuid4().hex[:16])


def resolve(broker):
    """``broker`` may be a Broker, a target string, or None (this process's default)."""
    if broker is None or isinstance(broker, str):
        return _broker.connect(broker)
    return broker


def _reopen(cls, target, state):
    obj = cls.__new__(cls)
    obj._broker = _broker.connect(target)
    obj._restore(state)
    return obj


class Handle:
    """Base of every handle. Subclasses set ``self._broker`` and ``self._name`` and implement
    ``_state()`` (what a reopened copy needs, all plain values) and ``_restore(state)``.

    Pickling a handle pickles only its target, name and configuration; whatever process
    unpickles it opens the same object on its own connection to the same broker. That is how
    handles reach ``multiprocessing.Process`` arguments, pool tasks and broker-spawned children.
    """

    _name = None
    _connection = None
    _connection_pid = None

    @property
    def _broker(self):
        # After fork the child must not touch the parent's gRPC channel: it reconnects to the
        # same broker on first use, with this process's own connection.
        if self._connection_pid is not None and self._connection_pid != os.getpid():
            self._connection = _broker.connect(self._connection.target)
            self._connection_pid = os.getpid()
            self._after_fork()
        return self._connection

    @_broker.setter
    def _broker(self, connection):
        self._connection = connection
        self._connection_pid = os.getpid()

    def _after_fork(self):
        """Drops per-process state (open streams) in a forked child. Subclasses extend it."""

    @property
    def name(self):
        return self._name

    @property
    def broker(self):
        return self._broker

    def _state(self):
        raise NotImplementedError

    def _restore(self, state):
        raise NotImplementedError

    def __reduce__(self):
        return (_reopen, (type(self), self._broker.target, self._state()))

    def __repr__(self):
        return "<%s.%s name=%r target=%r>" % (
            type(self).__module__.rsplit(".", 1)[0],
            type(self).__name__,
            self._name,
            self._broker.target if self._broker else None,
        )
