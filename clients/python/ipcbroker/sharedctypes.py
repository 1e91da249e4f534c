# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``Value`` and ``Array``: named typed values held by the broker, with Python's API.

``Value(name, 'i', 5)`` creates the value or opens the existing one of that name; ``.value``
reads and writes it, ``get_lock()`` is its re-entrant lock, and the broker adds what CPython
lacks: atomic ``add_and_get`` and ``compare_and_set``. ``Array(name, 'd', 10)`` is the same for a
fixed-length array, with indexing and slicing.

The broker holds the lock, so ``with v.get_lock(): v.value += 1`` is correct across processes and
machines: while one thread holds the lock, reads and writes by anyone else wait on the broker, as
CPython's accessors wait for the lock they take. Every call names this process's session and the
calling thread as the lock's owner, so the holder's own reads and writes pass.

Where the broker is stricter than ctypes: a write that does not fit the type raises ``ValueError``
(``reason == "VALUE_OUT_OF_RANGE"``) and changes nothing, where ctypes truncates silently.
"""
import ctypes
import itertools
import operator
import os
import threading
import weakref
from contextlib import nullcontext

import grpc

from . import _errors, _stubs
from ._broker import CALL_TIMEOUT, check_timeout, deadline_for
from ._errors import BrokerError, translate
from ._handle import Handle, fresh_name, resolve

__all__ = ["Array", "RawArray", "RawValue", "Value", "ValueLock"]

_pb = _stubs.value

_INT_CODES = frozenset("bBhHiIlLqQ")
_FLOAT_CODES = frozenset("fd")
TYPECODES = frozenset(_INT_CODES | _FLOAT_CODES | {"c"})

# ctypes types Python accepts in place of a typecode. On 64-bit Linux c_long is c_longlong (and
# c_ulong is c_ulonglong): both are 64 bits, so either code is right.
_CTYPES = {
    ctypes.c_char: "c",
    ctypes.c_byte: "b",
    ctypes.c_ubyte: "B",
    ctypes.c_short: "h",
    ctypes.c_ushort: "H",
    ctypes.c_int: "i",
    ctypes.c_uint: "I",
    ctypes.c_longlong: "q",
    ctypes.c_ulonglong: "Q",
    ctypes.c_long: "l",
    ctypes.c_ulong: "L",
    ctypes.c_float: "f",
    ctypes.c_double: "d",
}

# Elements per GetValue/SetValue call: a Scalar takes at most 13 bytes on the wire, so a chunk
# stays well under gRPC's default 4 MiB message limit on both sides.
_CHUNK = 131072

# How long a given-up acquire waits for the broker's late answer before it settles blind.
_SETTLE_GRACE = 5.0


def _typecode(typecode_or_type):
    """Python's typecode for a typecode or a ctypes type; TypeError for anything the broker does
    not store (``'u'``, structures), as CPython's ``TypeError('this type has no size')``."""
    if isinstance(typecode_or_type, str):
        if typecode_or_type in TYPECODES:
            return typecode_or_type
    else:
        try:
            code = _CTYPES.get(typecode_or_type)
        except TypeError:  # unhashable
            code = None
        if code is not None:
            return code
    raise TypeError(
        "unsupported type %r: the broker stores the typecodes %s"
        % (typecode_or_type, " ".join(sorted(TYPECODES)))
    )


def _out_of_range(typecode, value):
    # The broker's own exception for the same case, for integers the wire cannot even carry.
    cls = _errors._BY_REASON.get("VALUE_OUT_OF_RANGE", ValueError)
    message = "%r does not fit typecode %r" % (value, typecode)
    if issubclass(cls, BrokerError):
        return cls(grpc.StatusCode.OUT_OF_RANGE, "VALUE_OUT_OF_RANGE", message)
    return cls(message)


