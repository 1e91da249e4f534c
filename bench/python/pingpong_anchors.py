"""Anchors of the hand-off latency scenario: a ping-pong between two processes.

Usage: python3 pingpong_anchors.py KIND ROUNDS REPEATS
  KIND  manager-queue  through two queue.Queue objects of a SyncManager server on loopback TCP
                       (authkey), each side a process of its own using proxies
        tcp            a raw TCP ping-pong of 100-byte messages between two processes
                       (TCP_NODELAY): the floor of anything that crosses loopback TCP
Prints one line per repeat: "p50 p99" of the round trip in microseconds.
"""
import multiprocessing
import socket
import sys
import time

from queue_anchors import AUTHKEY, QueueManager

SIZE = 100


def _percentiles(samples):
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _manager_echo(address, rounds):
    m = QueueManager(address=address, authkey=AUTHKEY)
    m.connect()
    ping, pong = m.get_queue("ping"), m.get_queue("pong")
    for _ in range(rounds):
        pong.put(ping.get(timeout=60))


def manager(rounds, address):
    ctx = multiprocessing.get_context("fork")
    echo = ctx.Process(target=_manager_echo, args=(address, rounds))
    echo.start()
    m = QueueManager(address=address, authkey=AUTHKEY)
    m.connect()
    ping, pong = m.get_queue("ping"), m.get_queue("pong")
    item = b"x" * SIZE
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        ping.put(item)
        pong.get(timeout=60)
        samples.append((time.perf_counter() - t0) * 1e6)
    echo.join(30)
    return _percentiles(samples[rounds // 10 :])


def _tcp_echo(port, rounds):
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(rounds):
            data = b""
            while len(data) < SIZE:
                data += s.recv(SIZE - len(data))
            s.sendall(data)


def tcp(rounds):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    ctx = multiprocessing.get_context("fork")
    echo = ctx.Process(target=_tcp_echo, args=(listener.getsockname()[1], rounds))
    echo.start()
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    item = b"x" * SIZE
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        conn.sendall(item)
        data = b""
        while len(data) < SIZE:
            data += conn.recv(SIZE - len(data))
        samples.append((time.perf_counter() - t0) * 1e6)
    echo.join(30)
    conn.close()
    listener.close()
    return _percentiles(samples[rounds // 10 :])


def main():
    kind, rounds, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    server = None
    try:
        if kind == "manager-queue":
            server = QueueManager(address=("127.0.0.1", 0), authkey=AUTHKEY)
            server.start()
        for _ in range(repeats):
            p50, p99 = manager(rounds, server.address) if server else tcp(rounds)
            print("%.1f %.1f" % (p50, p99), flush=True)
    finally:
        if server is not None:
            server.shutdown()


if __name__ == "__main__":
    main()
