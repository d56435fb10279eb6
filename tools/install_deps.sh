#!/usr/bin/env bash
# Installs every Debian package that the build, the tests, the demo and the benchmarks need.
# Idempotent: packages already present are skipped, and nothing is fetched when all are there.
# Run as root (or with sudo available) on Debian 12 (bookworm).
#   tools/install_deps.sh           everything
#   tools/install_deps.sh --build   only what building the binaries needs (the Dockerfile)
set -euo pipefail

packages=(
  # Build: Bazel, the C++ toolchain, and the libraries the code links against.
  bazel-bootstrap g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libgtest-dev libgmock-dev libboost1.81-dev libssl-dev grpc-proto
  # LuaJIT, for the wrk2 front end's scripts (wrk embeds it too).
  libluajit-5.1-dev
  # The microbenchmarks, which the suite runs once as a smoke test.
  libbenchmark-dev
)
[ "${1:-}" = "--build" ] || packages+=(
  # clang-format and clang-tidy for tools/lint.sh; clang with libFuzzer for the fuzz targets.
  clang-format clang-tidy clang libfuzzer-14-dev libclang-rt-14-dev
  # Tests and tools that drive the real binaries.
  python3 python3-grpcio python3-protobuf curl procps
  # Report checks: promtool for /metrics, headless Chromium for the HTML report and, driven by
  # ChromeDriver through Selenium, for the web UI.
  prometheus chromium chromium-driver python3-selenium
  # Benchmarks (bench/run.sh) and their smoke test: the target and the peers; liburing for the
  # floor client's io_uring loop (bench/floor_client.cc).
  nginx-light wrk valgrind python3-locust python3-geventhttpclient liburing-dev
  # The manifest check, and the image test (tools/image_test.sh).
  python3-kubernetes python3-yaml yamllint podman runc fuse-overlayfs uidmap slirp4netns debootstrap
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install_deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || { echo "install_deps: apt-get update failed" >&2; exit 1; }
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/install_deps.log 2>&1; then
  # Install one by one so the message names the package that failed.
  for p in "${missing[@]}"; do
    if ! $sudo apt-get install -y -qq --no-install-recommends "$p" >>/tmp/install_deps.log 2>&1; then
      echo "install_deps: failed to install Debian package '$p' (log: /tmp/install_deps.log)" >&2
      exit 1
    fi
  done
fi
echo "install_deps: done" >&2
