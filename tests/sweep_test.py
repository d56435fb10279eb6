#!/usr/bin/python3
"""`loadgenctl sweep` and `find-capacity` end to end against a loopback target with a known knee
(2 workers, 20 ms a request: at most 100 requests/s): a test matrix over users that shows the
plateau, a capacity search that lands near the knee, a setup command that fails, a sweep run
again that skips what it finished, and one interrupted that leaves no load running."""
import csv
import http.server
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import LOADGENCTL, Daemon, wait_for, write_file  # noqa: E402

WORKERS, SERVICE_S = 2, 0.020
CONFIG = '''
user_type_definitions { name: "Browser" tasks { weight: 1 requests { path: "/" name: "home" } } }
phases { name: "load" user_types { name: "Browser" ratio: 1 } duration: 600 num_users: 1
         hatch_rate_per_s: 1000 }
'''


class KneeServer:
    """At most WORKERS requests served at once, each taking SERVICE_S: throughput caps at
    WORKERS / SERVICE_S, and latency climbs past it as requests queue."""

    def __enter__(self):
        workers = threading.Semaphore(WORKERS)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms stall between headers and body

            def do_GET(self):
                with workers:
                    time.sleep(SERVICE_S)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that goes away as a run stops

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def rows(out, name="summary.csv"):
    with open(os.path.join(out, name), newline="") as f:
        return list(csv.DictReader(f))


