# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""How a Python callable reaches a process that the broker spawns.

As with ``multiprocessing``'s ``spawn`` start method, the child is a fresh interpreter: it gets
the parent's ``sys.path`` and main script, imports the main script as ``__mp_main__`` (so its
``if __name__ == "__main__":`` block does not run again), and then unpickles the call. The call
travels in the child's environment, pickled: it comes from the parent program itself, never
from the broker or another client, and handles in it pickle as their name and reconnect.
"""
import base64
import os
import pickle
import runpy
import sys
import types

ENV_CALL = "IPCBROKER_PY_CALL"
ENV_MAIN = "IPCBROKER_PY_MAIN"
ENV_PATH = "IPCBROKER_PY_PATH"

# The environment of a POSIX process is limited (about 128 KiB per string on Linux).
MAX_CALL_BYTES = 96 * 1024


def main_path():
    """The parent's main script, if it has one that a child can import."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path and os.path.exists(path) and not getattr(main, "__spec__", None):
        return os.path.abspath(path)
    return ""


# Set by the broker for each child it spawns; a parent's own values must not leak into its children.
_BROKER_SET = ("IPCBROKER_PROCESS_ID", "IPCBROKER_PROCESS_NAME", "IPCBROKER_PARENT_SESSION",
               "IPCBROKER_POOL")


def inherited_env():
    """This program's environment, as a child of Python's inherits it (the broker's own
    per-child variables excluded: it sets them)."""
    return {k: v for k, v in os.environ.items() if k not in _BROKER_SET}


def child_env(call=None):
    """Environment variables that let a child import what the parent can, and run ``call``."""
    env = {
        ENV_PATH: os.pathsep.join(os.path.abspath(p) if p else os.getcwd() for p in sys.path),
        ENV_MAIN: main_path(),
        "PYTHONPATH": os.pathsep.join(
            [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
            + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ),
    }
    if call is not None:
        data = base64.b64encode(pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL))
        if len(data) > MAX_CALL_BYTES:
            raise ValueError(
                "the target and its arguments pickle to %d bytes; pass large data through a "
                "Queue or Value instead (at most %d)" % (len(data), MAX_CALL_BYTES)
            )
        env[ENV_CALL] = data.decode("ascii")
    return env


def prepare_child():
    """In the child: the parent's sys.path and main module, as multiprocessing's spawn does."""
    for p in reversed(os.environ.get(ENV_PATH, "").split(os.pathsep)):
        if p and p not in sys.path:
            sys.path.insert(0, p)
    path = os.environ.get(ENV_MAIN)
    if path:
        module = types.ModuleType("__mp_main__")
        module.__file__ = path
        sys.modules["__mp_main__"] = module
        # Functions pickled in the parent's __main__ are found here.
        sys.modules["__main__"] = module
        module.__dict__.update(runpy.run_path(path, run_name="__mp_main__"))


def load_call():
    data = os.environ.get(ENV_CALL)
    if not data:
        return None
    return pickle.loads(base64.b64decode(data))
