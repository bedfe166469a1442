#!/usr/bin/env bash
# Conan 2: installs Conan from PyPI into a virtual environment (once, under ~/.cache), then
# creates the package offline against Debian 12's packages (conan/profiles/debian12) and
# builds and runs test_package with GCC and with Clang. Usage: check_conan.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build="$1"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/infomorph/conan-venv"
if ! "$venv/bin/conan" --version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "conan>=2.0,<3"
fi
export CONAN_HOME="$(realpath "$build")/conan-home"   # a fresh, private Conan cache per build
command -v ccache >/dev/null && export CMAKE_CXX_COMPILER_LAUNCHER=ccache
"$venv/bin/conan" create . -pr:a conan/profiles/debian12 -nr
version="$(sed -n 's/^project(infomorph VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
"$venv/bin/conan" test test_package "infomorph/$version" -pr:a conan/profiles/debian12-clang -nr
