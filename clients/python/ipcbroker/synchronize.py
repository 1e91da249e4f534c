# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``Lock``, ``RLock``, ``Semaphore``, ``BoundedSemaphore``, ``Condition``, ``Event`` and
``Barrier``: named synchronisation objects held by the broker, with Python's API.

Every class takes the object's ``name`` first (None: a fresh unique name) and Python's own
parameters after it, then the keyword-only ``broker=`` (a Broker, a target, or None for this
process's default connection) and ``create=`` (False: only open an existing object). Creating an
object that exists opens it if its configuration matches, else raises ``ValueError``
(``CONFIG_MISMATCH``). Handles pickle by name: a child process that unpickles one opens the same
object on its own connection.

Ownership. A lock is held by this process's session plus the calling thread (the owner id
``py-thread-<ident>-<serial>``), as Python's manager locks belong to a thread of a process. So an
``RLock`` is re-entrant per thread, and a ``Lock`` acquired by one thread cannot be released by
another thread, nor by another process (``RuntimeError``, reason ``LOCK_NOT_OWNED``): Python lets
anyone release a ``Lock``; the broker needs an owner to give back a dead client's locks. When a
session ends while it holds a lock, the broker releases it and the next holder's
``was_abandoned`` is True. Each connection is its own session: two handles of one lock opened on
two connections (a Manager's and the default one, say) are two owners even in one thread.

Giving up. Acquires and condition waits carry a ``request_id``. When one is given up with its
outcome unknown (Ctrl-C or any other exception while it waits, a lost answer, a gRPC deadline),
the handle settles it with ``ReconcileLock``/``ReconcileSemaphore`` before the exception goes on,
so that no lock or permit stays granted to a caller that was told nothing. A condition wait given
up takes the lock back (blocking) before it raises, as ``threading.Condition.wait`` does.
"""
import itertools
import threading
import time

import grpc

from . import _stubs
from ._broker import check_timeout, deadline_for
from ._errors import BrokerError
from ._handle import Handle, fresh_name, resolve

__all__ = [
    "Barrier",
    "BoundedSemaphore",
    "Condition",
    "Event",
    "Lock",
    "RLock",
    "Semaphore",
]

_lockpb = _stubs.lock
_sempb = _stubs.semaphore
_eventpb = _stubs.event
_barrierpb = _stubs.barrier

# A settle is retried this often while its own outcome is unknown, each try bounded by this long.
_SETTLE_TRIES = 3
_SETTLE_TIMEOUT = 10.0

# Status codes that leave a call's outcome unknown when they come without an ErrorInfo reason: the
# broker may have granted something before the answer was lost.
_UNKNOWN_CODES = frozenset(
    {
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
    }
)

# Request ids need only be unique within a session, and a session belongs to one connection of one
# process: a counter per process is enough (next() on itertools.count is atomic under the GIL).
_request_ids = itertools.count(1)
_thread_serials = itertools.count(1)


class _ThreadState(threading.local):
    owner = None

    def __init__(self):
        # (session id, lock name) -> _Hold: this thread's holds, as the broker last answered.
        self.holds = {}


_thread = _ThreadState()


class _Hold:
    __slots__ = ("count", "token", "abandoned")

    def __init__(self, count, token, abandoned):
        self.count = count
        self.token = token
        self.abandoned = abandoned


def _owner():
    """The calling thread's owner id. The serial keeps a new thread that reuses a dead thread's
    ident from inheriting what the dead one held."""
    owner = _thread.owner
    if owner is None:
        owner = "py-thread-%d-%d" % (threading.get_ident(), next(_thread_serials))
        _thread.owner = owner
    return owner


def _wait_timeout(timeout):
    """Python's rule for ``Condition.wait``, ``Event.wait`` and ``Barrier.wait``: a negative
    timeout means "do not wait" (the broker refuses negatives, so it becomes 0); NaN and infinity
    are still ``ValueError``."""
    if timeout is None:
        return None
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        raise TypeError("timeout must be a number or None") from None
    if value == value:  # not NaN (check_timeout refuses that)
        value = max(value, 0.0)
    return check_timeout(value)


def _outcome_unknown(error):
    """Whether a failed blocking call may have taken something on the broker meanwhile."""
    if not isinstance(error, BrokerError):
        return True  # KeyboardInterrupt, a closed channel, a FutureCancelledError...
    if error.reason:
        return False  # The broker answered with a definite refusal: nothing was granted.
    return error.code in _UNKNOWN_CODES


def _acquire_loop(acquire_once, block, timeout):
    """Python's ``acquire(block, timeout)`` over one broker try, ``acquire_once(nowait,
    timeout)``: ``block=False`` is one try that ignores the timeout; without a timeout the broker
    answers only with a grant, so a "not acquired" (an answer at a deadline we did not set) means
    wait again."""
    if not block:
        return acquire_once(True, None)
    timeout = check_timeout(timeout)
    while True:
        if acquire_once(False, timeout):
            return True
        if timeout is not None:
            return False


def _settled_call(call, settle):
    """Runs a parked acquire; if it is given up with its outcome unknown (Ctrl-C, a lost answer),
    ``settle()`` reconciles it with the broker before the exception goes on, so that no grant is
    left behind."""
    try:
        return call()
    except BaseException as e:
        if _outcome_unknown(e):
            settle()
        raise


def _settle(broker, method, request):
    """Runs a Reconcile call, retried while its own outcome is unknown. Returns its response, or
    None if the broker could not be asked (the session's end then gives back what is held).
    A second Ctrl-C while settling interrupts it (and is raised)."""
    for _ in range(_SETTLE_TRIES):
        if broker.closed:
            return None
        try:
            return broker.call(method, request, timeout=_SETTLE_TIMEOUT)
        except BrokerError as e:
            if not _outcome_unknown(e):
                return None
        except Exception:  # noqa: BLE001 - a closed channel and the like: nothing to settle on
            return None
    return None


class _SyncHandle(Handle):
    """What the handles here share: the connection and the calls through it."""

    def _call(self, method, request):
        """A call that does not block on the broker (the connection's default deadline)."""
        # gRPC channels do not survive fork: fail loudly in a forked child.
        self._broker.check_process()
        return self._broker.call(method, request)

    def _blocking_call(self, method, request, deadline):
        """A call that may park on the broker; ``deadline`` in seconds, None for none."""
        self._broker.check_process()
        return self._broker.call(method, request, timeout=deadline)


# -- locks ------------------------------------------------------------------------------------


class _NamedLock(_SyncHandle):
    """Base of :class:`Lock` and :class:`RLock`."""

    _kind = None
    _kind_name = None

    def __init__(self, name=None, *, broker=None, create=True):
        self._broker = resolve(broker)
        self._name = name or fresh_name(self._kind_name)
        if create:
            info = self._call(
                self._broker.locks.CreateLock,
                _lockpb.CreateLockRequest(name=self._name, kind=self._kind, allow_existing=True),
            ).lock
        else:
            info = self._describe()
        if info.kind != self._kind:
            raise ValueError("lock %r exists with another kind" % self._name)

    def _state(self):
        return (self._name,)

    def _restore(self, state):
        (self._name,) = state

    def _describe(self):
        return self._call(
            self._broker.locks.DescribeLock, _lockpb.DescribeLockRequest(name=self._name)
        ).lock

    # -- this thread's hold, as the broker last answered ------------------------------------

    def _key(self):
        return (self._broker.session_id, self._name)

    def _hold(self):
        return _thread.holds.get(self._key())

    def _record(self, count, token, abandoned):
        _thread.holds[self._key()] = _Hold(count, token, abandoned)

    def _record_count(self, count):
        if count <= 0:
            _thread.holds.pop(self._key(), None)
        else:
            hold = _thread.holds.get(self._key())
            if hold is not None:
                hold.count = count
            else:
                # Held by this thread through a call we have no answer of (a settle): the token
                # and the abandoned flag are not known here.
                _thread.holds[self._key()] = _Hold(count, 0, False)

    @property
    def fencing_token(self):
        """The fencing token of the calling thread's hold (0 if it holds none). Each new hold of
        any lock gets a larger token than every earlier one, so a store that remembers the largest
        token it saw can refuse a stale holder's late writes. A re-entrant acquire keeps it."""
        hold = self._hold()
        return hold.token if hold else 0

    @property
    def was_abandoned(self):
        """Whether the calling thread's hold began right after the previous holder's session ended
        while it held the lock: what the lock guards may be half-updated."""
        hold = self._hold()
        return bool(hold and hold.abandoned)

    # -- Python's API ---------------------------------------------------------------------------

    def acquire(self, block=True, timeout=None):
        """Acquires the lock: waits up to ``timeout`` seconds (forever if None) while another
        owner holds it; ``block=False`` makes one try and ignores the timeout. Returns True if the
        calling thread holds it now, False if not (never an exception for that)."""
        return _acquire_loop(self._acquire_once, block, timeout)

    def _acquire_once(self, nowait, timeout):
        request_id = next(_request_ids)
        request = _lockpb.AcquireLockRequest(
            name=self._name,
            session_id=self._broker.session_id,
            owner=_owner(),
            request_id=request_id,
            nowait=nowait,
        )
        if timeout is not None:
            request.timeout_seconds = timeout
        deadline = deadline_for(0.0 if nowait else timeout)
        answer = _settled_call(
            lambda: self._blocking_call(self._broker.locks.AcquireLock, request, deadline),
            lambda: self._reconcile(request_id),
        )
        if answer.acquired:
            self._record(answer.hold_count, answer.fencing_token, answer.abandoned)
        return answer.acquired

    def _reconcile(self, request_id):
        """Settles a request this thread gave up on: a waiting one stops waiting, a level it was
        granted is released, an unseen one will be refused. Returns the broker's answer or None."""
        answer = _settle(
            self._broker,
            self._broker.locks.ReconcileLock,
            _lockpb.ReconcileLockRequest(
                name=self._name,
                session_id=self._broker.session_id,
                owner=_owner(),
                request_id=request_id,
            ),
        )
        if answer is not None:
            self._record_count(answer.hold_count)
        return answer

    def release(self):
        """Releases one level of the calling thread's hold (the only one of a Lock). Raises
        ``RuntimeError`` (reason ``LOCK_NOT_OWNED``) if the calling thread does not hold it;
        the lock then stays as it was."""
        answer = self._call(
            self._broker.locks.ReleaseLock,
            _lockpb.ReleaseLockRequest(
                name=self._name, session_id=self._broker.session_id, owner=_owner()
            ),
        )
        self._record_count(answer.hold_count)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()

    def delete(self):
        """Deletes the lock on the broker (its parked acquires fail ``OBJECT_DELETED``; the
        conditions bound to it go with it)."""
        self._call(self._broker.locks.DeleteLock, _lockpb.DeleteLockRequest(name=self._name))


class Lock(_NamedLock):
    """A named lock (Python's ``Lock``). ``Lock(name)`` creates it or opens the existing one.

    Not re-entrant: the holder's second ``acquire`` waits like anyone's (give it a timeout).
    Only the holding thread may release it (see the module's notes on ownership).
    """

    _kind = _lockpb.LOCK_KIND_LOCK
    _kind_name = "lock"


class RLock(_NamedLock):
    """A named re-entrant lock (Python's ``RLock``): the holding thread may acquire it again and
    must release it as often; only it may release."""

    _kind = _lockpb.LOCK_KIND_RLOCK
    _kind_name = "rlock"


_LOCK_CLASSES = {_lockpb.LOCK_KIND_LOCK: Lock, _lockpb.LOCK_KIND_RLOCK: RLock}

# The prefix of the RLock a Condition made without a lock creates for itself; it is deleted with
# the condition (recognised by name, so that a handle opened elsewhere knows it too).
_IMPLICIT_LOCK = "condlock"
# fresh_name's form is "<prefix>-<hex>": everything up to the last dash is the fixed part.
_IMPLICIT_LOCK_PREFIX = fresh_name(_IMPLICIT_LOCK).rsplit("-", 1)[0] + "-"


def _open_lock(broker, name):
    kind = (
        broker.call(broker.locks.DescribeLock, _lockpb.DescribeLockRequest(name=name)).lock.kind
    )
    return _LOCK_CLASSES[kind](name, broker=broker, create=False)


# -- conditions -------------------------------------------------------------------------------


class Condition(_SyncHandle):
    """A named condition variable (Python's ``Condition``), bound to a :class:`Lock` or
    :class:`RLock` of the same connection.

    ``Condition(name, lock)`` creates it bound to ``lock`` or opens it (it must be bound to that
    lock). Without a lock, an existing condition is opened with the lock it is bound to, and a
    new one gets an RLock of its own, as in Python (deleted with the condition).
    ``acquire``/``release``/``with`` act on the lock.
    """

    def __init__(self, name=None, lock=None, *, broker=None, create=True):
        if lock is not None:
            if not isinstance(lock, _NamedLock):
                raise TypeError("lock must be an ipcbroker Lock or RLock, not %r" % (lock,))
            if broker is not None and resolve(broker) is not lock.broker:
                raise ValueError("a condition must use its lock's connection")
            broker = lock.broker
        self._broker = resolve(broker)
        self._name = name or fresh_name("condition")
        if lock is not None:
            self._lock = lock
            info = self._create_or_describe(create)
            if info.lock != lock.name:
                raise ValueError(
                    "condition %r is bound to lock %r, not %r" % (self._name, info.lock, lock.name)
                )
            return
        info = None
        if name is not None or not create:
            info = self._describe_or_none(required=not create)
        if info is None:
            info = self._create_with_own_lock()
        else:
            self._lock = _open_lock(self._broker, info.lock)

    def _create_or_describe(self, create):
        if not create:
            return self._describe()
        return self._call(
            self._broker.locks.CreateCondition,
            _lockpb.CreateConditionRequest(
                name=self._name, lock=self._lock.name, allow_existing=True
            ),
        ).condition

    def _describe_or_none(self, required):
        try:
            return self._describe()
        except BrokerError as e:
            if required or e.reason != "CONDITION_NOT_FOUND":
                raise
            return None

    def _create_with_own_lock(self):
        self._lock = RLock(fresh_name(_IMPLICIT_LOCK), broker=self._broker)
        try:
            return self._create_or_describe(True)
        except BrokerError as e:
            # Another process created the condition (with its own lock) between our look and our
            # create: drop our lock and use theirs.
            self._delete_lock_quietly()
            if e.reason != "CONFIG_MISMATCH":
                raise
        info = self._describe()
        self._lock = _open_lock(self._broker, info.lock)
        return info

    def _delete_lock_quietly(self):
        try:
            self._call(
                self._broker.locks.DeleteLock,
                _lockpb.DeleteLockRequest(name=self._lock.name, allow_missing=True),
            )
        except BrokerError:
            pass

    def _describe(self):
        return self._call(
            self._broker.locks.DescribeCondition,
            _lockpb.DescribeConditionRequest(name=self._name),
        ).condition

    def _state(self):
        return (self._name, self._lock)

    def _restore(self, state):
        self._name, self._lock = state

    @property
    def lock(self):
        """The Lock or RLock this condition is bound to."""
        return self._lock

    def acquire(self, block=True, timeout=None):
        return self._lock.acquire(block, timeout)

    def release(self):
        self._lock.release()

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *exc):
        return self._lock.__exit__(*exc)

    def wait(self, timeout=None):
        """Releases every level of the calling thread's hold, waits for a notify or ``timeout``
        seconds (forever if None; a negative timeout does not wait), takes the lock back with the
        same count and returns True if notified, False if the timeout passed. ``RuntimeError``
        (``LOCK_NOT_OWNED``) unless the calling thread holds the lock.

        The call has no gRPC deadline even with a timeout: after the timeout the broker still has
        to take the lock back for the caller, however long that takes, and answers only then.
        """
        timeout = _wait_timeout(timeout)
        hold = self._lock._hold()
        levels = hold.count if hold else 0
        request_id = next(_request_ids)
        request = _lockpb.WaitConditionRequest(
            name=self._name,
            session_id=self._broker.session_id,
            owner=_owner(),
            request_id=request_id,
        )
        if timeout is not None:
            request.timeout_seconds = timeout
        try:
            answer = self._blocking_call(self._broker.locks.WaitCondition, request, None)
        except BaseException as e:
            if _outcome_unknown(e):
                self._hold_again(request_id, levels)
            raise
        self._lock._record(answer.hold_count, answer.fencing_token, answer.abandoned)
        return answer.notified

    def _hold_again(self, request_id, levels):
        """After a wait given up: settles it and takes back the levels the thread held before, so
        that the caller's ``with`` (or ``finally: release()``) stays right, as in Python.

        Both numbers matter: the broker reports the levels a withdrawn wait had released
        (``lost_levels``), but a wait whose cancel reached the broker first already gave its
        re-acquired hold back and is no longer known there; the count the thread had before the
        wait covers that case.
        """
        answer = self._lock._reconcile(request_id)
        if answer is None:
            return  # The session or the lock is gone: there is nothing to hold again.
        missing = max(answer.lost_levels, levels - answer.hold_count)
        for _ in range(missing):
            self._lock.acquire()

    def wait_for(self, predicate, timeout=None):
        """Waits until ``predicate()`` is true, calling it with the lock held, for at most
        ``timeout`` seconds in all. Returns the predicate's last value (Python's algorithm)."""
        endtime = None
        waittime = _wait_timeout(timeout)
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = time.monotonic() + waittime
                else:
                    waittime = endtime - time.monotonic()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n=1):
        """Wakes up to ``n`` of the threads waiting now (a notify without waiters is lost). The
        calling thread must hold the lock (else ``RuntimeError``)."""
        self._notify(_lockpb.NotifyConditionRequest(n=n))

    def notify_all(self):
        """Wakes every thread waiting now. The calling thread must hold the lock."""
        self._notify(_lockpb.NotifyConditionRequest(all=True))

    def _notify(self, request):
        request.name = self._name
        request.session_id = self._broker.session_id
        request.owner = _owner()
        self._call(self._broker.locks.NotifyCondition, request)

    def delete(self):
        """Deletes the condition (its waits for a notify fail ``OBJECT_DELETED``), and the RLock
        it made for itself if it was created without a lock."""
        self._call(
            self._broker.locks.DeleteCondition, _lockpb.DeleteConditionRequest(name=self._name)
        )
        if self._lock.name.startswith(_IMPLICIT_LOCK_PREFIX):
            self._delete_lock_quietly()