def _to_scalar(typecode, value):
    """``value`` as a Scalar of ``typecode``. Kinds are checked here, with ctypes' TypeErrors;
    ranges are the broker's to judge (it fails ``VALUE_OUT_OF_RANGE``)."""
    if typecode == "c":
        if isinstance(value, (bytes, bytearray)) and len(value) == 1:
            return _pb.Scalar(char_value=bytes(value))
        if isinstance(value, int) and 0 <= value <= 255:
            return _pb.Scalar(char_value=bytes((value,)))
        raise TypeError("one character bytes, bytearray or integer expected")
    if typecode in _FLOAT_CODES:
        if isinstance(value, (str, bytes, bytearray)) or not (
            hasattr(type(value), "__float__") or hasattr(type(value), "__index__")
        ):
            raise TypeError("must be real number, not %s" % type(value).__name__)
        return _pb.Scalar(float_value=float(value))  # OverflowError for huge ints, as ctypes
    number = operator.index(value)  # TypeError for floats, str, None: as ctypes
    if -(1 << 63) <= number < (1 << 63):
        return _pb.Scalar(int_value=number)
    if (1 << 63) <= number < (1 << 64):
        return _pb.Scalar(uint_value=number)
    raise _out_of_range(typecode, value)


def _from_scalar(typecode, scalar):
    kind = scalar.WhichOneof("kind")
    if typecode == "c":
        return scalar.char_value[:1] if kind == "char_value" and scalar.char_value else b"\x00"
    if kind == "float_value":
        return scalar.float_value if typecode in _FLOAT_CODES else int(scalar.float_value)
    number = scalar.uint_value if kind == "uint_value" else scalar.int_value
    return float(number) if typecode in _FLOAT_CODES else number


def _delta(typecode, delta):
    if typecode == "c":
        raise TypeError("cannot add to a 'c' value")
    # A float delta for an integer type is a TypeError here, as `int += float` is for ctypes.
    return _to_scalar(typecode, delta)


# -- the lock --------------------------------------------------------------------------------

_owners = itertools.count(1)


class _Owner(threading.local):
    id = None


_owner = _Owner()


def _owner_id():
    """The calling thread's owner id within this process's session. Unique for the life of the
    process (thread idents are reused; these are not)."""
    if _owner.id is None:
        _owner.id = "py-thread-%d" % next(_owners)
    return _owner.id


# One lock object per (connection, name), so that every handle of this process sees the same
# hold counts (and a re-entrant acquire through one handle is known to another).
_locks = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def _reset_after_fork():
    # A forked child starts with one thread: a guard copied while another thread held it would
    # never be released.
    global _locks_guard
    _locks_guard = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _lock_for(broker, name):
    with _locks_guard:
        per_broker = _locks.setdefault(broker, {})
        lock = per_broker.get(name)
        if lock is None:
            lock = per_broker[name] = ValueLock._make(broker, name)
        return lock


def _lock_reopen(target, name):
    return _lock_for(resolve(target), name)


