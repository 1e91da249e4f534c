# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""Entry point of a Python ``Process`` that the broker spawned: runs ``target(*args, **kwargs)``.

The exit code follows ``multiprocessing``: 0 when the target returns, the ``SystemExit`` code
when it calls ``sys.exit``, and 1 (with the traceback on stderr) when it raises.
"""
import os
import sys
import traceback


def main():
    from ipcbroker import _spawn

    _spawn.prepare_child()
    target, args, kwargs = _spawn.load_call()
    try:
        target(*args, **kwargs)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            sys.stderr.write(str(e.code) + "\n")
    except BaseException:  # noqa: BLE001 - as multiprocessing reports any exception
        name = os.environ.get("IPCBROKER_PROCESS_NAME", "process")
        sys.stderr.write("Process %s:\n" % name)
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    from ipcbroker import _broker

    _broker._close_all()
    return code


if __name__ == "__main__":
    sys.exit(main())
