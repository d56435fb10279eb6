#!/usr/bin/python3
"""loadgen against targets that misbehave (tests/fault_server.py), one mode per test.

Each run has 5 users for 2 s, with a 1 s request timeout, 1 s stop timeout and 1 MiB body limit.
Every test asserts how the failures are classified (or that there are none), that the run ends
within its bounds, and that loadgen's peak memory (over that of a run that gets no response at
all) and open descriptors stay bounded.
"""
import csv
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from fault_server import FaultServer  # noqa: E402
from loadgen_test_lib import LOADGEN  # noqa: E402

USERS = 5
RUN_S = 2
CONFIG = """
host: "{url}"
request_timeout_ms: 1000
stop_timeout_ms: 1000
connect_timeout_ms: 1000
max_response_body_bytes: 1048576
user_type_definitions {{
  name: "Probe"
  tasks {{ weight: 1 requests {{ path: "/probe" }} }}
}}
phases {{
  user_types {{ name: "Probe" ratio: 1 min_wait_ms: 50 max_wait_ms: 100 }}
  duration: 60
  num_users: {users}
  hatch_rate_per_s: 1000
}}
"""
# The run, then at most the request timeout for a request in flight and the stop timeout, and
# slack for start-up on a loaded machine.
MAX_WALL_S = RUN_S + 1 + 1 + 6
# Peak RSS may exceed that of a run against a target that refuses every connection (about 20 MB;
# more under sanitizers) by this much: 5 users holding at most a 1 MiB body each, and slack.
MAX_EXTRA_RSS_MB = 64
MAX_FDS = 64      # 5 connections, the event loops, the files; not one per request


class FaultsTest(unittest.TestCase):
    baseline_rss_mb = None  # of a run against a refusing target, measured once

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        if FaultsTest.baseline_rss_mb is None:
            FaultsTest.baseline_rss_mb = self.run_loadgen("refuse")[3]

    def run_against(self, mode):
        """Runs loadgen against the mode; its failures by error text, requests and server."""
        failures, requests, server, rss_mb = self.run_loadgen(mode)
        self.assertLess(rss_mb, self.baseline_rss_mb + MAX_EXTRA_RSS_MB, f"{mode}: peak RSS")
        return failures, requests, server

    def run_loadgen(self, mode):
        """Runs loadgen against the mode: failures by error text, requests, server, peak RSS."""
        with FaultServer(mode) as server:
            config = os.path.join(self.dir, f"{mode}.pbtxt")
            with open(config, "w") as f:
                f.write(CONFIG.format(url=server.url, users=USERS))
            prefix = os.path.join(self.dir, mode)
            started = time.monotonic()
            # Under ASan, freed memory waits in a quarantine (256 MB by default) before reuse.
            asan = os.environ.get("ASAN_OPTIONS", "")
            env = dict(os.environ, ASAN_OPTIONS=f"{asan}:quarantine_size_mb=8".lstrip(":"))
            process = subprocess.Popen(
                [LOADGEN, "--grpc_address=", f"--config={config}", f"--run_time={RUN_S}s",
                 "--threads=1", "--status_interval=0", f"--csv={prefix}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            # wait4 gives this child's own peak RSS (in KiB), not all children's; it also reaps
            # the child, so Popen's own wait is not used.
            fds = 0
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - started > MAX_WALL_S + 20:
                    process.kill()  # hung: the assertion on the time says so
                try:
                    fds = max(fds, len(os.listdir(f"/proc/{process.pid}/fd")))
                except FileNotFoundError:
                    pass
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            err = process.stderr.read().decode()
            process.returncode = os.waitstatus_to_exitcode(status)
        self.assertEqual(process.returncode, 0, err)
        self.assertLess(elapsed, MAX_WALL_S, f"{mode}: the run ended late\n{err}")
        self.assertLess(fds, MAX_FDS, f"{mode}: open descriptors")
        with open(prefix + "_failures.csv", newline="") as f:
            failures = {}
            for row in csv.DictReader(f):
                failures[row["Error"]] = failures.get(row["Error"], 0) + int(row["Occurrences"])
        with open(prefix + "_stats.csv", newline="") as f:
            total = [r for r in csv.DictReader(f) if r["Name"] == "Aggregated"][0]
        requests = int(total["Request Count"])
        rss_mb = usage.ru_maxrss / 1024
        print(f"\n{mode}: {requests} requests, failures {failures}, ended after {elapsed:.1f} s, "
              f"peak RSS {rss_mb:.0f} MB, at most {fds} descriptors", file=sys.stderr)
        return failures, requests, server, rss_mb

    def assert_all_fail_as(self, mode, prefix, at_least=USERS):
        """Every request fails with an error that starts with `prefix` (or one of a tuple)."""
        failures, requests, _ = self.run_against(mode)
        self.assertGreaterEqual(requests, at_least, failures)
        self.assertEqual(sum(failures.values()), requests, failures)
        for error in failures:
            self.assertTrue(error.startswith(prefix), f"{mode}: {error!r} is not {prefix!r}")

    def assert_no_failures(self, mode):
        failures, requests, server = self.run_against(mode)
        self.assertEqual(failures, {})
        self.assertGreater(requests, USERS * 10)
        return requests, server

    def test_refused(self):
        self.assert_all_fail_as("refuse", "connection refused")

    def test_reset(self):
        self.assert_all_fail_as("reset", "connection closed: ")

    def test_hang(self):
        # One timeout per user per second or so.
        self.assert_all_fail_as("hang", "timeout")

    def test_garbage(self):
        self.assert_all_fail_as("garbage", "bad response: ")

    # A body without end is cut by the body limit or, on a slow machine (a sanitizer build), by
    # the request timeout: whichever comes first.
    BODY_CUT = ("bad response: body limit exceeded", "timeout")

    def test_huge_body(self):
        self.assert_all_fail_as("huge_body", self.BODY_CUT)

    def test_endless_chunked_body(self):
        self.assert_all_fail_as("endless_chunked", self.BODY_CUT)

    def test_slow_body(self):
        self.assert_all_fail_as("slow_body", "timeout")

    def test_bad_status_line(self):
        self.assert_all_fail_as("bad_status_line", "bad response: bad status")

    def test_huge_headers(self):
        self.assert_all_fail_as("huge_headers", "bad response: header limit exceeded")

    def test_close_after_each_response(self):
        requests, server = self.assert_no_failures("close_after_each")
        self.assertGreaterEqual(server.connections, requests, "a connection per request")

    def test_http_1_0(self):
        self.assert_no_failures("http_1_0")

    def test_a_body_on_a_204_comes_late(self):
        self.assert_no_failures("body_on_204")

    def test_a_body_on_a_304_comes_late(self):
        self.assert_no_failures("body_on_304")


if __name__ == "__main__":
    loadgen_test_lib.main()
