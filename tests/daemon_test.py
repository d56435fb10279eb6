#!/usr/bin/python3
"""The daemon end to end: real binary, real HTTP to a loopback delay server."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import ANY_PORT, LOADGEN, DelayServer, parse_phase_table, runfile  # noqa: E402

TWO_PHASES = runfile("tests/testdata/two_phases.pbtxt")


class DaemonTest(unittest.TestCase):

    def test_per_phase_request_counts_follow_users_and_pauses(self):
        with DelayServer(delay_ms=10) as server:
            run = subprocess.run(
                [LOADGEN, ANY_PORT, f"--config={TWO_PHASES}", f"--host={server.url}", "--run_time=6s",
                 "--threads=2", "--status_interval=1s", "--seed=7"],
                capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        rows = parse_phase_table(run.stdout)
        self.assertEqual([r["name"] for r in rows], ["low", "high", "Total"])
        for row, pause_s in zip(rows, (0.100, 0.200)):
            service_s = row["p50"] / 1000
            expected = row["users"] * row["duration"] / (pause_s + service_s)
            self.assertAlmostEqual(row["requests"], expected, delta=0.10 * expected,
                                   msg=f"phase {row['name']}: {row}")
            self.assertEqual(row["failures%"], "0.00%")
        self.assertEqual(rows[2]["requests"], rows[0]["requests"] + rows[1]["requests"])
        self.assertIn("phase 1 high (loop 0) | Stochastic 40/40", run.stderr)

    def test_sigterm_stops_gracefully_with_a_summary(self):
        with DelayServer(delay_ms=10) as server:
            process = subprocess.Popen(
                [LOADGEN, ANY_PORT, f"--config={TWO_PHASES}", f"--host={server.url}", "--threads=1"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(2)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 0, err)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn("stopping", err)
        rows = parse_phase_table(out)
        self.assertEqual(rows[0]["name"], "low")
        self.assertGreater(rows[0]["requests"], 100)

    def test_batch_runs_do_not_collide_on_the_default_control_port(self):
        # Another run holds the default port: a batch run takes any free one, in one clear line
        # and without gRPC's own log lines; a run that waits for a Start call says what to do.
        holder = socket.socket()
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            holder.bind(("127.0.0.1", 50051))
        except OSError:
            pass  # someone else holds it: the same situation
        holder.listen()
        with holder, DelayServer(delay_ms=1) as server:
            run = subprocess.run(
                [LOADGEN, f"--config={TWO_PHASES}", f"--host={server.url}", "--run_time=1s",
                 "--status_interval=0"], capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("127.0.0.1:50051 is in use (another loadgen?); taking any free port",
                          run.stderr)
            self.assertRegex(run.stderr, r"control service on 127\.0\.0\.1:\d+")
            self.assertNotIn(".cc:", run.stderr, "no raw gRPC log lines")
            waiting = subprocess.run(
                [LOADGEN, f"--config={TWO_PHASES}", f"--host={server.url}", "--wait_for_start"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(waiting.returncode, 2)
            self.assertNotIn(".cc:", waiting.stderr, "no raw gRPC log lines")
            self.assertIn("cannot serve gRPC on '127.0.0.1:50051'", waiting.stderr)
            self.assertIn("--grpc_address=127.0.0.1:0 takes any free port", waiting.stderr)
            self.assertEqual(len(waiting.stderr.strip().splitlines()), 2, waiting.stderr)

    def test_an_open_phase_sends_the_asked_rate_to_a_slow_target(self):
        # 200 arrivals/s for 3 s to a target that takes 50 ms: closed users would send less as
        # it slows; an open phase sends exactly 600 (FIXED), and the target counts them, with the
        # rate split over two event loops.
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "open.pbtxt")
            with open(config, "w") as f:
                f.write("""
                    application: "mubench"
                    loops: 1
                    phases { name: "open" duration: 3 arrival_rate_per_s: 200
                             user_types { name: "Stochastic" ratio: 1 } }
                """)
            with DelayServer(delay_ms=50) as server:
                # Loops that poll before they sleep (busy_poll_us) run and end as others do.
                run = subprocess.run(
                    [LOADGEN, ANY_PORT, f"--config={config}", f"--host={server.url}",
                     "--status_interval=1s", "--threads=2", "--busy_poll_us=200",
                     f"--csv={tmp}/run"],
                    capture_output=True, text=True, timeout=60)
                served = server.stop()
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(served, 600, "the target's own count")
            rows = parse_phase_table(run.stdout)
            self.assertEqual(rows[0]["requests"], 600)
            # Some arrivals wait while the first users connect (late starts), none is dropped.
            self.assertEqual(rows[0]["dropped"], 0)
            self.assertLess(rows[0]["late"], 600)
            # The corrected latency counts from the intended times: at least the 50 ms.
            self.assertGreaterEqual(float(rows[0]["corrected_p50"]), 50)
            self.assertRegex(run.stderr, r"200\.0 arrivals/s, \d+ late, 0 dropped")
            with open(f"{tmp}/run_phases.csv") as f:
                header, row = f.readline().strip().split(","), f.readline().strip().split(",")
            fields = dict(zip(header, row))
            self.assertEqual((fields["arrivals"], fields["late_starts"], fields["dropped_arrivals"]),
                             ("600", str(rows[0]["late"]), "0"))

    def test_failures_are_counted_and_never_fatal(self):
        with DelayServer(status=503) as server:
            run = subprocess.run(
                [LOADGEN, ANY_PORT, f"--config={TWO_PHASES}", f"--host={server.url}", "--run_time=2s",
                 "--status_interval=0"], capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        rows = parse_phase_table(run.stdout)
        self.assertGreater(rows[0]["requests"], 100)
        self.assertEqual(rows[0]["failures%"], "100.00%")

    def test_an_unreachable_target_is_failures_not_a_crash(self):
        run = subprocess.run(
            [LOADGEN, ANY_PORT, f"--config={TWO_PHASES}", "--host=http://127.0.0.1:9", "--run_time=1s"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(parse_phase_table(run.stdout)[0]["failures%"], "100.00%")


class CheckTest(unittest.TestCase):

    def check(self, *args):
        return subprocess.run([LOADGEN, ANY_PORT, "--check", *args], capture_output=True, text=True,
                              timeout=30)

    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".pbtxt", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_valid_config(self):
        run = self.check(f"--config={runfile('applications/hipster_shop/load_generation/load.pbtxt')}")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("valid: 3 phases, user types Holiday, Normal, Weekend "
                      "(application hipster_shop)", run.stdout)

    def test_semantic_error_names_the_field_and_exits_2(self):
        path = self.write('application: "hipster_shop" phases { duration: 5 num_users: 1 '
                          'hatch_rate_per_s: 1 user_types { name: "Normal" ratio: 1 '
                          'min_wait_ms: 900 max_wait_ms: 200 } }')
        run = self.check(f"--config={path}")
        self.assertEqual(run.returncode, 2)
        self.assertIn(f"{path}: phases[0].user_types[0]: min_wait_ms 900 > max_wait_ms 200",
                      run.stderr)

    def test_syntax_error_has_line_and_column(self):
        path = self.write('application: "hipster_shop"\nphases {\n  duration: 5\n')
        run = self.check(f"--config={path}")
        self.assertEqual(run.returncode, 2)
        self.assertIn(f"{path}:4:1:", run.stderr)

    def test_unknown_application_lists_the_compiled_ones(self):
        run = self.check(f"--config={TWO_PHASES}", "--application=nope")
        self.assertEqual(run.returncode, 2)
        self.assertIn("unknown application 'nope' (compiled in: hipster_shop, inference, mubench)",
                      run.stderr)

    def test_a_fifo_or_a_device_as_config_is_refused_at_once(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        fifo = os.path.join(directory.name, "config.fifo")
        os.mkfifo(fifo)
        for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a device")):
            run = self.check(f"--config={path}")  # a hang would be the subprocess timeout
            self.assertEqual(run.returncode, 2, run.stderr)
            self.assertIn(f"{path}: cannot read config: is {kind}, not a regular file", run.stderr)

    def test_unknown_user_type_lists_the_applications_types(self):
        path = self.write('application: "hipster_shop" phases { duration: 5 user_types { '
                          'name: "Weeknd" ratio: 1 } }')
        run = self.check(f"--config={path}")
        self.assertEqual(run.returncode, 2)
        self.assertIn("its user types: Holiday, Normal, Weekend", run.stderr)

    def test_declarative_type_with_a_bad_template_names_the_field(self):
        path = self.write('user_type_definitions { name: "Api" tasks { weight: 1 requests { '
                          'method: "POST" path: "/items/{{id}}" } } } '
                          'phases { duration: 5 user_types { name: "Api" ratio: 1 } }')
        run = self.check(f"--config={path}")
        self.assertEqual(run.returncode, 2)
        self.assertIn(f"{path}: user_type_definitions[0].tasks[0].requests[0].path: "
                      "unknown value {{id}} (defined: none)", run.stderr)

    def test_shipped_configs_are_valid(self):
        for config in ("applications/hipster_shop/load_generation/demo.pbtxt",
                       "applications/mubench/load_generation/load.pbtxt",
                       "applications/mubench/load_generation/trace.pbtxt",
                       "applications/inference/load_generation/load.pbtxt",
                       "applications/deathstarbench/load_generation/hotel_reservation.pbtxt",
                       "applications/deathstarbench/load_generation/social_network.pbtxt"):
            run = self.check(f"--config={runfile(config)}")
            self.assertEqual(run.returncode, 0, f"{config}: {run.stderr}")

    def test_missing_and_binary_files(self):
        run = self.check("--config=/nonexistent.pbtxt")
        self.assertEqual(run.returncode, 2)
        self.assertIn("/nonexistent.pbtxt: cannot read config: No such file or directory",
                      run.stderr)
        with open(LOADGEN, "rb") as binary:
            head = binary.read(4096)  # an ELF header: binary bytes
        path = self.write("")
        with open(path, "wb") as f:
            f.write(head)
        run = self.check(f"--config={path}")
        self.assertEqual(run.returncode, 2)
        self.assertIn("not a text-format config", run.stderr)
        big = self.write("")
        with open(big, "wb") as f:
            f.truncate((16 << 20) + 1)  # one byte over the 16 MiB limit (sparse: no disk used)
        run = self.check(f"--config={big}")
        self.assertEqual(run.returncode, 2)
        self.assertIn(f"{big}: cannot read config: is 16777217 bytes, over the limit of 16777216 "
                      "bytes", run.stderr)

    def test_bad_host_is_a_usage_error(self):
        run = subprocess.run([LOADGEN, ANY_PORT, f"--config={TWO_PHASES}", "--host=ftp://x"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 2)
        self.assertIn("must start with http:// or https://", run.stderr)

    def test_check_refuses_a_host_that_a_run_would(self):
        run = self.check(f"--config={TWO_PHASES}", "--host=ftp://x")
        self.assertEqual(run.returncode, 2, run.stdout)
        self.assertIn("--host: target 'ftp://x': must start with http:// or https://", run.stderr)
        path = self.write('host: "ftp://x" ' + open(TWO_PHASES).read())
        run = self.check(f"--config={path}")
        self.assertEqual(run.returncode, 2, run.stdout)
        self.assertIn(f"{path}: host: target 'ftp://x': must start with http:// or https://",
                      run.stderr)


if __name__ == "__main__":
    loadgen_test_lib.main()
