#!/bin/bash
# A fuzz target as a test: run_fuzz.sh TARGET RUNS SEED_DIR...
# Built with libFuzzer (--config=fuzz), TARGET mutates the seeds for RUNS inputs (a fresh working
# corpus in the test's temporary directory, so the source tree is never written to), and a crash
# leaves its input in the test's outputs. Built without, TARGET runs each seed once.
set -euo pipefail
target=$1 runs=$2
shift 2
work="${TEST_TMPDIR:-$(mktemp -d)}/corpus"
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-/tmp}}/"
mkdir -p "$work"
exec "$target" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts" -print_final_stats=1 "$work" "$@"
