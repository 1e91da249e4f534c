# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""Functions that the pool tests' workers serve (workers import this module by name)."""
import os
import time


class CustomError(Exception):
    pass


def square(x):
    return x * x


def add(a, b=0):
    return a + b


def echo(x):
    return x


def raise_value_error(x):
    raise ValueError("bad input %s" % (x,))


def raise_custom(x):
    raise CustomError("custom %s" % (x,))


def pid(_=None):
    return os.getpid()


def sleep_then_pid(seconds):
    time.sleep(seconds)
    return os.getpid()


def hang(_):
    time.sleep(3600)
