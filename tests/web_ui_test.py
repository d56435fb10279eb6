#!/usr/bin/python3
"""The web UI in a real browser: headless Chromium, driven by ChromeDriver through Selenium
(Debian's chromium, chromium-driver and python3-selenium), against a live daemon playing a
loopback target, a daemon with a control token, and a coordinator over two shards. Screenshots
go to the test's outputs (bazel-testlogs/tests/web_ui_test/test.outputs/)."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
from contextlib import ExitStack

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loadgen_test_lib  # noqa: E402
from loadgen_test_lib import LOADGENCTL, Daemon, runfile, wait_for  # noqa: E402

CONFIG = runfile("tests/testdata/shards.pbtxt")  # phases six, nine, fifteen (600 s)
OUTPUTS = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR", tempfile.mkdtemp())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,2200", f"--user-data-dir={tempfile.mkdtemp()}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


class Page:
    """The page as a person sees it: text, buttons, tables."""

    def __init__(self, driver, url):
        self.driver = driver
        driver.get(url)

    def text(self, element_id):
        return self.driver.find_element(By.ID, element_id).text

    def click(self, element_id):
        self.driver.find_element(By.ID, element_id).click()

    def enabled(self, element_id):
        return self.driver.find_element(By.ID, element_id).is_enabled()

    def table(self, element_id):
        # In one script: the page redraws its tables every second.
        return self.driver.execute_script(
            f"return [...document.querySelectorAll('#{element_id} tbody tr')]"
            ".map((tr) => [...tr.cells].map((td) => td.textContent));")

    def timeline(self):
        """(phase, marked as under way, label) of each phase of the timeline."""
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#timeline div')].map((d) =>"
            " [d.dataset.phase, d.classList.contains('current'), d.textContent]);")

    def state(self):
        return self.text("state")

    def wait_state(self, state):
        wait_for(lambda: self.state() == state, timeout=30)

    def type_into(self, element_id, text):
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(text)

    def ui(self, expression):
        return self.driver.execute_script(f"return window.loadgenUi.{expression};")

    def series(self, name):
        """The points of a chart's series, and its drawn path."""
        return self.driver.execute_script(
            f"const p = document.querySelector('path.series[data-series=\"{name}\"]');"
            "return p ? [Number(p.dataset.points), p.getAttribute('d')] : [0, ''];")

    def markers(self, chart):
        return self.driver.execute_script(
            f"return document.querySelectorAll('#{chart} line.phase-change').length;")

    def console_errors(self):
        return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def screenshot(self, name):
        self.driver.save_screenshot(os.path.join(OUTPUTS, name))


