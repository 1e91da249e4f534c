# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import pickle
import queue
import threading
import time

from support import BrokerTestCase, quiet_delete, unique

import ipcbroker


class QueueTest(BrokerTestCase):
    def queue(self, maxsize=0, **kwargs):
        q = ipcbroker.Queue(unique("q"), maxsize, **kwargs)
        self.addCleanup(quiet_delete, q)
        return q

    def test_fifo_round_trip_of_json_text_and_bytes(self):
        q = self.queue()
        items = ["url_1", {"k": [1, 2.5, None, True]}, 42, b"\x00\xff", [1, "two"]]
        for item in items:
            q.put(item)
        self.assertEqual(q.qsize(), 5)
        self.assertEqual([q.get(timeout=5) for _ in items], items)
        self.assertTrue(q.empty())

    def test_full_and_empty_are_pythons_exceptions_with_their_timing(self):
        q = self.queue(maxsize=1)
        q.put("a")
        self.assertTrue(q.full())
        with self.assertRaises(queue.Full):
            q.put_nowait("b")
        start = time.monotonic()
        with self.assertRaises(queue.Full):
            q.put("b", timeout=0.3)
        self.assertGreaterEqual(time.monotonic() - start, 0.28)
        self.assertEqual(q.get_nowait(), "a")
        with self.assertRaises(queue.Empty):
            q.get_nowait()
        start = time.monotonic()
        with self.assertRaises(queue.Empty):
            q.get(timeout=0.3)
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.28)
        self.assertLess(elapsed, 5)
        with self.assertRaises(queue.Empty):
            q.get(block=False, timeout=10)  # block=False ignores the timeout, as in Python

    def test_bad_timeouts_are_value_errors_before_any_call(self):
        q = self.queue()
        for bad in (-1, float("nan"), float("inf")):
            with self.assertRaises(ValueError):
                q.get(timeout=bad)
            with self.assertRaises(ValueError):
                q.put("x", timeout=bad)
        self.assertEqual(q.qsize(), 0)

    def test_blocked_get_is_woken_by_a_put_from_another_thread(self):
        q = self.queue()
        got = []
        reader = threading.Thread(target=lambda: got.append(q.get(timeout=10)))
        reader.start()
        q.put("hello")
        reader.join(10)
        self.assertEqual(got, ["hello"])

    def test_open_missing_and_config_mismatch(self):
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            ipcbroker.Queue(unique("missing"), create=False)
        self.assertEqual(caught.exception.reason, "QUEUE_NOT_FOUND")
        q = self.queue(maxsize=3)
        with self.assertRaises(ValueError) as caught:
            ipcbroker.Queue(q.name, 4)
        self.assertEqual(caught.exception.reason, "CONFIG_MISMATCH")
        self.assertEqual(ipcbroker.Queue(q.name, 3).maxsize, 3)

    def test_pickled_handle_reaches_the_same_queue_and_not_a_recreated_one(self):
        q = self.queue()
        copy = pickle.loads(pickle.dumps(q))
        copy.put("via copy")
        self.assertEqual(q.get(timeout=5), "via copy")
        q.delete()
        self.addCleanup(quiet_delete, ipcbroker.Queue(q.name))  # re-created: another uid
        with self.assertRaises(ipcbroker.NotFoundError):
            copy.put("x")

    def test_pickle_only_when_both_sides_opt_in(self):
        q = self.queue(serializer="pickle")
        q.put({1, 2, 3})
        self.assertEqual(q.get(timeout=5), {1, 2, 3})
        q.put(("a", 1))
        plain = ipcbroker.Queue(q.name)
        with self.assertRaises(ipcbroker.DecodeError):
            plain.get(timeout=5)
        # The undecodable item went back to the queue for a reader that can decode it.
        self.assertEqual(q.get(timeout=5), ("a", 1))
        with self.assertRaises(TypeError):
            plain.put({1, 2})  # a set is not JSON; nothing is sent

    def test_many_items_in_order_and_batched(self):
        q = self.queue()
        q.put_many(range(5000))
        got = []
        while len(got) < 5000:
            got.extend(q.get_many(1024, timeout=5))
        self.assertEqual(got, list(range(5000)))

    def test_two_threads_share_a_handle_without_loss_or_duplicate(self):
        q = self.queue(maxsize=8)
        n = 400
        got = []
        lock = threading.Lock()

        def consume():
            while True:
                try:
                    item = q.get(timeout=2)
                except queue.Empty:
                    return
                with lock:
                    got.append(item)

        consumers = [threading.Thread(target=consume) for _ in range(2)]
        for c in consumers:
            c.start()
        producers = [
            threading.Thread(target=lambda base=base: [q.put(base + i) for i in range(n)])
            for base in (0, 100000)
        ]
        for p in producers:
            p.start()
        for t in producers + consumers:
            t.join(30)
        self.assertEqual(sorted(got), sorted(list(range(n)) + [100000 + i for i in range(n)]))


