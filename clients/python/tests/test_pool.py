# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import multiprocessing
import os
import signal
import threading
import time

import pool_tasks
from support import BrokerTestCase, requires_same_host, unique

import ipcbroker
from ipcbroker import worker
from ipcbroker.pool import Pool, RemoteTraceback, TaskError


@requires_same_host
class SpawnedPoolTest(BrokerTestCase):
    """Pools whose Python workers the broker spawns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pool = Pool(2, modules=["pool_tasks"], name=unique("pypool"))

    @classmethod
    def tearDownClass(cls):
        cls.pool.terminate()
        cls.pool.delete()

    def test_map_starmap_apply_and_iterators(self):
        p = self.pool
        self.assertEqual(p.map(pool_tasks.square, range(50)), [x * x for x in range(50)])
        self.assertEqual(p.map(pool_tasks.square, range(50), chunksize=7), [x * x for x in range(50)])
        self.assertEqual(p.map(pool_tasks.square, (x for x in range(5))), [0, 1, 4, 9, 16])
        self.assertEqual(p.map(pool_tasks.square, []), [])
        self.assertEqual(p.starmap(pool_tasks.add, [(1, 2), (3, 4)]), [3, 7])
        self.assertEqual(p.apply(pool_tasks.add, (5,), {"b": 6}), 11)
        self.assertEqual(list(p.imap(pool_tasks.square, range(10))), [x * x for x in range(10)])
        self.assertEqual(
            sorted(p.imap_unordered(pool_tasks.square, range(10), chunksize=3)),
            [x * x for x in range(10)],
        )
        self.assertEqual(p.map("square", [3]), [9])  # by name, as other languages call it

    def test_values_keep_their_json_types(self):
        items = ["text", 1.5, None, True, [1, "a"], {"k": [2]}, b"\x00\x01"]
        self.assertEqual(self.pool.map(pool_tasks.echo, items), items)

    def test_async_results_and_callbacks(self):
        r = self.pool.apply_async(pool_tasks.square, (7,))
        self.assertEqual(r.get(30), 49)
        self.assertTrue(r.ready())
        self.assertTrue(r.successful())
        self.assertEqual(r.get(), 49)  # a second get answers the same
        got = []
        done = threading.Event()
        self.pool.apply_async(
            pool_tasks.square, (3,), callback=lambda v: (got.append(v), done.set())
        )
        self.assertTrue(done.wait(30))
        self.assertEqual(got, [9])
        errors = []
        failed = threading.Event()
        self.pool.apply_async(
            pool_tasks.raise_value_error,
            (1,),
            error_callback=lambda e: (errors.append(e), failed.set()),
        )
        self.assertTrue(failed.wait(30))
        self.assertIsInstance(errors[0], ValueError)
        m = self.pool.map_async(pool_tasks.square, range(4))
        self.assertEqual(m.get(30), [0, 1, 4, 9])
        self.assertTrue(m.successful())

    def test_a_result_with_a_callback_can_also_be_read(self):
        got = []
        lock = threading.Lock()

        def note(v):
            with lock:
                got.append(v)

        results = [self.pool.apply_async(pool_tasks.square, (i,), callback=note) for i in range(40)]
        self.assertEqual([r.get(30) for r in results], [i * i for i in range(40)])
        deadline = time.monotonic() + 30
        while len(got) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)  # callbacks run on their own threads; bounded
        self.assertEqual(sorted(got), sorted(i * i for i in range(40)))
        self.assertTrue(all(r.ready() and r.successful() for r in results))

    def test_imap_submits_before_it_is_iterated(self):
        done_before = self.pool.info().tasks_succeeded
        it = self.pool.imap(pool_tasks.square, range(10))
        deadline = time.monotonic() + 30
        while self.pool.info().tasks_succeeded < done_before + 10 and time.monotonic() < deadline:
            time.sleep(0.02)  # the workers run the tasks while nobody iterates; bounded
        self.assertGreaterEqual(self.pool.info().tasks_succeeded, done_before + 10)
        self.assertEqual(list(it), [x * x for x in range(10)])

    def test_timeout_of_get_is_multiprocessings(self):
        r = self.pool.apply_async(pool_tasks.sleep_then_pid, (1.0,))
        start = time.monotonic()
        with self.assertRaises(multiprocessing.TimeoutError):
            r.get(0.2)
        self.assertGreaterEqual(time.monotonic() - start, 0.18)
        self.assertFalse(r.ready())
        self.assertIsInstance(r.get(30), int)

    def test_errors_reach_the_caller_as_python_raises_them(self):
        with self.assertRaises(ValueError) as caught:
            self.pool.map(pool_tasks.raise_value_error, [1, 2])
        self.assertIsInstance(caught.exception.__cause__, RemoteTraceback)
        self.assertIn("raise_value_error", str(caught.exception.__cause__))
        with self.assertRaises(TaskError) as custom:
            self.pool.apply(pool_tasks.raise_custom, (5,))
        self.assertEqual(custom.exception.reason, "TASK_RAISED")
        self.assertEqual(custom.exception.type_name, "pool_tasks.CustomError")
        with self.assertRaises(TaskError) as missing:
            self.pool.apply("no_such_function", (1,))
        self.assertEqual(missing.exception.reason, "FUNCTION_NOT_FOUND")
        it = self.pool.imap(pool_tasks.raise_value_error, [1])
        with self.assertRaises(ValueError):
            next(it)
        with self.assertRaises(TypeError):
            self.pool.map(pool_tasks.square, [{1, 2}])  # a set is not JSON: refused before sending
        with self.assertRaises(ValueError):
            self.pool.map(lambda x: x, [1])  # functions are named; a lambda has no name

    def test_a_killed_workers_task_fails_promptly(self):
        r = self.pool.apply_async(pool_tasks.hang, (None,))
        victim = None
        deadline = time.monotonic() + 30
        while victim is None and time.monotonic() < deadline:
            busy = [w for w in self.pool.info().workers if w.chunks_in_flight > 0]
            victim = busy[0].pid if busy else None
            if victim is None:
                time.sleep(0.02)  # polling the broker's view; bounded by the deadline
        self.assertIsNotNone(victim)
        os.kill(victim, signal.SIGKILL)
        with self.assertRaises(TaskError) as caught:
            r.get(30)
        self.assertEqual(caught.exception.reason, "WORKER_DIED")
        self.assertEqual(self.pool.map(pool_tasks.square, range(4)), [0, 1, 4, 9])  # replaced


@requires_same_host
class PoolLifecycleTest(BrokerTestCase):
    def test_close_join_and_join_of_a_running_pool(self):
        p = Pool(1, modules=["pool_tasks"])
        self.addCleanup(p.delete)
        with self.assertRaises(ValueError):
            p.join()
        self.assertEqual(p.map(pool_tasks.square, [2]), [4])
        p.close()
        self.assertTrue(p.join(30))
        with self.assertRaises(ValueError) as caught:  # Python: ValueError("Pool not running")
            p.map(pool_tasks.square, [2])
        self.assertEqual(caught.exception.reason, "POOL_CLOSED")

    def test_with_block_terminates_and_maxtasksperchild_replaces_workers(self):
        with Pool(1, maxtasksperchild=1, modules=["pool_tasks"]) as p:
            self.addCleanup(p.delete)
            pids = {p.apply(pool_tasks.pid) for _ in range(3)}
            self.assertEqual(len(pids), 3)
        self.assertEqual(p.info().state, ipcbroker._stubs.pool.POOL_STATE_TERMINATED)

    def test_initializer_runs_in_each_worker(self):
        q = ipcbroker.Queue(unique("init"))
        self.addCleanup(q.delete)
        with Pool(2, initializer=q.put, initargs=("ready",), modules=["pool_tasks"]) as p:
            self.addCleanup(p.delete)
            self.assertEqual([q.get(timeout=30), q.get(timeout=30)], ["ready", "ready"])

    def test_bad_arguments_are_pythons_value_errors(self):
        with self.assertRaises(ValueError):
            Pool(-1)
        with self.assertRaises(ValueError):
            Pool(1, maxtasksperchild=0)


class AttachedWorkerTest(BrokerTestCase):
    """A pool served by a worker that attaches itself (here, a thread of this process)."""

    def test_an_attached_worker_serves_map_and_retires_on_close(self):
        p = Pool(0, name=unique("attached"))
        self.addCleanup(p.delete)
        chunks = []
        t = threading.Thread(
            target=lambda: chunks.append(worker.serve(p.name, [pool_tasks.square, pool_tasks.add]))
        )
        t.start()
        deadline = time.monotonic() + 30
        while not p.info().workers and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting for the worker's hello; bounded
        self.assertEqual(p.map(pool_tasks.square, range(20), chunksize=5), [x * x for x in range(20)])
        self.assertEqual(p.starmap(pool_tasks.add, [(1, 1)]), [2])
        p.close()
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertEqual(chunks, [5])
        self.assertTrue(p.join(30))
