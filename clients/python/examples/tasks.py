# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""Plain Python functions for pool workers: ``python3 -m ipcbroker.worker --pool P tasks``
serves them to clients in any language (a Java ``map("square", ...)`` reaches ``square``)."""


def square(x):
    """Squares a number; text input (a Java or Node client's string) is read as an integer."""
    return int(x) ** 2


def fail(x):
    """Raises, to show how a task's exception reaches the caller."""
    raise ValueError("cannot handle %s" % (x,))


def pid(_):
    """The worker's pid, to see which worker ran a task."""
    import os

    return os.getpid()
