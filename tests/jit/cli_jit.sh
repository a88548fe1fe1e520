#!/usr/bin/env bash
# cli_jit.sh -- the JIT from the command line: `bpfvm run --jit` and `--engine jit`
# (same r0 as the interpreter; with --json the object has compile_ns and
# code_bytes), `bpfvm jit-dump` (each BPF instruction followed by its x86-64,
# disassembled by capstone when the build found it; --blind hides immediates;
# --verify drops the checks; --no-budget the budget charges), and `bpfvm info`
# naming the engine.
#   usage: cli_jit.sh BPFVM_CLI HAVE_CAPSTONE(0|1)
set -u
CLI=$1 CAPSTONE=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cli_jit.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# A loop over the memory block with a multiply: loads, a backward jump, an immediate.
cat >"$TMP/p.s" <<'EOF'
r0 = 0
r3 = 0
loop:
r4 = r1
r4 += r3
r5 = *(u8 *)(r4 + 0)
r0 *= 0x5eedf00d
r0 += r5
r3 += 1
if r3 < r2 goto loop
exit
EOF
MEM="01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10"

want=$("$CLI" run "$TMP/p.s" --mem-hex "$MEM" --json) || fail "interpreter run"
for args in "--jit" "--engine jit" "--jit --no-verify" "--engine jit --no-verify --repeat 3"; do
    # shellcheck disable=SC2086
    out=$("$CLI" run "$TMP/p.s" --mem-hex "$MEM" --json $args) || { fail "run $args: exit status $?"; continue; }
    r0_i=$(sed -n 's/.*"r0": \([0-9]*\).*/\1/p' <<<"$want")
    r0_j=$(sed -n 's/.*"r0": \([0-9]*\).*/\1/p' <<<"$out")
    [ -n "$r0_j" ] && [ "$r0_i" = "$r0_j" ] || fail "run $args: r0 $r0_j, the interpreter says $r0_i"
    grep -q '"engine": "jit"' <<<"$out" || fail "run $args: engine is not jit: $out"
    cns=$(sed -n 's/.*"compile_ns": \([0-9]*\).*/\1/p' <<<"$out")
    cb=$(sed -n 's/.*"code_bytes": \([0-9]*\).*/\1/p' <<<"$out")
    [ -n "$cns" ] && [ "$cns" -gt 0 ] || fail "run $args: no compile_ns: $out"
    [ -n "$cb" ] && [ "$cb" -gt 0 ] || fail "run $args: no code_bytes: $out"
done
grep -q compile_ns <<<"$want" && fail "interpreter JSON has compile_ns: $want"
# Without --json: r0 printed as for the interpreter.
[ "$("$CLI" run "$TMP/p.s" --mem-hex "$MEM" --jit)" = "$("$CLI" run "$TMP/p.s" --mem-hex "$MEM")" ] ||
    fail "run --jit prints another r0 than the interpreter"
# A checked-mode fault: the same message from both engines.
printf 'r0 = *(u32 *)(r1 + 14)\nexit\n' >"$TMP/oob.s"
ei=$("$CLI" run "$TMP/oob.s" --mem-hex "$MEM" --no-verify 2>&1 >/dev/null | sed 's/0x[0-9a-f]*/ADDR/g')
ej=$("$CLI" run "$TMP/oob.s" --mem-hex "$MEM" --no-verify --jit 2>&1 >/dev/null | sed 's/0x[0-9a-f]*/ADDR/g')
grep -q "instruction 0: out-of-bounds load of 4 bytes" <<<"$ej" || fail "run --jit fault message: $ej"
[ "$ei" = "$ej" ] || fail "fault messages differ: interp '$ei', jit '$ej'"

# jit-dump: every BPF instruction, then its machine code.
dump=$("$CLI" jit-dump "$TMP/p.s") || fail "jit-dump: exit status $?"
for i in 0 1 2 3 4 5 6 7 8 9; do
    grep -qE "^ +$i: " <<<"$dump" || fail "jit-dump: no line for BPF instruction $i"
done
grep -q "checked mode" <<<"$dump" || fail "jit-dump: header does not say checked mode"
grep -q "; out of line" <<<"$dump" || fail "jit-dump: no out-of-line section"
if [ "$CAPSTONE" = 1 ]; then
    # capstone's Intel syntax: the multiply by the immediate, the loop's compare, the return
    grep -qE "imul .*0x5eedf00d" <<<"$dump" || fail "jit-dump: no 'imul ..., 0x5eedf00d' (capstone)"
    grep -qE "^ +[0-9a-f]+:  (cmp|jb) " <<<"$dump" || fail "jit-dump: no cmp/jb (capstone)"
    grep -qE "^ +[0-9a-f]+:  ret" <<<"$dump" || fail "jit-dump: no ret (capstone)"
    blind=$("$CLI" jit-dump "$TMP/p.s" --blind) || fail "jit-dump --blind: exit status $?"
    # (the BPF lines show it; the x86 lines, "ADDR:  insn", must not)
    grep -E "^ +[0-9a-f]+:  " <<<"$blind" | grep -qi "5eedf00d" &&
        fail "jit-dump --blind: the immediate 0x5eedf00d is in the code"
    grep -E "^ +[0-9a-f]+:  " <<<"$dump" | grep -qi "5eedf00d" ||
        fail "jit-dump: without --blind the immediate should be in the code"
    bytes=$("$CLI" jit-dump "$TMP/p.s" --bytes) || fail "jit-dump --bytes"
    grep -qE "^ +[0-9a-f]+:  c3 +ret" <<<"$bytes" || fail "jit-dump --bytes: no 'c3  ret'"
else
    echo "note: built without capstone; jit-dump prints hex bytes (install libcapstone-dev)"
    grep -qE "^ +[0-9a-f]+:  ?( [0-9a-f]{2})+" <<<"$dump" || fail "jit-dump: no hex bytes"
fi
# --verify: the proven load has no check, so the code is smaller.
ver=$("$CLI" jit-dump "$TMP/p.s" --verify --mem-size 16) || fail "jit-dump --verify: exit status $?"
grep -q "verified" <<<"$ver" || fail "jit-dump --verify: header does not say verified"
size_of() { sed -n '1s/.*-> \([0-9]*\) bytes.*/\1/p'; }
c=$(size_of <<<"$dump") v=$(size_of <<<"$ver")
[ -n "$c" ] && [ -n "$v" ] && [ "$v" -lt "$c" ] || fail "jit-dump --verify: $v bytes, checked $c"
# The loop's backward jump charges the step budget (sub r10, N) unless --no-budget.
if [ "$CAPSTONE" = 1 ]; then
    grep -qE "^ +[0-9a-f]+:  sub r10, " <<<"$dump" || fail "jit-dump: no budget charge on the backward jump"
    nb=$("$CLI" jit-dump "$TMP/p.s" --no-budget) || fail "jit-dump --no-budget: exit status $?"
    grep -q "without step-budget charges" <<<"$nb" || fail "jit-dump --no-budget: header"
    grep -qE "^ +[0-9a-f]+:  sub r10, " <<<"$nb" && fail "jit-dump --no-budget: budget charge left"
fi
"$CLI" jit-dump "$TMP/nonexistent.s" >/dev/null 2>&1 && fail "jit-dump of a missing file succeeds"

"$CLI" info | grep -q "^engines: interp jit" || fail "bpfvm info does not list the jit engine"

[ "$fails" = 0 ] && echo "cli_jit: all passed"
exit $((fails != 0))
