#!/bin/sh
# build.sh — builds the map benchmark: bpfvm's core library (in the project's build
# dir, as the project builds it) and bench_maps.c linked against it, into
# bench/maps/out/. Then `bench/maps/out/bench_maps` (or bench/maps/run.sh) runs it.
#
#   BPFVM_BUILD   the project's CMake build dir (default: <repo>/build)
#   CC            C compiler (default: cc)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BPFVM_BUILD:-$ROOT/build}
OUT=$ROOT/bench/maps/out
CC=${CC:-cc}

die() { echo "build.sh: $*" >&2; exit 1; }

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
fi
cmake --build "$BUILD" -j2 --target bpfvm_core >/dev/null || die "building bpfvm_core in $BUILD failed"
LIB="$BUILD/libbpfvm_core.a"
[ -f "$LIB" ] || die "missing $LIB"
if grep -q '^BPFVM_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    echo "build.sh: warning: $BUILD is built with sanitizers; numbers will be meaningless" >&2
fi
mkdir -p "$OUT"
"$CC" -std=gnu11 -O2 -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/src" \
    "$ROOT/bench/maps/bench_maps.c" "$LIB" -lpthread -o "$OUT/bench_maps"
