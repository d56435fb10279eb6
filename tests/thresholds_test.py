#!/usr/bin/python3
"""Thresholds end to end: a batch run against a loopback server that answers after 20 ms, with
thresholds that pass and fail; its exit code, console table, PREFIX_thresholds.csv and JUnit
XML (checked for the elements and attributes the JUnit schema requires); --check on bad ones."""
import csv
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import LOADGEN, LOADGENCTL, Daemon, DelayServer, write_file  # noqa: E402

CONFIG = '''
user_type_definitions { name: "Browser" tasks { weight: 1 requests { path: "/" name: "home" } } }
phases { name: "steady"
         user_types { name: "Browser" ratio: 1 min_wait_ms: 10 max_wait_ms: 20 }
         duration: 600 num_users: 4 hatch_rate_per_s: 100 }
'''


class ThresholdsTest(unittest.TestCase):

    def run_loadgen(self, thresholds, *flags):
        folder = tempfile.mkdtemp()
        config = write_file(folder, "load.pbtxt", CONFIG + thresholds)
        with DelayServer(delay_ms=20) as server:
            run = subprocess.run(
                [LOADGEN, f"--config={config}", f"--host={server.url}", "--run_time=2s",
                 "--grpc_address=", "--status_interval=0", "--threads=1",
                 f"--csv={folder}/out", f"--junit={folder}/junit.xml", *flags],
                capture_output=True, text=True, timeout=60)
        return run, folder

    def test_failing_thresholds_exit_3_after_writing_every_file(self):
        run, folder = self.run_loadgen('''
            thresholds { metric: "p50" above: 15 }
            thresholds { metric: "p95" below: 5 request: "home" phase: "steady" }
            thresholds { metric: "failure_ratio" below: 0.01 }
            thresholds { metric: "rps" above: 1000000 }
            thresholds { metric: "max" below: 1000 request: "/nowhere" }
        ''')
        self.assertEqual(run.returncode, 3, run.stderr)
        self.assertIn("p95 of home in phase steady < 5 ms", run.stdout)
        self.assertIn("3 of 5 thresholds failed", run.stdout)
        for name in ("out_stats.csv", "out_phases.csv", "out_thresholds.csv", "junit.xml"):
            self.assertTrue(os.path.exists(os.path.join(folder, name)), name)

        with open(os.path.join(folder, "out_thresholds.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([r["result"] for r in rows], ["pass", "fail", "pass", "fail", "fail"])
        self.assertGreater(float(rows[0]["value"]), 20)  # the server's 20 ms, measured
        self.assertEqual(rows[2]["value"], "0")
        self.assertEqual(rows[4]["value"], "")  # nothing to measure

        root = ET.parse(os.path.join(folder, "junit.xml")).getroot()
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 1)
        suite = suites[0]
        for attribute in ("name", "tests", "failures", "errors", "time"):  # required by the XSD
            self.assertIn(attribute, suite.attrib)
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("5", "3"))
        cases = suite.findall("testcase")
        self.assertEqual(len(cases), 5)
        for case in cases:
            self.assertTrue(case.get("name") and case.get("classname") and case.get("time"))
        failed = [c for c in cases if c.find("failure") is not None]
        self.assertEqual(len(failed), 3)
        self.assertTrue(all(c.find("failure").get("message") for c in failed))

    def test_abort_on_fail_stops_the_run_early(self):
        run, folder = self.run_loadgen('''
            thresholds { metric: "p50" below: 1 abort_on_fail: true abort_delay_s: 1 }
            thresholds { metric: "p99" below: 5000 }
        ''', "--run_time=10m")  # the run would last 10 minutes: the abort ends it
        self.assertEqual(run.returncode, 3, run.stderr)
        self.assertRegex(run.stderr, r"threshold p50 < 1 ms \(2\d\.\d+ ms\) failed: stopping the "
                                     r"run \(abort_on_fail\)")
        self.assertIn("1 of 2 thresholds failed", run.stdout)
        with open(os.path.join(folder, "out_thresholds.csv"), newline="") as f:
            self.assertEqual([r["result"] for r in csv.DictReader(f)], ["fail", "pass"])

    def test_passing_thresholds_exit_0(self):
        run, _ = self.run_loadgen('thresholds { metric: "p99" below: 5000 }')
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("all thresholds passed", run.stdout)

    def test_shards_are_judged_on_their_merged_figures(self):
        folder = tempfile.mkdtemp()
        config = write_file(folder, "load.pbtxt", CONFIG.replace("duration: 600", "duration: 2") +
                       'loops: 1\n'
                       'thresholds { metric: "p50" above: 15 }\n'
                       'thresholds { metric: "p50" below: 5 request: "home" phase: "steady" }\n')
        with Daemon(config, "--shard_count=2", "--shard_index=0", delay_ms=20) as a, \
                Daemon(config, "--shard_count=2", "--shard_index=1", delay_ms=20) as b:
            targets = f"--targets={a.address},{b.address}"
            start = subprocess.run([LOADGENCTL, targets, "start"], capture_output=True, text=True,
                                   timeout=60)
            self.assertEqual(start.returncode, 0, start.stderr)
            wait = subprocess.run([LOADGENCTL, targets, "wait"], capture_output=True, text=True,
                                  timeout=60)
        self.assertEqual(wait.returncode, 3, wait.stdout + wait.stderr)
        merged = wait.stdout  # the shards merged
        self.assertRegex(merged, r"p50 > 15 ms +2\d\.\d+ ms +PASS")
        self.assertRegex(merged, r"p50 of home in phase steady < 5 ms +2\d\.\d+ ms +FAIL")
        self.assertIn("threshold p50 of home in phase steady < 5 ms failed", wait.stderr)

    def test_check_rejects_unknown_metrics_and_phases(self):
        folder = tempfile.mkdtemp()
        config = write_file(folder, "load.pbtxt", CONFIG + '''
            thresholds { metric: "p97" below: 5 }
            thresholds { metric: "p99" below: 5 phase: "peak" }''')
        run = subprocess.run([LOADGEN, f"--config={config}", "--check"], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(run.returncode, 2)
        self.assertIn("thresholds[0].metric: unknown metric 'p97'", run.stderr)
        self.assertIn("thresholds[1].phase: no phase 'peak' (the phases: steady)", run.stderr)


if __name__ == "__main__":
    sys.exit(loadgen_test_lib.main())
