#!/usr/bin/python3
"""Reports end to end: Locust's CSV files, the per-phase summary, /metrics checked by promtool,
and the HTML report rendered by headless Chromium."""
import csv
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import (LOADGEN, LOADGENCTL, Daemon, DelayServer, runfile,  # noqa: E402
                              wait_for)

CONFIG = runfile("tests/testdata/reports.pbtxt")
TWO_PHASES = runfile("tests/testdata/two_phases.pbtxt")

# Locust's header lines, as in ../shared/reference/peers.md.
STATS_HEADER = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response "
                "Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,"
                "Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%")
HISTORY_HEADER = ("Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,"
                  "98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median "
                  "Response Time,Total Average Response Time,Total Min Response Time,Total Max "
                  "Response Time,Total Average Content Size")
FAILURES_HEADER = "Method,Name,Error,Occurrences,First Seen,Last Seen"
PHASES_HEADER = ("loop,phase,name,users,duration_s,requests,failures,requests_per_s,median_ms,"
                 "p95_ms,p99_ms,max_ms,failure_percent,average_ms,min_ms,p90_ms,p999_ms,start,"
                 "end,idle,cancelled_at_stop,arrivals,late_starts,dropped_arrivals,"
                 "corrected_p50_ms,corrected_p99_ms,schedule_lag_p99_ms")

# The HTML report's colours (html_report.cc): one per series, and the phase-change lines.
SERIES_COLOURS = {"users": (0x1f, 0x77, 0xb4), "req/s": (0x2c, 0xa0, 0x2c),
                  "p50": (0xff, 0x7f, 0x0e), "p95": (0xd6, 0x27, 0x28),
                  "p99": (0x8c, 0x56, 0x4b), "failures/s": (0x94, 0x67, 0xbd)}
PHASE_CHANGE_COLOUR = (0x17, 0xbe, 0xcf)


