# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import multiprocessing
import os
import pickle
import signal
import threading
import time
import unittest

from support import HERE, PYTHON_ROOT, BrokerTestCase, quiet_delete, unique

import ipcbroker
from ipcbroker import _stubs
from ipcbroker.synchronize import (
    Barrier,
    BoundedSemaphore,
    Condition,
    Event,
    Lock,
    RLock,
    Semaphore,
)

# A wait for something that should happen at once; a test fails rather than hang past it.
LONG = 10


def wait_until(predicate, timeout=LONG):
    """Polls ``predicate`` until it is true; False if ``timeout`` passed first. Used to learn
    that a call is parked on the broker (there is no event to wait on for that)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def describe_lock(handle):
    return handle.broker.locks.DescribeLock(
        _stubs.lock.DescribeLockRequest(name=handle.name), timeout=5
    ).lock


def describe_condition(handle):
    return handle.broker.locks.DescribeCondition(
        _stubs.lock.DescribeConditionRequest(name=handle.name), timeout=5
    ).condition


def describe_event(handle):
    return handle.broker.events.DescribeEvent(
        _stubs.event.DescribeEventRequest(name=handle.name), timeout=5
    ).event


def describe_semaphore(handle):
    return handle.broker.semaphores.DescribeSemaphore(
        _stubs.semaphore.DescribeSemaphoreRequest(name=handle.name), timeout=5
    ).semaphore


class Outcome:
    """Runs ``fn`` in a thread and keeps its result or exception."""

    def __init__(self, fn, *args):
        self.value = self.error = None
        self.thread = threading.Thread(target=self._run, args=(fn,) + args, daemon=True)
        self.thread.start()

    def _run(self, fn, *args):
        try:
            self.value = fn(*args)
        except BaseException as e:  # noqa: BLE001 - reported to the test
            self.error = e

    def join(self, timeout=LONG):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError("thread still running after %s s" % timeout)
        return self


class LoseAnswer:
    """Replaces ``broker.call`` so that one call of ``method`` reaches the broker and is answered,
    but the caller gets a KeyboardInterrupt instead of the answer: a Ctrl-C that arrives just
    after the broker granted the request."""

    def __init__(self, broker, method):
        self.broker = broker
        self.method = method
        self.real = broker.call
        self.fired = False
        broker.call = self

    def __call__(self, method, request, **kwargs):
        if method is self.method and not self.fired:
            self.fired = True
            self.real(method, request, **kwargs)
            raise KeyboardInterrupt
        return self.real(method, request, **kwargs)


class SyncTestCase(BrokerTestCase):
    def make(self, cls, *args, **kwargs):
        handle = cls(*args, **kwargs)
        self.addCleanup(quiet_delete, handle)
        return handle

    def other_broker(self):
        """A second connection with its own session: another process, as the broker sees it."""
        broker = ipcbroker.Broker(self.target)
        self.addCleanup(broker.close)
        return broker

    def interrupt_main_when(self, predicate):
        """Sends SIGINT to the main thread (which runs the test) once ``predicate`` holds: a real
        Ctrl-C while the test is blocked in a call."""
        if threading.current_thread() is not threading.main_thread():
            self.skipTest("needs the main thread")
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.addCleanup(signal.signal, signal.SIGINT, previous)
        main = threading.main_thread().ident

        def run():
            if wait_until(predicate):
                signal.pthread_kill(main, signal.SIGINT)

        helper = threading.Thread(target=run, daemon=True)
        helper.start()
        return helper


class LockTest(SyncTestCase):
    def test_mutual_exclusion_across_connections_and_timed_out_acquire(self):
        lock = self.make(Lock, unique("lock"))
        other = Lock(lock.name, broker=self.other_broker())
        self.assertTrue(other.acquire())
        self.assertFalse(lock.acquire(False))
        self.assertFalse(lock.acquire(block=False, timeout=10))  # block=False ignores it
        start = time.monotonic()
        self.assertFalse(lock.acquire(timeout=0.3))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.28)
        self.assertLess(elapsed, 5)
        with self.assertRaises(RuntimeError) as caught:
            lock.release()  # held by the other connection, not by us
        self.assertEqual(caught.exception.reason, "LOCK_NOT_OWNED")
        self.assertTrue(describe_lock(lock).locked)
        other.release()
        self.assertTrue(lock.acquire(timeout=5))
        lock.release()

    def test_mutual_exclusion_across_threads(self):
        lock = self.make(Lock, unique("lock"))
        state = {"inside": 0, "most": 0, "count": 0}

        def work():
            for _ in range(15):
                with lock:
                    state["inside"] += 1
                    state["most"] = max(state["most"], state["inside"])
                    count = state["count"]
                    time.sleep(0.001)  # widens the window a missing exclusion would show in
                    state["count"] = count + 1
                    state["inside"] -= 1

        workers = [Outcome(work) for _ in range(4)]
        for w in workers:
            self.assertIsNone(w.join(30).error)
        self.assertEqual(state["count"], 60)
        self.assertEqual(state["most"], 1)

    def test_lock_is_not_reentrant_and_only_its_thread_releases_it(self):
        lock = self.make(Lock, unique("lock"))
        self.assertTrue(lock.acquire())
        self.assertFalse(lock.acquire(timeout=0.2))  # waits like anyone's, as in Python
        stranger = Outcome(lock.release).join()
        self.assertIsInstance(stranger.error, RuntimeError)
        self.assertEqual(stranger.error.reason, "LOCK_NOT_OWNED")
        self.assertFalse(Outcome(lock.acquire, False).join().value)
        lock.release()
        with self.assertRaises(RuntimeError) as caught:
            lock.release()  # free now
        self.assertEqual(caught.exception.reason, "LOCK_NOT_OWNED")

    def test_rlock_is_reentrant_per_thread(self):
        rlock = self.make(RLock, unique("rlock"))
        for _ in range(3):
            self.assertTrue(rlock.acquire())
        info = describe_lock(rlock)
        self.assertEqual(info.hold_count, 3)
        self.assertFalse(Outcome(rlock.acquire, False).join().value)
        stranger = Outcome(rlock.release).join()
        self.assertIsInstance(stranger.error, RuntimeError)
        self.assertEqual(stranger.error.reason, "LOCK_NOT_OWNED")
        self.assertEqual(describe_lock(rlock).hold_count, 3)  # unchanged, as in Python
        for _ in range(3):
            rlock.release()
        with self.assertRaises(RuntimeError):
            rlock.release()
        with rlock as got:
            self.assertTrue(got)
            with rlock:
                self.assertEqual(describe_lock(rlock).hold_count, 2)
        self.assertFalse(describe_lock(rlock).locked)

        def take_and_give_back():
            got = rlock.acquire(False)
            rlock.release()
            return got

        self.assertTrue(Outcome(take_and_give_back).join().value)  # free for another thread

    def test_fencing_tokens_grow_and_reentry_keeps_the_token(self):
        rlock = self.make(RLock, unique("rlock"))
        self.assertEqual(rlock.fencing_token, 0)
        with rlock:
            first = rlock.fencing_token
            self.assertGreater(first, 0)
            with rlock:
                self.assertEqual(rlock.fencing_token, first)
            self.assertFalse(rlock.was_abandoned)
        self.assertEqual(rlock.fencing_token, 0)
        with rlock:
            self.assertGreater(rlock.fencing_token, first)

    def test_a_holder_whose_session_ends_hands_the_lock_over_as_abandoned(self):
        lock = self.make(Lock, unique("lock"))
        gone = self.other_broker()
        theirs = Lock(lock.name, broker=gone)
        self.assertTrue(theirs.acquire())
        their_token = theirs.fencing_token

        def waiter():
            got = lock.acquire(timeout=LONG)
            flags = (got, lock.was_abandoned, lock.fencing_token)
            lock.release()
            return flags

        outcome = Outcome(waiter)
        self.assertTrue(wait_until(lambda: describe_lock(lock).waiters == 1))
        gone.close()
        got, abandoned, token = outcome.join().value
        self.assertTrue(got)
        self.assertTrue(abandoned)
        self.assertGreater(token, their_token)
        with lock:
            self.assertFalse(lock.was_abandoned)  # said once, to the next grant only

    def test_bad_timeouts_and_open_rules(self):
        lock = self.make(Lock, unique("lock"))
        for bad in (-1, float("nan"), float("inf")):
            with self.assertRaises(ValueError):
                lock.acquire(timeout=bad)
        self.assertFalse(describe_lock(lock).locked)
        with self.assertRaises(ValueError) as caught:
            RLock(lock.name)
        self.assertEqual(caught.exception.reason, "CONFIG_MISMATCH")
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            Lock(unique("missing"), create=False)
        self.assertEqual(caught.exception.reason, "LOCK_NOT_FOUND")
        self.assertEqual(Lock(lock.name, create=False).name, lock.name)
        with self.assertRaises(ValueError):
            RLock(lock.name, create=False)

    def test_ctrl_c_while_waiting_leaves_no_grant_behind(self):
        lock = self.make(Lock, unique("lock"))
        theirs = Lock(lock.name, broker=self.other_broker())
        self.assertTrue(theirs.acquire())
        helper = self.interrupt_main_when(lambda: describe_lock(lock).waiters == 1)
        with self.assertRaises(KeyboardInterrupt):
            lock.acquire()
        helper.join(LONG)
        self.assertEqual(describe_lock(lock).waiters, 0)
        theirs.release()
        info = describe_lock(lock)
        self.assertFalse(info.locked)  # not granted to the request given up
        self.assertEqual(lock.fencing_token, 0)

    def test_an_answer_lost_after_the_grant_is_settled(self):
        broker = self.other_broker()
        lock = self.make(Lock, unique("lock"), broker=broker)
        LoseAnswer(broker, broker.locks.AcquireLock)
        with self.assertRaises(KeyboardInterrupt):
            lock.acquire(timeout=5)
        # The broker granted it, the caller never heard: the settle must have released it.
        self.assertFalse(describe_lock(lock).locked)
        self.assertTrue(Lock(lock.name).acquire(False))
        Lock(lock.name).release()


class SemaphoreTest(SyncTestCase):
    def test_counting_timing_and_unbounded_release(self):
        sem = self.make(Semaphore, unique("sem"), 2)
        self.assertEqual(sem.get_value(), 2)
        self.assertTrue(sem.acquire())
        self.assertTrue(sem.acquire(timeout=1))
        self.assertFalse(sem.acquire(False))
        self.assertEqual(sem.get_value(), 0)
        start = time.monotonic()
        self.assertFalse(sem.acquire(timeout=0.3))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.28)
        self.assertLess(elapsed, 5)
        sem.release()
        self.assertEqual(sem.get_value(), 1)
        sem.release(3)  # beyond what was acquired: an unbounded semaphore grows, as in Python
        self.assertEqual(sem.get_value(), 4)
        with self.assertRaises(ValueError):
            sem.release(0)
        with sem as got:
            self.assertTrue(got)
            self.assertEqual(sem.get_value(), 3)
        self.assertEqual(sem.get_value(), 4)

    def test_bounded_semaphore_refuses_over_release(self):
        sem = self.make(BoundedSemaphore, unique("bsem"), 2)
        self.assertTrue(sem.acquire())
        with self.assertRaises(ValueError) as caught:
            sem.release(2)  # all or nothing
        self.assertEqual(caught.exception.reason, "SEMAPHORE_OVER_RELEASED")
        self.assertEqual(sem.get_value(), 1)
        sem.release()
        with self.assertRaises(ValueError) as caught:
            sem.release()
        self.assertEqual(caught.exception.reason, "SEMAPHORE_OVER_RELEASED")
        self.assertEqual(sem.get_value(), 2)

    def test_blocked_acquire_is_woken_by_a_release_from_another_connection(self):
        sem = self.make(Semaphore, unique("sem"), 0)
        theirs = Semaphore(sem.name, 0, broker=self.other_broker())
        outcome = Outcome(sem.acquire, True, LONG)
        self.assertTrue(wait_until(lambda: describe_semaphore(sem).waiters == 1))
        theirs.release()
        self.assertTrue(outcome.join().value)
        self.assertEqual(sem.get_value(), 0)

    def test_permits_of_an_ended_session_come_back_abandoned(self):
        sem = self.make(Semaphore, unique("sem"), 1)
        gone = self.other_broker()
        self.assertTrue(Semaphore(sem.name, broker=gone).acquire())
        self.assertFalse(sem.acquire(False))
        gone.close()
        self.assertTrue(sem.acquire(timeout=LONG))
        self.assertTrue(sem.was_abandoned)

    def test_an_answer_lost_after_the_grant_is_settled(self):
        broker = self.other_broker()
        sem = self.make(Semaphore, unique("sem"), 1, broker=broker)
        LoseAnswer(broker, broker.semaphores.AcquireSemaphore)
        with self.assertRaises(KeyboardInterrupt):
            sem.acquire()
        self.assertEqual(sem.get_value(), 1)
        self.assertEqual(describe_semaphore(sem).held, 0)

    def test_open_rules(self):
        sem = self.make(Semaphore, unique("sem"), 2)
        with self.assertRaises(ValueError) as caught:
            Semaphore(sem.name, 3)
        self.assertEqual(caught.exception.reason, "CONFIG_MISMATCH")
        with self.assertRaises(ValueError):
            BoundedSemaphore(sem.name, create=False)
        self.assertEqual(Semaphore(sem.name, create=False).get_value(), 2)
        with self.assertRaises(ValueError):
            Semaphore(unique("neg"), -1)


class ConditionTest(SyncTestCase):
    def condition(self, lock=None):
        cond = self.make(Condition, unique("cond"), lock)
        if lock is None:
            self.addCleanup(quiet_delete, cond.lock)
        return cond

    def test_wait_timeout_returns_false_and_holds_the_lock_again_with_its_count(self):
        cond = self.condition()
        self.assertIsInstance(cond.lock, RLock)
        cond.acquire()
        cond.acquire()
        start = time.monotonic()
        self.assertFalse(cond.wait(0.3))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.28)
        self.assertLess(elapsed, 5)
        self.assertEqual(describe_lock(cond.lock).hold_count, 2)
        self.assertFalse(cond.wait(-1))  # a negative timeout does not wait, as in Python
        cond.release()
        cond.release()
        with self.assertRaises(RuntimeError):
            cond.release()

    def test_notify_wakes_n_current_waiters_and_notify_all_the_rest(self):
        cond = self.condition()

        def waiter():
            with cond:
                return cond.wait(LONG)

        waiters = [Outcome(waiter) for _ in range(3)]
        self.assertTrue(wait_until(lambda: describe_condition(cond).waiters == 3))
        with cond:
            cond.notify(2)
        self.assertTrue(wait_until(lambda: sum(not w.thread.is_alive() for w in waiters) == 2))
        self.assertEqual(describe_condition(cond).waiters, 1)
        with cond:
            cond.notify_all()
        for w in waiters:
            self.assertIs(w.join().value, True)
        with cond:
            cond.notify()  # no waiters: lost, not an error

    def test_wait_for_a_predicate(self):
        cond = self.condition(self.make(Lock, unique("lock")))
        items = []

        def consumer():
            with cond:
                return cond.wait_for(lambda: list(items), LONG)

        outcome = Outcome(consumer)
        with cond:
            items.append("x")
            cond.notify()
        self.assertEqual(outcome.join().value, ["x"])
        with cond:
            start = time.monotonic()
            self.assertEqual(cond.wait_for(lambda: len(items) > 1, 0.3), False)
            self.assertGreaterEqual(time.monotonic() - start, 0.28)
            self.assertEqual(cond.wait_for(lambda: "now", 0), "now")

    def test_wait_and_notify_need_the_lock(self):
        cond = self.condition()
        with self.assertRaises(RuntimeError) as caught:
            cond.wait(1)
        self.assertEqual(caught.exception.reason, "LOCK_NOT_OWNED")
        with self.assertRaises(RuntimeError):
            cond.notify()
        with self.assertRaises(RuntimeError):
            cond.notify_all()

    def test_open_by_name_finds_its_lock_and_delete_takes_its_own_lock(self):
        lock = self.make(Lock, unique("lock"))
        bound = self.condition(lock)
        self.assertIs(Condition(bound.name).lock.__class__, Lock)
        self.assertEqual(Condition(bound.name).lock.name, lock.name)
        with self.assertRaises(ValueError):
            Condition(bound.name, self.make(Lock, unique("lock")))
        own = Condition(unique("cond"))
        self.addCleanup(quiet_delete, own)
        self.assertEqual(Condition(own.name, create=False).lock.name, own.lock.name)
        own.delete()
        with self.assertRaises(ipcbroker.NotFoundError):
            Lock(own.lock.name, create=False)  # created for the condition, deleted with it
        bound.delete()
        self.assertEqual(Lock(lock.name, create=False).name, lock.name)  # not its own: kept
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            Condition(unique("missing"), create=False)
        self.assertEqual(caught.exception.reason, "CONDITION_NOT_FOUND")

    def test_ctrl_c_while_waiting_takes_the_lock_back_with_its_count(self):
        cond = self.condition()
        cond.acquire()
        cond.acquire()
        helper = self.interrupt_main_when(lambda: describe_condition(cond).waiters == 1)
        with self.assertRaises(KeyboardInterrupt):
            cond.wait()
        helper.join(LONG)
        info = describe_lock(cond.lock)
        self.assertEqual(info.hold_count, 2)  # as threading.Condition.wait's finally does
        self.assertEqual(describe_condition(cond).waiters, 0)
        cond.release()
        cond.release()
        self.assertFalse(describe_lock(cond.lock).locked)

    def test_an_answer_lost_after_the_wait_ended_keeps_the_count(self):
        broker = self.other_broker()
        lock = self.make(RLock, unique("rlock"), broker=broker)
        cond = self.make(Condition, unique("cond"), lock)
        LoseAnswer(broker, broker.locks.WaitCondition)
        with cond:
            with cond:
                with self.assertRaises(KeyboardInterrupt):
                    cond.wait(0.05)
                self.assertEqual(describe_lock(lock).hold_count, 2)  # not 4, not 0
        self.assertFalse(describe_lock(lock).locked)


class EventTest(SyncTestCase):
    def test_set_clear_and_wait_timing(self):
        event = self.make(Event, unique("event"))
        self.assertFalse(event.is_set())
        start = time.monotonic()
        self.assertFalse(event.wait(0.3))
        elapsed = time.monotonic() - start
        self.assertGreaterEqual(elapsed, 0.28)
        self.assertLess(elapsed, 5)
        self.assertFalse(event.wait(-1))
        event.set()
        event.set()  # idempotent
        self.assertTrue(event.is_set())
        self.assertTrue(event.wait())
        self.assertTrue(event.wait(0))
        event.clear()
        self.assertFalse(event.is_set())
        with self.assertRaises(ValueError):
            event.wait(float("nan"))

    def test_set_from_another_connection_wakes_every_waiter(self):
        event = self.make(Event, unique("event"))
        theirs = Event(event.name, broker=self.other_broker())
        waiters = [Outcome(event.wait) for _ in range(2)] + [Outcome(event.wait, LONG)]
        self.assertTrue(wait_until(lambda: describe_event(event).waiters == 3))
        theirs.set()
        self.assertEqual([w.join().value for w in waiters], [True, True, True])

    def test_open_missing(self):
        with self.assertRaises(ipcbroker.NotFoundError) as caught:
            Event(unique("missing"), create=False)
        self.assertEqual(caught.exception.reason, "EVENT_NOT_FOUND")


class BarrierTest(SyncTestCase):
    def test_indices_generations_and_action(self):
        ran = []
        barrier = self.make(
            Barrier, unique("barrier"), 3, action=lambda: ran.append(threading.get_ident())
        )
        self.assertEqual(barrier.parties, 3)
        for generation in range(2):
            waiters = [Outcome(barrier.wait, LONG) for _ in range(3)]
            results = [w.join() for w in waiters]
            self.assertEqual([r.error for r in results], [None] * 3)
            self.assertEqual(sorted(r.value for r in results), [0, 1, 2])
            self.assertEqual(len(ran), generation + 1)  # once per generation...
            last = next(w for w in waiters if w.value == 2)
            self.assertEqual(ran[-1], last.thread.ident)  # ...by the one that completed it
        self.assertEqual(barrier.n_waiting, 0)
        self.assertFalse(barrier.broken)

    def test_a_timeout_breaks_it_for_every_waiter_until_reset(self):
        barrier = self.make(Barrier, unique("barrier"), 3)
        other = Outcome(barrier.wait)
        self.assertTrue(wait_until(lambda: barrier.n_waiting == 1))
        start = time.monotonic()
        with self.assertRaises(threading.BrokenBarrierError) as caught:
            barrier.wait(0.3)
        self.assertGreaterEqual(time.monotonic() - start, 0.28)
        self.assertEqual(caught.exception.reason, "BARRIER_BROKEN")
        self.assertIsInstance(other.join().error, threading.BrokenBarrierError)
        self.assertTrue(barrier.broken)
        with self.assertRaises(threading.BrokenBarrierError):
            barrier.wait(LONG)  # at once: it stays broken
        barrier.reset()
        self.assertFalse(barrier.broken)
        self.assertEqual(barrier.n_waiting, 0)

    def test_default_timeout_abort_and_reset(self):
        barrier = self.make(Barrier, unique("barrier"), 2, timeout=0.3)
        start = time.monotonic()
        with self.assertRaises(threading.BrokenBarrierError):
            barrier.wait()  # the constructor's timeout applies
        self.assertGreaterEqual(time.monotonic() - start, 0.28)
        barrier.reset()
        other = Outcome(barrier.wait, LONG)
        self.assertTrue(wait_until(lambda: barrier.n_waiting == 1))
        barrier.abort()
        self.assertIsInstance(other.join().error, threading.BrokenBarrierError)
        self.assertTrue(barrier.broken)
        barrier.reset()
        waiters = [Outcome(barrier.wait, LONG) for _ in range(2)]
        self.assertEqual(sorted(w.join().value for w in waiters), [0, 1])

    def test_one_party_and_a_failing_action(self):
        solo = self.make(Barrier, unique("barrier"), 1)
        self.assertEqual([solo.wait(), solo.wait(0)], [0, 0])

        def boom():
            raise ZeroDivisionError

        failing = self.make(Barrier, unique("barrier"), 1, action=boom)
        with self.assertRaises(ZeroDivisionError):
            failing.wait()
        self.assertTrue(failing.broken)

    def test_open_rules(self):
        barrier = self.make(Barrier, unique("barrier"), 2)
        with self.assertRaises(ValueError) as caught:
            Barrier(barrier.name, 3)
        self.assertEqual(caught.exception.reason, "CONFIG_MISMATCH")
        self.assertEqual(Barrier(barrier.name, create=False).parties, 2)
        with self.assertRaises(ValueError):
            Barrier(unique("barrier"), 0)
        with self.assertRaises(TypeError):
            Barrier(unique("barrier"))


def _child(lock, rlock, sem, bsem, cond, event, barrier, counter, rounds):
    """A spawned child that uses every kind of handle it was given."""
    barrier.wait(LONG)
    for _ in range(rounds):
        with lock:
            counter.put(counter.get(timeout=LONG) + 1)
    with rlock:
        with rlock:
            pass
    with sem:
        pass
    bsem.acquire()
    bsem.release()
    with cond:
        event.set()
        cond.notify_all()


class HandOverTest(SyncTestCase):
    def test_pickled_handles_reopen_the_same_objects(self):
        lock = self.make(Lock, unique("lock"))
        rlock = self.make(RLock, unique("rlock"))
        sem = self.make(BoundedSemaphore, unique("bsem"), 2)
        cond = self.make(Condition, unique("cond"), rlock)
        event = self.make(Event, unique("event"))
        barrier = self.make(Barrier, unique("barrier"), 2, timeout=5)
        copies = [pickle.loads(pickle.dumps(h)) for h in (lock, rlock, sem, cond, event, barrier)]
        for original, copy in zip((lock, rlock, sem, cond, event, barrier), copies):
            self.assertIs(type(copy), type(original))
            self.assertEqual(copy.name, original.name)
        lock_c, rlock_c, sem_c, cond_c, event_c, barrier_c = copies
        self.assertTrue(lock_c.acquire())
        self.assertFalse(lock.acquire(False))  # the same lock, held by this thread already
        lock.release()
        with rlock_c:
            self.assertEqual(describe_lock(rlock).hold_count, 1)
            with cond_c:  # the copy's lock is the same RLock: re-entered
                self.assertEqual(describe_lock(rlock).hold_count, 2)
        self.assertTrue(sem_c.acquire(False))
        self.assertEqual(sem.get_value(), 1)
        sem.release()
        event_c.set()
        self.assertTrue(event.is_set())
        self.assertEqual(barrier_c.parties, 2)
        self.assertEqual(cond_c.lock.name, rlock.name)

    def test_every_handle_works_in_a_spawned_child(self):
        # The child imports this module (the target) and ipcbroker by name.
        previous = os.environ.get("PYTHONPATH")
        paths = [PYTHON_ROOT, HERE, previous]
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)

        def restore():
            if previous is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = previous

        self.addCleanup(restore)
        lock = self.make(Lock, unique("lock"))
        rlock = self.make(RLock, unique("rlock"))
        sem = self.make(Semaphore, unique("sem"), 1)
        bsem = self.make(BoundedSemaphore, unique("bsem"), 1)
        cond = self.make(Condition, unique("cond"), rlock)
        event = self.make(Event, unique("event"))
        barrier = self.make(Barrier, unique("barrier"), 2)
        counter = ipcbroker.Queue(unique("counter"))
        self.addCleanup(quiet_delete, counter)
        counter.put(0)
        rounds = 10
        child = multiprocessing.get_context("spawn").Process(
            target=_child, args=(lock, rlock, sem, bsem, cond, event, barrier, counter, rounds)
        )
        child.start()
        self.addCleanup(lambda: child.is_alive() and child.kill())
        barrier.wait(30)  # the child is up and holds working handles
        for _ in range(rounds):
            with lock:
                counter.put(counter.get(timeout=LONG) + 1)
        with cond:
            self.assertTrue(cond.wait_for(event.is_set, 30))
        child.join(30)
        self.assertEqual(child.exitcode, 0)
        self.assertEqual(counter.get(timeout=LONG), 2 * rounds)
        self.assertEqual(sem.get_value(), 1)
        self.assertEqual(bsem.get_value(), 1)
        self.assertFalse(describe_lock(rlock).locked)


if __name__ == "__main__":
    unittest.main()
