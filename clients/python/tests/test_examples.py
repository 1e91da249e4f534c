# Copyright 2026 The ipcbroker Authors. Licensed under the Apache License, Version 2.0.
import os
import re
import subprocess
import sys

from support import PYTHON_ROOT, BrokerTestCase, requires_same_host

import ipcbroker

EXAMPLES = os.path.join(PYTHON_ROOT, "examples")


@requires_same_host
class TutorialExampleTest(BrokerTestCase):
    """The tutorial's multiprocessing program, with two lines changed, runs on the broker."""

    def test_the_tutorial_program_runs_with_its_imports_changed(self):
        ipcbroker.Queue("urls").delete()  # what an earlier run's reader left
        env = dict(os.environ, PYTHONPATH=PYTHON_ROOT)
        run = subprocess.run(
            [sys.executable, "tutorial.py"],
            cwd=EXAMPLES,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        urls = ["url_%d" % i for i in range(1, 7)]
        puts = re.findall(r"Put (url_\d) to queue\.\.\.", run.stdout)
        gets = re.findall(r"Get (url_\d) from queue\.", run.stdout)
        self.assertEqual(sorted(puts), urls)
        self.assertEqual(len(re.findall(r"Process\(\d+\) is writing\.\.\.", run.stdout)), 2)
        # The reader is terminated once the writers are done (as in the tutorial), so it may not
        # have read the last urls: whatever it did not get is still queued. Nothing is lost; an
        # item whose ack the SIGTERM cut off comes back (at-least-once toward a killed consumer),
        # so at most one url shows both as got and as still queued.
        left = ipcbroker.Queue("urls")
        remaining = []
        while True:
            try:
                remaining.append(left.get_nowait())
            except ipcbroker.Empty:
                break
        self.assertEqual(sorted(set(gets + remaining)), urls)
        self.assertLessEqual(len(gets + remaining), len(urls) + 1)
        self.assertEqual(len(set(gets)), len(gets))  # the live reader never got one twice
        for writer in ([u for u in puts if u <= "url_3"], [u for u in puts if u >= "url_4"]):
            self.assertEqual(writer, sorted(writer))  # each writer's puts in its order


class ReadmeExampleTest(BrokerTestCase):
    """The README's Python manager example runs as shown (against the broker under test)."""

    def test_the_readme_manager_example_runs(self):
        readme = os.path.join(os.path.dirname(os.path.dirname(PYTHON_ROOT)), "README.md")
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        section = text[text.index("\n## Python\n") :]
        code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
        self.assertIn('Manager("localhost:50051")', code)
        code = code.replace('"localhost:50051"', repr(self.target))
        run = subprocess.run(
            [sys.executable, "-c", code],
            env=dict(os.environ, PYTHONPATH=PYTHON_ROOT),
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout, "{'job': 1} 1 {'answer': 42}\n")
