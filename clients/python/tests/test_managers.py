# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import multiprocessing
import os
import queue
import subprocess
import sys
import threading

from support import PYTHON_ROOT, BrokerTestCase, unique

import ipcbroker


def _manager_child(q, lock, counter, d, items, ns):
    # Runs in a spawn child: every handle arrived pickled and reconnected by name.
    for _ in range(50):
        with lock:
            counter.value = counter.value + 1
    d["child"] = os.getpid()
    items.append("from child")
    ns.seen = True
    q.put("child done")


class ManagerTest(BrokerTestCase):
    """Code written against multiprocessing's SyncManager, with the manager's construction
    changed, runs on the broker."""

    def test_every_factory_gives_pythons_object(self):
        with ipcbroker.Manager(self.target) as m:
            q = m.Queue(2)
            q.put(1)
            q.put(2)
            with self.assertRaises(queue.Full):
                q.put_nowait(3)
            jq = m.JoinableQueue()
            jq.put("job")
            jq.get()
            jq.task_done()
            self.assertTrue(jq.join(timeout=5))
            lock, rlock = m.Lock(), m.RLock()
            with lock, rlock, rlock:
                self.assertFalse(lock.acquire(timeout=0.1))
            sem = m.BoundedSemaphore(1)
            with self.assertRaises(ValueError):
                sem.release()
            self.assertTrue(m.Semaphore(2).acquire(timeout=1))
            cond = m.Condition()
            with cond:
                self.assertFalse(cond.wait(0.05))
            ev = m.Event()
            ev.set()
            self.assertTrue(ev.wait(1))
            barrier = m.Barrier(1)
            self.assertEqual(barrier.wait(5), 0)
            v = m.Value("i", 5)
            with v.get_lock():
                v.value += 1
            self.assertEqual(v.value, 6)
            a = m.Array("d", [1.0, 2.0])
            self.assertEqual(a[:], [1.0, 2.0])
            lst = m.list([1, 2])
            lst.append(3)
            self.assertEqual(lst[:], [1, 2, 3])
            d = m.dict({"a": 1}, b=2)
            self.assertEqual(d.copy(), {"a": 1, "b": 2})
            with self.assertRaises(KeyError):
                d["missing"]
            ns = m.Namespace(x=1)
            ns.y = 2
            self.assertEqual((ns.x, ns.y), (1, 2))
            names = [q.name, lock.name, v.name, d.name]
        # The manager's objects went with it, as a Python manager's go with its server.
        with self.assertRaises(ipcbroker.NotFoundError):
            ipcbroker.Queue(names[0], create=False)

    def test_named_objects_are_shared_and_outlive_the_manager(self):
        name = unique("shared")
        with ipcbroker.Manager(self.target) as m:
            m.Queue(name=name).put("kept")
        q = ipcbroker.Queue(name, create=False)
        self.addCleanup(q.delete)
        self.assertEqual(q.get(timeout=5), "kept")

    def test_handles_reach_spawn_children_and_the_count_is_exact(self):
        self.python_path_for_children()
        with ipcbroker.Manager(self.target) as m:
            q, lock, counter = m.Queue(), m.Lock(), m.Value("i", 0, lock=False)
            d, items, ns = m.dict(), m.list(), m.Namespace(seen=False)
            ctx = multiprocessing.get_context("spawn")
            children = [
                ctx.Process(target=_manager_child, args=(q, lock, counter, d, items, ns))
                for _ in range(2)
            ]
            for c in children:
                c.start()
            done = threading.Event()

            def count_here():
                for _ in range(50):
                    with lock:
                        counter.value = counter.value + 1
                done.set()

            t = threading.Thread(target=count_here)
            t.start()
            for c in children:
                c.join(60)
            t.join(60)
            self.assertEqual([c.exitcode for c in children], [0, 0])
            self.assertEqual(sorted([q.get(timeout=5), q.get(timeout=5)]), ["child done"] * 2)
            self.assertEqual(counter.value, 150)
            self.assertEqual(list(d.keys()), ["child"])
            self.assertIn(d["child"], [c.pid for c in children])
            self.assertEqual(items[:], ["from child", "from child"])
            self.assertTrue(ns.seen)

    def test_address_tuple_and_implicit_start(self):
        host, port = self.target.rsplit(":", 1)
        m = ipcbroker.Manager((host, int(port)))
        try:
            d = m.dict(a=1)  # as multiprocessing.Manager(): usable without start()
            self.assertEqual(d["a"], 1)
            self.assertEqual(m.address, self.target)
            with self.assertRaises(RuntimeError):
                m.start()
        finally:
            m.shutdown()
        with self.assertRaises(ipcbroker.BrokerUnavailableError) as caught:
            d["a"]  # its connection went with the manager
        self.assertEqual(caught.exception.reason, "CLIENT_CLOSED")

    def test_a_manager_not_shut_down_is_shut_down_at_exit(self):
        name = unique("left")
        code = (
            "import ipcbroker\n"
            "m = ipcbroker.Manager()\n"
            "q = m.Queue()\n"
            "q.put('x')\n"
            "print(q.name)\n"
            "shared = ipcbroker.Queue(%r)\n"
            "shared.put('a'); shared.put('b')\n"
            "print(shared.get(timeout=5))\n" % name
        )
        run = subprocess.run(
            [sys.executable, "-c", code],
            env=dict(os.environ, PYTHONPATH=PYTHON_ROOT),
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        owned, got = run.stdout.split()
        self.assertEqual(got, "a")
        with self.assertRaises(ipcbroker.NotFoundError):
            ipcbroker.Queue(owned, create=False)  # the manager's object went with it
        shared = ipcbroker.Queue(name, create=False)
        self.addCleanup(shared.delete)
        self.assertEqual(shared.get(timeout=5), "b")  # the get's ack was applied: no redelivery
        with self.assertRaises(ipcbroker.Empty):
            shared.get_nowait()
