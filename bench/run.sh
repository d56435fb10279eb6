#!/usr/bin/env bash
# Benchmarks loadgen side by side with wrk and Locust on this machine and prints one table per
# scenario (throughput, users per core, accuracy, phase timing, open model, the wrk2 front end).
# See bench/README.md.
#   bench/run.sh            # the full run: three repetitions, median (about 8 minutes)
#   bench/run.sh --quick    # short runs, one repetition: a smoke test of the tables
#   bench/run.sh --out bench/RESULTS.md
#   bench/run.sh --only 6   # one scenario (repeatable)
# LOADGEN, WRK2, FLOOR_CLIENT, DELAY_SERVER and PROTO_DIR name prebuilt binaries and the Python
# stubs; without them the script builds them with Bazel.
set -euo pipefail
cd "$(dirname "$0")/.."

# The peers and the target, from Debian.
packages=(nginx-light wrk valgrind python3-locust python3-geventhttpclient python3-grpcio python3-protobuf)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "bench: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/tmp/bench_install.log 2>&1 ||
    { echo "bench: apt-get install failed; see /tmp/bench_install.log" >&2; exit 1; }
fi

if [ -z "${LOADGEN:-}" ]; then
  bazel build -c opt //load_generation:loadgen //load_generation:delay_server \
    //load_generation:wrk2 //bench:floor_client //proto:control_py
  bin="$(bazel info -c opt bazel-bin)"
  LOADGEN="$bin/load_generation/loadgen"
  WRK2="$bin/load_generation/wrk2"
  FLOOR_CLIENT="$bin/bench/floor_client"
  DELAY_SERVER="$bin/load_generation/delay_server"
  PROTO_DIR="$bin/proto"
fi
exec /usr/bin/python3 bench/bench.py --loadgen="$LOADGEN" --wrk2="$WRK2" --floor_client="$FLOOR_CLIENT" --delay_server="$DELAY_SERVER" \
  --proto_dir="$PROTO_DIR" "$@"
