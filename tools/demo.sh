#!/usr/bin/env bash
# The project's main job, as a newcomer first sees it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
bazel build //load_generation:loadgen
bazel-bin/load_generation/loadgen --help
