#!/usr/bin/env python3
# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""The tutorial's writer process, as a Python program on the broker: puts URLs on a queue.

Usage: python3 tutorial_writer.py QUEUE URL [URL ...]   (the broker: IPCBROKER_TARGET)

Against multiprocessing it was ``q = Queue()`` shared by fork; here the queue has a name, and
the program runs unchanged whether it was started by hand, by ``ipcbroker.Process`` or by a Java
or Node program through the broker's process service.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from ipcbroker import Queue  # noqa: E402  (was: from multiprocessing import Queue)


def write(q, urls):
    for url in urls:
        q.put(url)
        print("Put %s to queue..." % url)


if __name__ == "__main__":
    write(Queue(sys.argv[1]), sys.argv[2:])
