#!/usr/bin/env bash
# Installs what the project needs (Debian 12 packages), builds everything and runs every test.
# This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake make g++ ccache python3
          libxtensor-dev libxtensor-blas-dev xtl-dev libxsimd-dev libopenblas-dev
          doctest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev zlib1g-dev
          dataset-fashion-mnist python3-matplotlib
          clang libclang-rt-14-dev doxygen git pkg-config python3-venv  # the Clang build with sanitizers and libFuzzer, API reference, packaging checks
          python3-optuna python3-psycopg2 postgresql-15 python3-sklearn python3-cmaes)  # tools/search (docs/search.md)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build="${INFOMORPH_BUILD_DIR:-build}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DINFOMORPH_WERROR=ON -DINFOMORPH_DOXYGEN_STRICT=ON "${launcher[@]}"
cmake --build "$build" -j "$(nproc)"
cmake --build "$build" --target docs   # the API reference (Doxygen); strict: an undocumented public name fails
# A hung test fails after 10 min instead of holding CI to its limit (the longest takes under 1 min).
(cd "$build" && OPENBLAS_NUM_THREADS=1 ctest --output-on-failure -j "$(nproc)" --timeout 600)

bash scripts/check_clang.sh "$build-clang" "${launcher[@]}"   # Clang 14, ASan+UBSan: unit, CLI and fuzz tests
timeout 1200 bash scripts/check_conan.sh "$build"             # Conan 2: conan create, offline
