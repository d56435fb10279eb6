#!/usr/bin/env bash
# Builds and runs every test, then prints 'N passed, N failed' (test cases, not targets).
# Extra arguments go to `bazel test`, e.g. tools/test.sh --config=asan
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
flags=(--keep_going --test_summary=short)
[ -t 1 ] || flags+=(--color=no --curses=no)
bazel test "${flags[@]}" "$@" -- //... 2>&1 | tee "$log"
echo
/usr/bin/python3 tools/test_summary.py "$(bazel info bazel-testlogs "$@" 2>/dev/null)" <"$log"
