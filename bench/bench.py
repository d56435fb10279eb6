#!/usr/bin/python3
"""Side-by-side benchmarks of loadgen, wrk and Locust on this machine. Run by bench/run.sh.

The target runs pinned to one core and each generator, one at a time, to another. Rates and
CPU are measured over a window inside each run, away from start-up and ramp: requests from the
target's own count (nginx stub_status), CPU from the generator's /proc/PID/stat (user +
system, all threads). Each figure is the median of the repetitions.
"""
import argparse
import csv
import datetime
import os
import re
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TARGET_CPU, GENERATOR_CPU = "0", "1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class Nginx:
    """nginx answering "ok" to every GET: one worker pinned to the target core, or `workers`
    workers on `cpus`."""

    def __init__(self, workdir, workers=1, cpus=TARGET_CPU):
        self.cpus = cpus
        self.dir = os.path.join(workdir, f"nginx-{workers}")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(f"""worker_processes {workers};
daemon off;
master_process on;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
worker_rlimit_nofile 20000;
events {{ worker_connections 19000; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path {self.dir};
  proxy_temp_path {self.dir};
  fastcgi_temp_path {self.dir};
  uwsgi_temp_path {self.dir};
  scgi_temp_path {self.dir};
  server {{
    listen 127.0.0.1:{self.port} backlog=16384;
    location = /nginx_status {{ stub_status; }}
    location / {{ default_type text/plain; return 200 "ok"; }}
  }}
}}
""")

    def __enter__(self):
        self.process = subprocess.Popen(
            ["taskset", "-c", self.cpus, "nginx", "-c", os.path.join(self.dir, "nginx.conf"),
             "-p", self.dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.requests()
                return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("nginx did not start; see " + self.dir)
                time.sleep(0.05)

    def requests(self):
        """Requests nginx has handled so far (its stub_status; each call adds one)."""
        with urllib.request.urlopen(self.url + "/nginx_status", timeout=5) as r:
            return int(r.read().decode().splitlines()[2].split()[2])

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


class DelayServer:
    def __init__(self, binary, delay_ms):
        self.args = ["taskset", "-c", TARGET_CPU, binary, f"--delay_ms={delay_ms}"]

    def __enter__(self):
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        self.url = "http://127.0.0.1:" + self.process.stdout.readline().split()[-1]
        return self

    def __exit__(self, *exc):
        """Ends the server; `lateness` is then its own answer lateness (p50, p99 in ms)."""
        self.process.terminate()
        out, _ = self.process.communicate(timeout=10)
        match = re.search(r"answer lateness p50 ([\d.]+) ms, p99 ([\d.]+) ms", out)
        self.lateness = {"p50": float(match[1]), "p99": float(match[2])} if match else None


class Tools:
    def __init__(self, loadgen, wrk2, floor_client, workdir):
        self.loadgen = loadgen
        self.wrk2 = wrk2
        self.floor_client = floor_client
        self.dir = workdir
        self.runs = 0

    def fresh(self, name):
        self.runs += 1
        return os.path.join(self.dir, f"{self.runs:02d}-{name}")

    def loadgen_cmd(self, config_text, host, seconds, prefix, *flags):
        config = prefix + ".pbtxt"
        with open(config, "w") as f:
            f.write(config_text)
        return [self.loadgen, f"--config={config}", f"--host={host}", "--threads=1",
                "--status_interval=0", f"--run_time={seconds}s", f"--csv={prefix}", "--seed=1",
                "--grpc_address=", *flags]  # a --threads in `flags` comes last and wins

    def locust_cmd(self, wait, users, spawn_rate, host, seconds, prefix):
        locustfile = prefix + "_locustfile.py"
        with open(locustfile, "w") as f:
            f.write(f"""from locust import FastHttpUser, task, constant, between
class Client(FastHttpUser):
    wait_time = {wait}
    @task
    def get(self):
        self.client.get("/s0")
""")
        return ["/usr/bin/python3", "-m", "locust", "-f", locustfile, "--headless", "-u",
                str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--host", host,
                "--csv", prefix, "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "2"]

    @staticmethod
    def wrk_cmd(connections, host, seconds, threads=1):
        return ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", host + "/s0"]

    def floor_cmd(self, connections, host, seconds, io_uring=False, latency=False,
                  pause_ms=None, loadgen_work=False):
        """The floor client; with `latency` it times its requests, with `pause_ms` (min, max)
        each connection pauses between a response and its next request; with `loadgen_work`
        it parses and records each response as loadgen does."""
        address, port = host.removeprefix("http://").split(":")
        options = ((["--io_uring"] if io_uring else []) + (["--latency"] if latency else []) +
                   ([f"--pause_ms={pause_ms[0]}:{pause_ms[1]}"] if pause_ms else []) +
                   (["--loadgen_work"] if loadgen_work else []))
        return [self.floor_client, *options, address, port, "/s0", str(connections),
                str(seconds)]

    def io_uring_unavailable(self):
        """Why the floor cannot run over io_uring here ("" if it can)."""
        check = subprocess.run([self.floor_client, "--io_uring_available"], capture_output=True,
                               text=True)
        return "" if check.returncode == 0 else (check.stdout + check.stderr).strip()


def measure(cmd, window, count, log, cpus=GENERATOR_CPU):
    """Runs `cmd` on `cpus` (the generator core); over `window` (seconds after launch, (from,
    to)) takes the requests `count()` reports and the process's CPU and RSS. Returns a dict of
    figures."""
    with open(log, "w") as out:
        process = subprocess.Popen(["taskset", "-c", cpus, *cmd], stdout=out,
                                   stderr=subprocess.STDOUT)
    launched = time.monotonic()
    time.sleep(window[0])
    t1, c1, r1 = time.monotonic(), cpu_seconds(process.pid), count()
    time.sleep(max(0.0, launched + window[1] - time.monotonic()))
    t2, c2, r2 = time.monotonic(), cpu_seconds(process.pid), count()
    rss = rss_mb(process.pid)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0 and os.waitstatus_to_exitcode(status) not in (0, 1):  # Locust: 1 on failures
        raise RuntimeError(f"{cmd[0]} exited with {status}; see {log}")
    seconds, cpu = t2 - t1, c2 - c1
    return {"rate": (r2 - r1) / seconds, "cpu_share": cpu / seconds,
            "per_cpu_s": (r2 - r1) / cpu if cpu > 0 else float("nan"), "rss_mb": rss,
            "max_rss_mb": usage.ru_maxrss / 1024}


def take_turns(cmds, count, rounds, prefix, cpus=GENERATOR_CPU, turn=0.5, warm_up=1.0):
    """Runs the commands (name: a function of the seconds the command is to last) at once on
    `cpus`, one at a time: each is stopped (SIGSTOP) but for its turns of `turn` seconds, round
    after round, the order reversed every other round, after a first turn of `warm_up` each that
    is not measured. The machine's moods (the host, its other guests) last seconds: run one
    after another, a tool's whole run could fall in one, and the ratios of two runs swung by a
    fifth; in turns they fall on every tool alike. A stopped tool's connections stay open, its
    requests in flight answered before the count is read. Returns name: figures over its turns,
    as measure() does."""
    names = list(cmds)
    lasting = int(len(names) * (warm_up + rounds * (turn + 0.2))) + 10  # outlasts the turns
    processes = {}
    try:
        for name in names:
            log = re.sub(r"\W+", "-", str(name)).strip("-")  # ("wrk", 2): wrk-2
            with open(f"{prefix}-{log}.log", "w") as out:
                processes[name] = subprocess.Popen(
                    ["taskset", "-c", cpus, *cmds[name](lasting)], stdout=out,
                    stderr=subprocess.STDOUT)
            processes[name].send_signal(signal.SIGSTOP)

        def one_turn(name, seconds):
            process = processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {prefix}-*")
            r1, c1, t1 = count(), cpu_seconds(process.pid), time.monotonic()
            process.send_signal(signal.SIGCONT)
            time.sleep(seconds)
            process.send_signal(signal.SIGSTOP)
            t2 = time.monotonic()
            time.sleep(0.02)  # the target answers what the tool had in flight
            return count() - r1, cpu_seconds(process.pid) - c1, t2 - t1

        for name in names:
            one_turn(name, warm_up)
        totals = {name: [0, 0.0, 0.0] for name in names}
        for round_ in range(rounds):
            for name in names if round_ % 2 == 0 else reversed(names):
                for i, figure in enumerate(one_turn(name, turn)):
                    totals[name][i] += figure
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait()
    return {name: {"rate": requests / seconds, "cpu_share": cpu / seconds,
                   "per_cpu_s": requests / cpu if cpu > 0 else float("nan")}
            for name, (requests, cpu, seconds) in totals.items()}


def paired(runs, others):
    """Requests per CPU-second of `runs` over `others`', repetition by repetition: taken in the
    same turns, each pair saw the same machine."""
    return [a["per_cpu_s"] / b["per_cpu_s"] for a, b in zip(runs, others)]


def csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def table(title, header, rows, notes=()):
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i else ":---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines += [""] + list(notes) + [""]
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def one_phase(name, users, hatch_rate, min_wait_ms, max_wait_ms, duration):
    """A loadgen config of one phase of mubench's Stochastic users (GET /s0)."""
    return (f'application: "mubench"\nphases {{ name: "{name}" user_types {{ name: "Stochastic" '
            f'ratio: 1 min_wait_ms: {min_wait_ms} max_wait_ms: {max_wait_ms} }} '
            f'duration: {duration} num_users: {users} hatch_rate_per_s: {hatch_rate} }}\n')


def throughput(tools, nginx, reps, seconds):
    """loadgen, wrk and the floor take turns (take_turns), `seconds` of turns each a
    repetition; Locust, a tenth as fast, runs on its own after them."""
    window = (max(3, seconds * 0.3), seconds - 0.5)
    results = {"loadgen": [], "wrk": [], "Locust": [], "floor": [], "floor with loadgen's work": []}
    io_uring_unavailable = tools.io_uring_unavailable()
    if not io_uring_unavailable:
        results["floor, io_uring"] = []
    for _ in range(reps):
        p = tools.fresh("throughput")
        # Each a command that runs for `lasting` seconds.
        in_turns = {
            "loadgen": lambda lasting: tools.loadgen_cmd(
                one_phase("flat-out", 50, 1000, 0, 0, lasting + 5), nginx.url, lasting, p),
            "wrk": lambda lasting: tools.wrk_cmd(50, nginx.url, lasting),
            "floor": lambda lasting: tools.floor_cmd(50, nginx.url, lasting),
            "floor with loadgen's work": lambda lasting: tools.floor_cmd(
                50, nginx.url, lasting, loadgen_work=True),
        }
        if not io_uring_unavailable:
            in_turns["floor, io_uring"] = lambda lasting: tools.floor_cmd(
                50, nginx.url, lasting, io_uring=True)
        for name, figures in take_turns(in_turns, nginx.requests, round(seconds / 0.5),
                                        p).items():
            results[name].append(figures)
        p = tools.fresh("throughput-locust")
        results["Locust"].append(measure(
            tools.locust_cmd("constant(0)", 50, 50, nginx.url, seconds + 2, p), window,
            nginx.requests, p + ".log"))
    per_cpu = {tool: median_of(runs, "per_cpu_s") for tool, runs in results.items()}
    rows = [[tool, f"{median_of(runs, 'rate'):,.0f}", f"{median_of(runs, 'cpu_share'):.2f}",
             f"{per_cpu[tool]:,.0f}"] for tool, runs in results.items()]

    def ratios(a, b):
        return paired(results[a], results[b])
    # The target is for every repetition.
    each = ", ".join(f"{r:.2f}" for r in ratios("loadgen", "wrk"))
    of_floor = {tool: statistics.median(ratios(tool, "floor"))
                for tool in ("loadgen", "wrk", "floor with loadgen's work")}
    with_work = of_floor["floor with loadgen's work"]
    return table(
        "1. Throughput: 50 users, no pause, GET of a 2-byte body from nginx",
        ["tool", "requests/s", "generator CPU share", "requests per generator CPU-second"], rows,
        [f"**loadgen / wrk per CPU-second: {statistics.median(ratios('loadgen', 'wrk')):.2f}** "
         f"(repetition by repetition: {each}; targets >= 1.0 in every one, then >= 1.2); "
         f"**loadgen / Locust FastHttpUser: {per_cpu['loadgen'] / per_cpu['Locust']:.1f}** "
         "(target >= 8). "
         "wrk with one thread, Locust one process.",
         "The floor is a client that does the least there is to do over epoll: per request one "
         "send, one receive and the framing of the response, no parse, no statistics "
         "(`bench/floor_client.cc`). Its cost is about all the kernel's: no client with these "
         "system calls does much better on this machine. **Of the floor's requests per "
         f"CPU-second, loadgen makes {of_floor['loadgen']:.2f} and wrk "
         f"{of_floor['wrk']:.2f}**; 1.2 x wrk needs loadgen at "
         f"{1.2 * of_floor['wrk']:.2f} of it. The floor doing loadgen's own work per request "
         "as well (`--loadgen_work`: loadgen's response parser, which also frames, its "
         "statistics and its clock readings) makes "
         f"{with_work:.2f} of the floor: what an event loop "
         "with no more machinery than the floor's would make doing that work; the rest of "
         "loadgen's gap to the floor is its machinery (coroutines, Asio's completions, the "
         "users' loop).",
         f"Over io_uring the floor makes "
         f"{statistics.median(ratios('floor, io_uring', 'floor')):.2f} x "
         "its requests per CPU-second over epoll: a receive that stays armed, into buffers the "
         "kernel picks, sends without a completion each and one system call per round of "
         "completions (`floor_client --io_uring`). That is what a generator built on io_uring "
         "could gain at most." if not io_uring_unavailable else
         f"The floor over io_uring was not measured: {io_uring_unavailable}."])


def users_per_core(tools, nginx, reps, users, seconds):
    ramp = 3
    window = (ramp + 4, seconds - 0.5)
    config = one_phase("many", users, users // ramp, 100, 500, seconds + 5)
    results = {"loadgen": [], "Locust": []}
    for _ in range(reps):
        p = tools.fresh("users-loadgen")
        run = measure(tools.loadgen_cmd(config, nginx.url, seconds, p), window, nginx.requests,
                      p + ".log")
        run["avg_ms"] = float(csv_rows(p + "_stats.csv")[-1]["Average Response Time"])
        results["loadgen"].append(run)
        p = tools.fresh("users-locust")
        run = measure(tools.locust_cmd("between(0.1, 0.5)", users, users // ramp, nginx.url,
                                       seconds + 2, p), window, nginx.requests, p + ".log")
        run["avg_ms"] = float(csv_rows(p + "_stats.csv")[-1]["Average Response Time"])
        results["Locust"].append(run)
    rows, achieved = [], {}
    for tool, runs in results.items():
        for run in runs:  # each user: a request, then 300 ms of pause on average
            run["ideal"] = users / (0.3 + run["avg_ms"] / 1000)
            run["achieved"] = run["rate"] / run["ideal"]
        achieved[tool] = median_of(runs, "achieved")
        rss = median_of(runs, "max_rss_mb")
        rows.append([tool, f"{median_of(runs, 'ideal'):,.0f}", f"{median_of(runs, 'rate'):,.0f}",
                     f"{100 * achieved[tool]:.1f} %", f"{median_of(runs, 'cpu_share'):.2f}",
                     f"{rss:.0f} MB", f"{rss * 1024 / users:.1f} KB"])
    return table(
        f"2. Users per core: {users:,} users pausing 100-500 ms between requests",
        ["tool", "ideal req/s", "achieved req/s", "achieved / ideal", "generator CPU share",
         "peak RSS", "RSS per user"], rows,
        [f"Ideal: users / (mean pause 0.3 s + the tool's mean response time). "
         f"**loadgen: {100 * achieved['loadgen']:.1f} % of ideal** (target >= 98 %), "
         f"RSS target <= 150 MB."])


def wrk_latency(log):
    """wrk --latency's p50 and p99, in milliseconds."""
    with open(log) as f:
        text = f.read()
    def ms(percent):
        value, unit = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return {"p50": ms(50), "p99": ms(99)}


def floor_latency(log):
    """floor_client --latency's p50, p99 and max, in milliseconds."""
    with open(log) as f:
        match = re.search(r"latency p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms", f.read())
    if not match:
        raise RuntimeError(f"the floor client printed no latency; see {log}")
    return {"p50": float(match[1]), "p99": float(match[2]), "max": float(match[3])}


def run_logged(cmd, log, seconds):
    """Runs `cmd` on the generator core to its end, its output in `log`."""
    with open(log, "w") as out:
        subprocess.run(["taskset", "-c", GENERATOR_CPU, *cmd], stdout=out,
                       stderr=subprocess.STDOUT, timeout=seconds + 60)


def latency_floor(tools, delay_server, reps, seconds):
    """One user (one connection) without pause against a target that answers at once."""
    config = one_phase("floor", 1, 1000, 0, 0, seconds + 5)
    figures = {"loadgen": [], "wrk": [], "floor": []}
    for _ in range(reps):
        with DelayServer(delay_server, 0) as server:
            p = tools.fresh("floor-loadgen")
            run_logged(tools.loadgen_cmd(config, server.url, seconds, p), p + ".log", seconds)
            phase = csv_rows(p + "_phases.csv")[-1]
            figures["loadgen"].append({"p50": float(phase["median_ms"]),
                                       "p99": float(phase["p99_ms"])})
            p = tools.fresh("floor-wrk")
            run_logged(["wrk", "-t1", "-c1", f"-d{seconds}s", "--latency", server.url + "/s0"],
                       p + ".log", seconds)
            figures["wrk"].append(wrk_latency(p + ".log"))
            p = tools.fresh("floor-floor")
            run_logged(tools.floor_cmd(1, server.url, seconds, latency=True), p + ".log",
                       seconds)
            figures["floor"].append(floor_latency(p + ".log"))
    rows = [[tool, f"{median_of(runs, 'p50'):.3f}", f"{median_of(runs, 'p99'):.3f}"]
            for tool, runs in figures.items()]
    return table(
        "3b. Latency floor: one connection, no pause, a target that answers at once",
        ["tool", "p50 (ms)", "p99 (ms)"], rows,
        ["What a null request costs each tool on loopback: the generator's own share of every "
         "latency it reports. The floor client (`floor_client --latency`) times its requests "
         "with no more than a send and a receive between the two clock readings: what loopback "
         "itself costs on this machine."])


def accuracy(tools, delay_server, reps, seconds):
    config = one_phase("steady", 50, 1000, 50, 100, seconds + 5)
    generators = ("loadgen", "Locust", "floor")
    figures, lateness = {}, {}
    for delay in (0, 20):
        runs = {tool: [] for tool in generators}
        late = {tool: [] for tool in generators}
        # The tools take turns, so that what the machine does meanwhile falls on all of them.
        for _ in range(reps):
            for tool in generators:
                with DelayServer(delay_server, delay) as server:
                    p = tools.fresh(f"accuracy-{tool}-{delay}ms")
                    if tool == "loadgen":  # microseconds: from the per-phase file
                        run_logged(tools.loadgen_cmd(config, server.url, seconds, p), p + ".log",
                                   seconds)
                        phase = csv_rows(p + "_phases.csv")[-1]
                        runs[tool].append({"p50": float(phase["median_ms"]),
                                           "p99": float(phase["p99_ms"]),
                                           "max": float(phase["max_ms"])})
                    elif tool == "Locust":
                        run_logged(tools.locust_cmd("between(0.05, 0.1)", 50, 50, server.url,
                                                    seconds, p), p + ".log", seconds)
                        row = csv_rows(p + "_stats.csv")[-1]
                        runs[tool].append({"p50": float(row["50%"]), "p99": float(row["99%"]),
                                           "max": float(row["Max Response Time"])})
                    else:
                        run_logged(tools.floor_cmd(50, server.url, seconds, latency=True,
                                                   pause_ms=(50, 100)), p + ".log", seconds)
                        runs[tool].append(floor_latency(p + ".log"))
                late[tool].append(server.lateness or {"p50": float("nan"), "p99": float("nan")})
        for tool in generators:
            figures[(tool, delay)] = {k: median_of(runs[tool], k) for k in ("p50", "p99", "max")}
            if delay == 20:
                lateness[tool] = {k: median_of(late[tool], k) for k in ("p50", "p99")}
    rows, excess = [], {}
    for tool in generators:
        base, real = figures[(tool, 0)], figures[(tool, 20)]
        excess[tool] = real['p99'] - 20 - base['p50']
        rows.append([tool, f"{base['p50']:.2f}", f"{real['p50']:.2f}", f"{real['p99']:.2f}",
                     f"{real['max']:.2f}", f"{real['p50'] - 20 - base['p50']:+.2f}",
                     f"{excess[tool]:+.2f}", f"{lateness[tool]['p99']:.2f}",
                     f"{excess[tool] - lateness[tool]['p99']:+.2f}"])
    return table(
        "3. Accuracy: a target that answers after exactly 20 ms (the delay server)",
        ["tool", "loopback p50 (0 ms target)", "p50", "p99", "max", "p50 - 20 ms - loopback",
         "p99 - 20 ms - loopback", "target's own p99 lateness", "p99 excess beyond the target's"],
        rows,
        ["Milliseconds; 50 users pausing 50-100 ms. Target: p50 and p99 within 0.5 ms of "
         "20 ms plus loopback time. Locust reports whole milliseconds. The target's own lateness "
         "is how late the delay server's 20 ms timers fired (it logs them; the median of that "
         "tool's runs, a server each); what is left of the excess is the generator's share "
         "(tails do not subtract exactly: an estimate).",
         "The floor client (`floor_client --latency --pause_ms=50:100`: 50 connections, a send "
         "and a receive between its two clock readings, nothing else) sees what any client "
         "would on this machine, the target's lateness and the wakes of both processes "
         f"included: a p99 excess of {excess['floor']:+.2f} ms. **loadgen's p99 excess beyond "
         f"the floor's: {excess['loadgen'] - excess['floor']:+.2f} ms**: the share that is "
         "loadgen's own (an estimate too: at or below 0, none shows).",
         "The tools take turns, a run each, so that what the machine does meanwhile falls on "
         "all of them."])


def phase_timing(tools, nginx, proto_dir, seconds_scale):
    sys.path.insert(0, proto_dir)
    import control_pb2  # noqa: E402  (protoc --python_out, //proto:control_py)
    import grpc  # noqa: E402
    phases = [("ramp-up", 2000, 1000, 5), ("peak", 5000, 2000, 5), ("drain", 1000, 2000, 4)]
    phases = [(n, max(10, u // seconds_scale), max(5, h // seconds_scale), d)
              for n, u, h, d in phases]
    config = 'application: "mubench"\nloops: 1\n' + "".join(
        f'phases {{ name: "{n}" user_types {{ name: "Stochastic" ratio: 1 min_wait_ms: 500 '
        f'max_wait_ms: 1000 }} duration: {d} num_users: {u} hatch_rate_per_s: {h} }}\n'
        for n, u, h, d in phases)
    p = tools.fresh("phases-loadgen")
    port = free_port()
    cmd = tools.loadgen_cmd(config, nginx.url, 0, p, f"--grpc_address=127.0.0.1:{port}",
                            "--wait_for_start")
    with open(p + ".log", "w") as out:
        process = subprocess.Popen(["taskset", "-c", GENERATOR_CPU, *cmd], stdout=out,
                                   stderr=subprocess.STDOUT)
    samples = []  # (unix time of the answer, status)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        def rpc(name, request, response):
            return channel.unary_unary(f"/pl.demos.load_generation.LoadGenerator/{name}",
                                       request_serializer=type(request).SerializeToString,
                                       response_deserializer=response.FromString)
        grpc.channel_ready_future(channel).result(timeout=20)
        # Phase 0 at a set time a second ahead, so that polling is under way before it.
        rpc("Start", control_pb2.StartRequest(), control_pb2.Status)(
            control_pb2.StartRequest(start_at_unix_ms=int(time.time() * 1000) + 1000), timeout=5)
        get = rpc("GetStatus", control_pb2.GetStatusRequest(), control_pb2.Status)
        # A run started over gRPC leaves the daemon idle when it is over.
        while not samples or samples[-1][1].state != control_pb2.Status.IDLE:
            samples.append((time.time(), get(control_pb2.GetStatusRequest(), timeout=5)))
            time.sleep(0.002)
    process.terminate()
    process.wait(timeout=30)
    start_ms = next(s.start_at_unix_ms for _, s in samples if s.start_at_unix_ms)
    rows, worst_start, worst_rate = [], 0.0, 0.0
    previous_target, scheduled = 0, start_ms / 1000
    for index, (name, users, hatch, duration) in enumerate(phases):
        in_phase = [(t, s) for t, s in samples
                    if s.state == control_pb2.Status.RUNNING and s.phase == index]
        if not in_phase:
            raise RuntimeError(f"no status seen in phase {index}; see {p}.log")
        began = in_phase[0][0] - in_phase[0][1].phase_elapsed_s

        def active(s):
            return sum(u.active for u in s.user_types)
        moved = next((t for t, s in in_phase if active(s) != previous_target), None)
        reached = next((t for t, s in in_phase if active(s) == users), None)
        change = abs(users - previous_target)
        rate = change / (reached - moved) if moved and reached and reached > moved else None
        start_error_ms = (began - scheduled) * 1000
        worst_start = max(worst_start, abs(start_error_ms))
        if rate and change >= 2 * hatch * 0.1:
            worst_rate = max(worst_rate, abs(rate / hatch - 1))
        rows.append([f"{index} {name}", f"{previous_target} -> {users}", f"{hatch}/s",
                     f"{start_error_ms:+.1f}",
                     f"{(moved - scheduled) * 1000:+.0f}" if moved else "n/a",
                     f"{(reached - scheduled):.2f} s (config {change / hatch:.2f} s)"
                     if reached else "never",
                     f"{rate:.0f}/s ({100 * (rate / hatch - 1):+.1f} %)" if rate else "n/a"])
        previous_target, scheduled = users, scheduled + duration
    return table(
        "4. Phase timing: three phases with ramps (loadgen's status over gRPC, polled every 2 ms)",
        ["phase", "users", "hatch rate", "start vs schedule (ms)",
         "first user change after start (ms)", "target reached after start", "actual hatch rate"],
        rows,
        [f"Worst phase start error {worst_start:.1f} ms (target 10 ms); worst hatch-rate error "
         f"{100 * worst_rate:.1f} % (target 2 %). The observed times carry the 2 ms polling."])


def open_model(tools, nginx, reps, seconds):
    """Open phases at fixed rates: the rate nginx receives against the rate asked, and how late
    requests go out against their intended times (loadgen's schedule lag)."""
    window = (2, seconds - 0.5)
    rows, verdicts = [], []
    # The same rate again with loops that poll 100 us before they sleep (--busy_poll_us).
    for rate, busy_poll_us in ((1000, 0), (20000, 0), (20000, 100)):
        config = ('application: "mubench"\nphases { name: "open" user_types { name: '
                  f'"Stochastic" ratio: 1 }} duration: {seconds + 5} arrival_rate_per_s: {rate} }}\n')
        runs = []
        for _ in range(reps):
            p = tools.fresh(f"open-{rate}-{busy_poll_us}")
            run = measure(tools.loadgen_cmd(config, nginx.url, seconds, p,
                                            f"--busy_poll_us={busy_poll_us}"),
                          window, nginx.requests, p + ".log")
            phase = csv_rows(p + "_phases.csv")[0]
            run["received"] = run["rate"] / rate
            run["lag_p99_ms"] = float(phase["schedule_lag_p99_ms"])
            run["late"] = int(phase["late_starts"]) + int(phase["dropped_arrivals"])
            runs.append(run)
        received, lag = median_of(runs, "received"), median_of(runs, "lag_p99_ms")
        label = f"{rate:,}" + (f", busy poll {busy_poll_us} us" if busy_poll_us else "")
        rows.append([label, f"{median_of(runs, 'rate'):,.0f}", f"{100 * received:.2f} %",
                     f"{lag:.3f} ms", f"{median_of(runs, 'late'):.0f}",
                     f"{median_of(runs, 'cpu_share'):.2f}"])
        verdicts.append(f"{label}: received {100 * received:.2f} % of the rate, lag p99 "
                        f"{lag:.3f} ms")
    return table(
        "5. Open model: a fixed arrival rate (FIXED gaps) against nginx",
        ["asked req/s", "nginx received req/s", "received / asked", "schedule lag p99",
         "late starts + drops", "generator CPU share"], rows,
        ["Received: nginx's own count over the window. Schedule lag: how late each arrival's "
         "task began against its intended time (loadgen's self-check); a p99 under 1 ms means "
         "fewer than 1 % of requests went out more than 1 ms late. Targets: received within "
         "0.5 % of the rate, lag p99 <= 1 ms at 20,000/s. With a busy poll the loop keeps "
         "polling until 100 us pass without progress (no request ending, no pause or arrival "
         "beginning) before it sleeps: busy, it is never woken late, "
         "and it keeps its core. wrk2, the peer with this model, is not packaged in Debian. " +
         "; ".join(verdicts) + "."])


def wrk2_front_end(tools, nginx, reps, seconds):
    """loadgen's wrk2 front end: flat out (a rate far beyond what one core sends) beside wrk,
    the two taking turns (take_turns), then at fixed rates, against nginx."""
    window = (max(3, seconds * 0.3), seconds - 0.5)
    flat = {"wrk2 front end": [], "wrk": []}
    fixed = {1000: [], 20000: []}
    for _ in range(reps):
        in_turns = {
            "wrk2 front end": lambda lasting: [tools.wrk2, "-t1", "-c50", f"-d{lasting}s",
                                               "-R1000000", nginx.url + "/s0"],
            "wrk": lambda lasting: tools.wrk_cmd(50, nginx.url, lasting),
        }
        for name, figures in take_turns(in_turns, nginx.requests, round(seconds / 0.5),
                                        tools.fresh("wrk2-flat")).items():
            flat[name].append(figures)
        for rate in fixed:
            p = tools.fresh(f"wrk2-{rate}")
            run = measure([tools.wrk2, "-t1", "-c50", f"-d{seconds}s", f"-R{rate}", "-L",
                           nginx.url + "/s0"], window, nginx.requests, p + ".log")
            with open(p + ".log") as f:
                out = f.read()
            match = re.search(r"^ 99\.000%\s+([\d.]+)(us|ms|s)", out, re.M)
            run["p99_ms"] = float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[
                match.group(2)] if match else float("nan")
            run["received"] = run["rate"] / rate
            fixed[rate].append(run)
    per_cpu = {tool: median_of(runs, "per_cpu_s") for tool, runs in flat.items()}
    flat_ratio = statistics.median(paired(flat["wrk2 front end"], flat["wrk"]))
    rows = [[f"{tool}, flat out", f"{median_of(runs, 'rate'):,.0f}", "",
             f"{median_of(runs, 'cpu_share'):.2f}", f"{per_cpu[tool]:,.0f}", ""]
            for tool, runs in flat.items()]
    rows += [[f"wrk2 front end, -R {rate:,}", f"{median_of(runs, 'rate'):,.0f}",
              f"{100 * median_of(runs, 'received'):.2f} %", f"{median_of(runs, 'cpu_share'):.2f}",
              f"{median_of(runs, 'per_cpu_s'):,.0f}", f"{median_of(runs, 'p99_ms'):.3f} ms"]
             for rate, runs in fixed.items()]
    return table(
        "6. The wrk2 front end (`wrk2`, Lua and all) beside Debian's wrk, against nginx",
        ["run", "nginx received req/s", "received / asked", "generator CPU share",
         "requests per generator CPU-second", "reported p99 (corrected)"], rows,
        [f"**wrk2 front end / wrk per CPU-second, flat out: {flat_ratio:.2f}** (the median "
         "of the repetitions' ratios; one thread, 50 connections each; "
         "flat out is -R 1,000,000, far past what one core sends, so every request goes as soon "
         "as a connection is free, as in wrk). Debian packages wrk 4, not wrk2: it has no -R, "
         "so the fixed rates have no peer here; their target is received within 0.5 % of -R."])


def scaling(tools, workdir, reps, seconds):
    """One event loop or thread against two, loadgen beside wrk, 100 connections flat out
    against nginx with two workers. On a machine of two cores the target cannot have cores of
    its own: everything shares both, so what is compared is each tool's 2/1 ratio, in requests
    per second and in requests per generator CPU-second (the second is 1.0 when a second thread
    costs nothing per request). The four take turns (take_turns)."""
    cpus = ",".join(str(c) for c in range(os.cpu_count()))
    results = {(tool, threads): [] for tool in ("loadgen", "wrk") for threads in (1, 2)}
    with Nginx(workdir, workers=2, cpus=cpus) as nginx:
        for _ in range(reps):
            p = tools.fresh("scaling")
            in_turns = {}
            for threads in (1, 2):  # bound as each function's default: its value now
                in_turns[("loadgen", threads)] = lambda lasting, t=threads: tools.loadgen_cmd(
                    one_phase("flat-out", 100, 1000, 0, 0, lasting + 5), nginx.url, lasting,
                    f"{p}-{t}", f"--threads={t}")
                in_turns[("wrk", threads)] = lambda lasting, t=threads: tools.wrk_cmd(
                    100, nginx.url, lasting, t)
            for key, figures in take_turns(in_turns, nginx.requests, round(seconds / 0.5), p,
                                           cpus).items():
                results[key].append(figures)
    rows, ratios = [], {}
    for tool in ("loadgen", "wrk"):
        one, two = results[(tool, 1)], results[(tool, 2)]
        rate = median_of(two, "rate") / median_of(one, "rate")
        per_cpu = median_of(two, "per_cpu_s") / median_of(one, "per_cpu_s")
        ratios[tool] = rate
        for threads, runs in ((1, one), (2, two)):
            rows.append([tool, threads, f"{median_of(runs, 'rate'):,.0f}",
                         f"{median_of(runs, 'cpu_share'):.2f}",
                         f"{median_of(runs, 'per_cpu_s'):,.0f}",
                         f"{rate:.2f}" if threads == 2 else "",
                         f"{per_cpu:.2f}" if threads == 2 else ""])
    return table(
        "7. Scaling: one thread against two, 100 connections flat out, nginx with 2 workers, "
        "nothing pinned",
        ["tool", "threads", "requests/s", "generator CPU share",
         "requests per generator CPU-second", "2 / 1 requests/s", "2 / 1 per CPU-second"], rows,
        [f"**loadgen 2/1: {ratios['loadgen']:.2f}; wrk 2/1: {ratios['wrk']:.2f}.** The issue's "
         "target (>= 1.9 x one core) needs a target on cores of its own, which two cores do "
         "not leave; here both tools share the cores with nginx, so the ratios compare how "
         "each uses a second thread, side by side."])


def instructions(tools, nginx, seconds):
    """User-space instructions per request under callgrind, which counts instructions, not
    time: the same for the same binary and input whatever else the machine does, so this is the
    figure that stays put between runs and machines. The kernel's share is not in it. Each tool
    runs twice, 50 connections flat out against nginx, for `seconds` and for three times that;
    the difference of instructions over the difference of requests leaves start-up out."""
    def callgrind(cmd, prefix):
        out = prefix + ".callgrind"
        with open(prefix + ".log", "w") as log:
            subprocess.run(["taskset", "-c", GENERATOR_CPU, "valgrind", "--tool=callgrind",
                            f"--callgrind-out-file={out}", *cmd], stdout=log,
                           stderr=subprocess.STDOUT, check=True)
        with open(out) as f:
            return next(int(l.split()[1]) for l in f if l.startswith(("summary:", "totals:")))

    def loadgen_run(run_seconds):
        p = tools.fresh("instructions-loadgen")
        cmd = tools.loadgen_cmd(one_phase("flat-out", 50, 1000, 0, 0, run_seconds + 5),
                                nginx.url, run_seconds, p)
        total = callgrind(cmd, p)
        rows = [r for r in csv_rows(p + "_stats.csv") if r["Name"] == "Aggregated"]
        return total, int(rows[0]["Request Count"])

    def run_of(name, command):
        """For wrk and the floor, which both print "N requests in"."""
        def run(run_seconds):
            p = tools.fresh("instructions-" + name)
            total = callgrind(command(run_seconds), p)
            with open(p + ".log") as f:
                return total, int(re.search(r"(\d+) requests in", f.read())[1])
        return run

    per_request = {}
    for tool, run in (("loadgen", loadgen_run),
                      ("wrk", run_of("wrk", lambda s: tools.wrk_cmd(50, nginx.url, s))),
                      ("floor", run_of("floor", lambda s: tools.floor_cmd(50, nginx.url, s)))):
        (i1, r1), (i2, r2) = run(seconds), run(3 * seconds)
        per_request[tool] = (i2 - i1) / (r2 - r1)
    return table(
        "8. User-space instructions per request (callgrind): 50 connections flat out against "
        "nginx",
        ["tool", "instructions per request"],
        [[tool, f"{n:,.0f}"] for tool, n in per_request.items()],
        [f"**loadgen / wrk: {per_request['loadgen'] / per_request['wrk']:.2f}** (lower is less "
         "work). Counted, not timed: it moves only when the code does. The kernel's work, most "
         "of a request's cost on loopback, is not in it: table 1 has CPU time, kernel and all. "
         "The floor (table 1) shows what sending, receiving and framing alone take."])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, one repetition")
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--delay_server", required=True)
    parser.add_argument("--proto_dir", required=True, help="where control_pb2.py is")
    parser.add_argument("--wrk2", required=True, help="the wrk2 front end's binary")
    parser.add_argument("--floor_client", required=True,
                        help="bench/floor_client: the throughput table's floor")
    parser.add_argument("--out", help="also write the tables, with the machine, to this file")
    parser.add_argument("--only", action="append",
                        help="run only this table's scenario (1, 2, 3, 3b, 4, 5, 6, 7 or 8); repeatable")
    args = parser.parse_args()
    if os.cpu_count() < 2:
        sys.exit("bench: needs two cores (target on one, generator on the other)")
    reps = 1 if args.quick else 3
    workdir = tempfile.mkdtemp(prefix="loadgen-bench-")
    tools = Tools(args.loadgen, args.wrk2, args.floor_client, workdir)
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout
    locust = "Locust " + subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "python3-locust"], capture_output=True,
        text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    header = (f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on "
              f"{platform.node()}: {os.cpu_count()} cores, {model}, Linux {platform.release()}; "
              f"commit {commit.strip() or '?'}; {wrk.strip()}; {locust}; "
              f"{'quick (1 repetition, short runs)' if args.quick else 'median of 3'}. "
              f"Target pinned to CPU {TARGET_CPU}, generator to CPU {GENERATOR_CPU}.\n")
    print(header, flush=True)
    tables = [header]
    quick = args.quick
    scenarios = {
        "1": lambda nginx: throughput(tools, nginx, reps, 6 if quick else 12),
        "2": lambda nginx: users_per_core(tools, nginx, reps, 1000 if quick else 10000,
                                          10 if quick else 20),
        "3": lambda nginx: accuracy(tools, args.delay_server, reps, 4 if quick else 10),
        "3b": lambda nginx: latency_floor(tools, args.delay_server, reps, 3 if quick else 8),
        "4": lambda nginx: phase_timing(tools, nginx, args.proto_dir, 10 if quick else 1),
        "5": lambda nginx: open_model(tools, nginx, reps, 5 if quick else 12),
        "6": lambda nginx: wrk2_front_end(tools, nginx, reps, 6 if quick else 12),
        "7": lambda nginx: scaling(tools, workdir, reps, 6 if quick else 12),
        "8": lambda nginx: instructions(tools, nginx, 1 if quick else 2),
    }
    unknown = set(args.only or []) - set(scenarios)
    if unknown:
        sys.exit(f"bench: no scenario {', '.join(sorted(unknown))} (1, 2, 3, 3b, 4, 5, 6, 7 or 8)")
    with Nginx(workdir) as nginx:
        for label, scenario in scenarios.items():
            if not args.only or label in args.only:
                tables.append(scenario(nginx))
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(tables))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
