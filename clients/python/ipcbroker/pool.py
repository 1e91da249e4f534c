# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``Pool``: Python's worker pool, run by the broker.

The broker spawns the workers (``python3 -m ipcbroker.worker`` with this program's main script
and ``modules``), dispatches tasks to them in chunks, and answers every task exactly once, also
when a worker dies (``WORKER_DIED``). Functions are named by their ``__name__``, so a pool's
workers may as well be written in Java or Node, and a Java client may map over Python workers.
"""
import base64
import builtins
import math
import os
import pickle
import sys
import threading

from . import _codec, _spawn, _stubs
from ._broker import Bidi, check_timeout, deadline_for
from ._errors import BrokerError, NotFoundError
from ._handle import Handle, fresh_name, resolve
from .worker import CALL_PARAM, ENV_INIT

_pb = _stubs.pool
_payload = _stubs.payload
_reasons = _stubs.error_reason


class RemoteTraceback(Exception):
    """The worker's traceback, attached as ``__cause__`` of a re-raised task error (as
    ``multiprocessing.pool`` does)."""

    def __str__(self):
        return self.args[0] if self.args else ""


class TaskError(BrokerError):
    """A task failed for a reason other than its function raising a built-in exception:
    ``reason`` is ``TASK_RAISED`` (a non-built-in exception; see ``type_name``),
    ``WORKER_DIED``, ``FUNCTION_NOT_FOUND``, ``POOL_TERMINATED``, ``POOL_BROKEN`` or
    ``ITEM_TOO_LARGE``."""

    def __init__(self, code, reason, message, metadata=None, type_name="", traceback=""):
        super().__init__(code, reason, message, metadata)
        self.type_name = type_name
        self.traceback = traceback


def _raise_task_error(error):
    reason = _reasons.ErrorReason.Name(error.reason) if error.reason else "TASK_RAISED"
    cause = RemoteTraceback('\n"""\n%s"""' % error.traceback) if error.traceback else None
    if reason == "TASK_RAISED":
        builtin = getattr(builtins, error.type_name, None)
        if isinstance(builtin, type) and issubclass(builtin, Exception):
            try:
                exc = builtin(error.message)
            except Exception:  # noqa: BLE001 - an exception type with another signature
                exc = None
            if exc is not None:
                raise exc from cause
    exc = TaskError(None, reason, error.message, dict(error.metadata), error.type_name, error.traceback)
    raise exc from cause


def _function_name(func):
    if isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    if not name or name == "<lambda>":
        raise ValueError("pool functions are named: pass a top-level function or its name")
    return name


class AsyncResult:
    """Python's ``AsyncResult``: ``get``, ``wait``, ``ready``, ``successful``."""

    def __init__(self, pool, task_id, callback=None, error_callback=None):
        self._pool = pool
        self._task_id = task_id
        self._outcome = None
        self._lock = threading.Lock()
        if callback is not None or error_callback is not None:
            threading.Thread(
                target=self._notify, args=(callback, error_callback), daemon=True
            ).start()

    def _notify(self, callback, error_callback):
        try:
            value = self.get()
        except Exception as e:  # noqa: BLE001 - handed to the error callback
            if error_callback is not None:
                error_callback(e)
            return
        if callback is not None:
            callback(value)

    def _fetch(self, timeout, nowait=False):
        """Whether the outcome is here, asking the broker (waiting up to ``timeout``) if not.

        Several threads may ask at once (a callback thread and get(), or ready() and get()): each
        reads without forgetting, the first to see the outcome caches it, and only then asks the
        broker to forget it. A read that arrives after the forget finds the cache filled.
        """
        if self._outcome is not None:
            return True
        broker = self._pool._broker
        request = _pb.GetTaskResultRequest(task_id=self._task_id, nowait=nowait)
        if timeout is not None and not nowait:
            request.timeout_seconds = timeout
        try:
            response = broker.call(
                broker.pools.GetTaskResult,
                request,
                timeout=deadline_for(None if nowait else timeout),
            )
        except NotFoundError:
            if self._outcome is not None:
                return True
            raise
        if not response.ready:
            return False
        with self._lock:
            first = self._outcome is None
            if first:
                self._outcome = response.outcome
        if first:
            try:
                broker.call(
                    broker.pools.GetTaskResult,
                    _pb.GetTaskResultRequest(task_id=self._task_id, nowait=True, forget=True),
                )
            except NotFoundError:
                pass  # another reader's forget came first
        return True

    def ready(self):
        return self._fetch(None, nowait=True)

    def wait(self, timeout=None):
        self._fetch(check_timeout(timeout))

    def successful(self):
        if not self.ready():
            raise ValueError("%r not ready" % self)
        return self._outcome.WhichOneof("result") == "value"

    def get(self, timeout=None):
        """The task's value; raises its error; ``multiprocessing.TimeoutError`` if not ready in
        ``timeout`` seconds."""
        if not self._fetch(check_timeout(timeout)):
            import multiprocessing

            raise multiprocessing.TimeoutError()
        return self._pool._value(self._outcome)


