# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""Test support: the broker under test and a bounded base TestCase.

The broker is the one at ``IPCBROKER_TARGET`` when that is set (the Maven build sets it to its
embedded broker); otherwise one is started from ``server/target/*-all.jar`` on a free loopback
port for this test run and stopped, by its pid, at exit.
"""
import atexit
import faulthandler
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_ROOT = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PYTHON_ROOT))
sys.path.insert(0, PYTHON_ROOT)

# No single test may take longer than this; a hang dumps every thread's stack and exits with
# HUNG_EXIT_CODE (distinct from unittest's 1 for failures, so a runner can tell a hang).
TEST_TIMEOUT_SECONDS = 60
HUNG_EXIT_CODE = 70

BROKER_JAR = os.path.join(REPO, "server", "target", "ipcbroker-server-0.1.0-SNAPSHOT-all.jar")


def start_broker(*args):
    """Starts a broker of this build on a free loopback port with ``args`` added; returns its
    ``host:port``. It is stopped, by its pid, at exit (or by stop_broker)."""
    if not os.path.exists(BROKER_JAR):
        raise RuntimeError("no broker: set IPCBROKER_TARGET or build it (mvn -pl server -am package)")
    address_file = os.path.join(tempfile.mkdtemp(prefix="ipcbroker-pytest-"), "address")
    with open(address_file + ".log", "w") as log:
        proc = subprocess.Popen(
            ["java", "-jar", BROKER_JAR, "--port", "0", "--address-file", address_file]
            + list(args),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    _brokers.append(proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if os.path.exists(address_file) and os.path.getsize(address_file) > 0:
            with open(address_file) as f:
                return f.read().strip()
        if proc.poll() is not None:
            raise RuntimeError("the broker exited with %s; see %s.log" % (proc.returncode, address_file))
        time.sleep(0.05)
    raise RuntimeError("the broker did not start in 60 s")


def _stop_brokers():
    for proc in _brokers:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


_brokers = []
atexit.register(_stop_brokers)


def target():
    if not os.environ.get("IPCBROKER_TARGET"):
        os.environ["IPCBROKER_TARGET"] = start_broker()
    return os.environ["IPCBROKER_TARGET"]


def unique(prefix):
    """A name no other test (or earlier run against the same broker) uses."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def same_host():
    """Whether the broker runs on this host, so that processes it spawns can run this Python
    (the conformance suite says so in IPCBROKER_SAME_HOST; a broker started here is)."""
    return os.environ.get("IPCBROKER_SAME_HOST", "1") != "0"


def requires_same_host(test):
    return unittest.skipUnless(same_host(), "the broker runs on another host")(test)


def quiet_delete(handle):
    """Deletes a test's object, if it is still there (for addCleanup)."""
    import ipcbroker

    try:
        getattr(type(handle), "_delete", type(handle).delete)(handle)
    except ipcbroker.NotFoundError:
        pass


class BrokerTestCase(unittest.TestCase):
    """Connects to the broker under test; each test is bounded by TEST_TIMEOUT_SECONDS."""

    @classmethod
    def setUpClass(cls):
        cls.target = target()

    def setUp(self):
        faulthandler.dump_traceback_later(TEST_TIMEOUT_SECONDS, exit=False)
        self.addCleanup(faulthandler.cancel_dump_traceback_later)
        watchdog = threading.Timer(TEST_TIMEOUT_SECONDS + 1, os._exit, (HUNG_EXIT_CODE,))
        watchdog.daemon = True
        watchdog.start()
        self.addCleanup(watchdog.cancel)

    def set_env(self, key, value):
        """Sets an environment variable for this test only."""
        old = os.environ.get(key)
        os.environ[key] = value
        self.addCleanup(
            lambda: os.environ.pop(key, None) if old is None else os.environ.__setitem__(key, old)
        )

    def python_path_for_children(self):
        """Lets multiprocessing children of this test import ipcbroker (restored afterwards)."""
        self.set_env(
            "PYTHONPATH",
            os.pathsep.join(
                [PYTHON_ROOT, HERE] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            ),
        )
