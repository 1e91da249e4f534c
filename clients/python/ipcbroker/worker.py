# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""The Python pool worker: serves plain Python functions to a broker pool's tasks.

A pool's tasks name a function; this worker serves functions by their ``__name__`` to any
client, in any language (a Java ``IpcPool.map("square", ...)`` reaches ``def square(x)``).
Inputs and results are payloads decoded and encoded by ``ipcbroker._codec`` (JSON by default). A
task sent by the Python ``Pool.starmap`` or ``apply`` marks its content type with
``x-ipcbroker-call`` (``star``: call ``f(*args)``; ``apply``: ``[args, kwargs]``).

Run it from anywhere to attach to a pool::

    python3 -m ipcbroker.worker --pool NAME MODULE [MODULE ...]

which serves every function defined at the top of the named modules; or in code,
``ipcbroker.worker.serve("pool", [square, cube])``. The Python ``Pool`` spawns workers the same
way, with the caller's main script among the modules (as ``__mp_main__``).
"""
import argparse
import importlib
import inspect
import os
import sys
import traceback

from . import _codec, _stubs
from ._broker import Bidi
from ._handle import resolve

_pb = _stubs.pool
_payload = _stubs.payload

CALL_PARAM = "x-ipcbroker-call"
ENV_INIT = "IPCBROKER_PY_INIT"


def call_kind(content_type):
    """The ``x-ipcbroker-call`` parameter of a content type, or None."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == CALL_PARAM:
            return value.strip().lower()
    return None


def functions_of(module):
    """Every function defined at the top of ``module`` (not the ones it imports), by name."""
    found = {}
    for name, obj in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(obj):
            continue
        if obj.__module__ == module.__name__:
            found[name] = obj
    return found


def _as_mapping(functions):
    if isinstance(functions, dict):
        return dict(functions)
    return {f.__name__: f for f in functions}


def _run_one(function, item, serializer):
    """One task: its ``TaskOutcome``."""
    try:
        value = _codec.decode(item.data, item.content_type, serializer)
        kind = call_kind(item.content_type)
        if kind == "star":
            result = function(*value)
        elif kind == "apply":
            args, kwargs = value
            result = function(*args, **kwargs)
        else:
            result = function(value)
        out_serializer = "pickle" if item.content_type.startswith(_codec.PICKLE) else "json"
        data, content_type = _codec.encode(result, out_serializer)
        return _pb.TaskOutcome(value=_payload.Payload(data=data, content_type=content_type))
    except Exception as e:  # noqa: BLE001 - a task's error fails that task only
        return _pb.TaskOutcome(
            error=_pb.TaskError(
                reason=_stubs.error_reason.TASK_RAISED,
                type_name=_type_name(type(e)),
                message=str(e),
                traceback=traceback.format_exc(),
            )
        )


def _type_name(cls):
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else "%s.%s" % (module, cls.__qualname__)


def serve(pool, functions, *, broker=None, serializer="json", credit=2):
    """Serves ``functions`` (a list of functions, or a dict name -> function) to ``pool`` until
    the broker retires this worker or ends the pool. ``serializer="pickle"`` lets it accept
    pickled inputs (trust the pool's clients first). Returns the number of chunks run."""
    table = _as_mapping(functions)
    if not table:
        raise ValueError("a worker serves at least one function")
    broker = resolve(broker)
    hello = _pb.WorkerHello(
        pool=pool,
        functions=sorted(table),
        process_id=os.environ.get("IPCBROKER_PROCESS_ID", ""),
        pid=os.getpid(),
        session_id=broker.session_id,
    )
    stream = Bidi(broker.pools.Work, _pb.WorkRequest(hello=hello))
    stream.send(_pb.WorkRequest(credit=_pb.WorkCredit(chunks=credit)))
    done = 0
    try:
        while True:
            try:
                response = stream.recv()
            except EOFError:
                return done  # the pool was terminated or deleted
            kind = response.WhichOneof("kind")
            if kind == "chunk":
                chunk = response.chunk
                function = table.get(chunk.function)
                if function is None:  # cannot happen: the broker sends only what we serve
                    outcomes = [
                        _pb.TaskOutcome(
                            error=_pb.TaskError(
                                reason=_stubs.error_reason.FUNCTION_NOT_FOUND,
                                type_name="FUNCTION_NOT_FOUND",
                                message=chunk.function,
                            )
                        )
                        for _ in chunk.items
                    ]
                else:
                    outcomes = [_run_one(function, item, serializer) for item in chunk.items]
                stream.send(
                    _pb.WorkRequest(
                        result=_pb.ChunkResult(chunk_id=chunk.chunk_id, outcomes=outcomes)
                    )
                )
                stream.send(_pb.WorkRequest(credit=_pb.WorkCredit(chunks=1)))
                done += 1
            elif kind == "retire":
                return done
    finally:
        stream.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m ipcbroker.worker", description=__doc__)
    parser.add_argument("--pool", default=os.environ.get("IPCBROKER_POOL"), help="the pool")
    parser.add_argument("--serializer", default="json", choices=_codec.SERIALIZERS)
    parser.add_argument("modules", nargs="*", help="modules whose functions to serve")
    args = parser.parse_args(argv)
    if not args.pool:
        parser.error("no pool: give --pool or set IPCBROKER_POOL")
    from . import _spawn

    _spawn.prepare_child()
    table = {}
    main_module = sys.modules.get("__mp_main__")
    if main_module is not None and os.environ.get(_spawn.ENV_MAIN):
        table.update(functions_of(main_module))
    for name in args.modules:
        table.update(functions_of(importlib.import_module(name)))
    init = os.environ.get(ENV_INIT)
    if init:
        import base64
        import pickle

        initializer, initargs = pickle.loads(base64.b64decode(init))
        initializer(*initargs)
    if not table:
        parser.error("no functions to serve")
    serve(args.pool, table, serializer=args.serializer)
    from . import _broker

    _broker._close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
