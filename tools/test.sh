#!/usr/bin/env bash
# Builds and runs every test, then prints 'N passed, N failed' (test cases, not targets).
# Extra arguments go to `bazel test`, e.g. tools/test.sh --config=asan
# Without them, the fuzz targets also run under libFuzzer (clang, --config=fuzz) for a bounded
# number of inputs each, in an output base of their own; LOADGEN_FUZZ=0 leaves that out.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || exit 1

log=$(mktemp)
fuzz_log=$(mktemp)
trap 'rm -f "$log" "$fuzz_log"' EXIT
flags=(--keep_going --test_summary=short)
[ -t 1 ] || flags+=(--color=no --curses=no)
bazel test "${flags[@]}" "$@" -- //... 2>&1 | tee "$log"
runs=("$(bazel info bazel-testlogs "$@" 2>/dev/null)" "$log")

if [ $# -eq 0 ] && [ "${LOADGEN_FUZZ:-1}" != 0 ]; then
  fuzz_base="$(bazel info output_base 2>/dev/null)-fuzz"
  fuzz=(--output_base="$fuzz_base")
  # No bazel-* links of its own (those of the main build stay), and only where fuzz targets
  # live: from the root it would descend into the main build's links.
  bazel "${fuzz[@]}" test "${flags[@]}" --config=fuzz --build_tests_only --symlink_prefix=/ \
    --test_tag_filters=fuzz -- //load_generation/... 2>&1 | tee "$fuzz_log"
  runs+=("$(bazel "${fuzz[@]}" info bazel-testlogs --config=fuzz 2>/dev/null)" "$fuzz_log")
  # The fuzz server is not needed until the next run.
  bazel "${fuzz[@]}" shutdown 2>/dev/null
fi
echo
/usr/bin/python3 tools/test_summary.py "${runs[@]}"
