"""The anchor of the pipe scenario: a ping-pong over a duplex multiprocessing.Pipe.

Usage: python3 pipe_anchors.py KIND N REPEATS
  KIND  mp-pipe  multiprocessing.Pipe() (duplex) between this process and a child started with
                 the spawn context; 100-byte messages with send_bytes/recv_bytes, the child
                 sending back each message it receives
  N     round trips per repeat
Prints one line per repeat: the mean microseconds per round trip over N round trips, after a
warm-up repeat (not printed).

A Pipe is what a Python programmer uses for two processes talking to each other, and is what
ipcbroker's pipes stand in for: the same send and receive on each side, on one host.
"""
import multiprocessing
import sys
import time

SIZE = 100


def _echo(conn, rounds):
    for _ in range(rounds):
        conn.send_bytes(conn.recv_bytes())
    conn.close()


def run_once(conn, n):
    item = b"x" * SIZE
    t0 = time.perf_counter()
    for _ in range(n):
        conn.send_bytes(item)
        if len(conn.recv_bytes()) != SIZE:
            sys.exit("pipe_anchors: a message came back changed")
    return (time.perf_counter() - t0) * 1e6 / n


def main():
    kind, n, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if kind != "mp-pipe":
        sys.exit("usage: python3 pipe_anchors.py mp-pipe N REPEATS")
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    echo = ctx.Process(target=_echo, args=(theirs, n * (repeats + 1)))
    echo.start()
    theirs.close()  # so that a dead child is an EOFError here, not a hang
    try:
        run_once(ours, n)  # warm-up, not printed
        for _ in range(repeats):
            print("%.1f" % run_once(ours, n), flush=True)
    finally:
        ours.close()
        echo.join(60)
        if echo.exitcode is None:
            echo.kill()
            echo.join(10)
    if echo.exitcode != 0:
        sys.exit("pipe_anchors: the echo process ended with exitcode %r" % echo.exitcode)


if __name__ == "__main__":
    main()