# -- semaphores -------------------------------------------------------------------------------


class Semaphore(_SyncHandle):
    """A named counting semaphore (Python's ``Semaphore``) with ``value`` initial permits.

    A permit taken by ``acquire`` is held by this process's session: if the session ends, the
    broker gives it back (and the next acquire that takes it sees ``was_abandoned``). Any process
    may release, as in Python.
    """

    _bounded = False
    _kind_name = "semaphore"

    def __init__(self, name=None, value=1, *, broker=None, create=True):
        self._broker = resolve(broker)
        self._name = name or fresh_name(self._kind_name)
        if create:
            info = self._call(
                self._broker.semaphores.CreateSemaphore,
                _sempb.CreateSemaphoreRequest(
                    name=self._name,
                    value=int(value),
                    bounded=self._bounded,
                    allow_existing=True,
                ),
            ).semaphore
        else:
            info = self._describe()
        if info.bounded != self._bounded:
            raise ValueError("semaphore %r exists with another kind" % self._name)
        self._initial_value = info.initial_value
        self._init_local()

    def _init_local(self):
        self._local = threading.local()

    def _state(self):
        return (self._name, self._initial_value)

    def _restore(self, state):
        self._name, self._initial_value = state
        self._init_local()

    def _describe(self):
        return self._call(
            self._broker.semaphores.DescribeSemaphore,
            _sempb.DescribeSemaphoreRequest(name=self._name),
        ).semaphore

    def acquire(self, block=True, timeout=None):
        """Takes a permit: waits up to ``timeout`` seconds (forever if None) for one;
        ``block=False`` makes one try. Returns True if it got one, else False."""
        return _acquire_loop(self._acquire_once, block, timeout)

    def _acquire_once(self, nowait, timeout):
        request_id = next(_request_ids)
        request = _sempb.AcquireSemaphoreRequest(
            name=self._name,
            session_id=self._broker.session_id,
            request_id=request_id,
            nowait=nowait,
        )
        if timeout is not None:
            request.timeout_seconds = timeout
        deadline = deadline_for(0.0 if nowait else timeout)
        answer = _settled_call(
            lambda: self._blocking_call(
                self._broker.semaphores.AcquireSemaphore, request, deadline
            ),
            # A permit nobody knows of would stay taken until the session ends.
            lambda: _settle(
                self._broker,
                self._broker.semaphores.ReconcileSemaphore,
                _sempb.ReconcileSemaphoreRequest(
                    name=self._name, session_id=self._broker.session_id, request_id=request_id
                ),
            ),
        )
        if answer.acquired:
            self._local.abandoned = answer.abandoned
        return answer.acquired

    @property
    def was_abandoned(self):
        """Whether the calling thread's last permit came back from a session that ended while it
        held it."""
        return getattr(self._local, "abandoned", False)

    def release(self, n=1):
        """Gives back ``n`` permits (all or none) and wakes as many waiters. A
        ``BoundedSemaphore`` raises ``ValueError`` (``SEMAPHORE_OVER_RELEASED``) rather than go
        above its initial value; nothing changes then."""
        if n < 1:
            raise ValueError("n must be one or more")
        self._call(
            self._broker.semaphores.ReleaseSemaphore,
            _sempb.ReleaseSemaphoreRequest(
                name=self._name, session_id=self._broker.session_id, n=n
            ),
        )

    def get_value(self):
        """The permits available now."""
        return self._describe().value

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()

    def delete(self):
        """Deletes the semaphore on the broker (its parked acquires fail ``OBJECT_DELETED``)."""
        self._call(
            self._broker.semaphores.DeleteSemaphore,
            _sempb.DeleteSemaphoreRequest(name=self._name),
        )


