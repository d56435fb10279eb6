#!/usr/bin/python3
"""Locust's HTTP API, as the scripts that drive Locust use it: a driver written with the
standard library alone (swarm, poll /stats/requests, reset, stop) against one daemon and
against `loadgenctl serve` over three shards; and Locust's own CSV files, from real Locust run
headless, against ours."""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
from contextlib import ExitStack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import (LOADGEN, LOADGENCTL, Daemon, DelayServer,  # noqa: E402
                              LoggingServer, runfile, wait_for)

CONFIG = runfile("tests/testdata/shards.pbtxt")  # Normal:1 + Weekend:2, hipster_shop
WEB = "--web_address=127.0.0.1:0"
NUMBER = (int, float)
ENTRY_KEYS = {
    "method": str, "name": str, "num_requests": int, "num_failures": int,
    "min_response_time": NUMBER, "max_response_time": NUMBER, "current_rps": NUMBER,
    "current_fail_per_sec": NUMBER, "total_rps": NUMBER, "total_fail_per_sec": NUMBER,
    "avg_response_time": NUMBER, "median_response_time": NUMBER,
    "response_time_percentile_0.95": NUMBER, "response_time_percentile_0.99": NUMBER,
    "avg_content_length": NUMBER,
}
REPORT_KEYS = {
    "stats": list, "errors": list, "total_rps": NUMBER, "total_fail_per_sec": NUMBER,
    "current_rps": NUMBER, "current_fail_per_sec": NUMBER, "fail_ratio": NUMBER,
    "current_response_time_percentiles": dict, "user_count": int, "state": str,
}
STATES = {"ready", "spawning", "running", "cleanup", "stopping", "stopped", "missing"}


class Driver:
    """What a Locust driver script does, with urllib alone."""

    def __init__(self, base):
        self.base = base

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=60) as answer:
            return answer.status, answer.headers.get("Content-Type"), answer.read().decode()

    def swarm(self, **form):
        data = urllib.parse.urlencode(form, doseq=True).encode()
        with urllib.request.urlopen(self.base + "/swarm", data=data, timeout=60) as answer:
            assert answer.status == 200, answer.status
            return json.loads(answer.read())

    def stats(self):
        return json.loads(self.get("/stats/requests")[2])

    def aggregated(self, report):
        return report["stats"][-1]


