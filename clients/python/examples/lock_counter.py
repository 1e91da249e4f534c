#!/usr/bin/env python3
# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""Increments a shared counter N times under a shared lock: read, then write back one more.

Usage: python3 lock_counter.py LOCK VALUE N   (the broker: IPCBROKER_TARGET)

The read-modify-write is correct only because every writer, in whatever language, holds LOCK
around it; the counter is a lock-less ``Value('i')`` so that the named lock is what protects it.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from ipcbroker import Lock, Value  # noqa: E402


def count(lock, counter, n):
    for _ in range(n):
        with lock:
            counter.value = counter.value + 1


if __name__ == "__main__":
    lock_name, value_name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    count(Lock(lock_name), Value(value_name, "i", 0, lock=False), n)
    print("counted %d" % n)