class ValueLock(Handle):
    """The re-entrant lock of a shared value or array (what ``get_lock()`` returns), held on the
    broker by this process's session and the calling thread.

    As CPython's ``RLock``: the thread that acquired it may acquire it again, and must release it
    as often. While it is held, other owners' reads and writes of the value wait. If this process
    dies, the broker releases the lock when its session ends.
    """

    @classmethod
    def _make(cls, broker, name):
        lock = cls.__new__(cls)
        lock._broker = broker
        lock._name = name
        lock._holds = {}  # owner id -> hold count, as the broker last answered it
        return lock

    def __reduce__(self):
        # One object per process and name: a reopened lock joins the receiver's registry.
        return (_lock_reopen, (self._broker.target, self._name))

    def _after_fork(self):
        # A forked child has a session of its own, which holds nothing yet; and this object
        # stays the child's lock of that name, so that get_lock() there returns it too.
        self._holds = {}
        with _locks_guard:
            _locks.setdefault(self._connection, {}).setdefault(self._name, self)

    def _count(self):
        self._broker  # noqa: B018 - in a forked child, reconnects and forgets the parent's holds
        return self._holds.get(_owner_id(), 0)

    def _record(self, count):
        if count > 0:
            self._holds[_owner_id()] = count
        else:
            self._holds.pop(_owner_id(), None)

    def _is_owned(self):
        """Whether the calling thread holds the lock (as ``threading.RLock._is_owned``)."""
        return self._count() > 0

    def acquire(self, block=True, timeout=None):
        """Acquires the lock, waiting up to ``timeout`` seconds (forever if None; ``block=False``
        makes one try and ignores the timeout). Returns whether it was acquired."""
        timeout = None if not block else check_timeout(timeout)
        context = _pb.LockContext(
            session_id=self._broker.session_id, owner=_owner_id(), nowait=not block
        )
        if block and timeout is not None:
            context.timeout_seconds = timeout
        request = _pb.AcquireValueLockRequest(name=self._name, lock=context)
        if not block:
            deadline = CALL_TIMEOUT
        elif self._count() > 0:
            deadline = CALL_TIMEOUT  # re-entrant: the broker answers at once
        else:
            deadline = deadline_for(timeout)
        future = self._broker.values.AcquireValueLock.future(request, timeout=deadline)
        try:
            response = future.result()
        except grpc.RpcError as e:
            if e.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                self._settle(None)  # no answer: a grant may have crossed the failure
            raise translate(e) from None
        except BaseException:
            # Ctrl-C (or any other interruption): cancel, then undo a grant that crossed it.
            future.cancel()
            self._settle(future)
            raise
        if response.acquired:
            self._record(response.count)
        return response.acquired

    def _settle(self, future):
        late = None
        if future is not None:
            try:
                late = future.result(timeout=_SETTLE_GRACE)
            except BaseException:  # noqa: BLE001 - cancelled (the usual case), or no word
                late = None
        granted = late is not None and late.acquired
        # Without a hold of its own, any hold this thread has on the broker is a lost grant; with
        # one, a re-entrant acquire never waits, so only an answer says whether it was granted.
        if granted or (late is None and self._count() == 0):
            try:
                self._release()
            except BaseException:  # noqa: BLE001 - LOCK_NOT_OWNED: nothing was granted
                pass

    def release(self):
        """Releases one level of the lock. ``RuntimeError`` (``reason == "LOCK_NOT_OWNED"``) if
        the calling thread does not hold it."""
        self._release()

    def _release(self):
        response = self._broker.call(
            self._broker.values.ReleaseValueLock,
            _pb.ReleaseValueLockRequest(
                name=self._name, session_id=self._broker.session_id, owner=_owner_id()
            ),
        )
        self._record(response.count)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()

    def _state(self):  # pragma: no cover - __reduce__ is overridden
        return self._name

    def _restore(self, state):  # pragma: no cover
        raise NotImplementedError


# -- values and arrays -----------------------------------------------------------------------


