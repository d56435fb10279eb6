#!/usr/bin/python3
"""The wrk2 front end (bazel-bin/load_generation/wrk2), end to end against a loopback server
that logs every request: the rate it keeps, its output line by line, a script's mix, a stalled
target in the corrected 99 % line, requests as scripts write them, and bad input."""
import csv
import math
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
from loadgen_test_lib import WRK2, LoggingServer, runfile  # noqa: E402

EXAMPLES = runfile("applications/deathstarbench/wrk2")


def run_wrk2(*args, timeout=60):
    return subprocess.run([WRK2, *args], capture_output=True, text=True, timeout=timeout)


def script(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", dir=os.environ.get("TEST_TMPDIR"),
                                    delete=False)
    f.write(text)
    f.close()
    return f.name


def requests_in(out):
    match = re.search(r"^  (\d+) requests in (\S+), (\S+) read$", out, re.M)
    assert match, out
    return int(match.group(1))


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def percentile_ms(out, percent, which="Recorded Latency"):
    """The value of a 'Latency Distribution' line, in milliseconds."""
    block = out[out.index(f"(HdrHistogram - {which}"):]
    match = re.search(rf"^\s*{re.escape(percent)}%\s+([\d.]+)(us|ms|s|m|h)\s*$", block, re.M)
    assert match, block
    return float(match.group(1)) * UNIT_MS[match.group(2)]


