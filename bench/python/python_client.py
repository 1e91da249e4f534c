"""ipcbroker's Python client (clients/python, package `ipcbroker`), and the gRPC floor under it.

Usage: /usr/bin/python3 python_client.py MODE ARGS   (an interpreter that imports grpc)
  handoff N REPEATS        ping-pong of a 100-byte bytes item through two broker queues
                           (maxsize 1000) between this process and a child process that runs this
                           script in the `echo` mode: plain blocking put, and get(timeout=60).
                           One line per repeat: "p50 p99" of the round trip in microseconds,
                           over N round trips
  unary ADDRESS N REPEATS  one unary call of grpcio, with no ipcbroker code: a plain
                           grpc.insecure_channel(ADDRESS) calling /ipcbroker.bench.Echo/Unary (the
                           bench's GrpcEcho) with a 100-byte google.protobuf.BytesValue.
                           One line per repeat: "p50 mean" of the call in microseconds, over N calls
  throughput N REPEATS     one producer process and one consumer process (children running this
                           script in the `produce` and `consume` modes) through one broker queue of
                           maxsize 1000, 100-byte bytes items, put_many in batches of 500 and
                           get_many of up to 1024. One line per repeat: microseconds per item,
                           from the start signal to the consumer having received all N
Each mode prints after a warm-up repeat (not printed). The broker is the one at IPCBROKER_TARGET.
Queues get unique names and are deleted at the end. A watchdog ends the run with exit status 3
after 600 s; every get has a timeout; a count that does not match exits non-zero.

This is what a Python program that adopts ipcbroker pays per operation, on the broker the Java
rows use; the unary row is the floor of any call a Python gRPC client makes on this machine, so
the client's own overhead is the difference. Besides the standard library it imports only grpcio
and protobuf (and the ipcbroker package, whose stubs clients/python/generate.py makes if stale).

Internal modes, run as children by the modes above:
  echo PING PONG COUNT     COUNT times: gets from PING, puts it on PONG
  produce QUEUE            per "go N" line on stdin: puts N items, prints "done"
  consume QUEUE            per "go N" line on stdin: gets N items, prints "done COUNT"
"""
import os
import queue
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.normpath(os.path.join(HERE, "..", "..", "clients", "python"))
SIZE = 100
MAXSIZE = 1000
BATCH = 500  # half the queue: one frame can wait for room while the consumer drains the other
GET_TIMEOUT = 60
WATCHDOG_SECONDS = 600

_children = []  # every process this script started, and only those


def _watchdog():
    def fire():
        sys.stderr.write("python_client: no end after %d s; stopping\n" % WATCHDOG_SECONDS)
        sys.stderr.flush()
        for p in _children:
            if p.poll() is None:
                p.kill()
        os._exit(3)

    t = threading.Timer(WATCHDOG_SECONDS, fire)
    t.daemon = True
    t.start()


def _ipcbroker(generate):
    """The ipcbroker package, its stubs generated first if stale (only the parent does that)."""
    if generate:
        subprocess.run(
            [sys.executable, os.path.join(CLIENT, "generate.py"), "--if-stale"],
            stdout=sys.stderr,  # its report must not mix with the figures
            check=True,
            timeout=300,
        )
    sys.path.insert(0, CLIENT)
    import ipcbroker

    return ipcbroker


def _percentiles(samples):
    samples.sort()
    return samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _unique(role):
    return "bench-py-%s-%s" % (role, uuid.uuid4().hex[:12])


def _start_child(*args, stdin=None, stdout=subprocess.DEVNULL):
    p = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__)] + [str(a) for a in args],
        stdin=stdin,
        stdout=stdout,
        text=True,
    )
    _children.append(p)
    return p


def _stop_children():
    for p in _children:
        if p.stdin is not None:
            try:
                p.stdin.close()
            except OSError:
                pass
    for p in _children:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)


def _delete(*queues):
    for q in queues:
        try:
            q.delete(force=True)
        except Exception as e:  # noqa: BLE001 - reported; the run's own outcome stands
            sys.stderr.write("python_client: could not delete %s: %s\n" % (q.name, e))


class _Lines:
    """A child's stdout, read on a thread of its own so that every wait for a line is bounded."""

    def __init__(self, proc):
        self._lines = queue.SimpleQueue()
        self._proc = proc
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self._proc.stdout:
            self._lines.put(line.strip())
        self._lines.put(None)

    def expect(self, word, timeout=GET_TIMEOUT + 60):
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None or line.split()[:1] != [word]:
            sys.exit("python_client: expected %r from a child, got %r" % (word, line))
        return line.split()[1:]


# -- handoff ----------------------------------------------------------------------------------


