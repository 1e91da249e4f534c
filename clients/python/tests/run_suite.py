#!/usr/bin/env python3
# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
"""Runs every Python client test and reports each one on a machine-readable line of REPORT,
for the conformance suite's JUnit report (PythonClientConformanceTest):

    IPCBROKER-PYTEST<TAB>ok|fail|error|skip<TAB>test id<TAB>details, base64

Usage: IPCBROKER_TARGET=host:port python3 tests/run_suite.py [--report REPORT] [pattern]
(a file of its own, since children's output mirrored to stdout could split a line there).
"""
import base64
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class _Result(unittest.TextTestResult):
    report = sys.__stdout__

    def _report(self, status, test, details=""):
        line = "IPCBROKER-PYTEST\t%s\t%s\t%s\n" % (
            status,
            test.id(),
            base64.b64encode(details.encode("utf-8", "replace")).decode("ascii"),
        )
        self.report.write(line)
        self.report.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._report("ok", test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._report("fail", test, self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._report("error", test, self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._report("skip", test, reason)


def main(argv):
    if argv[:1] == ["--report"]:
        _Result.report = open(argv[1], "w")
        argv = argv[2:]
    pattern = argv[0] if argv else "test_*.py"
    suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=HERE)
    # The plan first and an end mark last: a run that dies half-way (a hung test's watchdog, a
    # crash) is then told apart from one that reported everything.
    _Result.report.write("IPCBROKER-PYTEST-PLAN\t%d\n" % suite.countTestCases())
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=_Result)
    result = runner.run(suite)
    _Result.report.write("IPCBROKER-PYTEST-END\t%d\n" % result.testsRun)
    _Result.report.flush()
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