class BoundedSemaphore(Semaphore):
    """Python's ``BoundedSemaphore``: a release that would take the value above its initial
    value raises ``ValueError``."""

    _bounded = True
    _kind_name = "bsemaphore"


# -- events -----------------------------------------------------------------------------------


class Event(_SyncHandle):
    """A named event (Python's ``Event``): a flag that any client may set or clear, and wait
    for."""

    def __init__(self, name=None, *, broker=None, create=True):
        self._broker = resolve(broker)
        self._name = name or fresh_name("event")
        if create:
            self._call(
                self._broker.events.CreateEvent,
                _eventpb.CreateEventRequest(name=self._name, allow_existing=True),
            )
        else:
            self._describe()

    def _state(self):
        return (self._name,)

    def _restore(self, state):
        (self._name,) = state

    def _describe(self):
        return self._call(
            self._broker.events.DescribeEvent, _eventpb.DescribeEventRequest(name=self._name)
        ).event

    def is_set(self):
        return self._describe().set

    def set(self):
        """Sets the flag and wakes every waiter."""
        self._call(self._broker.events.SetEvent, _eventpb.SetEventRequest(name=self._name))

    def clear(self):
        self._call(self._broker.events.ClearEvent, _eventpb.ClearEventRequest(name=self._name))

    def wait(self, timeout=None):
        """Waits until the flag is set or ``timeout`` seconds pass (forever if None; a negative
        timeout does not wait). Returns the flag as it stands then."""
        timeout = _wait_timeout(timeout)
        while True:
            request = _eventpb.WaitEventRequest(
                name=self._name, session_id=self._broker.session_id
            )
            if timeout is not None:
                request.timeout_seconds = timeout
            answer = self._blocking_call(
                self._broker.events.WaitEvent, request, deadline_for(timeout)
            )
            if answer.set or timeout is not None:
                return answer.set

    def delete(self):
        """Deletes the event on the broker (its parked waits fail ``OBJECT_DELETED``)."""
        self._call(self._broker.events.DeleteEvent, _eventpb.DeleteEventRequest(name=self._name))


