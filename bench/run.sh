#!/bin/sh
# run.sh — builds the benchmark (bench/build.sh) and runs it, printing the Markdown
# table of native vs bpfvm interpreter vs kernel JIT. Arguments go to the harness,
# e.g. bench/run.sh --rounds 31 --only crc32,sieve (see bench/out/bench --help).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/build.sh"
OUT=${BENCH_OUT:-$HERE/out}
exec "$OUT/bench" --dir "$OUT" "$@"