def read_csv(path, header):
    """Rows of a CSV file as dicts, after checking that it is whole: CRLF line ends, the header
    byte for byte, and every row as long as the header."""
    with open(path, "rb") as f:
        data = f.read()
    assert data.endswith(b"\r\n"), f"{path} does not end with a whole line"
    lines = data.decode().split("\r\n")[:-1]
    assert lines[0] == header, f"{path} header:\n{lines[0]}\nnot\n{header}"
    rows = list(csv.reader(lines))
    width = len(rows[0])
    for row in rows:
        assert len(row) == width, f"{path}: a row of {len(row)} fields, not {width}: {row}"
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def metric_sum(text, name):
    """The sum of every sample of `name` (over all its labels)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def decode_png(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour_type in (2, 6) and interlace == 0, "unexpected PNG kind"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xff
        elif kind == 2:
            line = bytearray((a + b) & 0xff for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xff
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows


def screenshot(html, png, profile):
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed (tools/install_deps.sh installs it)"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", f"--user-data-dir={profile}", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--window-size=1000,2400",
                    f"--screenshot={png}", "file://" + html],
                   check=True, capture_output=True, timeout=120)
    return decode_png(png)


class ReportsTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def ctl(self, daemon, *args):
        run = subprocess.run([LOADGENCTL, f"--address={daemon.address}", "--json", *args],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, f"loadgenctl {args}: {run.stderr}")
        return json.loads(run.stdout) if run.stdout.strip() else {}

    def test_csv_metrics_and_html_of_a_run(self):
        prefix = os.path.join(self.dir, "run")
        html = os.path.join(self.dir, "report.html")
        with Daemon(CONFIG, f"--csv={prefix}", f"--html={html}",
                    "--metrics_address=127.0.0.1:0") as daemon:
            metrics_url = "http://" + daemon.logged("metrics on http://")
            self.ctl(daemon, "start")

            # During the run: /metrics passes promtool, and the history grows in whole rows.
            wait_for(lambda: self.ctl(daemon, "status").get("phase_name") == "peak")
            during = scrape(metrics_url)
            self.assertIn('loadgen_users{user_type="Stochastic"} ', during)
            self.assertEqual(float(during.split("\nloadgen_phase ")[1].split()[0]), 1)
            check = subprocess.run(["promtool", "check", "metrics"], input=during,
                                   capture_output=True, text=True, timeout=60)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertGreater(len(read_csv(prefix + "_stats_history.csv", HISTORY_HEADER)), 0)
            self.assertEqual(scrape(metrics_url.replace("/metrics", "/healthz")), "ok\n")

            wait_for(lambda: self.ctl(daemon, "status").get("state") == "IDLE", timeout=30)
            after = scrape(metrics_url)
            engine = self.ctl(daemon, "stats")
            served = daemon.server.stop()

        stats = read_csv(prefix + "_stats.csv", STATS_HEADER)
        aggregated = stats[-1]
        self.assertEqual((aggregated["Type"], aggregated["Name"]), ("", "Aggregated"))
        count = int(aggregated["Request Count"])
        self.assertGreater(count, 200)
        # Known traffic: every request the server answered is counted once.
        self.assertEqual(count, served)
        self.assertEqual(count, sum(int(r["Request Count"]) for r in stats[:-1]))
        # /metrics at the end agrees with the CSV.
        self.assertEqual(metric_sum(after, "loadgen_requests_total"), count)
        self.assertEqual(metric_sum(after, "loadgen_request_failures_total"),
                         int(aggregated["Failure Count"]))
        self.assertEqual(metric_sum(after, "loadgen_request_duration_seconds_count"), count)
        # The engine's own figures (GetStats): counts exact, percentiles within the histogram's
        # 0.1% and the CSV's rounding to whole milliseconds.
        rows = {(r["method"], r["name"]): r for r in engine["total"]["requests"]}
        for row in stats[:-1]:
            mine = rows[(row["Type"], row["Name"])]
            self.assertEqual(int(row["Request Count"]), int(mine["requests"]))
            self.assertEqual(int(row["Failure Count"]), int(mine["failures"]))
            for column, field in (("50%", "p50_ms"), ("90%", "p90_ms"), ("95%", "p95_ms"),
                                  ("99%", "p99_ms"), ("99.9%", "p999_ms")):
                self.assertLessEqual(abs(float(row[column]) - mine[field]),
                                     0.5 + mine[field] * 0.001, f"{row['Name']} {column}")
            self.assertAlmostEqual(float(row["Max Response Time"]), mine["max_ms"], delta=0.001)
        self.assertEqual(read_csv(prefix + "_failures.csv", FAILURES_HEADER), [])
        history = read_csv(prefix + "_stats_history.csv", HISTORY_HEADER)
        self.assertEqual(int(history[-1]["Total Request Count"]), count)
        self.assertTrue(all(r["Name"] == "Aggregated" for r in history))

        phases = read_csv(prefix + "_phases.csv", PHASES_HEADER)
        self.assertEqual([(r["phase"], r["name"], r["users"]) for r in phases],
                         [("0", "ramp", "4"), ("1", "peak", "10"), ("2", "cool", "2"),
                          ("", "Total", "")])
        self.assertEqual(int(phases[-1]["requests"]), count)
        with open(prefix + "_phases.md") as f:
            markdown = f.read().splitlines()
        self.assertEqual(len(markdown), 2 + 4)
        self.assertIn("| **Total** |", markdown[-1])

        self.check_html(html, phase_starts=3)

    def check_html(self, html, phase_starts):
        with open(html) as f:
            page = f.read()
        self.assertTrue(page.rstrip().endswith("</html>"))
        self.assertNotIn("<script", page)
        self.assertEqual(page.count('class="series"'), len(SERIES_COLOURS))
        self.assertEqual(page.count('class="phase-change"'), 4 * phase_starts)
        self.assertIn("<td>Aggregated</td>", page, "the requests table")

        width, height, pixels = screenshot(html, os.path.join(self.dir, "shot.png"),
                                           os.path.join(self.dir, "chromium"))
        counts = {}
        for row in pixels:
            for pixel in row:
                counts[pixel] = counts.get(pixel, 0) + 1
        white = counts.get((255, 255, 255), 0)
        self.assertLess(white, 0.97 * width * height, "the page is blank")
        for name, colour in SERIES_COLOURS.items():
            # A legend swatch is 42 pixels; a drawn series is a line across the chart.
            self.assertGreater(counts.get(colour, 0), 300, f"series {name} is not drawn")
        # Phase starts, phase 0's too: runs of adjacent columns that hold the phase-change colour.
        columns = [x for x in range(width)
                   if sum(1 for y in range(height) if pixels[y][x] == PHASE_CHANGE_COLOUR) >= 20]
        runs = sum(1 for i, x in enumerate(columns) if i == 0 or x != columns[i - 1] + 1)
        self.assertEqual(runs, phase_starts, f"columns with phase-change lines: {columns}")

    def test_files_are_final_when_stop_returns(self):
        prefix = os.path.join(self.dir, "stopped")
        with Daemon(CONFIG, f"--csv={prefix}") as daemon:
            self.ctl(daemon, "start")
            wait_for(lambda: self.ctl(daemon, "status").get("phase_name") == "peak")
            self.ctl(daemon, "stop")
            # No waiting: what Stop's caller reads is the run's final account.
            stats = read_csv(prefix + "_stats.csv", STATS_HEADER)
            phases = read_csv(prefix + "_phases.csv", PHASES_HEADER)
            served = daemon.server.stop()
        self.assertEqual(int(stats[-1]["Request Count"]), served)
        self.assertEqual([r["name"] for r in phases], ["ramp", "peak", "Total"])
        self.assertEqual(int(phases[-1]["requests"]), served)

    def test_an_unwritable_place_is_refused_at_start(self):
        for flag in ("--csv=/nonexistent/dir/run", "--html=/nonexistent/report.html",
                     "--metrics_address=not-an-address"):
            run = subprocess.run([LOADGEN, "--grpc_address=", f"--config={CONFIG}",
                                  "--host=http://127.0.0.1:1", flag],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 2, flag)
            self.assertIn(flag.split("=")[0].lstrip("-").split("_")[0], run.stderr, flag)

    def test_sigterm_mid_phase_leaves_complete_files(self):
        prefix = os.path.join(self.dir, "cut")
        html = os.path.join(self.dir, "cut.html")
        with DelayServer(delay_ms=5) as server:
            process = subprocess.Popen(
                [LOADGEN, "--grpc_address=", f"--config={TWO_PHASES}", f"--host={server.url}",
                 "--threads=1", "--status_interval=0", f"--csv={prefix}", f"--html={html}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Into the second phase (each lasts 3 s), then SIGTERM.
            wait_for(lambda: os.path.exists(prefix + "_stats_history.csv") and len(
                read_csv(prefix + "_stats_history.csv", HISTORY_HEADER)) >= 4, timeout=20)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
            self.assertEqual(process.returncode, 0, err)

        stats = read_csv(prefix + "_stats.csv", STATS_HEADER)
        self.assertEqual(stats[-1]["Name"], "Aggregated")
        count = int(stats[-1]["Request Count"])
        history = read_csv(prefix + "_stats_history.csv", HISTORY_HEADER)
        self.assertEqual(int(history[-1]["Total Request Count"]), count)
        read_csv(prefix + "_failures.csv", FAILURES_HEADER)
        phases = read_csv(prefix + "_phases.csv", PHASES_HEADER)
        self.assertEqual([r["name"] for r in phases], ["low", "high", "Total"])
        self.assertLess(float(phases[1]["duration_s"]), 3.0, "the cut phase ends at the signal")
        self.assertEqual(int(phases[-1]["requests"]), count)
        self.assertIn("high", out, "the phase table is printed too")
        with open(prefix + "_phases.md") as f:
            self.assertIn("**Total**", f.read().splitlines()[-1])
        with open(html) as f:
            self.assertTrue(f.read().rstrip().endswith("</html>"))
        self.assertEqual([n for n in os.listdir(self.dir) if n.endswith(".tmp")], [])

    def test_a_second_signal_cuts_the_grace_and_every_file_is_still_written(self):
        # A target that answers nothing for a minute, users given a minute to finish: the first
        # SIGTERM waits for them, the second cancels what they have in flight and the files are
        # written all the same, with those requests counted.
        config = os.path.join(self.dir, "hanging.pbtxt")
        with open(TWO_PHASES) as f, open(config, "w") as out:
            out.write(f.read() + "stop_timeout_ms: 60000\nrequest_timeout_ms: 60000\n")
        prefix = os.path.join(self.dir, "hung")
        html = os.path.join(self.dir, "hung.html")
        with DelayServer(delay_ms=60000) as server:
            process = subprocess.Popen(
                [LOADGEN, "--grpc_address=", f"--config={config}", f"--host={server.url}",
                 "--threads=1", "--status_interval=0", f"--csv={prefix}", f"--html={html}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            wait_for(lambda: os.path.exists(prefix + "_stats_history.csv") and len(
                read_csv(prefix + "_stats_history.csv", HISTORY_HEADER)) >= 2, timeout=20)
            process.send_signal(signal.SIGTERM)
            time.sleep(1)
            self.assertIsNone(process.poll(), "users have a minute to finish")
            process.send_signal(signal.SIGTERM)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 1, err)
        self.assertIn("the results are still written", err)
        phases = read_csv(prefix + "_phases.csv", PHASES_HEADER)
        self.assertEqual([r["name"] for r in phases], ["low", "Total"])
        self.assertEqual(int(phases[-1]["requests"]), 0)
        self.assertEqual(int(phases[-1]["failures"]), 0)
        self.assertEqual(int(phases[-1]["cancelled_at_stop"]), 20, "one in flight per user")
        self.assertIn("20 requests in flight at the stop timeout were cancelled", out)
        with open(prefix + "_phases.md") as f:
            self.assertIn("20 requests in flight", f.read())
        with open(html) as f:
            self.assertTrue(f.read().rstrip().endswith("</html>"))
        for suffix in ("_stats.csv", "_failures.csv", "_stats_history.csv"):
            self.assertTrue(os.path.exists(prefix + suffix), suffix)

    def test_a_result_file_that_cannot_be_written_ends_with_exit_4(self):
        html = os.path.join(self.dir, "taken.html")
        prefix = os.path.join(self.dir, "gone", "run")
        os.mkdir(os.path.dirname(prefix))
        with DelayServer(delay_ms=5) as server:
            process = subprocess.Popen(
                [LOADGEN, "--grpc_address=", f"--config={CONFIG}", f"--host={server.url}",
                 "--threads=1", "--status_interval=0", "--run_time=2s", f"--html={html}",
                 f"--csv={prefix}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Once the run is under way, the report's name becomes a directory and the CSV
            # files' directory goes away.
            wait_for(lambda: os.path.exists(prefix + "_stats_history.csv"), timeout=20)
            os.mkdir(html)
            shutil.rmtree(os.path.dirname(prefix))
            out, err = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 4, err)
        self.assertIn(f"results lost: cannot write {html}: Is a directory", err)
        self.assertIn(f"results lost: cannot write {prefix}_phases.csv: No such file", err)
        self.assertNotIn("results in", err)
        self.assertIn("Total", out, "the phase table is printed all the same")


if __name__ == "__main__":
    loadgen_test_lib.main()