class Wrk2Test(unittest.TestCase):
    def test_keeps_the_rate_and_prints_every_line_as_wrk2(self):
        with LoggingServer() as server:
            result = run_wrk2("-t2", "-c4", "-d5s", "-R200", "-L", server.url)
            seen = len(server.paths())
        self.assertEqual(result.returncode, 0, result.stderr)
        out = result.stdout
        # -D fixed: exactly 1,000 arrivals in 5 s; those still in flight at the end are not
        # counted, as in wrk2.
        served = requests_in(out)
        self.assertTrue(990 <= served <= 1000, out)
        self.assertTrue(served <= seen <= served + 4, (served, seen))
        lines = out.splitlines()
        self.assertEqual(lines[0], f"Running 5s test @ {server.url}")
        self.assertEqual(lines[1], "  2 threads and 4 connections")
        self.assertEqual(lines[2], "  Thread Stats   Avg      Stdev     Max   +/- Stdev")
        figure = r"\s*[\d.]+(?:us|ms|s|m|h)"
        self.assertRegex(lines[3], rf"^    Latency  {figure}{figure}{figure}\s+[\d.]+%$")
        self.assertRegex(lines[4], r"^    Req/Sec\s+[\d.]+k?\s+[\d.]+k?\s+[\d.]+k?\s+[\d.]+%$")
        self.assertEqual(lines[5], "  Latency Distribution (HdrHistogram - Recorded Latency)")
        for line, p in zip(lines[6:14], ["50.000", "75.000", "90.000", "99.000", "99.900",
                                         "99.990", "99.999", "100.000"]):
            self.assertRegex(line, rf"^{' ' * (7 - len(p))}{re.escape(p)}%\s+[\d.]+(us|ms|s)\s?$")
        self.assertEqual(lines[14:18], ["", "  Detailed Percentile spectrum:",
                                        "       Value   Percentile   TotalCount 1/(1-Percentile)",
                                        ""])
        rows = [line for line in lines[18:] if re.match(r"^\s+[\d.]+\s+[\d.]+\s+\d+\s+[\d.inf]+$",
                                                       line)]
        self.assertGreater(len(rows), 20)
        self.assertRegex(rows[-1], rf"^\s+[\d.]+\s+1\.000000\s+{served}\s+inf$")
        footer = lines[18 + len(rows):]
        self.assertRegex(footer[0], r"^#\[Mean    =\s+[\d.]+, StdDeviation   =\s+[\d.]+\]$")
        self.assertRegex(footer[1], rf"^#\[Max     =\s+[\d.]+, Total count    =\s+{served}\]$")
        self.assertRegex(footer[2], r"^#\[Buckets =\s+\d+, SubBuckets     =\s+\d+\]$")
        self.assertEqual(footer[3], "-" * 58)
        self.assertRegex(footer[4], rf"^  {served} requests in 5\.\d\ds, [\d.]+KB read$")
        self.assertRegex(footer[5], r"^Requests/sec:\s+(19\d|200)\.\d\d$")
        self.assertRegex(footer[6], r"^Transfer/sec:\s+[\d.]+KB$")
        self.assertEqual(len(footer), 7, "no socket errors, no non-2xx lines")

    def test_a_scripts_mix_holds_with_options_after_the_url(self):
        mix = script("""
            request = function()
              if math.random(4) == 1 then return wrk.format("GET", "/a") end
              return wrk.format("POST", "/b", nil, "x=1")
            end
        """)
        with LoggingServer() as server:
            result = run_wrk2("-D", "exp", "-t", "2", "-c", "4", "-d", "3s", "-s", mix,
                              server.url, "-R", "400", "--latency")
            paths = server.paths()
        self.assertEqual(result.returncode, 0, result.stderr)
        n = len(paths)
        self.assertGreater(n, 900)
        share = paths.count("/a") / n
        standard_error = math.sqrt(0.25 * 0.75 / n)
        self.assertLess(abs(share - 0.25), 3 * standard_error, (share, n))
        self.assertEqual(paths.count("/a") + paths.count("/b"), n)

    def test_a_stalled_target_shows_in_the_corrected_99_line(self):
        with LoggingServer() as server:
            timer = threading.Timer(1.5, lambda: setattr(server, "stall_until",
                                                         time.monotonic() + 1.0))
            timer.start()
            result = run_wrk2("-t2", "-c10", "-d4s", "-R200", "-U", server.url)
            timer.cancel()
        self.assertEqual(result.returncode, 0, result.stderr)
        # Arrivals of the stalled second wait for a connection: counted from when they were due.
        self.assertGreaterEqual(percentile_ms(result.stdout, "99.000"), 800, result.stdout)
        self.assertGreaterEqual(percentile_ms(result.stdout, "90.000"), 200, result.stdout)
        # Timed from their sending, only the few requests caught in the stall are slow.
        self.assertLess(percentile_ms(result.stdout, "90.000", "Uncorrected Latency"), 100,
                        result.stdout)

    def test_requests_go_as_the_script_writes_them(self):
        absolute = script("""
            function init(args) token = args[1] end
            function request()
              return wrk.format("GET", "http://localhost:5000/hotels?token=" .. token)
            end
            function response(status, headers, body)
              if status ~= 200 or headers["X-Served"] == nil or body ~= "hello from the logging server" then
                error("unexpected response")
              end
            end
            function done(summary, latency, requests)
              io.write(string.format("done: %d %d %d\\n", summary.requests, summary.errors.status,
                                     latency:percentile(100)))
            end
        """)
        with LoggingServer() as server:
            result = run_wrk2("-t1", "-c1", "-d1s", "-R20", "-H", "X-Tenant: blue", "-s", absolute,
                              server.url, "--", "t0k3n")
            requests = list(server.requests)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        served = requests_in(result.stdout)
        self.assertRegex(result.stdout, rf"done: {served} 0 \d+\n")
        method, target, headers, _ = requests[0]
        self.assertEqual((method, target), ("GET", "http://localhost:5000/hotels?token=t0k3n"))
        self.assertEqual(headers["X-Tenant"], "blue")
        self.assertEqual(headers["Host"], server.url[len("http://"):])

    def test_csv_files_break_the_mix_down_by_request(self):
        mix = script("""
            request = function()
              if math.random(2) == 1 then return wrk.format("GET", "/a?x=" .. math.random(9)) end
              return wrk.format("POST", "/b", nil, "x=1")
            end
        """)
        prefix = os.path.join(os.environ["TEST_TMPDIR"], "wrk")
        with LoggingServer() as server:
            result = run_wrk2("-t2", "-c4", "-d2s", "-R100", "-s", mix, "--csv", prefix,
                              server.url)
            paths = [p.split("?")[0] for p in server.paths()]
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(prefix + "_stats.csv") as f:
            rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(f)}
        served = requests_in(result.stdout)
        self.assertEqual(int(rows[("", "Aggregated")]["Request Count"]), served)
        for method, path in (("GET", "/a"), ("POST", "/b")):
            count = int(rows[(method, path)]["Request Count"])
            self.assertTrue(paths.count(path) - 4 <= count <= paths.count(path), (path, count))
        with open(prefix + "_phases.csv") as f:
            phase = next(csv.DictReader(f))
        self.assertEqual(phase["name"], "wrk2")
        self.assertEqual(int(phase["arrivals"]), 200)
        self.assertEqual(int(phase["requests"]), served)
        self.assertTrue(os.path.exists(prefix + "_failures.csv"))

    def test_deathstarbench_examples_run_their_mix(self):
        expected = {"hotel_reservation.lua": {"/hotels": 0.60, "/recommendations": 0.39},
                    "social_network.lua": {"/wrk2-api/home-timeline/read": 0.60,
                                           "/wrk2-api/user-timeline/read": 0.30,
                                           "/wrk2-api/post/compose": 0.10}}
        for name, shares in expected.items():
            with self.subTest(name), LoggingServer() as server:
                result = run_wrk2("-D", "exp", "-t2", "-c4", "-d2s", "-R300",
                                  "-s", os.path.join(EXAMPLES, name), server.url)
                paths = [p.split("?")[0] for p in server.paths()]
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stderr, "")
                n = len(paths)
                self.assertGreater(n, 400)
                for path, share in shares.items():
                    error = math.sqrt(share * (1 - share) / n)
                    self.assertLess(abs(paths.count(path) / n - share), 4 * error, (path, n))

    def test_a_script_that_does_not_load_names_file_and_line(self):
        broken = script("x = 1\nfunction request(\n")
        with LoggingServer() as server:
            result = run_wrk2("-R10", "-d1s", "-s", broken, server.url)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{broken}:3:", result.stderr)
        self.assertNotIn("Running", result.stdout)

    def test_errors_in_request_are_counted_once_per_message_and_the_run_goes_on(self):
        flaky = script("""
            local n = 0
            function request()
              n = n + 1
              if n % 3 == 0 then error("boom") end
              if n % 3 == 1 then return wrk.format("GET", "/ok") end
              return "not a request"
            end
        """)
        with LoggingServer() as server:
            result = run_wrk2("-t1", "-c2", "-d2s", "-R60", "-s", flaky, server.url)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Requests/sec:", result.stdout)
        errors = result.stderr.splitlines()
        self.assertEqual(len(errors), 2, result.stderr)
        self.assertRegex(result.stderr, r"script error \(\d+ times\): request\(\) returned no HTTP "
                                        r"request: incomplete request at 1:1")
        self.assertRegex(result.stderr, rf"script error \(\d+ times\): {re.escape(flaky)}:5: boom")
        self.assertTrue(35 <= requests_in(result.stdout) <= 41, result.stdout)

    def test_bad_command_lines_print_the_usage_and_exit_1(self):
        for args in (["-x", "http://127.0.0.1:1"], ["http://127.0.0.1:1"], ["-R", "10"],
                     ["-R", "10", "-t", "4", "-c", "2", "http://127.0.0.1:1"]):
            with self.subTest(args):
                result = run_wrk2(*args)
                self.assertEqual(result.returncode, 1)
                self.assertIn("Usage: wrk <options> <url>", result.stdout)

    def test_limits_beyond_one_run_are_refused(self):
        for args in (["-R", "2M"], ["-t", "2000", "-c", "2000", "-R", "10"]):
            with self.subTest(args):
                result = run_wrk2(*args, "http://127.0.0.1:1")
                self.assertEqual(result.returncode, 1)
                self.assertIn("is beyond what one run takes", result.stderr)

    def test_a_script_call_that_never_returns_ends_the_process_naming_it(self):
        # wrk waits for ever; wrk2 here exits --timeout (here 1 s) after the run's end.
        endless = script("""
            local n = 0
            function response() n = n + 1; if n == 3 then while true do end end end
        """)
        with LoggingServer() as server:
            began = time.monotonic()
            result = run_wrk2("-t1", "-c2", "-d1s", "-R20", "--timeout", "1s", "-s", endless,
                              server.url, timeout=30)
            took = time.monotonic() - began
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("the script's response() on thread 1 has not returned 1s after the run's "
                      "end (an endless loop?)\nexiting without a report\n", result.stderr)
        self.assertNotIn("Requests/sec:", result.stdout)
        self.assertLess(took, 20)

    def test_a_second_interrupt_ends_a_script_that_never_returns_at_once(self):
        endless = script("function init(args) while true do end end\n")
        process = subprocess.Popen([WRK2, "-R10", "-d1s", "-s", endless, "http://127.0.0.1:1"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)
            process.send_signal(signal.SIGINT)  # the run would end: init() never returns
            with self.assertRaises(subprocess.TimeoutExpired):
                process.wait(timeout=0.5)
            process.send_signal(signal.SIGINT)
            self.assertEqual(process.wait(timeout=10), 130)
        finally:
            process.kill()
            process.wait()

    def test_an_unreachable_target_is_reported_before_the_run(self):
        with LoggingServer() as server:
            url = server.url
        result = run_wrk2("-R10", "-d1s", url)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"unable to connect to 127.0.0.1:{url.rsplit(':', 1)[1]}", result.stderr)


if __name__ == "__main__":
    loadgen_test_lib.main()
