# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""The one place where gRPC errors become Python exceptions.

Every failed call carries a ``google.rpc.Status`` in the ``grpc-status-details-bin`` trailer with
one ``google.rpc.ErrorInfo`` whose ``reason`` names a value of ``ipcbroker.v1.ErrorReason``. The
exception raised for it is a :class:`BrokerError` with ``code`` and ``reason``; where Python's own
object raises a built-in exception for the same case (``KeyError`` from a dict, ``ValueError``
from an over-released ``BoundedSemaphore``...), the class derives from that built-in too, so both
``except KeyError`` and ``except ipcbroker.BrokerError`` catch it.
"""
import threading

import grpc

__all__ = [
    "BrokerError",
    "NotFoundError",
    "AlreadyExistsError",
    "BrokerUnavailableError",
    "ProcessError",
    "translate",
    "reason_of",
]


class BrokerError(Exception):
    """A call to the broker failed. ``code`` is the ``grpc.StatusCode``, ``reason`` the
    ``ErrorInfo.reason`` string (``"QUEUE_NOT_FOUND"``...), ``metadata`` its metadata dict."""

    def __init__(self, code, reason, message, metadata=None):
        super().__init__("%s/%s: %s" % (code.name if code else "?", reason or "-", message))
        self.code = code
        self.reason = reason
        self.details = message
        self.metadata = dict(metadata or {})

    def __reduce__(self):
        # Exceptions cross process boundaries (Pool results); keep every field.
        return (_rebuild, (type(self), self.code, self.reason, self.details, self.metadata))


def _rebuild(cls, code, reason, message, metadata):
    return cls(code, reason, message, metadata)


class NotFoundError(BrokerError, LookupError):
    """The named object (or session, process, delivery) does not exist."""


class AlreadyExistsError(BrokerError):
    """An object with this name exists (create without ``allow_existing``)."""


class BrokerUnavailableError(BrokerError, ConnectionError):
    """The broker cannot be reached or is shutting down."""


class ProcessError(BrokerError, ValueError):
    """A process operation Python refuses with ``ValueError``/``AssertionError`` (started twice,
    not started, still running)."""


class _KeyError(BrokerError, KeyError):
    def __str__(self):
        key = self.metadata.get("key")
        return repr(key) if key is not None else BrokerError.__str__(self)


class _IndexError(BrokerError, IndexError):
    pass


class _ValueError(BrokerError, ValueError):
    pass


class _RuntimeError(BrokerError, RuntimeError):
    pass


class _BrokenBarrierError(BrokerError, threading.BrokenBarrierError):
    pass


class _EOFError(BrokerError, EOFError):
    pass


class _BrokenPipeError(BrokerError, BrokenPipeError):
    pass


class _OSError(BrokerError, OSError):
    def __init__(self, code, reason, message, metadata=None):
        BrokerError.__init__(self, code, reason, message, metadata)


# Reasons whose Python counterpart is a built-in exception.
_BY_REASON = {
    "KEY_NOT_FOUND": _KeyError,
    "INDEX_OUT_OF_RANGE": _IndexError,
    "SEMAPHORE_OVER_RELEASED": _ValueError,
    "TASK_DONE_TOO_MANY_TIMES": _ValueError,
    "INVALID_TIMEOUT": _ValueError,
    "INVALID_FIELD_VALUE": _ValueError,
    "INVALID_NAME": _ValueError,
    "FIELD_REQUIRED": _ValueError,
    "VALUE_OUT_OF_RANGE": _ValueError,
    "TYPE_MISMATCH": _ValueError,
    "CONFIG_MISMATCH": _ValueError,
    "LOCK_NOT_OWNED": _RuntimeError,
    "NO_LOCK": _RuntimeError,
    "BARRIER_BROKEN": _BrokenBarrierError,
    "PIPE_EOF": _EOFError,
    "PIPE_CLOSED": _BrokenPipeError,
    "PIPE_WRONG_DIRECTION": _OSError,
    "MESSAGE_TOO_LONG": _OSError,
    "PROCESS_ALREADY_STARTED": ProcessError,
    "PROCESS_NOT_STARTED": ProcessError,
    "PROCESS_RUNNING": ProcessError,
    # Python's Pool raises ValueError("Pool not running") for work sent to a closed pool.
    "POOL_CLOSED": _ValueError,
    "POOL_TERMINATED": _ValueError,
    "POOL_BROKEN": _ValueError,
}

_BY_CODE = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.UNAVAILABLE: BrokerUnavailableError,
}


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """Yields (field number, value) of a protobuf message; length-delimited values as bytes.

    google.rpc.Status and ErrorInfo are read by hand, so that the Python layer needs no
    googleapis-common-protos package and cannot clash with one that is installed.
    """
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            length, i = _varint(buf, i)
            value = bytes(buf[i : i + length])
            i += length
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, value


def _error_info(status_bytes):
    """(reason, metadata) of the ErrorInfo in a serialized google.rpc.Status, or (None, {})."""
    try:
        for number, value in _fields(status_bytes):
            if number != 3:  # Status.details: repeated google.protobuf.Any
                continue
            any_fields = dict(_fields(value))
            if not any_fields.get(1, b"").decode("utf-8", "replace").endswith("google.rpc.ErrorInfo"):
                continue
            reason, metadata = None, {}
            for n, v in _fields(any_fields.get(2, b"")):
                if n == 1:
                    reason = v.decode("utf-8", "replace")
                elif n == 3:  # map<string, string> entry
                    entry = dict(_fields(v))
                    metadata[entry.get(1, b"").decode("utf-8", "replace")] = entry.get(
                        2, b""
                    ).decode("utf-8", "replace")
            return reason, metadata
    except (IndexError, ValueError):
        pass
    return None, {}


def reason_of(error):
    """The ErrorInfo reason of a ``grpc.RpcError``, or None."""
    for key, value in (error.trailing_metadata() or ()) if hasattr(error, "trailing_metadata") else ():
        if key == "grpc-status-details-bin":
            return _error_info(value)[0]
    return None


def translate(error):
    """The exception to raise for a ``grpc.RpcError`` (or pass through any other exception)."""
    if isinstance(error, BrokerError) or not isinstance(error, grpc.RpcError):
        return error
    code = error.code() if hasattr(error, "code") else None
    message = error.details() if hasattr(error, "details") else str(error)
    reason, metadata = None, {}
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == "grpc-status-details-bin":
            reason, metadata = _error_info(value)
    cls = _BY_REASON.get(reason) or _BY_CODE.get(code) or BrokerError
    return cls(code, reason, message or "", metadata)
