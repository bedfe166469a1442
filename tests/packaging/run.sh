#!/usr/bin/env bash
# Consumers of infomorph, as its users build them (tests/CMakeLists.txt runs each as a test):
#   run.sh install          SOURCE BUILD PREFIX            cmake --install BUILD into PREFIX (fixture)
#   run.sh find_package     SOURCE PREFIX WORK CXX EXAMPLE  find_package(infomorph 0.2) against PREFIX
#   run.sh add_subdirectory SOURCE WORK CXX EXAMPLE         add_subdirectory(SOURCE), no build type forced, nothing installed
#   run.sh fetchcontent     SOURCE WORK CXX EXAMPLE         FetchContent from a git repository of SOURCE's working tree
#   run.sh pkgconfig        SOURCE PREFIX WORK CXX EXAMPLE  CXX $(pkg-config --cflags --libs infomorph)
#   run.sh installed_cli    PREFIX WORK                     the installed `infomorph` outside the source tree
# Each consumer compiles EXAMPLE (one of examples/, whose output CTest checks elsewhere) and runs it;
# unoptimised (no build type), which halves the compile time of the xtensor-heavy headers.
set -euo pipefail
kind="$1"; shift
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
export OPENBLAS_NUM_THREADS=1

consumer() {  # consumer DIR WORK CXX EXAMPLE [cmake args...]: configure, build, run
  local dir="$1" work="$2" cxx="$3" example="$4"; shift 4
  rm -rf "$work"
  cmake -S "$dir" -B "$work" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" -DEXAMPLE="$example" "$@"
  cmake --build "$work" -j 1
  "$work/consumer"
}

case "$kind" in
  install)
    src="$1" build="$2" prefix="$3"
    rm -rf "$prefix"
    cmake --install "$build" --prefix "$prefix"
    ;;
  find_package)
    src="$1" prefix="$2" work="$3" cxx="$4" example="$5"
    consumer "$src/tests/packaging/find_package" "$work" "$cxx" "$example" -DCMAKE_PREFIX_PATH="$prefix"
    ;;
  add_subdirectory)
    src="$1" work="$2" cxx="$3" example="$4"
    consumer "$src/tests/packaging/add_subdirectory" "$work" "$cxx" "$example" \
      -DINFOMORPH_SOURCE_DIR="$src" -DCONSUMER_BUILD_TYPE=
    cmake --install "$work" --prefix "$work/prefix"
    if [ -e "$work/prefix/include/infomorph" ] || [ -e "$work/prefix/share/cmake/infomorph" ]; then
      echo "FAIL: the consumer's install installed infomorph"; exit 1
    fi
    ;;
  fetchcontent)
    src="$1" work="$2" cxx="$3" example="$4"
    # A git repository of the working tree as it is (committed or not), as a user's clone would be.
    repo="$work.git"
    rm -rf "$repo"; mkdir -p "$repo"
    git -C "$src" ls-files -z --cached --others --exclude-standard | (cd "$src" && xargs -0 cp --parents -t "$repo" 2>/dev/null || true)
    git -C "$repo" init -q
    git -C "$repo" add -A
    git -C "$repo" -c user.name=test -c user.email=test@invalid commit -q -m snapshot
    consumer "$src/tests/packaging/fetchcontent" "$work" "$cxx" "$example" \
      -DINFOMORPH_GIT_REPOSITORY="file://$repo" -DINFOMORPH_GIT_TAG="$(git -C "$repo" rev-parse HEAD)"
    ;;
  pkgconfig)
    src="$1" prefix="$2" work="$3" cxx="$4" example="$5"
    rm -rf "$work"; mkdir -p "$work"
    export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
    pkg-config --exists --print-errors "infomorph >= 0.2"
    flags=($(pkg-config --cflags --libs infomorph))
    if "$cxx" --version | grep -q clang; then flags+=($(pkg-config --variable=clang_cflags infomorph)); fi
    echo "$cxx ${flags[*]}"
    ccache_=(); command -v ccache >/dev/null && ccache_=(ccache)
    "${ccache_[@]}" "$cxx" "$example" -o "$work/consumer" "${flags[@]}"
    "$work/consumer"
    ;;
  installed_cli)
    prefix="$1" work="$2"
    rm -rf "$work"; mkdir -p "$work/elsewhere"
    cd "$work"  # no data/mnist here: the installed program must find its own copy
    "$prefix/bin/infomorph" --version | grep -qx "infomorph [0-9]*\.[0-9]*\.[0-9]*" || { echo "FAIL: --version"; exit 1; }
    "$prefix/bin/infomorph" train --variant context --hidden 10 --epochs 1 --limit 600 --batch 200 \
      --no-progress --out "$work/run" >"$work/out" 2>&1 || { echo "FAIL: installed train"; cat "$work/out"; exit 1; }
    grep -q "^test accuracy" "$work/out" || { echo "FAIL: no test accuracy"; cat "$work/out"; exit 1; }
    # A copy without the installed data: the error says how to point it at MNIST.
    cp "$prefix/bin/infomorph" "$work/elsewhere/"
    if "$work/elsewhere/infomorph" train --epochs 1 --limit 600 --out "$work/run2" >"$work/out2" 2>"$work/err2"; then
      echo "FAIL: trained without MNIST"; exit 1
    fi
    grep -q "MNIST not found.*--data-dir.*INFOMORPH_DATA_DIR" "$work/err2" || { echo "FAIL: error message"; cat "$work/err2"; exit 1; }
    # The environment variable points it at the data.
    INFOMORPH_DATA_DIR="$prefix/share/infomorph/data" "$work/elsewhere/infomorph" train --variant context --hidden 10 \
      --epochs 1 --limit 600 --batch 200 --no-progress --out "$work/run3" >"$work/out3" 2>&1 \
      || { echo "FAIL: INFOMORPH_DATA_DIR"; cat "$work/out3"; exit 1; }
    ;;
  *) echo "run.sh: unknown consumer '$kind'"; exit 2 ;;
esac
echo "PASS: $kind"
