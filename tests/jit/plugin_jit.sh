#!/usr/bin/env bash
# plugin_jit.sh -- the plugin protocol test (tests/plugin/plugin_test.sh) with the
# plugin running every program through the JIT: a wrapper passes --jit after the
# runner's arguments, as '--plugin_options "--jit"' would.
#   usage: plugin_jit.sh PLUGIN_TEST PLUGIN SUITE_DIR BPFVM_CLI
set -eu
TEST=$1 PLUGIN=$2 SUITE=$3 CLI=$4
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plugin_jit.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/bpfvm-conformance-jit" <<WRAP
#!/usr/bin/env bash
exec "$PLUGIN" "\$@" --jit
WRAP
chmod +x "$TMP/bpfvm-conformance-jit"
"$TEST" "$TMP/bpfvm-conformance-jit" "$SUITE" "$CLI"
