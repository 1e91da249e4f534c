# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import multiprocessing
import os
import pickle
import sys
import time

from support import BrokerTestCase, quiet_delete, requires_same_host, unique

import ipcbroker
from ipcbroker.process import Process, active_children, open_process


def put_items(q, n, prefix="item"):
    for i in range(n):
        q.put("%s-%d" % (prefix, i))
    print("child wrote %d" % n)


def raise_error():
    raise ValueError("boom")


def exit_with(code):
    sys.exit(code)


def sleep_forever():
    time.sleep(3600)


def report_process(q):
    current = ipcbroker.current_process()
    q.put([current.name, current.id is not None, os.environ.get("IPCBROKER_TARGET") is not None])


def spawn_child_put(q, text):
    # In a plain multiprocessing spawn child: the handle was pickled by name.
    q.put(text)


@requires_same_host
class ProcessTest(BrokerTestCase):
    def start(self, *args, **kwargs):
        p = Process(*args, **kwargs)
        p.start()
        self.addCleanup(self._stop, p)
        return p

    @staticmethod
    def _stop(p):
        try:
            if p.exitcode is None:
                p.kill()
                p.join(10)
        except (ipcbroker.BrokerError, ValueError):
            pass  # already closed or gone

    def queue(self):
        q = ipcbroker.Queue(unique("pq"))
        self.addCleanup(quiet_delete, q)
        return q

    def test_target_runs_in_a_child_with_its_arguments_and_output(self):
        q = self.queue()
        p = self.start(target=put_items, args=(q, 3), kwargs={"prefix": "x"})
        self.assertIsInstance(p.pid, int)
        self.assertEqual([q.get(timeout=30) for _ in range(3)], ["x-0", "x-1", "x-2"])
        p.join(30)
        self.assertEqual(p.exitcode, 0)
        self.assertFalse(p.is_alive())
        self.assertEqual(p.read_output(), b"child wrote 3\n")
        self.assertTrue(p.name.startswith("Process-"))

    def test_exit_codes_are_pythons(self):
        raised = self.start(target=raise_error)
        exited = self.start(target=exit_with, args=(7,))
        program = self.start(argv=["sh", "-c", "exit 3"])
        for p in (raised, exited, program):
            p.join(30)
        self.assertEqual(raised.exitcode, 1)
        self.assertIn(b"ValueError: boom", raised.read_output("stderr"))
        self.assertEqual(exited.exitcode, 7)
        self.assertEqual(program.exitcode, 3)

    def test_join_with_timeout_terminate_and_kill(self):
        p = self.start(target=sleep_forever)
        start = time.monotonic()
        self.assertIsNone(p.join(0.3))
        self.assertGreaterEqual(time.monotonic() - start, 0.28)
        self.assertIsNone(p.exitcode)
        self.assertTrue(p.is_alive())
        p.terminate()
        p.join(30)
        self.assertEqual(p.exitcode, -15)
        k = self.start(argv=["sleep", "60"])
        k.kill()
        k.join(30)
        self.assertEqual(k.exitcode, -9)

    def test_lifecycle_errors_are_pythons(self):
        p = Process(target=exit_with, args=(0,))
        self.assertIsNone(p.exitcode)
        self.assertFalse(p.is_alive())
        with self.assertRaises(AssertionError):
            p.join()
        p.start()
        self.addCleanup(self._stop, p)
        with self.assertRaises(AssertionError):
            p.start()
        with self.assertRaises(ValueError):
            Process(target=exit_with, argv=["true"])
        p.join(30)
        p.close()
        with self.assertRaises(ValueError):
            p.is_alive()
        with self.assertRaises(ValueError):
            Process(target=exit_with).close() or Process(group=1, target=exit_with)

    def test_close_while_running_is_a_value_error(self):
        p = self.start(target=sleep_forever)
        with self.assertRaises(ValueError) as caught:
            p.close()
        self.assertEqual(caught.exception.reason, "PROCESS_RUNNING")

    def test_missing_program_fails_with_its_reason_and_leaves_nothing(self):
        with self.assertRaises(ipcbroker.BrokerError) as caught:
            Process(argv=["/no/such/program-%s" % unique("x")]).start()
        self.assertEqual(caught.exception.reason, "EXECUTABLE_NOT_FOUND")

    def test_child_knows_its_name_and_broker(self):
        q = self.queue()
        p = self.start(target=report_process, args=(q,), name="reporter")
        name, has_id, has_target = q.get(timeout=30)
        p.join(30)
        self.assertEqual((name, has_id, has_target), ("reporter", True, True))
        self.assertEqual(p.name, "reporter")

    def test_active_children_and_pickled_handles(self):
        p = self.start(target=sleep_forever, daemon=True)
        self.assertIn(p.id, [c.id for c in active_children()])
        copy = pickle.loads(pickle.dumps(p))
        self.assertEqual(copy.pid, p.pid)
        copy.terminate()
        p.join(30)
        self.assertEqual(p.exitcode, -15)
        self.assertNotIn(p.id, [c.id for c in active_children()])

    def test_a_daemon_is_terminated_when_its_owner_session_ends(self):
        other = ipcbroker.Broker(self.target)
        try:
            p = Process(argv=["sleep", "60"], daemon=True, broker=other)
            p.start()
        finally:
            other.close()
        watcher = open_process(p.id)
        watcher.join(30)
        self.assertEqual(watcher.exitcode, -15)

    def test_handles_reach_multiprocessing_spawn_children(self):
        q = self.queue()
        self.python_path_for_children()
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=spawn_child_put, args=(q, "from a spawn child"))
        child.start()
        child.join(60)
        self.assertEqual(child.exitcode, 0)
        self.assertEqual(q.get(timeout=10), "from a spawn child")
