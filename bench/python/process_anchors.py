"""The anchor of the process scenario: what starting and joining a process costs in Python.

Usage: python3 process_anchors.py KIND N REPEATS
  KIND  spawn  multiprocessing.get_context("spawn").Process(target=noop), start() then join(),
               one process at a time; every one must exit with exitcode 0
  N     processes per repeat
Prints one line per repeat: the mean microseconds per start+join, after a warm-up of two.

The fair start method is spawn: like a process the broker starts, the child is a fresh program
(here a fresh interpreter that imports this module and runs a top-level no-op), not a copy of the
parent made by fork.
"""
import multiprocessing
import sys
import time

WARMUP = 2


def noop():
    pass


def run_once(ctx, n):
    t0 = time.perf_counter()
    for _ in range(n):
        p = ctx.Process(target=noop)
        p.start()
        p.join(60)
        if p.exitcode != 0:
            if p.exitcode is None:
                p.kill()  # ours, and still running after 60 s
                p.join(10)
            sys.exit("process_anchors: a child ended with exitcode %r" % p.exitcode)
    return (time.perf_counter() - t0) * 1e6 / n


def main():
    kind, n, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if kind != "spawn":
        sys.exit("usage: python3 process_anchors.py spawn N REPEATS")
    ctx = multiprocessing.get_context("spawn")
    run_once(ctx, WARMUP)  # warm-up, not printed
    for _ in range(repeats):
        print("%.1f" % run_once(ctx, n), flush=True)


if __name__ == "__main__":
    main()
