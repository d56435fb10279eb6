#!/usr/bin/python3
"""bench/run.sh --quick runs on this machine and prints every table (figures not judged)."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import LOADGEN, WRK2, runfile  # noqa: E402


class BenchSmokeTest(unittest.TestCase):

    def test_quick_run_prints_every_table(self):
        env = dict(os.environ, LOADGEN=LOADGEN, WRK2=WRK2,
                   FLOOR_CLIENT=runfile("bench/floor_client"),
                   DELAY_SERVER=runfile("load_generation/delay_server"),
                   PROTO_DIR=runfile("proto"))
        run = subprocess.run([runfile("bench/run.sh"), "--quick"], capture_output=True,
                             text=True, env=env, timeout=600)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        out = run.stdout
        for title in ("### 1. Throughput", "### 2. Users per core", "### 3. Accuracy",
                      "### 3b. Latency floor", "### 4. Phase timing", "### 5. Open model",
                      "### 6. The wrk2 front end", "### 7. Scaling",
                      "### 8. User-space instructions per request"):
            self.assertIn(title, out)
        for tool in ("| loadgen |", "| wrk |", "| Locust |", "| floor |",
                     "| floor with loadgen's work |"):
            self.assertIn(tool, out)
        self.assertRegex(out, r"loadgen / wrk per CPU-second: \d\.\d\d\*\* \(repetition by "
                              r"repetition: \d\.\d\d;")
        self.assertIn("loadgen / Locust FastHttpUser:", out)
        self.assertIn("Of the floor's requests per CPU-second, loadgen makes", out)
        self.assertRegex(out, r"The floor doing loadgen's own work per request .* makes "
                              r"\d\.\d\d of the floor")
        self.assertTrue("| floor, io_uring |" in out and "Over io_uring the floor makes" in out
                        or "The floor over io_uring was not measured: io_uring unavailable" in out,
                        out)
        self.assertRegex(out, r"loadgen's p99 excess beyond the floor's: [+-]\d+\.\d\d ms")
        self.assertIn("| 2 drain |", out)
        self.assertIn("| 20,000 |", out)
        self.assertIn("| 20,000, busy poll 100 us |", out)
        self.assertIn("wrk2 front end / wrk per CPU-second, flat out:", out)
        self.assertIn("| wrk2 front end, -R 20,000 |", out)
        self.assertIn("loadgen / wrk:", out)
        self.assertNotIn("nan", out.lower().replace("nanosecond", ""))


if __name__ == "__main__":
    loadgen_test_lib.main()