class JoinableQueueTest(BrokerTestCase):
    def test_join_waits_for_task_done(self):
        q = ipcbroker.JoinableQueue(unique("jq"))
        self.addCleanup(quiet_delete, q)
        q.put("job")
        self.assertFalse(q.join(timeout=0.1))
        self.assertEqual(q.get(timeout=5), "job")
        q.task_done()
        self.assertTrue(q.join(timeout=5))
        with self.assertRaises(ValueError) as caught:
            q.task_done()
        self.assertEqual(caught.exception.reason, "TASK_DONE_TOO_MANY_TIMES")



def _get_one(q, out):
    out.put(q.get(timeout=10))


def _interrupt_main_when(predicate, timeout=10.0):
    """Sends SIGINT to this process (Python raises KeyboardInterrupt in the main thread) once
    predicate() holds: a call is parked on the broker. Returns the thread."""
    import os
    import signal

    def run():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not predicate():
            time.sleep(0.01)  # polls the broker's view of the parked call; bounded
        os.kill(os.getpid(), signal.SIGINT)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


class InterruptTest(BrokerTestCase):
    """Ctrl-C during a blocking get or put loses nothing: the pull or frame is revoked first."""

    def setUp(self):
        super().setUp()
        import signal

        # Python leaves SIGINT ignored when it started ignored (a background job of a
        # non-interactive shell): the SIGINT these tests send would then never arrive.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.addCleanup(signal.signal, signal.SIGINT, previous)

    def test_ctrl_c_in_a_blocking_get_leaves_later_items_to_later_gets(self):
        q = ipcbroker.Queue(unique("intr"))
        self.addCleanup(quiet_delete, q)
        t = _interrupt_main_when(lambda: q._info().waiting_getters == 1)
        with self.assertRaises(KeyboardInterrupt):
            q.get()
        t.join(10)
        info = q._info()
        self.assertEqual((info.waiting_getters, info.unacked), (0, 0))
        other = ipcbroker.Broker(self.target)
        self.addCleanup(other.close)
        ipcbroker.Queue(q.name, broker=other).put("after")
        self.assertEqual(q.get(timeout=5), "after")
        self.assertEqual(q.qsize(), 0)

    def test_ctrl_c_in_a_blocking_put_does_not_enqueue_later(self):
        q = ipcbroker.Queue(unique("intr"), 1)
        self.addCleanup(quiet_delete, q)
        q.put("first")
        t = _interrupt_main_when(lambda: q._info().waiting_putters == 1)
        with self.assertRaises(KeyboardInterrupt):
            q.put("second")
        t.join(10)
        self.assertEqual(q._info().waiting_putters, 0)
        self.assertEqual(q.get(timeout=5), "first")
        with self.assertRaises(queue.Empty):
            q.get(timeout=0.2)  # the revoked put never went in
        q.put("third")
        self.assertEqual(q.get(timeout=5), "third")


class StreamLifecycleTest(BrokerTestCase):
    def test_streams_of_threads_that_ended_are_closed(self):
        import gc

        def streams():
            return sum(1 for t in threading.enumerate() if t.name == "ipcbroker-stream")

        q = ipcbroker.Queue(unique("threads"))
        self.addCleanup(quiet_delete, q)
        q.put("warm")
        q.get(timeout=5)
        before = streams()
        workers = [threading.Thread(target=lambda: (q.put(1), q.get(timeout=5))) for _ in range(20)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        deadline = time.monotonic() + 20
        while streams() > before and time.monotonic() < deadline:
            gc.collect()
            time.sleep(0.05)  # the broker completes each half-closed stream; bounded
        self.assertEqual(streams(), before)
        self.assertEqual(q._info().unacked, 0)
        self.assertEqual(q.qsize(), 0)


class ForkServerChildTest(BrokerTestCase):
    def test_a_forkserver_childs_last_ack_is_applied_before_it_exits(self):
        import multiprocessing

        self.python_path_for_children()
        q = ipcbroker.Queue(unique("fsrv"))
        self.addCleanup(quiet_delete, q)
        for i in range(5):
            q.put(i)
        ctx = multiprocessing.get_context("forkserver")
        out = ctx.SimpleQueue()
        children = [ctx.Process(target=_get_one, args=(q, out)) for _ in range(5)]
        for c in children:
            c.start()
        for c in children:
            c.join(60)
        self.assertEqual([c.exitcode for c in children], [0] * 5)
        self.assertEqual(sorted(out.get() for _ in range(5)), [0, 1, 2, 3, 4])
        # Each child ended with os._exit; its ack reached the broker first: nothing comes back.
        self.assertEqual(q._info().unacked, 0)
        with self.assertRaises(queue.Empty):
            q.get(timeout=0.5)
