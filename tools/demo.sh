#!/usr/bin/env bash
# The demo: the daemon plays the hipster_shop phases (compressed to about a minute) against the
# built-in demo shop on 127.0.0.1, which answers in ~5 ms and fails 1% of requests on purpose.
# Shows a status line every 5 s and the per-phase table at the end, then stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
bazel build //load_generation:loadgen //applications/hipster_shop:demo_shop

shop_out=$(mktemp)
bazel-bin/applications/hipster_shop/demo_shop --error_rate=0.01 --threads=1 >"$shop_out" &
shop=$!
trap 'kill $shop 2>/dev/null || true; rm -f "$shop_out"' EXIT
for _ in $(seq 50); do grep -q "listening on" "$shop_out" && break; sleep 0.1; done
port=$(sed -n 's/listening on //p' "$shop_out")
[ -n "$port" ] || { echo "demo: the demo shop did not start" >&2; exit 1; }
echo "demo: demo shop on http://127.0.0.1:$port (1% injected errors)"

bazel-bin/load_generation/loadgen \
  --config=applications/hipster_shop/load_generation/demo.pbtxt \
  --host="http://127.0.0.1:$port" --status_interval=5s
kill -TERM $shop
wait $shop 2>/dev/null || true
cat "$shop_out" | grep -v "listening on"