# -- barriers ---------------------------------------------------------------------------------


class Barrier(_SyncHandle):
    """A named barrier for ``parties`` callers (Python's ``Barrier``).

    ``timeout`` is the default timeout of ``wait``. ``action``, if given, is called by the caller
    that completes a generation (the one whose ``wait`` returns ``parties - 1``, the thread that
    Python runs it in), after the broker has released the generation: the broker has no actions,
    so the other parties do not wait for it. If it raises, the barrier is aborted (later waits
    raise ``BrokenBarrierError``) and the exception goes to that caller.
    """

    def __init__(
        self, name=None, parties=None, action=None, timeout=None, *, broker=None, create=True
    ):
        self._broker = resolve(broker)
        self._name = name or fresh_name("barrier")
        self._action = action
        timeout = check_timeout(timeout)
        if create:
            if parties is None:
                raise TypeError("Barrier() needs parties")
            request = _barrierpb.CreateBarrierRequest(
                name=self._name, parties=int(parties), allow_existing=True
            )
            if timeout is not None:
                request.timeout_seconds = timeout
            info = self._call(self._broker.barriers.CreateBarrier, request).barrier
        else:
            info = self._describe()
            if parties is not None and int(parties) != info.parties:
                raise ValueError(
                    "barrier %r has %d parties, not %d" % (self._name, info.parties, parties)
                )
        self._parties = info.parties
        self._timeout = info.timeout_seconds if info.HasField("timeout_seconds") else None

    def _state(self):
        return (self._name, self._parties, self._timeout, self._action)

    def _restore(self, state):
        self._name, self._parties, self._timeout, self._action = state

    def _describe(self):
        return self._call(
            self._broker.barriers.DescribeBarrier,
            _barrierpb.DescribeBarrierRequest(name=self._name),
        ).barrier

    def wait(self, timeout=None):
        """Waits until ``parties`` callers wait, and returns this caller's index (its arrival
        order, ``0 .. parties - 1``). ``timeout`` None uses the barrier's default. If the wait
        times out, the barrier breaks: this and every other waiter get
        ``threading.BrokenBarrierError``, as do later waits until ``reset()``."""
        timeout = _wait_timeout(timeout)
        request = _barrierpb.WaitBarrierRequest(
            name=self._name, session_id=self._broker.session_id
        )
        if timeout is not None:
            request.timeout_seconds = timeout
        # The broker applies the default timeout to a request without one; the deadline follows.
        effective = timeout if timeout is not None else self._timeout
        index = self._blocking_call(
            self._broker.barriers.WaitBarrier, request, deadline_for(effective)
        ).index
        if self._action is not None and index == self._parties - 1:
            try:
                self._action()
            except BaseException:
                try:
                    self.abort()
                except Exception:  # noqa: BLE001 - the action's exception is the one to raise
                    pass
                raise
        return index

    def abort(self):
        """Breaks the barrier: current and later waits raise ``BrokenBarrierError`` until
        ``reset()``."""
        self._call(
            self._broker.barriers.AbortBarrier, _barrierpb.AbortBarrierRequest(name=self._name)
        )

    def reset(self):
        """Fails the current waits with ``BrokenBarrierError`` and makes the barrier whole and
        empty again."""
        self._call(
            self._broker.barriers.ResetBarrier, _barrierpb.ResetBarrierRequest(name=self._name)
        )

    @property
    def parties(self):
        return self._parties

    @property
    def n_waiting(self):
        """How many callers wait now."""
        return self._describe().n_waiting

    @property
    def broken(self):
        return self._describe().broken

    def delete(self):
        """Deletes the barrier on the broker (its parked waits fail ``OBJECT_DELETED``)."""
        self._call(
            self._broker.barriers.DeleteBarrier, _barrierpb.DeleteBarrierRequest(name=self._name)
        )
