#!/usr/bin/env bash
# Builds the unit tests, the compile-time lattice facts and the `infomorph` program with Clang
# (Debian 12's clang++-14), warnings as errors, and runs the unit tests and the CLI checks.
# The long end-to-end tests run in the GCC build only. Usage: check_clang.sh BUILD_DIR [cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
build="$1"; shift
cxx="$(command -v clang++-14 || command -v clang++)"
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release -DINFOMORPH_WERROR=ON \
  -DINFOMORPH_BUILD_BENCHMARKS=OFF -DINFOMORPH_BUILD_EXAMPLES=OFF "$@"
cmake --build "$build" -j "$(nproc)" --target infomorph_tests infomorph_compile_time infomorph_cli
export OPENBLAS_NUM_THREADS=1
"$build/tests/infomorph_tests"
"$build/tests/infomorph_compile_time"
bash tests/cli_test.sh "$build/tools/infomorph/infomorph"
"$build/tools/infomorph/infomorph" --version
