"""The anchor of the shared-value scenario: two processes each adding 1 to one shared integer.

Usage: python3 value_anchors.py KIND N REPEATS
  KIND  manager-value  a SyncManager server process on loopback TCP with an authkey, holding a
                       manager.Value("q", 0) and a manager.Lock(); two client processes, each with
                       its own connection to it through the proxies, do N times
                       `with lock: v.value = v.value + 1`, one call at a time, both at once
  N     increments per client and repeat
Prints one line per repeat: microseconds per increment, the time from the start signal until
both clients are done, divided by 2N. A warm-up round (not printed) comes first; at the end the
value must equal every increment made, warm-up included, else the script exits non-zero.

This is how a Python program shares a counter between processes through a server: a manager's
Value has no atomic add, so the read-modify-write needs the manager's lock around it.
"""
import multiprocessing
import sys
import time
from multiprocessing.managers import SyncManager

from queue_anchors import AUTHKEY


def _add(v, lock, n, start, done):
    start.wait()
    for _ in range(n):
        with lock:
            v.value = v.value + 1
    done.put(time.perf_counter())


def run_once(v, lock, n):
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    done = ctx.Queue()
    procs = [ctx.Process(target=_add, args=(v, lock, n, start, done)) for _ in range(2)]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let both connect to the manager before the start signal (not timed)
    t0 = time.perf_counter()
    start.set()
    last = max(done.get(timeout=600) for _ in procs)
    for p in procs:
        p.join(60)
        if p.exitcode != 0:
            sys.exit("value_anchors: a client ended with exitcode %r" % p.exitcode)
    return (last - t0) * 1e6 / (2 * n)


def main():
    kind, n, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if kind != "manager-value":
        sys.exit("usage: python3 value_anchors.py manager-value N REPEATS")
    server = SyncManager(address=("127.0.0.1", 0), authkey=AUTHKEY)
    server.start()
    try:
        v, lock = server.Value("q", 0), server.Lock()
        warmup = min(n, 200)
        run_once(v, lock, warmup)  # warm-up, not printed
        for _ in range(repeats):
            print("%.3f" % run_once(v, lock, n), flush=True)
        expected = 2 * (warmup + repeats * n)
        if v.value != expected:
            sys.exit("value_anchors: lost increments: %d of %d" % (v.value, expected))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
