# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import ctypes
import multiprocessing
import os
import pickle
import signal
import threading
import time

from support import PYTHON_ROOT, HERE, BrokerTestCase, quiet_delete, unique

import ipcbroker
from ipcbroker.sharedctypes import Array, RawArray, RawValue, Value


def _increment(v, n):
    """A spawn child's body: n locked read-modify-writes."""
    for _ in range(n):
        with v.get_lock():
            v.value += 1


def _fill(a):
    """A spawn child's body: writes through an array handle it was given."""
    a[:] = [i * 10 for i in range(len(a))]


def _wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class ValueTest(BrokerTestCase):
    def value(self, typecode, *args, **kwargs):
        v = Value(unique("v"), typecode, *args, **kwargs)
        self.addCleanup(quiet_delete, v)
        return v

    def test_round_trips_of_every_typecode_with_pythons_types(self):
        cases = [
            ("b", -128), ("B", 255), ("h", -32768), ("H", 65535), ("i", -(2**31)),
            ("I", 2**32 - 1), ("l", -(2**63)), ("L", 2**64 - 1), ("q", 2**63 - 1),
            ("Q", 2**64 - 1), ("d", 0.1), ("c", b"x"),
        ]
        for typecode, sample in cases:
            with self.subTest(typecode=typecode):
                v = self.value(typecode)
                self.assertEqual(v.value, b"\x00" if typecode == "c" else 0)
                v.value = sample
                self.assertEqual(v.value, sample)
                self.assertIs(type(v.value), type(sample))
                self.assertEqual(v.typecode, typecode)
        f = self.value("f", 0.1)
        self.assertEqual(f.value, ctypes.c_float(0.1).value)  # float32's nearest, as ctypes
        c = self.value("c", 65)
        self.assertEqual(c.value, b"A")
        d = self.value("d", 3)
        self.assertEqual(d.value, 3.0)
        self.assertIsInstance(d.value, float)
        self.assertEqual(self.value(ctypes.c_int, 7).value, 7)
        self.assertEqual(self.value(ctypes.c_double, 1.5).get(), 1.5)

    def test_pythons_exceptions_and_nothing_changes(self):
        v = self.value("i", 5)
        for bad in (1.5, "1", b"1", None):
            with self.assertRaises(TypeError):
                v.value = bad
        with self.assertRaises(TypeError):
            self.value("d").value = "1.0"
        with self.assertRaises(TypeError):
            self.value("c").value = b"ab"
        for bad in (2**40, 2**70, -(2**31) - 1):
            with self.assertRaises(ValueError) as caught:
                v.value = bad
            self.assertEqual(caught.exception.reason, "VALUE_OUT_OF_RANGE")
        with self.assertRaises(ValueError) as caught:
            self.value("b").value = 128
        self.assertEqual(caught.exception.reason, "VALUE_OUT_OF_RANGE")
        self.assertEqual(v.value, 5)
        for bad in ("u", "z", ctypes.c_wchar, None):
            with self.assertRaises(TypeError):
                Value(unique("v"), bad)
        with self.assertRaises(TypeError):
            Value(unique("v"), "i", 1, 2)

    def test_atomic_add_and_compare_and_set(self):
        v = self.value("i", 10)
        self.assertEqual(v.add_and_get(5), 15)
        self.assertEqual(v.add_and_get(-20), -5)
        self.assertTrue(v.compare_and_set(-5, 1))
        self.assertFalse(v.compare_and_set(-5, 2))
        self.assertEqual(v.value, 1)
        with self.assertRaises(ValueError) as caught:
            v.add_and_get(2**31)
        self.assertEqual(caught.exception.reason, "VALUE_OUT_OF_RANGE")
        self.assertEqual(v.value, 1)
        d = self.value("d", 0.5)
        self.assertEqual(d.add_and_get(1), 1.5)

    def test_create_or_open_and_config_mismatch(self):
        v = self.value("i", 3)
        again = Value(v.name, "i", 99)
        self.assertEqual(again.value, 3)  # opened: the initial value is ignored
        with self.assertRaises(ValueError) as caught:
            Value(v.name, "d")
        self.assertEqual(caught.exception.reason, "CONFIG_MISMATCH")
        with self.assertRaises(ValueError) as caught:
            Value(v.name, "i", lock=False)
        self.assertEqual(caught.exception.reason, "CONFIG_MISMATCH")
        self.assertEqual(Value(v.name, None, create=False).value, 3)
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            Value(unique("missing"), "i", create=False)
        self.assertEqual(caught.exception.reason, "VALUE_NOT_FOUND")

    def test_lock_is_reentrant_per_thread_and_blocks_other_owners(self):
        v = self.value("i")
        lock = v.get_lock()
        self.assertIs(lock, Value(v.name, "i").get_lock())  # one lock per name and process
        self.assertTrue(lock.acquire())
        self.assertTrue(lock.acquire(timeout=1))  # re-entrant
        v.value = 1  # the holder's own writes pass
        lock.release()
        self.assertTrue(v.describe().locked)

        results = {}
        read_done = threading.Event()

        def other():
            start = time.monotonic()
            results["timed"] = lock.acquire(timeout=0.3)
            results["elapsed"] = time.monotonic() - start
            results["nowait"] = lock.acquire(False)
            results["read"] = v.value  # waits until the main thread releases
            read_done.set()
            with self.assertRaises(RuntimeError) as caught:
                lock.release()
            results["reason"] = caught.exception.reason

        t = threading.Thread(target=other)
        t.start()
        self.assertTrue(_wait_until(lambda: "nowait" in results))
        self.assertFalse(read_done.wait(0.3))  # the read waits for the lock
        v.value = 7
        lock.release()
        self.assertTrue(read_done.wait(10))
        t.join(10)
        self.assertFalse(results["timed"])
        self.assertGreaterEqual(results["elapsed"], 0.28)
        self.assertLess(results["elapsed"], 5)
        self.assertFalse(results["nowait"])
        self.assertEqual(results["read"], 7)
        self.assertEqual(results["reason"], "LOCK_NOT_OWNED")
        self.assertFalse(v.describe().locked)

    def test_bad_timeouts_are_refused(self):
        lock = self.value("i").get_lock()
        for bad in (-1, float("nan"), float("inf")):
            with self.assertRaises(ValueError):
                lock.acquire(timeout=bad)

    def test_interrupted_acquire_leaves_no_hold_behind(self):
        v = self.value("i")
        held, release = threading.Event(), threading.Event()

        def holder():
            with v.get_lock():
                held.set()
                release.wait(30)

        t = threading.Thread(target=holder)
        t.start()
        self.assertTrue(held.wait(10))

        class Interrupted(Exception):
            pass

        def on_alarm(signum, frame):
            raise Interrupted()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with self.assertRaises(Interrupted):
                v.get_lock().acquire()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        self.assertFalse(v.get_lock()._is_owned())
        release.set()
        t.join(10)
        # Had the given-up wait been granted and forgotten, the lock would stay held.
        self.assertTrue(_wait_until(lambda: not v.describe().locked))
        self.assertEqual(v.describe().lock_waiters, 0)

    def test_raw_values_and_a_lock_of_ones_own(self):
        raw = RawValue(unique("raw"), "i", 4)
        self.addCleanup(quiet_delete, raw)
        self.assertEqual(raw.value, 4)
        self.assertFalse(raw.describe().has_lock)
        with self.assertRaises(AttributeError):
            raw.get_lock()
        own = threading.Lock()
        v = self.value("i", lock=own)
        self.assertIs(v.get_lock(), own)
        v.value = 2
        self.assertEqual(v.value, 2)
        self.assertFalse(own.locked())
        with self.assertRaises(AttributeError):
            Value(unique("v"), "i", lock="not a lock")

    def test_pickled_handle_reaches_the_same_value(self):
        v = self.value("q", 1)
        copy = pickle.loads(pickle.dumps(v))
        copy.value = 42
        self.assertEqual(v.value, 42)
        self.assertIs(pickle.loads(pickle.dumps(v.get_lock())), v.get_lock())
        v.delete()
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            copy.value
        self.assertEqual(caught.exception.reason, "VALUE_NOT_FOUND")

    def test_two_spawn_children_increment_under_the_lock(self):
        self.python_path_for_children()
        v = self.value("i", 0)
        ctx = multiprocessing.get_context("spawn")
        children = [ctx.Process(target=_increment, args=(v, 200)) for _ in range(2)]
        for c in children:
            c.start()
        for c in children:
            c.join(50)
            self.assertEqual(c.exitcode, 0)
        self.assertEqual(v.value, 400)


