#!/bin/sh
# run.sh — the verifier benchmark: bpfvm's verifier against the Linux verifier, same
# programs, same run. Builds what it needs, runs bench/verify/out/vbench and prints
# a Markdown table (docs/BENCHMARKS.md, "Verifier"). Arguments go to the harness:
#
#   bench/verify/run.sh                  # all programs, 11 rounds (about 30 s)
#   bench/verify/run.sh --runs 21        # more rounds
#   bench/verify/run.sh --only c_loops,bench:   # programs whose label contains one of these
#   bench/verify/run.sh --warm           # each side verifies once, untimed, before each timed run
#   bench/verify/run.sh --no-kernel      # bpfvm only (also automatic without root)
#   bench/verify/run.sh -v               # the verdicts as they are found, on stderr
#
# Programs: the C cases of the verifier corpus (tests/verify/corpus/c_*.c), the
# object-test programs (tests/obj/progs/*.c, -mcpu=v3), examples/xdp_filter.c, and
# the benchmark workloads (bench/workloads/*.c as raw bytecode, verified as memory
# programs of 4096 bytes; in Linux wrapped as bench/bench.c does).
#
#   BPFVM_BUILD   the project's CMake build dir (default: <repo>/build); configured
#                 when needed; targets bpfvm, kbpf and vcorpus are built
#   VBENCH_OUT    output dir (default: <repo>/bench/verify/out)
#   CLANG         clang for the BPF programs and the harness (default: clang)
#   VBENCH_REV    what to call the source in the table's first line (default: the
#                 git commit, and whether src/ has uncommitted changes)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BPFVM_BUILD:-$ROOT/build}
OUT=${VBENCH_OUT:-$ROOT/bench/verify/out}
CLANG=${CLANG:-clang}
OBJCOPY=${OBJCOPY:-llvm-objcopy}
OBJDUMP=${OBJDUMP:-llvm-objdump}

die() { echo "run.sh: $*" >&2; exit 1; }
command -v "$CLANG" >/dev/null || die "no $CLANG (./dev.sh installs it)"
command -v "$OBJCOPY" >/dev/null || die "no $OBJCOPY"

# 1. The libraries, as the project builds them.
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" >/dev/null || die "configuring $BUILD failed"
fi
cmake --build "$BUILD" -j2 --target bpfvm kbpf vcorpus >/dev/null ||
    die "building bpfvm / kbpf / vcorpus in $BUILD failed (cmake --build $BUILD --target bpfvm kbpf vcorpus)"
LIBS="$BUILD/tests/verify/libvcorpus.a $BUILD/tests/libbpfvm_testutil.a $BUILD/tests/kernel/libkbpf.a
      $BUILD/libbpfvm.a $BUILD/libbpfvm_core.a"
for l in $LIBS; do [ -f "$l" ] || die "missing $l"; done
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
[ -n "$BUILD_TYPE" ] || BUILD_TYPE=RelWithDebInfo # the project's default (CMakeLists.txt)
if grep -q '^BPFVM_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
    BUILD_TYPE="$BUILD_TYPE+sanitizers"
    echo "run.sh: warning: $BUILD is built with sanitizers; bpfvm's times will be meaningless" >&2
fi
# The source the library was built from: commit, and whether the verifier has
# uncommitted changes (it is being worked on).
REV=${VBENCH_REV:-}
if [ -n "$REV" ]; then
    REV=" ($REV)"
elif command -v git >/dev/null && git -C "$ROOT" rev-parse --short HEAD >/dev/null 2>&1; then
    REV=" (git $(git -C "$ROOT" rev-parse --short HEAD)"
    if [ -n "$(git -C "$ROOT" status --porcelain -- src include 2>/dev/null)" ]; then
        REV="$REV + uncommitted changes in src/"
    fi
    REV="$REV)"
fi

MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
BPF_CC="$CLANG -O2 -g -target bpf -mcpu=v3 -I/usr/include/$MULTIARCH" # as tests/verify/verifier_tests.cmake
mkdir -p "$OUT/obj" "$OUT/raw" "$OUT/corpus"

# 2. The harness.
# shellcheck disable=SC2086
"$CLANG" -O2 -g -std=gnu11 -Wall -Wextra -Werror \
    -DBPFVM_BENCH_BPF_CC="\"$BPF_CC\"" -DBPFVM_BENCH_BUILD_TYPE="\"$BUILD_TYPE\"" \
    -DBPFVM_BENCH_REV="\"$REV\"" \
    -I"$ROOT/include" -I"$ROOT/src" -I"$ROOT/tools" -I"$ROOT/tests/kernel" -I"$ROOT/tests/verify" \
    "$ROOT/bench/verify/vbench.c" $LIBS -lbpf -lelf -lz -lpthread -ldl -lm -o "$OUT/vbench.tmp" ||
    die "building the harness failed"
mv "$OUT/vbench.tmp" "$OUT/vbench"

# 3. The BPF programs (rebuilt when the source is newer).
newer() { [ ! -f "$2" ] || [ -n "$(find "$1" -newer "$2")" ]; } # $1 newer than $2 (or no $2)
ARGS=""
for src in "$ROOT"/tests/obj/progs/*.c; do
    name=$(basename "$src" .c)
    o="$OUT/obj/$name.v3.o"
    if newer "$src" "$o" || newer "$ROOT/tests/obj/progs/shared.h" "$o"; then
        $BPF_CC -I"$ROOT/tests/obj/progs" -DCORPUS_CPU=3 -c "$src" -o "$o" || die "compiling $src failed"
    fi
    ARGS="$ARGS --obj $o"
done
src="$ROOT/examples/xdp_filter.c"
o="$OUT/obj/xdp_filter.o"
if newer "$src" "$o"; then
    $BPF_CC -c "$src" -o "$o" || die "compiling $src failed" # as ./dev.sh demo
fi
ARGS="$ARGS --obj $o"
for src in "$ROOT"/bench/workloads/*.c; do
    name=$(basename "$src" .c)
    b="$OUT/raw/$name.bin"
    if newer "$src" "$b" || newer "$ROOT/bench/workloads/bench.h" "$b"; then
        # as bench/build.sh: the raw bytes of the "bench" section
        "$CLANG" -O2 -target bpf -mcpu=v3 -Wall -Werror -c "$src" -o "$OUT/raw/$name.bpf.o" ||
            die "compiling $src failed"
        if "$OBJDUMP" -r "$OUT/raw/$name.bpf.o" | grep -q 'RELOCATION RECORDS FOR \[bench\]'; then
            die "$name: the bench section has relocations"
        fi
        "$OBJCOPY" -O binary --only-section=bench "$OUT/raw/$name.bpf.o" "$b"
        [ -s "$b" ] || die "$name: empty bench section"
    fi
    ARGS="$ARGS --raw $b"
done

# 4. Run. The corpus's C files are compiled by the harness (vcorpus.c) into $OUT/corpus.
# shellcheck disable=SC2086
exec "$OUT/vbench" --corpus "$ROOT/tests/verify/corpus" --corpus-out "$OUT/corpus" --mem-size 4096 $ARGS "$@"