class MapResult(AsyncResult):
    """The ``AsyncResult`` of ``map_async``/``starmap_async``: the map runs on a thread."""

    def __init__(self, run, callback=None, error_callback=None):
        self._done = threading.Event()
        self._value = None
        self._error = None
        self._callbacks = (callback, error_callback)
        threading.Thread(target=self._run, args=(run,), daemon=True).start()

    def _run(self, run):
        try:
            self._value = run()
        except BaseException as e:  # noqa: BLE001 - kept for get()
            self._error = e
        self._done.set()
        callback, error_callback = self._callbacks
        if self._error is None and callback is not None:
            callback(self._value)
        elif self._error is not None and error_callback is not None:
            error_callback(self._error)

    def ready(self):
        return self._done.is_set()

    def wait(self, timeout=None):
        self._done.wait(check_timeout(timeout))

    def successful(self):
        if not self.ready():
            raise ValueError("%r not ready" % self)
        return self._error is None

    def get(self, timeout=None):
        if not self._done.wait(check_timeout(timeout)):
            import multiprocessing

            raise multiprocessing.TimeoutError()
        if self._error is not None:
            raise self._error
        return self._value


class Pool(Handle):
    """A pool of worker processes (Python's ``multiprocessing.Pool``).

    ``Pool(processes=None, initializer=None, initargs=(), maxtasksperchild=None)`` as Python's:
    ``processes`` defaults to ``os.cpu_count()``. The workers serve every top-level function of
    this program's main script and of ``modules``; tasks name functions by ``__name__``.
    ``processes=0`` creates a pool served only by workers that attach themselves
    (``python3 -m ipcbroker.worker --pool NAME ...``, or workers in other languages).
    ``retry_on_worker_death`` runs a dead worker's chunk once more elsewhere. The pool belongs
    to this program's session: when the program ends, the broker terminates it.
    """

    def __init__(
        self,
        processes=None,
        initializer=None,
        initargs=(),
        maxtasksperchild=None,
        *,
        name=None,
        modules=(),
        retry_on_worker_death=False,
        serializer="json",
        broker=None,
    ):
        self._broker = resolve(broker)
        self._serializer = _codec.check_serializer(serializer)
        self._name = name or fresh_name("pool")
        if processes is None:
            processes = os.cpu_count() or 1
        if processes < 0 or (processes == 0 and initializer is not None):
            raise ValueError("Number of processes must be at least 1")
        if maxtasksperchild is not None and (
            not isinstance(maxtasksperchild, int) or maxtasksperchild <= 0
        ):
            raise ValueError("maxtasksperchild must be a positive int or None")
        self._processes = processes
        request = _pb.CreatePoolRequest(
            name=self._name,
            session_id=self._broker.session_id,
            processes=processes,
            maxtasksperchild=maxtasksperchild or 0,
            retry_on_worker_death=retry_on_worker_death,
        )
        if processes > 0:
            env = _spawn.inherited_env()
            env.update(_spawn.child_env())
            if initializer is not None:
                env[ENV_INIT] = base64.b64encode(
                    pickle.dumps((initializer, tuple(initargs)), protocol=pickle.HIGHEST_PROTOCOL)
                ).decode("ascii")
            request.worker_argv.extend(
                [sys.executable, "-m", "ipcbroker.worker", "--serializer", serializer]
                + list(modules)
            )
            request.worker_env.update(env)
            request.worker_cwd = os.getcwd()
        self._broker.call(self._broker.pools.CreatePool, request)
        self._state_open = True

    def _state(self):
        return (self._name, self._processes, self._serializer)

    def _restore(self, state):
        self._name, self._processes, self._serializer = state
        self._state_open = True

    # -- encoding ---------------------------------------------------------------------------

    def _payload(self, value, call=None):
        data, content_type = _codec.encode(value, self._serializer)
        if call is not None:
            if content_type != _codec.PICKLE and content_type != _codec.JSON:
                # str/bytes arguments lists are JSON arrays like any other.
                data, content_type = _codec.encode(list(value), "json")
            content_type = "%s; %s=%s" % (content_type, CALL_PARAM, call)
        return _payload.Payload(data=data, content_type=content_type)

    def _value(self, outcome):
        if outcome.WhichOneof("result") == "error":
            _raise_task_error(outcome.error)
        return _codec.decode(outcome.value.data, outcome.value.content_type, self._serializer)

    # -- single tasks -----------------------------------------------------------------------

    def apply_async(self, func, args=(), kwds=None, callback=None, error_callback=None):
        """Submits ``func(*args, **kwds)``; returns an ``AsyncResult``."""
        payload = self._payload([list(args), dict(kwds or {})], call="apply")
        response = self._broker.call(
            self._broker.pools.SubmitTask,
            _pb.SubmitTaskRequest(
                pool=self._name,
                session_id=self._broker.session_id,
                function=_function_name(func),
                args=payload,
            ),
        )
        return AsyncResult(self, response.task_id, callback, error_callback)

    def apply(self, func, args=(), kwds=None):
        return self.apply_async(func, args, kwds).get()

    # -- maps -------------------------------------------------------------------------------

    def _chunksize(self, iterable, chunksize):
        if chunksize is not None:
            if chunksize < 1:
                raise ValueError("Chunksize must be 1+, not {0:n}".format(chunksize))
            return chunksize
        if not hasattr(iterable, "__len__"):
            return 1
        # Python's rule: about four chunks per worker.
        chunks, extra = divmod(len(iterable), max(1, self._processes) * 4)
        return max(1, chunks + (1 if extra else 0))

    def _outcomes(self, func, iterable, chunksize, ordered, call=None):
        """An iterator of each input's value in order (or as finished), raising a task's error at
        its place. The call opens and the first window of inputs is sent before this returns, as
        Python's imap submits at once; the rest are sent as the broker's window allows."""
        results = self._run_map(func, iterable, chunksize, ordered, call)
        next(results)  # runs up to the first window's send
        return results

    def _run_map(self, func, iterable, chunksize, ordered, call):
        window = min(65536, max(1024, chunksize * max(1, self._processes) * 4))
        open_ = _pb.MapOpen(
            pool=self._name,
            function=_function_name(func),
            chunksize=chunksize,
            ordered=ordered,
            window=window,
            session_id=self._broker.session_id,
        )
        self._broker.check_process()
        stream = Bidi(self._broker.pools.Map, _pb.MapRequest(open=open_))
        finished = False
        try:
            first = stream.recv()
            window = first.opened.window or window
            inputs = iter(iterable)
            sent = answered = 0
            exhausted = False
            primed = False
            while True:
                # Keep the window full: as many inputs in flight as the broker allows.
                while not exhausted and sent - answered < window:
                    batch = []
                    for item in inputs:
                        batch.append(self._payload(item, call))
                        if len(batch) >= min(512, window - (sent - answered)):
                            break
                    if not batch:
                        exhausted = True
                        stream.half_close()
                        break
                    stream.send(_pb.MapRequest(inputs=_pb.MapInputs(items=batch)))
                    sent += len(batch)
                if not primed:
                    primed = True
                    yield None  # _outcomes returns here: the first inputs are on their way
                response = stream.recv()
                kind = response.WhichOneof("kind")
                if kind == "outcomes":
                    for outcome in response.outcomes.outcomes:
                        answered += 1
                        yield self._value(outcome)
                elif kind == "done":
                    finished = True
                    return
        finally:
            if finished:
                stream.close()
            else:
                stream.cancel()  # withdraws the queued chunks

    def map(self, func, iterable, chunksize=None):
        """``[func(x) for x in iterable]``, run by the workers; raises the first task error."""
        iterable = list(iterable) if not hasattr(iterable, "__len__") else iterable
        return list(self._outcomes(func, iterable, self._chunksize(iterable, chunksize), True))

    def starmap(self, func, iterable, chunksize=None):
        """``[func(*args) for args in iterable]``."""
        iterable = list(iterable) if not hasattr(iterable, "__len__") else iterable
        chunksize = self._chunksize(iterable, chunksize)
        return list(self._outcomes(func, iterable, chunksize, True, call="star"))

    def imap(self, func, iterable, chunksize=1):
        """An iterator of ``func(x)`` in input order, as results arrive."""
        return self._outcomes(func, iterable, self._chunksize(iterable, chunksize), True)

    def imap_unordered(self, func, iterable, chunksize=1):
        """An iterator of ``func(x)`` in the order the tasks finish."""
        return self._outcomes(func, iterable, self._chunksize(iterable, chunksize), False)

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return MapResult(lambda: self.map(func, iterable, chunksize), callback, error_callback)

    def starmap_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        return MapResult(lambda: self.starmap(func, iterable, chunksize), callback, error_callback)

    # -- lifecycle --------------------------------------------------------------------------

    def close(self):
        """No more tasks; the workers exit once the submitted ones are done."""
        self._broker.call(self._broker.pools.ClosePool, _pb.ClosePoolRequest(name=self._name))

    def terminate(self):
        """Fails pending tasks (``POOL_TERMINATED``) and stops the workers now."""
        self._broker.call(
            self._broker.pools.TerminatePool, _pb.TerminatePoolRequest(name=self._name)
        )

    def join(self, timeout=None):
        """Waits for a closed or terminated pool to finish (``ValueError`` for a running one).
        Returns whether it finished before ``timeout``."""
        timeout = check_timeout(timeout)
        request = _pb.JoinPoolRequest(name=self._name)
        if timeout is not None:
            request.timeout_seconds = timeout
        try:
            return self._broker.call(
                self._broker.pools.JoinPool, request, timeout=deadline_for(timeout)
            ).joined
        except BrokerError as e:
            if e.reason == "POOL_RUNNING":
                raise ValueError("Pool is still running") from e
            raise

    def info(self):
        """The broker's record of the pool (``ipcbroker.v1.PoolInfo``): workers, task counts."""
        return self._broker.call(
            self._broker.pools.GetPool, _pb.GetPoolRequest(name=self._name)
        ).pool

    def delete(self):
        self._broker.call(
            self._broker.pools.DeletePool, _pb.DeletePoolRequest(name=self._name, allow_missing=True)
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # Python's Pool terminates on leaving a with block.
        self.terminate()
