"""Helpers for tests that run the real binaries: find them in Bazel's runfiles, start servers."""
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

RUNFILES = os.path.join(os.environ.get("TEST_SRCDIR", ""), "loadgen")


def runfile(path):
    return os.path.join(RUNFILES, path)


LOADGEN = runfile("load_generation/loadgen")
LOADGENCTL = runfile("load_generation/loadgenctl")
WRK2 = runfile("load_generation/wrk2")
# The control service on any free port, so that tests running at once do not collide.
ANY_PORT = "--grpc_address=127.0.0.1:0"


class DelayServer:
    """The delay server on a free loopback port, stopped on exit of the with-block."""

    def __init__(self, delay_ms=0, status=200):
        self.args = [runfile("load_generation/delay_server"), f"--delay_ms={delay_ms}",
                     f"--status={status}"]

    def __enter__(self):
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.match(r"listening on (\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"delay server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{match.group(1)}"
        return self

    def stop(self):
        """Ends the server; returns how many requests it answered."""
        self.process.terminate()
        out, _ = self.process.communicate(timeout=10)
        match = re.search(r"served (\d+) requests", out)
        if not match:
            raise RuntimeError(f"delay server did not report its count: {out!r}")
        return int(match.group(1))

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


class LoggingServer:
    """An HTTP/1.1 keep-alive server on 127.0.0.1 that logs each request and can stall."""

    def __init__(self):
        self.requests = []  # (method, raw target, headers, body)
        self.lock = threading.Lock()
        self.stall_until = 0.0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in separate writes

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server.lock:
                    server.requests.append((self.command, self.path, dict(self.headers), body))
                wait = server.stall_until - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                reply = b"hello from the logging server"
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(reply)))
                    self.send_header("X-Served", str(len(server.requests)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client left at the end of its run

            do_GET = do_POST = do_PUT = do_DELETE = answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A client that leaves with a connection open (the end of a run) is not an error here.
        self.httpd.handle_error = lambda request, address: None
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self):
        with self.lock:
            return [r[1] for r in self.requests]


def write_file(folder, name, text):
    """Writes `text` to folder/name; its path."""
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_for(condition, timeout=30):
    """Polls `condition` until it returns something true; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"condition not met in {timeout} s")


class Daemon:
    """loadgen with --wait_for_start on a free port, against a delay server of its own."""

    def __init__(self, config, *flags, delay_ms=5, env=None):
        self.config = config
        self.flags = flags
        self.delay_ms = delay_ms
        self.env = dict(os.environ, **(env or {}))

    def __enter__(self):
        self.server = DelayServer(delay_ms=self.delay_ms).__enter__()
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [LOADGEN, ANY_PORT, f"--config={self.config}", f"--host={self.server.url}",
             "--wait_for_start", "--threads=1", "--status_interval=0", *self.flags],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=self.env)
        self.address = self.logged("control service on ")
        return self

    def logged(self, marker, timeout=20):
        """The word after `marker` in loadgen's stderr, once it is there."""
        def find():
            text = self.log()
            if marker in text:
                return text.split(marker, 1)[1].split()[0]
            if self.process.poll() is not None:
                raise AssertionError(f"loadgen exited: {text}")
            return None
        return wait_for(find, timeout)

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read()

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()
        self.stderr.close()
        self.server.__exit__(*exc)


def parse_phase_table(text):
    """Rows of loadgen's end-of-run table as dicts keyed by its header words."""
    lines = [l for l in text.splitlines() if l.strip()]
    header_at = next(i for i, l in enumerate(lines) if l.startswith("loop"))
    rows = []
    for line in lines[header_at + 1:]:
        fields = line.split()
        if fields[0] == "Total":
            rows.append({"name": "Total", "requests": int(fields[2]), "failures%": fields[8]})
            break  # notes follow
        row = {"loop": int(fields[0]), "phase": int(fields[1]), "name": fields[2],
               "users": int(fields[3]), "duration": float(fields[4].rstrip("s")),
               "requests": int(fields[5]), "rps": float(fields[6]),
               "p50": float(fields[7]), "max": float(fields[10]), "failures%": fields[11]}
        if len(fields) > 12:  # a run with open phases: corrected latencies, late starts, drops
            row.update({"corrected_p50": fields[12], "corrected_p99": fields[13],
                        "late": int(fields[14]), "dropped": int(fields[15])})
        rows.append(row)
    return rows


class _RecordingResult(unittest.TextTestResult):
    """Keeps each test's outcome and time for the JUnit XML that Bazel reads."""

    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def _keep(self, test, outcome, detail=""):
        if not hasattr(self, "cases"):
            self.cases = []
        self.cases.append((test, outcome, detail, time.monotonic() - self._started))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._keep(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._keep(test, "failure", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._keep(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._keep(test, "skipped", reason)


def main():
    """Runs the calling module's tests; writes JUnit XML where Bazel asks, so each counts."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    result = unittest.TextTestRunner(resultclass=_RecordingResult, verbosity=2).run(suite)
    xml_path = os.environ.get("XML_OUTPUT_FILE")
    if xml_path:
        root = ET.Element("testsuites")
        suite_element = ET.SubElement(root, "testsuite", name="python")
        for test, outcome, detail, seconds in getattr(result, "cases", []):
            case = ET.SubElement(suite_element, "testcase", name=test.id().split(".")[-1],
                                 classname=".".join(test.id().split(".")[:-1]),
                                 time=f"{seconds:.3f}")
            if outcome in ("failure", "error", "skipped"):
                ET.SubElement(case, outcome, message=detail.splitlines()[-1] if detail else "")
        ET.ElementTree(root).write(xml_path, encoding="unicode")
    sys.exit(0 if result.wasSuccessful() else 1)
