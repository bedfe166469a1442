#!/usr/bin/env bash
# Compile time and peak memory of a translation unit that includes one umbrella header and has
# an empty main: <infomorph/pid.hpp> against <infomorph/infomorph.hpp> (docs/architecture.md).
# Usage: scripts/compile_time.sh [CXX] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
cxx="${1:-g++}"
runs="${2:-3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for header in pid infomorph; do
  printf '#include <infomorph/%s.hpp>\nint main() {}\n' "$header" >"$tmp/$header.cpp"
  times=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$cxx" -std=c++20 -O2 -Iinclude -c "$tmp/$header.cpp" -o "$tmp/$header.o"
    times+=("$(cat "$tmp/time")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v h="$header" -v n="$runs" \
    'NR == int((n + 1) / 2) { printf "<infomorph/%s.hpp>: %.2f s, %.0f MB (median of %d)\n", h, $1, $2 / 1024, n }'
done