class _Shared(Handle):
    """What Value and Array share: the object's configuration, its lock, and its calls."""

    def _setup(self, info, external_lock):
        self._typecode = info.typecode
        self._length = info.length
        self._has_lock = info.has_lock
        self._external = external_lock  # a lock object the caller passed as `lock=`

    def _state(self):
        return (
            self._name,
            self._typecode,
            self._length,
            self._has_lock,
            self._external,
        )

    def _restore(self, state):
        self._name, self._typecode, self._length, self._has_lock, self._external = state

    @property
    def typecode(self):
        """Python's typecode of the elements (``'i'``, ``'d'``, ...)."""
        return self._typecode

    def get_lock(self):
        """The object's lock: the broker's re-entrant lock, or the lock given as ``lock=``.
        ``AttributeError`` for an object made with ``lock=False``, as CPython's raw objects."""
        if self._external is not None:
            return self._external
        if not self._has_lock:
            raise AttributeError("%r was created with lock=False and has no lock" % self._name)
        return _lock_for(self._broker, self._name)

    def _one_call(self):
        """The guard of a single call: the caller's own lock if one was given (the broker's lock
        guards single calls on the broker's side)."""
        return self._external if self._external is not None else nullcontext()

    def _many_calls(self):
        """The guard of an operation of several calls that must look atomic, as it does in
        CPython where the object's lock guards each accessor."""
        if self._external is not None:
            return self._external
        if self._has_lock:
            return _lock_for(self._broker, self._name)
        return nullcontext()

    def _context(self):
        return _pb.LockContext(session_id=self._broker.session_id, owner=_owner_id())

    def _deadline(self):
        # A call on a locked object waits while another owner holds the lock, as long as it is
        # held (CPython's accessors wait for their lock without a timeout): no deadline then.
        if self._has_lock and not _lock_for(self._broker, self._name)._is_owned():
            return None
        return CALL_TIMEOUT

    def _get(self, index, count):
        """``count`` (>= 1) elements from ``index``, as Scalars."""
        response = self._broker.call(
            self._broker.values.GetValue,
            _pb.GetValueRequest(
                name=self._name,
                index=index,
                count=count if self._is_array() else 0,
                lock=self._context(),
            ),
            timeout=self._deadline(),
        )
        return list(response.values)

    def _set(self, index, scalars):
        self._broker.call(
            self._broker.values.SetValue,
            _pb.SetValueRequest(
                name=self._name, index=index, values=scalars, lock=self._context()
            ),
            timeout=self._deadline(),
        )

    def _guard(self, calls):
        """The guard of an operation of ``calls`` broker calls."""
        return self._one_call() if calls <= 1 else self._many_calls()

    def _read(self, start, count):
        """Elements [start, start + count) as Python values, in chunks; takes no guard."""
        scalars = []
        for offset in range(0, count, _CHUNK):
            scalars.extend(self._get(start + offset, min(_CHUNK, count - offset)))
        return [_from_scalar(self._typecode, s) for s in scalars]

    def _write(self, start, values):
        """Writes ``values`` from ``start``, in chunks; takes no guard."""
        scalars = [_to_scalar(self._typecode, v) for v in values]  # all checked before a write
        for offset in range(0, len(scalars), _CHUNK):
            self._set(start + offset, scalars[offset : offset + _CHUNK])

    def _get_range(self, start, count):
        """Elements [start, start + count): one call when it fits, else chunks under the lock."""
        if count <= 0:
            return []
        with self._guard(-(-count // _CHUNK)):
            return self._read(start, count)

    def _set_range(self, start, values):
        values = list(values)
        if not values:
            return
        with self._guard(-(-len(values) // _CHUNK)):
            self._write(start, values)

    def _add_and_get(self, index, delta):
        with self._one_call():
            response = self._broker.call(
                self._broker.values.AddAndGet,
                _pb.AddAndGetRequest(
                    name=self._name,
                    index=index,
                    delta=_delta(self._typecode, delta),
                    lock=self._context(),
                ),
                timeout=self._deadline(),
            )
        return _from_scalar(self._typecode, response.value)

    def _compare_and_set(self, index, expected, new_value):
        with self._one_call():
            response = self._broker.call(
                self._broker.values.CompareAndSet,
                _pb.CompareAndSetRequest(
                    name=self._name,
                    index=index,
                    expected=_to_scalar(self._typecode, expected),
                    new_value=_to_scalar(self._typecode, new_value),
                    lock=self._context(),
                ),
                timeout=self._deadline(),
            )
        return response.swapped

    def _is_array(self):
        raise NotImplementedError

    def describe(self):
        """The broker's description: typecode, length, whether it is locked now and how many
        calls wait for the lock (a ``SharedValue`` message)."""
        return self._broker.call(
            self._broker.values.DescribeValue, _pb.DescribeValueRequest(name=self._name)
        ).value

    def delete(self):
        """Deletes the object on the broker; calls parked on it fail. Returns whether it existed."""
        return self._broker.call(
            self._broker.values.DeleteValue, _pb.DeleteValueRequest(name=self._name)
        ).deleted


def _lock_option(lock):
    """(broker lock flag, external lock) for Python's ``lock=`` argument."""
    if lock is None or lock is True:
        return True, None
    if lock is False:
        return False, None
    if not hasattr(lock, "acquire") or not hasattr(lock, "release"):
        raise AttributeError("%r has no method 'acquire'" % (lock,))
    # CPython then guards the raw object with the given lock; so do we, with a raw broker object.
    return False, lock


def _open_existing(broker, name, typecode, is_array):
    info = broker.call(broker.values.DescribeValue, _pb.DescribeValueRequest(name=name)).value
    if info.is_array != is_array or (typecode is not None and info.typecode != typecode):
        raise ValueError(
            "%r is %s of typecode %r"
            % (name, "an array" if info.is_array else "a value", info.typecode)
        )
    return info


class Value(_Shared):
    """A named typed value on the broker (Python's ``multiprocessing.Value``).

    ``Value(name, typecode_or_type, *args, lock=True)`` creates the value, initialised to
    ``args[0]`` (zero without it), or opens the existing one of that name, whose typecode and lock
    must match (else ``ValueError``, ``reason == "CONFIG_MISMATCH"``; its value is left as it is).
    ``name=None`` makes a fresh name. ``create=False`` only opens it (and ``typecode_or_type`` may
    be None). ``lock=False`` makes a raw value without a lock (Python's ``RawValue``); a lock
    object guards every access with that lock instead, as in CPython.
    """

    def __init__(
        self, name, typecode_or_type, *args, lock=True, broker=None, create=True
    ):
        self._broker = resolve(broker)
        self._name = name or fresh_name("value")
        if len(args) > 1:
            raise TypeError("Value() takes at most one initial value, got %d" % len(args))
        has_lock, external = _lock_option(lock)
        if create:
            typecode = _typecode(typecode_or_type)
            request = _pb.CreateValueRequest(
                name=self._name, typecode=typecode, lock=has_lock, allow_existing=True
            )
            if args:
                request.initial.CopyFrom(_to_scalar(typecode, args[0]))
            info = self._broker.call(self._broker.values.CreateValue, request).value
        else:
            typecode = None if typecode_or_type is None else _typecode(typecode_or_type)
            info = _open_existing(self._broker, self._name, typecode, False)
        self._setup(info, external)

    def _is_array(self):
        return False

    @property
    def value(self):
        """The value (waits while another owner holds the lock)."""
        return self._get_range(0, 1)[0]

    @value.setter
    def value(self, new_value):
        self._set_range(0, [new_value])

    def get(self):
        """The value (the Manager's ``ValueProxy.get``)."""
        return self.value

    def set(self, new_value):
        """Sets the value (the Manager's ``ValueProxy.set``)."""
        self.value = new_value

    def add_and_get(self, delta):
        """Atomically adds ``delta`` and returns the result (no lock needed). ``ValueError``
        (``VALUE_OUT_OF_RANGE``) if an integer result does not fit the type."""
        return self._add_and_get(0, delta)

    def compare_and_set(self, expected, new_value):
        """Atomically sets the value to ``new_value`` if it equals ``expected``; returns whether
        it did (floats compare by value: NaN equals nothing)."""
        return self._compare_and_set(0, expected, new_value)

    def __repr__(self):
        return "<ipcbroker.Value name=%r typecode=%r>" % (self._name, self._typecode)


class Array(_Shared):
    """A named fixed-length typed array on the broker (Python's ``multiprocessing.Array``).

    ``Array(name, typecode_or_type, size_or_initializer, lock=True)`` creates an array of that
    many zeros, or of the initializer's elements, or opens the existing one of that name (its
    typecode, length and lock must match). ``len``, indexing (negative too), slices, iteration and
    ``get_lock()`` work as in CPython; a ``'c'`` array also has ``.value`` and ``.raw``. A slice
    or iteration is one atomic read (larger ones are read in chunks under the array's lock).
    """

    def __init__(
        self,
        name,
        typecode_or_type,
        size_or_initializer=None,
        lock=True,
        *,
        broker=None,
        create=True,
    ):
        self._broker = resolve(broker)
        self._name = name or fresh_name("array")
        has_lock, external = _lock_option(lock)
        if create:
            typecode = _typecode(typecode_or_type)
            if size_or_initializer is None:
                raise TypeError("Array() needs size_or_initializer")
            request = _pb.CreateArrayRequest(
                name=self._name, typecode=typecode, lock=has_lock, allow_existing=True
            )
            if isinstance(size_or_initializer, int):
                request.size = size_or_initializer
            else:
                request.initializer.extend(
                    _to_scalar(typecode, v) for v in size_or_initializer
                )
            info = self._broker.call(self._broker.values.CreateArray, request).array
        else:
            typecode = None if typecode_or_type is None else _typecode(typecode_or_type)
            info = _open_existing(self._broker, self._name, typecode, True)
        self._setup(info, external)

    def _is_array(self):
        return True

    def __len__(self):
        return self._length

    def _index(self, index):
        """A non-negative wire index; out-of-range ones are sent as an index the broker rejects
        with ``INDEX_OUT_OF_RANGE``, so the IndexError carries the broker's reason."""
        try:
            index = operator.index(index)
        except TypeError:
            raise TypeError("indices must be integers") from None
        if index < 0:
            index += self._length
        if index < 0 or index >= self._length:
            return self._length if index >= 0 else -1
        return index

    def _wrap(self, values):
        return b"".join(values) if self._typecode == "c" else values

    def __getitem__(self, index):
        if isinstance(index, slice):
            positions = range(*index.indices(self._length))
            if not positions:
                return self._wrap([])
            if positions.step == 1:
                return self._wrap(self._get_range(positions.start, len(positions)))
            low, high = min(positions), max(positions)
            span = self._get_range(low, high - low + 1)
            return self._wrap([span[i - low] for i in positions])
        return self._get_range(self._index(index), 1)[0]

    def __setitem__(self, index, value):
        if not isinstance(index, slice):
            self._set_range(self._index(index), [value])
            return
        positions = range(*index.indices(self._length))
        values = list(value)
        if len(values) != len(positions):
            raise ValueError("Can only assign sequence of same size")
        if not positions:
            return
        if positions.step == 1:
            self._set_range(positions.start, values)
            return
        for v in values:
            _to_scalar(self._typecode, v)  # check every element before anything changes
        # An extended slice is a read-modify-write of the span it covers: atomic under the
        # array's lock, as in CPython (a raw array has no lock there either).
        low, high = min(positions), max(positions)
        with self._many_calls():
            span = self._read(low, high - low + 1)
            for i, v in zip(positions, values):
                span[i - low] = v
            self._write(low, span)

    def _elements(self):
        """Every element as a list (one-byte ``bytes`` for ``'c'``), read atomically."""
        return self._get_range(0, self._length)

    def __iter__(self):
        return iter(self._elements())

    def __reversed__(self):
        return reversed(self._elements())

    def __contains__(self, item):
        return item in self._elements()

    def add_and_get(self, index, delta):
        """Atomically adds ``delta`` to element ``index`` and returns the result."""
        return self._add_and_get(self._index(index), delta)

    def compare_and_set(self, index, expected, new_value):
        """Atomically sets element ``index`` to ``new_value`` if it equals ``expected``; returns
        whether it did."""
        return self._compare_and_set(self._index(index), expected, new_value)

    def _check_char(self):
        if self._typecode != "c":
            raise AttributeError("only 'c' arrays have .value and .raw")

    @property
    def raw(self):
        """A ``'c'`` array's bytes, all of them."""
        self._check_char()
        return self[:]

    @raw.setter
    def raw(self, data):
        self._check_char()
        data = bytes(data)
        if len(data) > self._length:
            raise ValueError("byte string too long")
        self._set_range(0, [data[i : i + 1] for i in range(len(data))])

    @property
    def value(self):
        """A ``'c'`` array's bytes up to the first NUL (a C string)."""
        return self.raw.split(b"\x00", 1)[0]

    @value.setter
    def value(self, data):
        self._check_char()
        data = bytes(data)
        if len(data) > self._length:
            raise ValueError("byte string too long")
        if len(data) < self._length:
            data += b"\x00"  # the terminator, as ctypes writes it
        self._set_range(0, [data[i : i + 1] for i in range(len(data))])

    def __repr__(self):
        return "<ipcbroker.Array name=%r typecode=%r length=%d>" % (
            self._name,
            self._typecode,
            self._length,
        )


def RawValue(name, typecode_or_type, *args, broker=None, create=True):
    """A value without a lock (Python's ``multiprocessing.RawValue``)."""
    return Value(name, typecode_or_type, *args, lock=False, broker=broker, create=create)


def RawArray(name, typecode_or_type, size_or_initializer=None, *, broker=None, create=True):
    """An array without a lock (Python's ``multiprocessing.RawArray``)."""
    return Array(
        name, typecode_or_type, size_or_initializer, False, broker=broker, create=create
    )