class LocustApiChecks(unittest.TestCase):

    def check_shape(self, report, coordinator):
        for key, kind in REPORT_KEYS.items():
            self.assertIsInstance(report[key], kind, key)
        self.assertIn(report["state"], STATES)
        self.assertEqual(set(report["current_response_time_percentiles"]),
                         {"response_time_percentile_0.5", "response_time_percentile_0.95"})
        for entry in report["stats"]:
            self.assertEqual(set(entry), set(ENTRY_KEYS))
            for key, kind in ENTRY_KEYS.items():
                self.assertIsInstance(entry[key], kind, key)
        total = report["stats"][-1]
        self.assertEqual((total["method"], total["name"]), ("", "Aggregated"))
        entries = report["stats"][:-1]
        self.assertEqual([(e["name"], e["method"]) for e in entries],
                         sorted((e["name"], e["method"]) for e in entries))
        self.assertEqual(sum(e["num_requests"] for e in entries), total["num_requests"])
        for error in report["errors"]:
            self.assertEqual(set(error), {"method", "name", "error", "occurrences", "first_seen",
                                          "last_seen"})
        if coordinator:
            self.assertIsInstance(report["workers"], list)
            self.assertEqual(report["worker_count"], len(report["workers"]))
            for worker in report["workers"]:
                self.assertEqual(set(worker),
                                 {"id", "state", "user_count", "cpu_usage", "memory_usage"})
        else:
            self.assertNotIn("workers", report)

    def drive(self, driver, target, coordinator=False):
        """The driver's steps; returns the last report, of the stopped run."""
        self.assertEqual(driver.stats()["state"], "ready")
        answer = driver.swarm(user_count=6, spawn_rate=100, host=target)
        self.assertEqual(answer, {"success": True, "message": "Swarming started", "host": target})

        def traffic():
            report = driver.stats()
            total = driver.aggregated(report)
            if (report["state"] == "running" and report["user_count"] == 6 and
                    total["num_requests"] > 0 and total["current_rps"] > 0):
                return report
            return None
        report = wait_for(traffic)
        self.check_shape(report, coordinator)
        self.assertIsNotNone(report["current_response_time_percentiles"]
                             ["response_time_percentile_0.5"])
        self.assertGreater(report["total_rps"], 0)

        # While running, /swarm changes the user count.
        self.assertTrue(driver.swarm(user_count=9, spawn_rate=100)["success"])
        wait_for(lambda: driver.stats()["user_count"] == 9)

        before = driver.aggregated(driver.stats())["num_requests"]
        self.assertEqual(driver.get("/stats/reset")[2], "ok")
        self.assertLess(driver.aggregated(driver.stats())["num_requests"], before)
        wait_for(lambda: driver.aggregated(driver.stats())["num_requests"] > 0)

        status, kind, body = driver.get("/stats/requests/csv")
        self.assertEqual(kind, "text/csv")
        self.assertTrue(body.startswith("Type,Name,Request Count,Failure Count,"), body)
        return report

    def stop(self, driver):
        self.assertEqual(json.loads(driver.get("/stop")[2]),
                         {"success": True, "message": "Test stopped"})
        report = driver.stats()
        self.assertEqual(report["state"], "stopped")
        self.assertEqual(report["user_count"], 0)
        return report

    def ctl_total(self, *flags):
        run = subprocess.run([LOADGENCTL, *flags, "--json", "stats"], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        return json.loads(run.stdout.splitlines()[-1])["total"]["aggregated"]

    def test_a_driver_against_one_daemon(self):
        with Daemon(CONFIG, WEB) as daemon:
            driver = Driver(daemon.logged("Locust's HTTP API on "))
            self.drive(driver, daemon.server.url)
            report = self.stop(driver)
            total = self.ctl_total(f"--address={daemon.address}")
            aggregated = driver.aggregated(report)
            self.assertEqual(aggregated["num_requests"], int(total["requests"]))
            self.assertAlmostEqual(aggregated["median_response_time"], total["p50_ms"], places=3)
            # The daemon stays up: the next /swarm starts a new run.
            self.assertTrue(driver.swarm(user_count=1, spawn_rate=1, run_time="1h")["success"])
            wait_for(lambda: driver.stats()["state"] == "running")
            self.stop(driver)

    def test_a_driver_against_a_coordinator_over_three_shards(self):
        with ExitStack() as stack:
            daemons = [stack.enter_context(Daemon(CONFIG)) for _ in range(3)]
            targets = ",".join(d.address for d in daemons)
            serve = subprocess.Popen([LOADGENCTL, f"--targets={targets}", WEB, "serve"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            stack.callback(serve.kill)
            line = serve.stdout.readline()
            match = re.search(r"on (http://\S+)", line)
            self.assertIsNotNone(match, line + serve.stderr.read() if serve.poll() else line)
            driver = Driver(match.group(1))
            report = self.drive(driver, daemons[0].server.url, coordinator=True)
            self.assertEqual(report["worker_count"], 3)
            self.assertEqual(sorted(w["id"] for w in report["workers"]), sorted(targets.split(",")))

            def split(users):
                workers = driver.stats()["workers"]
                return (all(w["state"] == "running" for w in workers) and
                        [w["user_count"] for w in workers] == users)
            wait_for(lambda: split([3, 3, 3]))  # 9 users, split exactly

            # A shard that goes away is missing; the run goes on with the others.
            daemons[2].process.kill()
            daemons[2].process.wait()
            wait_for(lambda: [w["state"] for w in driver.stats()["workers"]] ==
                     ["running", "running", "missing"])
            self.assertEqual(driver.stats()["state"], "running")
            report = self.stop(driver)
            live = ",".join(d.address for d in daemons[:2])
            total = self.ctl_total(f"--targets={live}")
            self.assertEqual(driver.aggregated(report)["num_requests"], int(total["requests"]))
            self.assertAlmostEqual(driver.aggregated(report)["median_response_time"],
                                   total["p50_ms"], places=3)


def value_kind(text):
    """How a CSV value is written: N/A, empty, a whole number, a decimal, an ISO time, text."""
    if text in ("N/A", ""):
        return text
    if re.fullmatch(r"-?\d+", text):
        return "int"
    if re.fullmatch(r"-?\d+\.\d+", text):
        return "decimal"
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text):
        return "iso"
    return "text"


class LocustCsvParityTest(unittest.TestCase):
    """Real Locust (Debian's python3-locust) and loadgen, both headless with --csv, against the
    same loopback server: the same files, headers, column order and value formats."""

    def test_the_files_match_locusts(self):
        tmp = tempfile.mkdtemp()
        locustfile = os.path.join(tmp, "locustfile.py")
        with open(locustfile, "w") as f:
            f.write("from locust import HttpUser, task, constant\n"
                    "class Browser(HttpUser):\n"
                    "    wait_time = constant(0.1)\n"
                    "    @task\n"
                    "    def index(self):\n"
                    "        self.client.get('/')\n")
        config = os.path.join(tmp, "load.pbtxt")
        with open(config, "w") as f:
            f.write('user_type_definitions { name: "Browser" tasks { weight: 1 requests { path: "/" } } }\n'
                    'phases { user_types { name: "Browser" ratio: 1 min_wait_ms: 100 max_wait_ms: 100 }\n'
                    '         duration: 60 num_users: 1 hatch_rate_per_s: 1 }\n')
        with LoggingServer() as server:
            locust = subprocess.run(
                ["locust", "-f", locustfile, "--headless", "-u", "2", "-r", "2", "-t", "3s",
                 "--host", server.url, f"--csv={tmp}/locust", "--only-summary"],
                capture_output=True, text=True, timeout=120, cwd=tmp)
            ours = subprocess.run(
                [LOADGEN, f"--config={config}", "--users=2", "--spawn_rate=2", "--run_time=3s",
                 f"--host={server.url}", f"--csv={tmp}/loadgen", "--headless", "--grpc_address=",
                 "--status_interval=0", "--threads=1"],
                capture_output=True, text=True, timeout=120)
        self.assertEqual(ours.returncode, 0, ours.stderr)
        for suffix in ("stats", "stats_history", "failures", "exceptions"):
            with open(f"{tmp}/locust_{suffix}.csv", newline="") as f:
                theirs = list(csv.reader(f))
            with open(f"{tmp}/loadgen_{suffix}.csv", newline="") as f:
                mine = list(csv.reader(f))
            if suffix == "failures":
                # Locust 2.12 here; 2.44 added First Seen and Last Seen, which we write.
                self.assertEqual(mine[0], theirs[0] + ["First Seen", "Last Seen"])
            else:
                self.assertEqual(mine[0], theirs[0], suffix)
            if suffix != "stats":
                continue
            # Rows: (Type, Name) in the same order, and each column written the same way.
            self.assertEqual([r[:2] for r in mine[1:]], [r[:2] for r in theirs[1:]],
                             locust.stderr[-2000:])
            for their_row, my_row in zip(theirs[1:], mine[1:]):
                for column, a, b in zip(theirs[0], their_row, my_row):
                    kinds = {value_kind(a), value_kind(b)}
                    self.assertTrue(len(kinds) == 1 or kinds <= {"int", "decimal"} and
                                    column not in ("Request Count", "Failure Count"),
                                    f"{column}: Locust {a!r}, loadgen {b!r}")


if __name__ == "__main__":
    sys.exit(loadgen_test_lib.main())