class SweepTest(unittest.TestCase):

    def setUp(self):
        self.folder = tempfile.mkdtemp()
        write_file(self.folder, "load.pbtxt", CONFIG)
        self.out = os.path.join(self.folder, "out")

    def sweep(self, daemon, experiment, **kwargs):
        return subprocess.run([LOADGENCTL, f"--address={daemon.address}", f"--out={self.out}",
                               "sweep", experiment], capture_output=True, text=True,
                              timeout=120, **kwargs)

    def status(self, daemon):
        return subprocess.run([LOADGENCTL, f"--address={daemon.address}", "status"],
                              capture_output=True, text=True, timeout=30).stdout

    def test_a_sweep_over_users_shows_the_plateau(self):
        experiment = write_file(self.folder, "users.pbtxt", '''
            config: "load.pbtxt"
            axes { name: "users" values: ["1", "2", "4", "8"] }
            warmup_s: 0.5 measure_s: 2 cooldown_s: 0
            thresholds { metric: "p95" below: 30 }''')
        with KneeServer() as knee, Daemon(write_file(self.folder, "load.pbtxt", CONFIG),
                                          f"--host={knee.url}") as daemon:
            run = self.sweep(daemon, experiment)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("state     idle", self.status(daemon))  # no load left running
        summary = rows(self.out)
        self.assertEqual(list(summary[0])[:2], ["users", "RPS"])
        rps = {r["users"]: float(r["RPS"]) for r in summary}
        p95 = {r["users"]: float(r["P95_ms"]) for r in summary}
        knee_rps = WORKERS / SERVICE_S
        self.assertGreater(rps["2"], 1.5 * rps["1"], rps)  # below the knee: it scales
        self.assertGreater(rps["2"], 0.6 * knee_rps, rps)
        for users in ("4", "8"):  # past it: the plateau, and latency climbs
            self.assertLess(rps[users], 1.3 * rps["2"], rps)
            self.assertLess(rps[users], 1.15 * knee_rps, rps)
        self.assertGreater(p95["8"], 2 * p95["1"], p95)
        self.assertEqual([r["Status"] for r in summary], ["PASS", "PASS", "FAIL", "FAIL"])
        self.assertIn("p95 < 30 ms", summary[3]["Detail"])
        for r in summary:
            self.assertGreater(int(r["Total_Requests"]), 0)
            self.assertAlmostEqual(float(r["Duration_s"]), 2, delta=0.5)
        with open(os.path.join(self.out, "summary.md")) as f:
            md = f.read()
        self.assertIn("- Best throughput:", md)
        self.assertIn("- Best latency: p95", md)
        self.assertIn("- Broke at users=4", md)
        with open(os.path.join(self.out, "summary.html")) as f:
            self.assertIn('data-series="all" d="M', f.read())

    def test_a_failed_setup_is_recorded_and_a_sweep_run_again_skips_what_it_did(self):
        experiment = write_file(self.folder, "setup.pbtxt", '''
            config: "load.pbtxt"
            axes { name: "replicas" values: ["1", "2"] }
            axes { name: "users" values: ["1"] }
            setup_command: "test {replicas} = 1 || { echo no room for {replicas} replicas >&2; exit 7; }"
            measure_s: 0.5''')
        with KneeServer() as knee, Daemon(write_file(self.folder, "load.pbtxt", CONFIG),
                                          f"--host={knee.url}") as daemon:
            run = self.sweep(daemon, experiment)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            first = rows(self.out)
            self.assertEqual([r["Status"] for r in first], ["OK", "SETUP_FAILED"])
            self.assertEqual(first[1]["Detail"], "setup exited with 7: no room for 2 replicas")
            self.assertEqual(first[1]["RPS"], "")
            again = self.sweep(daemon, experiment)
            self.assertEqual(again.returncode, 0, again.stderr)
            self.assertEqual(again.stdout.count("done before, skipped"), 2, again.stdout)
            self.assertEqual(rows(self.out), first)

    def test_find_capacity_lands_near_the_knee(self):
        open_config = write_file(self.folder, "open.pbtxt", '''
user_type_definitions { name: "Browser" tasks { weight: 1 requests { path: "/" name: "home" } } }
phases { name: "load" user_types { name: "Browser" ratio: 1 } duration: 600
         arrival_rate_per_s: 1 max_start_delay_ms: 100 }
''')
        experiment = write_file(self.folder, "capacity.pbtxt", '''
            config: "open.pbtxt"
            search { axis: "arrival_rate_per_s" start: 10 max: 1000 resolution: 5 }
            warmup_s: 0.5 measure_s: 2
            thresholds { metric: "p95" below: 60 }
            thresholds { metric: "failure_ratio" below: 0.01 }''')
        with KneeServer() as knee, Daemon(open_config, f"--host={knee.url}") as daemon:
            run = subprocess.run([LOADGENCTL, f"--address={daemon.address}", f"--out={self.out}",
                                  "find-capacity", experiment], capture_output=True, text=True,
                                 timeout=300)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("state     idle", self.status(daemon))
        match = re.search(r"Capacity: arrival_rate_per_s ([\d.]+) \(passed; ([\d.]+) failed",
                          run.stdout)
        self.assertIsNotNone(match, run.stdout)
        answer, above = float(match.group(1)), float(match.group(2))
        knee_rps = WORKERS / SERVICE_S
        self.assertLess(abs(answer - knee_rps), 0.1 * knee_rps, run.stdout)  # within 10 %
        self.assertLessEqual(above - answer, 5)  # the resolution
        curve = rows(self.out, "capacity.csv")
        rates = [float(r["arrival_rate_per_s"]) for r in curve]
        self.assertEqual(rates, sorted(rates))
        self.assertEqual(rates[:4], [10, 20, 40, 80])  # grown by doubling from the start
        with open(os.path.join(self.out, "capacity.md")) as f:
            self.assertTrue(f.read().startswith("**Capacity: arrival_rate_per_s"))

    def test_an_interrupted_sweep_stops_the_scenario_under_way(self):
        experiment = write_file(self.folder, "long.pbtxt", '''
            config: "load.pbtxt"
            axes { name: "users" values: ["1", "2"] }
            measure_s: 60''')
        with KneeServer() as knee, Daemon(write_file(self.folder, "load.pbtxt", CONFIG),
                                          f"--host={knee.url}") as daemon:
            sweep = subprocess.Popen([LOADGENCTL, f"--address={daemon.address}",
                                      f"--out={self.out}", "sweep", experiment],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            wait_for(lambda: "state     running" in self.status(daemon))
            sweep.send_signal(signal.SIGINT)
            stdout, stderr = sweep.communicate(timeout=60)
            self.assertEqual(sweep.returncode, 1, stdout + stderr)
            self.assertIn("interrupted", stderr)
            self.assertIn("state     idle", self.status(daemon))
        self.assertFalse(os.path.exists(os.path.join(self.out, "summary.csv")))

    def test_bad_experiments_are_refused_before_anything_runs(self):
        experiment = write_file(self.folder, "bad.pbtxt", '''
            config: "load.pbtxt"
            axes { name: "users" values: ["many"] }
            measure_s: 1''')
        with Daemon(write_file(self.folder, "load.pbtxt", CONFIG)) as daemon:
            run = self.sweep(daemon, experiment)
            self.assertEqual(run.returncode, 1)
            self.assertIn("bad.pbtxt: axes[0].values[0]: a user count", run.stderr)
            bad_metric = write_file(self.folder, "metric.pbtxt", '''
                config: "load.pbtxt"
                axes { name: "users" values: ["1"] }
                measure_s: 1
                thresholds { metric: "p42" below: 1 }''')
            run = self.sweep(daemon, bad_metric)
            self.assertEqual(run.returncode, 1)
            self.assertIn("unknown metric 'p42'", run.stderr)
            self.assertIn("state     idle", self.status(daemon))


if __name__ == "__main__":
    sys.exit(loadgen_test_lib.main())
