#!/usr/bin/env bash
# Checks formatting (clang-format) and runs clang-tidy (.clang-tidy) on the project's C++.
# Exit status 0 when both are clean. Slow (minutes): not part of tools/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || exit 1
files=$(git ls-files '*.cc' '*.h')
status=0
if ! clang-format --dry-run --Werror $files; then
  echo "lint: run clang-format -i on the files above" >&2
  status=1
fi
bazel build //... >/dev/null 2>&1 || { echo "lint: build failed" >&2; exit 1; }
/usr/bin/python3 tools/compile_commands.py || exit 1
sources=$(git ls-files '*.cc' | grep -v '^third_party/')
# clang reads g++'s flags; the ones it does not know are not errors.
if ! echo "$sources" | xargs -P "$(nproc)" -n 4 clang-tidy -p . --quiet --config-file="$PWD/.clang-tidy" \
    --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-unused-command-line-argument; then
  status=1
fi
exit $status