def handoff(n, repeats):
    ipcbroker = _ipcbroker(generate=True)
    ping = ipcbroker.Queue(_unique("ping"), MAXSIZE)
    pong = ipcbroker.Queue(_unique("pong"), MAXSIZE)
    try:
        echo = _start_child("echo", ping.name, pong.name, n * (repeats + 1))
        item = b"x" * SIZE
        for r in range(repeats + 1):
            samples = []
            for _ in range(n):
                t0 = time.perf_counter()
                ping.put(item)
                got = pong.get(timeout=GET_TIMEOUT)
                samples.append((time.perf_counter() - t0) * 1e6)
                if got != item:
                    sys.exit("python_client: the item came back changed: %r" % (got,))
            if r > 0:  # the first repeat is the warm-up
                print("%.1f %.1f" % _percentiles(samples), flush=True)
        if echo.wait(GET_TIMEOUT) != 0:
            sys.exit("python_client: the echo process ended with %s" % echo.returncode)
    finally:
        _stop_children()
        _delete(ping, pong)


def echo(ping_name, pong_name, count):
    ipcbroker = _ipcbroker(generate=False)
    ping = ipcbroker.Queue(ping_name, MAXSIZE)
    pong = ipcbroker.Queue(pong_name, MAXSIZE)
    for _ in range(count):
        pong.put(ping.get(timeout=GET_TIMEOUT))


# -- unary ------------------------------------------------------------------------------------


def unary(address, n, repeats):
    import grpc
    from google.protobuf.wrappers_pb2 import BytesValue

    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(
            "/ipcbroker.bench.Echo/Unary",
            request_serializer=BytesValue.SerializeToString,
            response_deserializer=BytesValue.FromString,
        )
        request = BytesValue(value=b"x" * SIZE)
        for r in range(repeats + 1):
            samples = []
            for _ in range(n):
                t0 = time.perf_counter()
                response = call(request, timeout=30)
                samples.append((time.perf_counter() - t0) * 1e6)
                if len(response.value) != SIZE:
                    sys.exit("python_client: the echo answered %d bytes" % len(response.value))
            if r > 0:  # the first repeat is the warm-up
                mean = sum(samples) / len(samples)
                print("%.1f %.1f" % (_percentiles(samples)[0], mean), flush=True)


# -- throughput -------------------------------------------------------------------------------


def throughput(n, repeats):
    ipcbroker = _ipcbroker(generate=True)
    q = ipcbroker.Queue(_unique("throughput"), MAXSIZE)
    try:
        consumer = _start_child("consume", q.name, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        producer = _start_child("produce", q.name, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        from_consumer, from_producer = _Lines(consumer), _Lines(producer)
        from_consumer.expect("ready")
        from_producer.expect("ready")
        warmup = min(n, 5000)
        for r, count in enumerate([warmup] + [n] * repeats):
            t0 = time.perf_counter()
            for p in (consumer, producer):
                p.stdin.write("go %d\n" % count)
                p.stdin.flush()
            got = int(from_consumer.expect("done")[0])
            elapsed = time.perf_counter() - t0
            from_producer.expect("done")
            if got != count:
                sys.exit("python_client: the consumer received %d of %d items" % (got, count))
            if r > 0:  # the first round is the warm-up
                print("%.3f" % (elapsed * 1e6 / count), flush=True)
        left = q.qsize()
        if left != 0:
            sys.exit("python_client: %d items left in the queue" % left)
    finally:
        _stop_children()
        _delete(q)


def _rounds():
    """The N of each "go N" line on stdin, until stdin ends."""
    for line in sys.stdin:
        words = line.split()
        if words[:1] != ["go"]:
            return
        yield int(words[1])


def produce(name):
    ipcbroker = _ipcbroker(generate=False)
    q = ipcbroker.Queue(name, MAXSIZE)
    batch = [b"x" * SIZE] * BATCH
    print("ready", flush=True)
    for n in _rounds():
        sent = 0
        while sent < n:
            k = min(BATCH, n - sent)
            q.put_many(batch if k == BATCH else batch[:k], timeout=GET_TIMEOUT)
            sent += k
        print("done", flush=True)


def consume(name):
    ipcbroker = _ipcbroker(generate=False)
    q = ipcbroker.Queue(name, MAXSIZE)
    print("ready", flush=True)
    for n in _rounds():
        got = 0
        while got < n:
            got += len(q.get_many(min(1024, n - got), timeout=GET_TIMEOUT))
        print("done %d" % got, flush=True)


def main():
    try:
        import grpc  # noqa: F401  (only probing)
    except ImportError:
        sys.exit("python_client: %s has no grpc; run it with /usr/bin/python3" % sys.executable)
    _watchdog()
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "handoff":
        handoff(int(args[0]), int(args[1]))
    elif mode == "unary":
        unary(args[0], int(args[1]), int(args[2]))
    elif mode == "throughput":
        throughput(int(args[0]), int(args[1]))
    elif mode == "echo":
        echo(args[0], args[1], int(args[2]))
    elif mode == "produce":
        produce(args[0])
    elif mode == "consume":
        consume(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
