#!/usr/bin/python3
"""Counts the test cases of `bazel test --test_summary=short` runs; prints 'N passed, N failed'.

Usage: test_summary.py TESTLOGS LOG [TESTLOGS LOG ...], a pair per run (the fuzz run has its own
output base). Reads each LOG (Bazel's output) for each target's status, and that target's
test.xml under TESTLOGS (gtest's, or the one Bazel writes for other tests) for its test cases.
A target that failed to build or never ran counts as one failed case. Exit status 0 only when
nothing failed.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

STATUS = re.compile(
    r"^(//\S+)\s+(?:\(cached\) )?(PASSED|FAILED TO BUILD|FAILED|FLAKY|TIMEOUT|NO STATUS|"
    r"INCOMPLETE|REMOTE FAILURE|SKIPPED)\b")


def count_cases(xml_path):
    passed = failed = skipped = 0
    for case in ET.parse(xml_path).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("result") == "skipped" or case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main():
    runs = list(zip(sys.argv[1::2], sys.argv[2::2]))
    if not runs or len(sys.argv) % 2 == 0:
        sys.exit("usage: test_summary.py TESTLOGS LOG [TESTLOGS LOG ...]")
    passed = failed = skipped = 0
    failed_targets = []
    for testlogs, log in runs:
        with open(log) as lines:
            counts, failures = summarise(testlogs, lines)
        passed, failed, skipped = passed + counts[0], failed + counts[1], skipped + counts[2]
        failed_targets += failures
    for target in failed_targets:
        print(f"failed: {target}")
    line = f"{passed} passed, {failed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or passed + skipped == 0 else 0


def summarise(testlogs, lines):
    """The (passed, failed, skipped) cases of one run, and its failed targets."""
    passed = failed = skipped = 0
    failed_targets = []
    for line in lines:
        match = STATUS.match(line.strip())
        if not match:
            continue
        target, status = match.groups()
        xml_path = os.path.join(testlogs, target[2:].replace(":", "/"), "test.xml")
        counts = None
        if status in ("PASSED", "FAILED", "FLAKY", "TIMEOUT") and os.path.exists(xml_path):
            try:
                counts = count_cases(xml_path)
            except ET.ParseError:
                counts = None
        if counts is None or sum(counts) == 0:
            counts = (1, 0, 0) if status in ("PASSED", "FLAKY") else (0, 1, 0)
            if status == "SKIPPED":
                counts = (0, 0, 1)
        if status not in ("PASSED", "FLAKY", "SKIPPED") and counts[1] == 0:
            counts = (counts[0], 1, counts[2])  # a timeout or crash after the last case
        passed, failed, skipped = passed + counts[0], failed + counts[1], skipped + counts[2]
        if counts[1]:
            failed_targets.append(f"{target} ({status.lower()})")
    return (passed, failed, skipped), failed_targets


if __name__ == "__main__":
    sys.exit(main())
