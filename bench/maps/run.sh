#!/bin/sh
# run.sh — builds (build.sh) and runs the map benchmark; arguments go to bench_maps
# (--entries N, --lookups N, --rounds N). Prints a Markdown table.
set -eu
DIR=$(cd "$(dirname "$0")" && pwd)
"$DIR/build.sh"
exec "$DIR/out/bench_maps" "$@"