def api(base, rpc, body=None):
    request = urllib.request.Request(base + "/api/v1/" + rpc, data=json.dumps(body or {}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


class WebUiTest(unittest.TestCase):

    def setUp(self):
        self.stack = ExitStack()
        self.driver = browser()
        self.stack.callback(self.driver.quit)

    def tearDown(self):
        self.stack.close()

    def test_start_steer_and_stop_a_run_then_survive_a_restart(self):
        port = free_port()
        web = f"--web_address=127.0.0.1:{port}"
        base = f"http://127.0.0.1:{port}"
        daemon = self.stack.enter_context(Daemon(CONFIG, web))
        page = Page(self.driver, base + "/")
        page.wait_state("IDLE")
        self.assertTrue(page.enabled("start"))
        self.assertFalse(page.enabled("stop"))
        self.assertFalse(page.enabled("pause"))
        # The phase timeline, from the config in force.
        wait_for(lambda: [p[0] for p in page.timeline()] == ["0", "1", "2"])
        self.assertIn("six", page.timeline()[0][2])

        # A pasted config that does not validate is shown with its errors and changes nothing.
        self.driver.find_element(By.CSS_SELECTOR, "#config-box summary").click()
        page.type_into("config-text", "phases { duration: 0 bogus: 1 }")
        page.click("use-pasted")
        page.click("start")
        wait_for(lambda: "bogus" in page.text("check-messages"))
        self.assertIn("1:", page.text("check-messages"))  # line and column
        self.assertIn("does not validate", page.text("answer"))
        self.assertEqual(api(base, "GetStatus")["run_number"], "0")

        # Start the config in force.
        page.click("use-pasted")
        page.click("start")
        page.wait_state("RUNNING")
        wait_for(lambda: len(page.table("requests")) > 1 and page.series("rps")[0] >= 3 and
                 page.ui("history[window.loadgenUi.history.length - 1].rps") > 0)

        def same_names():  # the page's table shows what Locust's route does
            locust = json.loads(urllib.request.urlopen(base + "/stats/requests").read())
            names = {row[1] for row in page.table("requests")}
            return names == {e["name"] for e in locust["stats"]} and "Aggregated" in names
        wait_for(same_names)
        self.assertTrue(page.series("p99")[1].startswith("M"))  # a drawn line
        types = {row[0]: row for row in page.table("types")}
        self.assertEqual(set(types), {"Normal", "Weekend"})
        self.assertFalse(page.enabled("start"))
        self.assertFalse(page.enabled("set-rate"))  # a closed phase has no rate

        # Jump to the long phase: the timeline marks it; a phase change is marked on the charts.
        self.driver.find_element(By.CSS_SELECTOR, '#phase-select option[value="2"]').click()
        page.click("jump")
        wait_for(lambda: page.text("c-phase") == "fifteen")
        wait_for(lambda: [p[1] for p in page.timeline()] == [False, False, True])
        wait_for(lambda: page.markers("chart-users") >= 1)
        wait_for(lambda: [r[1] for r in page.table("phases")][:1] == ["six"])
        page.type_into("users", "4")
        page.click("set-users")
        wait_for(lambda: page.text("c-load") == "4 / 4")
        page.click("pause")
        page.wait_state("PAUSED")
        self.assertTrue(page.enabled("resume"))
        page.screenshot("web_ui_paused.png")
        page.click("resume")
        page.wait_state("RUNNING")
        page.screenshot("web_ui_running.png")

        # Stop: the state changes, the controls follow.
        page.click("stop")
        page.wait_state("IDLE")
        self.assertTrue(page.enabled("start"))
        self.assertEqual(page.console_errors(), [])

        # A control that does not apply, called anyway, is answered with the reason.
        self.driver.execute_script("act('Pause', 'Pause');")  # what the disabled button would do
        wait_for(lambda: page.text("answer").startswith("Pause: "))
        self.assertNotIn("done", page.text("answer"))
        self.assertIn("no run is under way", page.text("answer"))

        # The daemon goes away and comes back: the page says so and carries on.
        daemon.process.kill()
        daemon.process.wait()
        wait_for(lambda: "Lost the connection" in page.text("lost"))
        self.assertEqual(page.text("connection"), "reconnecting…")
        with Daemon(CONFIG, web):
            wait_for(lambda: "Reconnected" in page.text("back"))
            page.wait_state("IDLE")
            self.assertEqual(page.text("c-total"), "0 / 0")

    def test_a_daemon_with_a_token_asks_for_it_and_an_open_phase_shows_its_rate(self):
        folder = tempfile.mkdtemp()
        token_file = os.path.join(folder, "token")
        with open(token_file, "w") as f:
            f.write("s3cret-token-for-the-page\n")
        config = os.path.join(folder, "open.pbtxt")
        with open(config, "w") as f:
            f.write('application: "hipster_shop"\n'
                    'phases { name: "arrivals" user_types { name: "Normal" ratio: 1 }\n'
                    '         duration: 600 arrival_rate_per_s: 40 }\n'
                    'thresholds { metric: "p99" below: 60000 }\n'
                    'thresholds { metric: "max" below: 1000 request: "/nowhere" }\n')
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        self.stack.enter_context(
            Daemon(config, f"--web_address=127.0.0.1:{port}", f"--control_token_file={token_file}"))
        page = Page(self.driver, f"http://127.0.0.1:{port}/")
        wait_for(lambda: self.driver.find_element(By.ID, "token-dialog").is_displayed())
        self.assertEqual(page.state(), "…")  # nothing shown without the token
        page.type_into("token-input", "wrong")
        self.driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        wait_for(lambda: self.driver.find_element(By.ID, "token-dialog").is_displayed())
        page.type_into("token-input", "s3cret-token-for-the-page")
        self.driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        page.wait_state("IDLE")
        page.click("start")
        page.wait_state("RUNNING")
        # An open phase: the timeline marks it open, the page shows the arrival rate, the rate
        # control applies, and the corrected latency is charted.
        self.assertIn("40/s", page.timeline()[0][2])
        wait_for(lambda: page.text("c-load") == "40")
        self.assertTrue(page.enabled("set-rate"))
        page.type_into("rate", "25")
        page.click("set-rate")
        wait_for(lambda: page.text("c-load") == "25")
        wait_for(lambda: page.series("cp99")[1].startswith("M"))
        # The config's thresholds, judged live.
        wait_for(lambda: [row[2] for row in page.table("thresholds")] == ["PASS", "FAIL"])
        self.assertEqual(page.table("thresholds")[1][:2], ["max of /nowhere < 1000 ms",
                                                           "no requests"])
        page.click("stop")
        page.wait_state("IDLE")
        # The page's token is the one gRPC takes: the routes refuse a caller without it.
        with self.assertRaises(urllib.error.HTTPError) as refused:
            api(base, "GetStatus")
        self.assertEqual(refused.exception.code, 401)

    def test_a_coordinator_shows_its_shards_and_merged_figures(self):
        daemons = [self.stack.enter_context(Daemon(CONFIG)) for _ in range(2)]
        targets = ",".join(d.address for d in daemons)
        serve = subprocess.Popen([LOADGENCTL, f"--targets={targets}", "--web_address=127.0.0.1:0",
                                  "serve"], stdout=subprocess.PIPE, text=True)
        self.stack.callback(serve.kill)
        base = re.search(r"on (http://\S+)", serve.stdout.readline()).group(1)
        page = Page(self.driver, base + "/")
        page.wait_state("IDLE")
        wait_for(lambda: sorted(r[0] for r in page.table("shards")) == sorted(targets.split(",")))
        page.click("start")
        page.wait_state("RUNNING")
        # Six users split over two shards, shown merged and per shard.
        wait_for(lambda: page.text("c-load") == "6 / 6")
        wait_for(lambda: [r[1:3] for r in page.table("shards")] == [["running", "3"]] * 2)
        wait_for(lambda: len(page.table("requests")) > 1)
        page.screenshot("web_ui_coordinator.png")
        page.click("stop")
        page.wait_state("IDLE")
        self.assertEqual(page.console_errors(), [])


if __name__ == "__main__":
    sys.exit(loadgen_test_lib.main())
