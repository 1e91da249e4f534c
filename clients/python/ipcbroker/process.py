# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""``Process``: a process that the broker spawns and supervises, with Python's API.

``Process(target=f, args=...)`` runs a Python function in a new interpreter (as the ``spawn``
start method does); ``Process(argv=[...])`` runs any program. The broker owns the child: it
reaps it, keeps its exit status and output, and (for ``daemon=True``) terminates it when this
program's session ends, even if this program is killed.
"""
import os
import sys
import threading

from . import _spawn, _stubs
from ._broker import check_timeout, deadline_for
from ._handle import Handle, resolve

_pb = _stubs.process

_SIGNALS = {
    "TERM": _pb.SIGNAL_TERM,
    "KILL": _pb.SIGNAL_KILL,
    "INT": _pb.SIGNAL_INT,
    "HUP": _pb.SIGNAL_HUP,
    "QUIT": _pb.SIGNAL_QUIT,
    "USR1": _pb.SIGNAL_USR1,
    "USR2": _pb.SIGNAL_USR2,
}

_OUTPUT_MODES = {
    "capture": _pb.OutputRedirect.MODE_CAPTURE,
    "discard": _pb.OutputRedirect.MODE_DISCARD,
    "inherit": _pb.OutputRedirect.MODE_STDOUT,
}


def _redirect(spec):
    if spec == "parent":
        return _pb.OutputRedirect(mode=_pb.OutputRedirect.MODE_CAPTURE)
    if spec in _OUTPUT_MODES:
        return _pb.OutputRedirect(mode=_OUTPUT_MODES[spec])
    if isinstance(spec, (str, os.PathLike)):
        return _pb.OutputRedirect(mode=_pb.OutputRedirect.MODE_FILE, path=os.fspath(spec))
    raise ValueError("output must be 'parent', 'capture', 'discard', 'inherit' or a file path")


class _Mirror(threading.Thread):
    """Copies a child's captured output to this program's own stream as it is written, so that
    a child's prints show where Python's children's do (they inherit the parent's stdout)."""

    def __init__(self, broker, process_id, which, sink):
        super().__init__(name="ipcbroker-output-%s" % process_id, daemon=True)
        self._call = broker.processes.ReadOutput(
            _pb.ReadOutputRequest(id=process_id, stream=which, offset=0, follow=True)
        )
        self._sink = sink

    def run(self):
        try:
            for response in self._call:
                try:
                    self._sink.buffer.write(response.data)
                    self._sink.flush()
                except (AttributeError, ValueError):
                    self._sink.write(response.data.decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - the process record went away, or we cancelled
            pass

    def stop(self):
        self._call.cancel()


class Process(Handle):
    """A broker-spawned process.

    ``target``/``args``/``kwargs``/``name``/``daemon`` are Python's. ``argv`` runs a program
    instead of a function. ``env`` adds variables, ``cwd`` sets the working directory (both
    default to this program's: the child inherits this program's environment, as Python's
    children do), ``stdout``/``stderr`` are ``"parent"`` (the default: captured,
    and copied to this program's own stdout/stderr as the child writes, as a Python child's
    output would show), ``"capture"`` (kept on the broker: read it with :meth:`read_output`),
    ``"discard"``, ``"inherit"`` (the broker's own) or a file path.
    """

    def __init__(
        self,
        group=None,
        target=None,
        name=None,
        args=(),
        kwargs=None,
        *,
        daemon=None,
        argv=None,
        env=None,
        cwd=None,
        stdout="parent",
        stderr="parent",
        broker=None,
    ):
        if group is not None:
            raise ValueError("group must be None")
        if (target is None) == (argv is None):
            raise ValueError("give exactly one of target and argv")
        self._broker = resolve(broker)
        self._target = target
        self._args = tuple(args)
        self._kwargs = dict(kwargs or {})
        self._argv = list(argv) if argv is not None else None
        self._env = dict(env or {})
        self._cwd = cwd
        self._stdout = _redirect(stdout)
        self._stderr = _redirect(stderr)
        self._mirror_to = [
            (which, sink)
            for which, spec, sink in (
                (_pb.OUTPUT_STREAM_STDOUT, stdout, sys.stdout),
                (_pb.OUTPUT_STREAM_STDERR, stderr, sys.stderr),
            )
            if spec == "parent"
        ]
        self._mirrors = []
        self._requested_name = name
        self._name = name
        self._daemon = bool(daemon) if daemon is not None else False
        self._id = None
        self._info = None
        self._closed = False

    # -- Python's API -----------------------------------------------------------------------

    def run(self):
        """Runs the target in this process (as Python's ``run``; ``start`` runs it in a child)."""
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def start(self):
        """Spawns the child. ``ValueError`` if it was started before or closed."""
        self._check_open()
        if self._id is not None:
            raise ProcessAlreadyStarted("cannot start a process twice")
        self._broker.check_process()
        # The child's environment is this program's, as for any child of Python's, plus env.
        env = _spawn.inherited_env()
        if self._target is not None:
            env.update(_spawn.child_env((self._target, self._args, self._kwargs)))
            argv = [sys.executable, "-m", "ipcbroker._run"]
        else:
            argv = self._argv
        env.update(self._env)
        request = _pb.CreateProcessRequest(
            session_id=self._broker.session_id,
            argv=argv,
            name=self._requested_name or "",
            env=env,
            replace_env=True,
            cwd=self._cwd or os.getcwd(),
            daemon=self._daemon,
            stdout=self._stdout,
            stderr=self._stderr,
            start=True,
        )
        self._set(self._broker.call(self._broker.processes.CreateProcess, request).process)
        self._id = self._info.id
        for which, sink in self._mirror_to:
            mirror = _Mirror(self._broker, self._id, which, sink)
            mirror.start()
            self._mirrors.append(mirror)

    def join(self, timeout=None):
        """Waits until the child exits, at most ``timeout`` seconds. Returns None either way, as
        Python does: look at ``exitcode`` (None while it runs)."""
        self._check_open()
        self._check_started("join")
        timeout = check_timeout(timeout)
        request = _pb.JoinProcessRequest(id=self._id, session_id=self._broker.session_id)
        if timeout is not None:
            request.timeout_seconds = timeout
        response = self._broker.call(
            self._broker.processes.JoinProcess, request, timeout=deadline_for(timeout)
        )
        self._set(response.process)
        if response.exited:
            # A join that says "exited" is followed by the complete output: let the copies
            # catch up, so the child's last lines show before join returns (as in Python).
            for mirror in self._mirrors:
                mirror.join(5)

    def is_alive(self):
        self._check_open()
        if self._id is None:
            return False
        return self._refresh().alive

    @property
    def exitcode(self):
        """None while it runs (or before start); else Python's exit code: the code, or -N for a
        signal N."""
        self._check_open()
        if self._id is None:
            return None
        info = self._refresh()
        if info.state != _pb.PROCESS_STATE_EXITED:
            return None
        return info.exit_status.exitcode

    @property
    def pid(self):
        if self._id is None:
            return None
        if self._info is None or not self._info.HasField("pid"):
            self._refresh()
        return self._info.pid if self._info.HasField("pid") else None

    ident = pid

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        if self._id is not None:
            raise ValueError("the broker names a started process; set name before start")
        self._requested_name = self._name = value

    @property
    def daemon(self):
        return self._daemon

    @daemon.setter
    def daemon(self, value):
        if self._id is not None:
            raise ValueError("process has already started")
        self._daemon = bool(value)

    @property
    def id(self):
        """The broker's id of the process (None before start)."""
        return self._id

    def terminate(self):
        """SIGTERM to the child (and its process group)."""
        self.send_signal("TERM")

    def kill(self):
        """SIGKILL to the child (and its process group)."""
        self.send_signal("KILL")

    def send_signal(self, signal):
        """Sends ``"TERM"``, ``"KILL"``, ``"INT"``, ``"HUP"``, ``"QUIT"``, ``"USR1"`` or
        ``"USR2"``. Returns whether it was sent (False once the process has exited)."""
        self._check_open()
        self._check_started("signal")
        try:
            code = _SIGNALS[signal.upper()]
        except (KeyError, AttributeError):
            raise ValueError("unknown signal %r" % (signal,)) from None
        response = self._broker.call(
            self._broker.processes.SignalProcess, _pb.SignalProcessRequest(id=self._id, signal=code)
        )
        self._set(response.process)
        return response.sent

    def close(self):
        """Forgets the process on the broker. ``ValueError`` while it still runs, as Python."""
        if self._closed:
            return
        if self._id is not None:
            # Refused (ValueError, PROCESS_RUNNING) while it runs; its output keeps showing then.
            self._broker.call(
                self._broker.processes.DeleteProcess,
                _pb.DeleteProcessRequest(id=self._id, allow_missing=True),
            )
            for mirror in self._mirrors:
                mirror.stop()
        self._closed = True

    def read_output(self, stream="stdout", offset=0):
        """What the child wrote to ``"stdout"`` or ``"stderr"`` (captured), from ``offset``; a
        negative offset counts from the end."""
        self._check_started("read output")
        which = {"stdout": _pb.OUTPUT_STREAM_STDOUT, "stderr": _pb.OUTPUT_STREAM_STDERR}[stream]
        chunks = []
        try:
            for response in self._broker.processes.ReadOutput(
                _pb.ReadOutputRequest(id=self._id, stream=which, offset=offset), timeout=30
            ):
                chunks.append(response.data)
        except Exception as e:  # noqa: BLE001 - translated in one place
            from ._errors import translate

            raise translate(e) from None
        return b"".join(chunks)

    def info(self):
        """The broker's full record of the process (``ipcbroker.v1.ProcessInfo``)."""
        self._check_started("describe")
        return self._refresh()

    # -- internals --------------------------------------------------------------------------

    def _refresh(self):
        response = self._broker.call(
            self._broker.processes.GetProcess, _pb.GetProcessRequest(id=self._id)
        )
        self._set(response.process)
        return self._info

    def _set(self, info):
        self._info = info
        self._name = info.name or self._name

    def _check_open(self):
        if self._closed:
            raise ValueError("process object is closed")

    def _check_started(self, what):
        if self._id is None:
            raise ProcessNotStarted("can only %s a started process" % what)

    def _state(self):
        return (self._id, self._name, self._daemon)

    def _restore(self, state):
        self._id, self._name, self._daemon = state
        self._target, self._argv, self._info, self._closed = None, None, None, False
        self._mirrors, self._mirror_to = [], []
        self._requested_name = self._name

    def __repr__(self):
        if self._id is None:
            status = "initial"
        elif self._info is not None and self._info.state == _pb.PROCESS_STATE_EXITED:
            status = "stopped exitcode=%d" % self._info.exit_status.exitcode
        else:
            status = "started"
        return "<ipcbroker.Process name=%r %s%s>" % (
            self._name,
            status,
            " daemon" if self._daemon else "",
        )


class ProcessAlreadyStarted(AssertionError):
    """Python raises ``AssertionError`` for a second ``start``."""


class ProcessNotStarted(AssertionError):
    """Python raises ``AssertionError`` when joining a process that was never started."""


def open_process(process_id, broker=None):
    """A handle to a process the broker already knows, by its id."""
    proc = Process.__new__(Process)
    proc._broker = resolve(broker)
    proc._restore((process_id, None, False))
    proc._refresh()
    proc._daemon = proc._info.daemon
    return proc


def active_children(broker=None):
    """This program's children that still run."""
    broker = resolve(broker)
    response = broker.call(
        broker.processes.ListProcesses,
        _pb.ListProcessesRequest(
            session_id=broker.session_id, state=_pb.PROCESS_STATE_RUNNING, page_size=1000
        ),
    )
    children = []
    for info in response.processes:
        proc = Process.__new__(Process)
        proc._broker = broker
        proc._restore((info.id, info.name, info.daemon))
        proc._info = info
        children.append(proc)
    return children


class _Current:
    """What ``current_process()`` answers: this process's name, pid and broker id."""

    def __init__(self):
        self.name = os.environ.get("IPCBROKER_PROCESS_NAME") or "MainProcess"
        self.id = os.environ.get("IPCBROKER_PROCESS_ID") or None
        self.daemon = False

    @property
    def pid(self):
        return os.getpid()

    ident = pid

    def __repr__(self):
        return "<ipcbroker current process name=%r pid=%d>" % (self.name, os.getpid())


def current_process():
    return _Current()
