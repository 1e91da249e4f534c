"""The anchor of the pool scenario: multiprocessing.Pool(2).map of trivial tasks.

Usage: python3 pool_map.py TASKS CHUNKSIZE REPEATS
Prints one line per repeat: the microseconds per task of one map of TASKS inputs, after one
warm-up map (the pool's workers are started before any timing).
"""
import multiprocessing
import sys
import time


def identity(x):
    return x


def main():
    tasks, chunksize, repeats = (int(a) for a in sys.argv[1:4])
    inputs = list(range(tasks))
    with multiprocessing.Pool(2) as pool:
        pool.map(identity, inputs[: min(tasks, 1000)], chunksize=chunksize)
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = pool.map(identity, inputs, chunksize=chunksize)
            elapsed = time.perf_counter() - t0
            assert out == inputs
            print(f"{elapsed * 1e6 / tasks:.3f}", flush=True)


if __name__ == "__main__":
    main()