class ArrayTest(BrokerTestCase):
    def array(self, typecode, init, **kwargs):
        a = Array(unique("a"), typecode, init, **kwargs)
        self.addCleanup(quiet_delete, a)
        return a

    def test_indexing_slicing_and_iteration_as_python(self):
        a = self.array("i", range(10))
        self.assertEqual(len(a), 10)
        self.assertEqual(a[0], 0)
        self.assertEqual(a[-1], 9)
        self.assertEqual(a[2:5], [2, 3, 4])
        self.assertEqual(a[::3], [0, 3, 6, 9])
        self.assertEqual(a[::-2], [9, 7, 5, 3, 1])
        self.assertEqual(a[8:100], [8, 9])
        self.assertEqual(a[5:2], [])
        self.assertEqual(list(a), list(range(10)))
        self.assertEqual(list(reversed(a)), list(range(9, -1, -1)))
        self.assertIn(3, a)
        a[-1] = 90
        a[0:2] = [100, 101]
        a[1::4] = [-1, -5, -9]
        self.assertEqual(a[:], [100, -1, 2, 3, 4, -5, 6, 7, 8, -9])
        self.assertEqual(self.array("d", 3)[:], [0.0, 0.0, 0.0])

    def test_pythons_exceptions(self):
        a = self.array("i", 3)
        for bad in (3, -4, 10**30):
            with self.assertRaises(IndexError) as caught:
                a[bad]
            self.assertEqual(caught.exception.reason, "INDEX_OUT_OF_RANGE")
            with self.assertRaises(IndexError):
                a[bad] = 1
        for bad in ("x", 1.0):
            with self.assertRaises(TypeError):
                a[bad]
        with self.assertRaises(ValueError):
            a[0:2] = [1]
        with self.assertRaises(ValueError):
            a[::2] = [1, 2, 3]
        with self.assertRaises(TypeError):
            a[0:2] = [1, 2.5]
        self.assertEqual(a[:], [0, 0, 0])  # nothing was written
        with self.assertRaises(ValueError):
            Array(unique("a"), "i", -1)
        with self.assertRaises(AttributeError):
            a.value

    def test_char_arrays_have_value_and_raw(self):
        c = self.array("c", b"hey")
        self.assertEqual(c[:], b"hey")
        self.assertEqual(c[0], b"h")
        self.assertEqual(list(c), [b"h", b"e", b"y"])
        self.assertIn(b"e", c)
        self.assertNotIn(b"he", c)
        self.assertEqual(c.value, b"hey")
        c = self.array("c", 5)
        c.value = b"ab"
        self.assertEqual(c.raw, b"ab\x00\x00\x00")
        self.assertEqual(c.value, b"ab")
        c.raw = b"xyz"
        self.assertEqual(c.raw, b"xyz\x00\x00")
        with self.assertRaises(ValueError):
            c.value = b"abcdef"
        with self.assertRaises(TypeError):
            c[0] = "a"

    def test_atomic_element_operations_and_lock(self):
        a = self.array("l", [1, 2, 3])
        self.assertEqual(a.add_and_get(-1, 10), 13)
        self.assertTrue(a.compare_and_set(0, 1, 5))
        self.assertEqual(a[:], [5, 2, 13])
        with a.get_lock():
            a[1] = a[1] + 1
        self.assertEqual(a[1], 3)
        raw = RawArray(unique("raw"), "i", 2)
        self.addCleanup(quiet_delete, raw)
        with self.assertRaises(AttributeError):
            raw.get_lock()

    def test_a_large_array_round_trips_in_chunks(self):
        n = 300000
        a = self.array("q", n)
        a[:] = range(n)
        self.assertEqual(a[:], list(range(n)))
        self.assertEqual(a[n - 1], n - 1)
        self.assertFalse(a.describe().locked)

    def test_pickled_handle_and_a_spawn_child(self):
        self.python_path_for_children()
        a = self.array("i", 5)
        copy = pickle.loads(pickle.dumps(a))
        copy[0] = 9
        self.assertEqual(a[0], 9)
        child = multiprocessing.get_context("spawn").Process(target=_fill, args=(a,))
        child.start()
        child.join(50)
        self.assertEqual(child.exitcode, 0)
        self.assertEqual(a[:], [0, 10, 20, 30, 40])
