#!/usr/bin/python3
"""What tools/demo.sh runs: the demo shop with 1% injected errors, and the compressed hipster_shop
phases against it. (demo.sh itself builds with Bazel, which cannot run inside a Bazel test.)"""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import ANY_PORT, LOADGEN, parse_phase_table, runfile  # noqa: E402


class DemoTest(unittest.TestCase):

    def test_every_phase_has_traffic_and_failures_match_the_error_rate(self):
        shop = subprocess.Popen([runfile("applications/hipster_shop/demo_shop"),
                                 "--error_rate=0.01"], stdout=subprocess.PIPE, text=True)
        try:
            port = re.match(r"listening on (\d+)", shop.stdout.readline()).group(1)
            run = subprocess.run(
                [LOADGEN, ANY_PORT, f"--config={runfile('applications/hipster_shop/load_generation/demo.pbtxt')}",
                 f"--host=http://127.0.0.1:{port}", "--status_interval=0", "--seed=3"],
                capture_output=True, text=True, timeout=180)
        finally:
            shop.terminate()
            shop_report = shop.communicate(timeout=30)[0]
        self.assertEqual(run.returncode, 0, run.stderr)
        rows = parse_phase_table(run.stdout)
        self.assertEqual([r["name"] for r in rows], ["normal", "weekend", "holiday", "Total"])
        for row in rows[:3]:
            self.assertGreater(row["requests"], 1000, row)
        injected = int(re.search(r"(\d+) injected errors", shop_report).group(1))
        total = rows[3]["requests"]
        failures = round(float(rows[3]["failures%"].rstrip("%")) * total / 100)
        # Every injected 500 is a failure; a failed add-to-cart can also leave a checkout with an
        # empty cart (422), so failures are at least the injected errors and not many more.
        self.assertGreaterEqual(failures, injected - 1)
        self.assertLessEqual(failures, injected * 1.2 + 5)
        self.assertAlmostEqual(injected / total, 0.01, delta=0.003)


if __name__ == "__main__":
    loadgen_test_lib.main()
