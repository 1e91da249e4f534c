# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import multiprocessing
import os
import pickle
import signal
import threading
import time

from support import HERE, PYTHON_ROOT, BrokerTestCase, unique

import ipcbroker
from ipcbroker.connection import BufferTooShort, Connection, Pipe


def _echo_plus_one(conn):
    """A spawn child's body: answers each number with the next one until "stop"."""
    while True:
        message = conn.recv()
        if message == "stop":
            break
        conn.send(message + 1)
    conn.close()


def _send_and_exit(conn):
    """A spawn child's body: sends one message and exits without closing its end."""
    conn.send("last words")



class PipeTest(BrokerTestCase):
    def pipe(self, duplex=True, **kwargs):
        a, b = Pipe(duplex, **kwargs)
        self.addCleanup(a.delete)
        return a, b

    def test_messages_keep_boundaries_order_and_types(self):
        a, b = self.pipe()
        items = [{"k": [1, 2.5, None, True]}, "text", 42, [1, "two"], ""]
        for item in items:
            a.send(item)
        self.assertEqual([b.recv() for _ in items], items)
        a.send_bytes(b"a")
        a.send_bytes(b"b")
        a.send_bytes(bytearray(b"xcdx"), 1, 2)
        a.send_bytes(b"")
        self.assertEqual([b.recv_bytes() for _ in range(3)], [b"a", b"b", b"cd"])
        self.assertTrue(b.poll())  # an empty message is a message
        self.assertEqual(b.recv_bytes(), b"")
        b.send(b"\x00\xff")  # duplex: the other way too; bytes travel raw
        self.assertEqual(a.recv(), b"\x00\xff")
        self.assertFalse(a.poll())

    def test_send_bytes_and_recv_bytes_argument_errors(self):
        a, b = self.pipe()
        for offset, size in ((-1, None), (4, None), (0, -1), (2, 2)):
            with self.assertRaises(ValueError):
                a.send_bytes(b"abc", offset, size)
        with self.assertRaises(ValueError):
            b.recv_bytes(-1)
        a.send_bytes(b"abcdef")
        with self.assertRaises(OSError) as caught:
            b.recv_bytes(3)
        self.assertEqual(caught.exception.reason, "MESSAGE_TOO_LONG")
        self.assertEqual(b.recv_bytes(6), b"abcdef")  # the long message stayed
        a.send_bytes(b"xyz")
        buf = bytearray(5)
        self.assertEqual(b.recv_bytes_into(buf, 1), 3)
        self.assertEqual(buf, bytearray(b"\x00xyz\x00"))
        a.send_bytes(b"too long")
        with self.assertRaises(BufferTooShort) as caught:
            b.recv_bytes_into(bytearray(2))
        self.assertEqual(caught.exception.args[0], b"too long")

    def test_poll_timing(self):
        a, b = self.pipe()
        start = time.monotonic()
        self.assertFalse(b.poll())
        self.assertFalse(b.poll(-1))  # negative: one try, as CPython
        self.assertLess(time.monotonic() - start, 2)
        start = time.monotonic()
        self.assertFalse(b.poll(0.3))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.28)
        self.assertLess(elapsed, 5)
        for bad in (float("nan"), float("inf")):
            with self.assertRaises(ValueError):
                b.poll(bad)
        sender = threading.Timer(0.2, a.send, ("wake",))
        sender.start()
        self.assertTrue(b.poll(None))  # None waits until a message comes
        sender.join(10)
        self.assertEqual(b.recv(), "wake")

    def test_eof_after_close_and_closed_handles(self):
        a, b = self.pipe()
        a.send("buffered")
        a.close()
        a.close()  # idempotent
        self.assertTrue(a.closed)
        self.assertTrue(b.poll())
        self.assertEqual(b.recv(), "buffered")  # what was sent before the close is read
        self.assertTrue(b.poll())  # EOF is ready
        with self.assertRaises(EOFError) as caught:
            b.recv()
        self.assertEqual(caught.exception.reason, "PIPE_EOF")
        with self.assertRaises(EOFError):
            b.recv_bytes()
        with self.assertRaises(BrokenPipeError) as caught:
            b.send("anyone?")
        self.assertEqual(caught.exception.reason, "PIPE_CLOSED")
        for call in (lambda: a.send(1), a.recv, a.poll, a.fileno):
            with self.assertRaises(OSError):
                call()

    def test_a_receive_parked_when_the_peer_closes_ends_with_eof(self):
        a, b = self.pipe()
        got = []

        def reader():
            try:
                b.recv()
            except EOFError as e:
                got.append(e.reason)

        t = threading.Thread(target=reader)
        t.start()
        t.join(0.3)
        self.assertTrue(t.is_alive())  # parked
        a.close()
        t.join(10)
        self.assertEqual(got, ["PIPE_EOF"])

    def test_simplex_direction_and_properties(self):
        r, w = self.pipe(duplex=False)
        self.assertEqual(
            (r.readable, r.writable, w.readable, w.writable), (True, False, False, True)
        )
        with self.assertRaises(OSError):
            r.send(1)
        with self.assertRaises(OSError):
            w.recv()
        with self.assertRaises(OSError):
            w.poll()
        with self.assertRaises(OSError):
            r.fileno()
        w.send("one way")
        self.assertEqual(r.recv(), "one way")
        with w:
            pass
        self.assertTrue(w.closed)
        with self.assertRaises(EOFError):
            r.recv()

    def test_open_by_name_and_pickled_ends(self):
        a, b = self.pipe(name=unique("pp"))
        self.assertEqual(a.name, a.pipe_name + ".a")
        other = Connection(b.name)
        a.send(1)
        self.assertEqual(other.recv(), 1)
        copy = pickle.loads(pickle.dumps(b))
        a.send(2)
        self.assertEqual(copy.recv(), 2)
        # b was handed over: closing it closes only this copy; the end stays open.
        b.close()
        a.send(3)
        self.assertEqual(copy.recv(), 3)
        with self.assertRaises(OSError):
            pickle.dumps(b)  # a closed handle cannot be handed over, as in CPython
        with self.assertRaises(ValueError):
            Connection(a.pipe_name)
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            Connection(unique("missing") + ".a")
        self.assertEqual(caught.exception.reason, "PIPE_NOT_FOUND")

    def test_pickle_only_when_both_sides_opt_in(self):
        a, b = self.pipe(serializer="pickle")
        a.send({1, 2})
        self.assertEqual(b.recv(), {1, 2})
        plain = Connection(b.name)
        a.send(("a", 1))
        with self.assertRaises(ipcbroker.DecodeError):
            plain.recv()
        with self.assertRaises(TypeError):
            Connection(a.name).send({1, 2})  # a set is not JSON; nothing is sent
        self.assertFalse(b.poll())

    def test_an_interrupted_recv_loses_nothing(self):
        a, b = self.pipe()

        class Interrupted(Exception):
            pass

        def on_alarm(signum, frame):
            raise Interrupted()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with self.assertRaises(Interrupted):
                b.recv()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        a.send("after")
        self.assertEqual(b.recv(), "after")

    def test_ping_pong_with_a_spawn_child_then_eof(self):
        self.python_path_for_children()
        mine, theirs = self.pipe()
        child = multiprocessing.get_context("spawn").Process(target=_echo_plus_one, args=(theirs,))
        child.start()
        n = 0
        for _ in range(20):
            mine.send(n)
            self.assertTrue(mine.poll(30))
            n = mine.recv()
        self.assertEqual(n, 20)
        mine.send("stop")
        child.join(50)
        self.assertEqual(child.exitcode, 0)
        with self.assertRaises(EOFError):
            mine.recv()

    def test_a_child_that_exits_without_close_closes_its_end(self):
        self.python_path_for_children()
        r, w = self.pipe(duplex=False)
        child = multiprocessing.get_context("spawn").Process(target=_send_and_exit, args=(w,))
        child.start()
        w.close()  # the parent's copy only: the child's stays open
        self.assertTrue(r.poll(30))
        self.assertEqual(r.recv(), "last words")
        child.join(50)
        self.assertEqual(child.exitcode, 0)
        self.assertTrue(r.poll(30))
        with self.assertRaises(EOFError):
            r.recv()
