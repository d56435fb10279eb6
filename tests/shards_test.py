#!/usr/bin/python3
"""Three daemons on loopback as the shards of one run, driven by loadgenctl --targets."""
import json
import os
import subprocess
import sys
import time
import unittest
from contextlib import ExitStack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import LOADGEN, LOADGENCTL, Daemon, runfile  # noqa: E402

sys.path.insert(0, runfile("proto"))
import control_pb2  # noqa: E402
import grpc  # noqa: E402

CONFIG = runfile("tests/testdata/shards.pbtxt")
# Users per type in each phase, as the config splits them (ratio 1:2).
EXPECTED = [{"Normal": 2, "Weekend": 4}, {"Normal": 3, "Weekend": 6}, {"Normal": 5, "Weekend": 10}]
SHARDS = 3


def call(address, method, request, response_type):
    with grpc.insecure_channel(address) as channel:
        rpc = channel.unary_unary(f"/pl.demos.load_generation.LoadGenerator/{method}",
                                  request_serializer=type(request).SerializeToString,
                                  response_deserializer=response_type.FromString)
        return rpc(request, timeout=5)


def get_status(address):
    """(when it answered, the status)."""
    status = call(address, "GetStatus", control_pb2.GetStatusRequest(), control_pb2.Status)
    return time.time(), status


def get_stats(address):
    return call(address, "GetStats", control_pb2.GetStatsRequest(histograms=True),
                control_pb2.StatsReport)


class ShardsTest(unittest.TestCase):

    def ctl(self, targets, *args):
        run = subprocess.run([LOADGENCTL, f"--targets={','.join(targets)}", *args],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, f"loadgenctl {args}: {run.stdout}{run.stderr}")
        return run.stdout

    def test_three_shards_run_as_one(self):
        with ExitStack() as stack:
            # As a StatefulSet runs them: no --shard_count, each pod's index in its host name;
            # `loadgenctl --targets start` tells them how many shards it found.
            daemons = [stack.enter_context(Daemon(CONFIG,
                                                  env={"HOSTNAME": f"loadgenerator-shards-{i}"}))
                       for i in range(SHARDS)]
            targets = [d.address for d in daemons]
            self.ctl(targets, "start")

            # Every phase: once the users are up, the shards' users add up to the config's.
            phase_starts = {}  # phase -> {shard: when it began, by the shard's own account}
            seen_totals = {}
            deadline = time.monotonic() + 20
            while len(seen_totals) < 3 and time.monotonic() < deadline:
                answers = [get_status(a) for a in targets]
                for shard, (when, s) in enumerate(answers):
                    if s.state == control_pb2.Status.RUNNING:
                        phase_starts.setdefault(s.phase, {}).setdefault(
                            shard, when - s.phase_elapsed_s)
                phases = {s.phase for _, s in answers}
                if len(phases) != 1 or answers[0][1].state != control_pb2.Status.RUNNING:
                    continue
                totals = {}
                for _, s in answers:
                    for t in s.user_types:
                        totals[t.name] = totals.get(t.name, 0) + t.active
                phase = phases.pop()
                if totals == EXPECTED[phase]:
                    seen_totals[phase] = totals
                time.sleep(0.02)
            self.assertEqual(sorted(seen_totals), [0, 1, 2], f"reached: {seen_totals}")
            for phase in (1, 2):  # the phase changes happen together on every shard
                starts = phase_starts[phase].values()
                self.assertEqual(len(starts), SHARDS)
                self.assertLess(max(starts) - min(starts), 0.05, f"phase {phase}: {starts}")

            # One stop for all.
            self.ctl(targets, "stop")
            for address in targets:
                self.assertEqual(get_status(address)[1].state, control_pb2.Status.IDLE)

            # Merged status: the completed phases' percentiles come from merged histograms,
            # between the smallest and the largest of the shards' own.
            merged_status = json.loads(self.ctl(targets, "--json", "status"))
            by_shard = [get_status(a)[1].completed_phases for a in targets]
            self.assertGreaterEqual(len(merged_status["completed_phases"]), 3)
            for i, phase in enumerate(merged_status["completed_phases"]):
                own = [shard[i].p95_ms for shard in by_shard]
                self.assertGreater(phase["p95_ms"], 0, f"phase {i}: {phase}")
                self.assertTrue(min(own) <= phase["p95_ms"] <= max(own), f"{phase} vs {own}")

            # Merged stats of the finished run: counts summed, buckets summed, and each
            # percentile read from the merged histogram.
            merged = json.loads(self.ctl(targets, "--json", "stats"))["total"]["aggregated"]
            shards = [get_stats(a).total.aggregated for a in targets]
            self.assertEqual(int(merged["requests"]), sum(s.requests for s in shards))
            self.assertGreater(int(merged["requests"]), 100)
            buckets = {}
            for s in shards:
                for value, count in zip(s.latency.values_us, s.latency.counts):
                    buckets[value] = buckets.get(value, 0) + count
            merged_buckets = dict(zip(map(int, merged["latency"]["values_us"]),
                                      map(int, merged["latency"]["counts"])))
            self.assertEqual(merged_buckets, buckets)
            lows = sorted(merged_buckets)
            count = sum(merged_buckets.values())
            for q, field in ((0.5, "p50_ms"), (0.99, "p99_ms")):
                rank, seen = max(1, -(-int(q * count * 1000) // 1000)), 0
                for i, low in enumerate(lows):
                    seen += merged_buckets[low]
                    if seen >= rank:
                        break
                value_us = merged[field] * 1000
                upper = lows[i + 1] if i + 1 < len(lows) else float("inf")
                self.assertTrue(low - 1 <= value_us < upper + 1, f"{field} {value_us} not in "
                                f"the bucket of rank {rank}: [{low}, {upper})")

    def test_the_shard_index_comes_from_the_pod(self):
        for env, expected in (({"HOSTNAME": "loadgenerator-shard-2"}, "shard 2 of 3"),
                              ({"JOB_COMPLETION_INDEX": "1", "HOSTNAME": "x-2"}, "shard 1 of 3")):
            with Daemon(CONFIG, "--shard_count=3", env=env) as daemon:
                self.assertIn(expected, daemon.log())
        for env, message in (({"HOSTNAME": "vm"}, "the ordinal of HOSTNAME=vm does not give one"),
                             ({"HOSTNAME": "loadgenerator-shard-3"}, "gives 3")):
            run = subprocess.run([LOADGEN, f"--config={CONFIG}", "--shard_count=3",
                                  "--grpc_address=", "--host=http://127.0.0.1:1"],
                                 capture_output=True, text=True, timeout=30,
                                 env=dict(os.environ, **env))
            self.assertEqual(run.returncode, 2, run.stderr)
            self.assertIn(message, run.stderr)


if __name__ == "__main__":
    loadgen_test_lib.main()
