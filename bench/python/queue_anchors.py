"""Anchors of the queue scenarios: what a Python programmer has without the broker.

Usage: python3 queue_anchors.py KIND ITEMS SIZE PAIRS REPEATS
  KIND   mp-queue       multiprocessing.Queue(1000) between processes started with fork
         manager-queue  a SyncManager server process on loopback TCP with an authkey, serving a
                        queue.Queue(1000); producers and consumers are processes of their own that
                        connect to it and put/get through proxies
  ITEMS  items per repeat, in total; SIZE bytes per item; PAIRS producers (and as many consumers)
Prints one line per repeat: items per second, from the start signal to the last item taken.
"""
import multiprocessing
import queue
import sys
import time
from multiprocessing.managers import SyncManager

AUTHKEY = b"ipcbroker-bench"


class QueueManager(SyncManager):
    pass


_served = {}


def _get_queue(name):
    if name not in _served:
        _served[name] = queue.Queue(1000)
    return _served[name]


QueueManager.register("get_queue", callable=_get_queue)


def _produce(q, n, size, start):
    item = b"x" * size
    start.wait()
    for _ in range(n):
        q.put(item)


def _consume(q, n, done):
    for _ in range(n):
        q.get(timeout=60)
    done.put(time.perf_counter())


def _manager_produce(address, name, n, size, start):
    m = QueueManager(address=address, authkey=AUTHKEY)
    m.connect()
    _produce(m.get_queue(name), n, size, start)


def _manager_consume(address, name, n, done):
    m = QueueManager(address=address, authkey=AUTHKEY)
    m.connect()
    _consume(m.get_queue(name), n, done)


def run_once(kind, items, size, pairs, address):
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    done = ctx.SimpleQueue()
    per = items // pairs
    if kind == "mp-queue":
        q = ctx.Queue(1000)
        procs = [ctx.Process(target=_produce, args=(q, per, size, start)) for _ in range(pairs)]
        procs += [ctx.Process(target=_consume, args=(q, per, done)) for _ in range(pairs)]
    else:
        name = "q-%f" % time.time()
        procs = [
            ctx.Process(target=_manager_produce, args=(address, name, per, size, start))
            for _ in range(pairs)
        ]
        procs += [
            ctx.Process(target=_manager_consume, args=(address, name, per, done))
            for _ in range(pairs)
        ]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let every process connect before the start signal (not timed)
    t0 = time.perf_counter()
    start.set()
    last = max(done.get() for _ in range(pairs))
    for p in procs:
        p.join(60)
    return per * pairs / (last - t0)


def main():
    kind, items, size, pairs, repeats = sys.argv[1], *(int(a) for a in sys.argv[2:6])
    server = None
    address = None
    if kind == "manager-queue":
        server = QueueManager(address=("127.0.0.1", 0), authkey=AUTHKEY)
        server.start()
        address = server.address
    try:
        run_once(kind, min(items, 2000), size, pairs, address)  # warm-up, not printed
        for _ in range(repeats):
            print("%.1f" % run_once(kind, items, size, pairs, address), flush=True)
    finally:
        if server is not None:
            server.shutdown()


if __name__ == "__main__":
    main()
