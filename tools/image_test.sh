#!/usr/bin/env bash
# Builds the loadgen image with podman (from a debian:bookworm base made locally with
# debootstrap, since no registry is reachable), runs it with --network=host against the demo
# shop on loopback, and checks over gRPC that load flows and that it stops cleanly.
# Not part of tools/test.sh: the image build takes several minutes. Needs root (podman,
# debootstrap) and the packages tools/install_deps.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "image_test: FAIL: $*" >&2; exit 1; }
# Every exit says why, including a command that fails where none was expected to.
trap 'fail "line $LINENO: \"$BASH_COMMAND\" exited $?"' ERR
for tool in podman debootstrap bazel curl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (tools/install_deps.sh installs it)"
done
[ "$(id -u)" -eq 0 ] || fail "run as root: podman here runs rootful, and debootstrap needs root"

work="$(mktemp -d)"
# These machines need the runc runtime (crun rejects the cgroup layout) and open-file limits
# at or below the hard limit of 20000.
cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$work/containers.conf"
podman info >"$work/podman-info.txt" 2>&1 ||
  fail "podman cannot run on this machine: $(tail -3 "$work/podman-info.txt")"

shop="" container=loadgen-image-test
cleanup() {
  podman rm -f "$container" >/dev/null 2>&1 || true
  [ -z "$shop" ] || kill "$shop" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! podman image exists docker.io/library/debian:bookworm; then
  # The machine's own Debian mirror, from its apt sources (deb822 or one-line form).
  mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs: *//p' | head -1)"
  [ -n "$mirror" ] ||
    mirror="$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' \
      /etc/apt/sources.list 2>/dev/null | head -1)"
  [ -n "$mirror" ] || fail "no Debian mirror in /etc/apt/sources.list{,.d}: debootstrap needs one"
  echo "image_test: making the debian:bookworm base from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -3 "$work/debootstrap.log")"
  tar -C "$work/rootfs" -c . | podman import - docker.io/library/debian:bookworm >/dev/null
  rm -rf "$work/rootfs"
fi

echo "image_test: building the image"
podman build --build-arg configDir=applications/hipster_shop/load_generation -t loadgen:test . \
  >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "podman build failed"; }
size="$(podman image inspect loadgen:test --format '{{.Size}}')"
echo "image_test: image loadgen:test, $((size / 1024 / 1024)) MB"
[ "$(podman image inspect loadgen:test --format '{{.Config.User}}')" = "10001:10001" ] ||
  fail "the image does not run as the non-root user 10001"

bazel build //applications/hipster_shop:demo_shop //load_generation:loadgenctl \
  >"$work/bazel.log" 2>&1 || fail "bazel build failed: $(tail -5 "$work/bazel.log")"
bazel-bin/applications/hipster_shop/demo_shop --error_rate=0 >"$work/shop.out" 2>&1 &
shop=$!
for _ in $(seq 50); do grep -q "listening on" "$work/shop.out" && break; sleep 0.1; done
port="$(sed -n 's/listening on //p' "$work/shop.out")"
[ -n "$port" ] || fail "the demo shop did not start"

grpc_port=$((20000 + RANDOM % 10000)) metrics_port=$((30000 + RANDOM % 10000))
podman run -d --name "$container" --network=host -e FRONTEND_ADDR="127.0.0.1:$port" loadgen:test \
  --config=/etc/loadgen/demo.pbtxt --grpc_address="127.0.0.1:$grpc_port" \
  --metrics_address="127.0.0.1:$metrics_port" >/dev/null
ctl() { bazel-bin/load_generation/loadgenctl --address="127.0.0.1:$grpc_port" "$@"; }

# The daemon in the container takes a moment to listen: until it does, a poll finds nothing.
requests=0
for _ in $(seq 60); do
  status="$(ctl --json status 2>/dev/null)" || status=""
  requests="$(echo "$status" | sed -n 's/.*"total_requests":"\{0,1\}\([0-9]*\).*/\1/p')"
  [ "${requests:-0}" -ge 200 ] && break
  sleep 1
done
[ "${requests:-0}" -ge 200 ] || { podman logs "$container" >&2; fail "no load flowed"; }
echo "image_test: load flows: $requests requests so far"
ctl health >/dev/null || fail "the health check does not say SERVING"
curl -sf "http://127.0.0.1:$metrics_port/metrics" | grep -q '^loadgen_requests_total' ||
  fail "no request counters on /metrics"

# The wrk2 front end, as a Job runs it: arguments that begin with `wrk`.
podman run --rm --network=host loadgen:test wrk -t1 -c2 -d2s -R50 -L "http://127.0.0.1:$port/" \
  >"$work/wrk.txt" 2>&1 || fail "wrk in the image failed: $(tail -5 "$work/wrk.txt")"
grep -q "^Requests/sec:" "$work/wrk.txt" || fail "wrk in the image printed no report"
echo "image_test: wrk2 front end: $(grep -o '[0-9]* requests in [^,]*' "$work/wrk.txt")"

ctl stop >"$work/stop.txt" || fail "stop failed: $(cat "$work/stop.txt")"
grep -q "^state     idle" "$work/stop.txt" || fail "not idle after stop: $(cat "$work/stop.txt")"
podman stop -t 30 "$container" >/dev/null
code="$(podman inspect "$container" --format '{{.State.ExitCode}}')"
[ "$code" = "0" ] || { podman logs "$container" >&2; fail "the daemon exited with $code"; }
podman logs "$container" 2>/dev/null | grep -q "Total" || fail "no phase table in the logs"
echo "image_test: OK: built, ran against the demo shop, ran wrk, stopped over gRPC, exited 0 on SIGTERM"
