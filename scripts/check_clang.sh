#!/usr/bin/env bash
# The Clang build of CI, with AddressSanitizer and UndefinedBehaviorSanitizer: builds the unit
# tests, the compile-time lattice facts, the `infomorph` program and the libFuzzer harnesses
# (fuzz/) with Debian 12's clang++-14 at -O1, warnings as errors, and runs the unit tests, the
# CLI checks and each fuzzer for a few seconds. Any sanitizer report fails the run.
# The examples, benchmarks, packaging checks and the -march=native unit tests run in the GCC
# build only. Usage: check_clang.sh BUILD_DIR [cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
build="$1"; shift
cxx="$(command -v clang++-14 || command -v clang++)"
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# -O1 keeps the instrumented code quick to build and still fast enough to run the tests;
# -gline-tables-only gives reports file:line at little build cost.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release -DINFOMORPH_WERROR=ON \
  -DCMAKE_CXX_FLAGS="$sanitize -gline-tables-only" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  -DINFOMORPH_BUILD_BENCHMARKS=OFF -DINFOMORPH_BUILD_EXAMPLES=OFF -DINFOMORPH_FUZZ=ON "$@"
cmake --build "$build" -j "$(nproc)" --target infomorph_tests infomorph_network_tests infomorph_memory_tests \
  infomorph_compile_time infomorph_cli fuzz_model_file fuzz_idx fuzz_cifar fuzz_pid_csv fuzz_train_config

# OpenBLAS threads are not instrumented and their pool outlives main; one thread, as the tests
# want anyway for determinism. Halt on the first report, including a leak.
export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export INFOMORPH_TEST_SANITIZED=1   # tests skip what a sanitizer forbids (ulimit -v)
# Each step has a time limit, so that a hang fails the run instead of holding CI to its limit.
timeout 900 "$build/tests/infomorph_tests"
timeout 900 "$build/tests/infomorph_network_tests"
timeout 900 "$build/tests/infomorph_memory_tests"
timeout 900 "$build/tests/infomorph_compile_time"
bin="$build/tools/infomorph/infomorph"
timeout 900 bash tests/cli_test.sh "$bin"
timeout 900 bash tests/cli_train_test.sh "$bin" data/mnist
timeout 900 bash tests/cli_evaluate_test.sh "$bin" data/mnist
timeout 900 bash tests/cli_memory_test.sh "$bin"
timeout 900 bash tests/cli_robust_input_test.sh "$bin" data/mnist
timeout 900 bash tests/cli_output_test.sh "$bin" data/mnist
timeout 900 bash tests/cli_resume_test.sh "$bin" data/mnist
timeout 900 bash tests/cli_goal_file_test.sh "$bin" data/mnist
"$bin" --version
(cd "$build" && ctest -L fuzz --output-on-failure --timeout 300)
