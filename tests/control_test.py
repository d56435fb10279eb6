#!/usr/bin/python3
"""The control service end to end: the real daemon, driven by loadgenctl and by a Python client."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import LOADGEN, LOADGENCTL, runfile, wait_for  # noqa: E402

# Stubs made by `protoc --python_out` (//proto:control_py), with Debian's python3-grpcio.
sys.path.insert(0, runfile("proto"))
import control_pb2  # noqa: E402
import grpc  # noqa: E402

CONFIG = runfile("tests/testdata/control.pbtxt")
SERVICE = "/pl.demos.load_generation.LoadGenerator/"


def Daemon(*flags):
    return loadgen_test_lib.Daemon(CONFIG, *flags)


class ControlTest(unittest.TestCase):

    def ctl(self, daemon, *args, check=True):
        run = subprocess.run([LOADGENCTL, f"--address={daemon.address}", *args],
                             capture_output=True, text=True, timeout=60)
        if check:
            self.assertEqual(run.returncode, 0, f"loadgenctl {args}: {run.stderr}")
        return run

    def status(self, daemon):
        return json.loads(self.ctl(daemon, "--json", "status").stdout)

    @staticmethod
    def active(status):
        return sum(t.get("active", 0) for t in status.get("user_types", []))

    def test_loadgenctl_drives_a_run_and_the_daemon_outlives_it(self):
        with Daemon() as daemon:
            self.assertEqual(self.status(daemon)["state"], "IDLE")
            self.assertIn("state     running", self.ctl(daemon, "start").stdout)

            # watch streams JSON lines; the phase changes from warmup to steady after 4 s.
            watch = subprocess.Popen(
                [LOADGENCTL, f"--address={daemon.address}", "--json", "--interval=200ms",
                 "watch"], stdout=subprocess.PIPE, text=True)
            phases = []
            try:
                for line in watch.stdout:
                    phases.append(json.loads(line)["phase_name"])
                    if phases[-1] == "steady":
                        break
            finally:
                watch.kill()
                watch.communicate()
            self.assertEqual(phases[0], "warmup")
            self.assertEqual(phases[-1], "steady")

            self.ctl(daemon, "users", "4")
            wait_for(lambda: self.active(self.status(daemon)) == 4)
            self.assertTrue(self.status(daemon)["override_active"])

            self.ctl(daemon, "phase", "0")
            wait_for(lambda: self.status(daemon)["phase_name"] == "warmup")
            self.assertEqual(wait_for(lambda: self.active(self.status(daemon)) == 5), True)

            stopped = json.loads(self.ctl(daemon, "--json", "stop").stdout)
            self.assertEqual(stopped["state"], "IDLE")
            self.assertGreater(int(stopped["total_requests"]), 50)
            self.assertEqual(stopped.get("total_failures", "0"), "0")

            # Still up and idle, ready for another start.
            self.assertEqual(daemon.process.poll(), None)
            self.assertEqual(self.status(daemon)["state"], "IDLE")
            self.ctl(daemon, "start")
            wait_for(lambda: self.active(self.status(daemon)) == 5)
            self.assertEqual(self.status(daemon)["run_number"], "2")

            daemon.process.send_signal(signal.SIGTERM)
            out, _ = daemon.process.communicate(timeout=30)
            self.assertEqual(daemon.process.returncode, 0, daemon.log())
            self.assertIn("warmup", out, "each run's phase table goes to stdout")

    def test_exit_codes(self):
        with Daemon() as daemon:
            run = self.ctl(daemon, "pause", check=False)
            self.assertEqual(run.returncode, 1)
            self.assertIn("FAILED_PRECONDITION: no run is under way", run.stderr)
            self.assertEqual(self.ctl(daemon, "phase", check=False).returncode, 2)
            self.assertEqual(self.ctl(daemon, "frobnicate", check=False).returncode, 2)
            self.assertEqual(self.ctl(daemon, "--no_such_flag", "status", check=False).returncode,
                             2)
            self.assertEqual(self.ctl(daemon, "users", "many", check=False).returncode, 2)
            with tempfile.NamedTemporaryFile("w", suffix=".pbtxt") as bad:
                bad.write('application: "mubench" phases { duration: 0 }')
                bad.flush()
                run = self.ctl(daemon, "reload", bad.name, check=False)
            self.assertEqual(run.returncode, 1)
            self.assertIn(f"INVALID_ARGUMENT: {bad.name}: phases[0]: duration must be", run.stderr)
            self.assertIn("Stochastic", self.ctl(daemon, "apps").stdout)

    def test_tokens(self):
        with tempfile.TemporaryDirectory() as tmp:
            right = os.path.join(tmp, "right")
            wrong = os.path.join(tmp, "wrong")
            with open(right, "w") as f:
                f.write("0123456789abcdef\n")
            with open(wrong, "w") as f:
                f.write("not-the-token\n")
            with Daemon(f"--control_token_file={right}") as daemon:
                run = self.ctl(daemon, "status", check=False)
                self.assertEqual(run.returncode, 1)
                self.assertIn("UNAUTHENTICATED", run.stderr)
                run = self.ctl(daemon, f"--token_file={wrong}", "status", check=False)
                self.assertEqual(run.returncode, 1)
                self.assertIn("UNAUTHENTICATED", run.stderr)
                self.ctl(daemon, f"--token_file={right}", "status")

    def test_a_python_client_reads_status_and_stops_the_run(self):
        with Daemon() as daemon, grpc.insecure_channel(daemon.address) as channel:
            def rpc(name, request, response=control_pb2.Status):
                call = channel.unary_unary(SERVICE + name,
                                           request_serializer=request.SerializeToString,
                                           response_deserializer=response.FromString)
                return call(request, timeout=30)

            status = rpc("Start", control_pb2.StartRequest())
            self.assertEqual(status.state, control_pb2.Status.RUNNING)
            status = wait_for(lambda: (lambda s: s if s.total_requests > 20 else None)(
                rpc("GetStatus", control_pb2.GetStatusRequest())))
            self.assertEqual(status.phase_name, "warmup")
            self.assertEqual(status.user_types[0].name, "Stochastic")
            self.assertEqual(len(status.config_digest), 16)

            status = rpc("Stop", control_pb2.StopRequest(timeout_ms=1000))
            self.assertEqual(status.state, control_pb2.Status.IDLE)
            stats = rpc("GetStats", control_pb2.GetStatsRequest(), control_pb2.StatsReport)
            self.assertEqual(stats.completed_phases[0].name, "warmup")
            self.assertEqual(stats.total.aggregated.requests, status.total_requests)

            with self.assertRaises(grpc.RpcError) as error:
                rpc("Pause", control_pb2.PauseRequest())
            self.assertEqual(error.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)

    def test_sigterm_is_not_held_up_by_a_connected_client(self):
        # A client that keeps its channel open and idle once held the exit for 5 s.
        with Daemon() as daemon, grpc.insecure_channel(daemon.address) as channel:
            grpc.channel_ready_future(channel).result(timeout=10)
            time.sleep(2)  # idle, as a dashboard between polls
            started = time.monotonic()
            daemon.process.send_signal(signal.SIGTERM)
            daemon.process.wait(timeout=30)
            self.assertEqual(daemon.process.returncode, 0, daemon.log())
            self.assertLess(time.monotonic() - started, 2.5, daemon.log())


if __name__ == "__main__":
    loadgen_test_lib.main()
