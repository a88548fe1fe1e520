#!/usr/bin/env bash
# plugin_test.sh -- regression test of the bpfvm-conformance plugin executable.
#
#   usage: plugin_test.sh PLUGIN SUITE_DIR [BPFVM_CLI]
#
# PLUGIN     the plugin executable (build/bpfvm-conformance)
# SUITE_DIR  the conformance suite directory holding tests/*.data
# BPFVM_CLI  the bpfvm CLI used to assemble '-- asm' sections
#            (default: the 'bpfvm' next to PLUGIN)
#
# It drives the plugin the way the suite's real runner (Alan-Jowett/bpf_conformance,
# runner + lib/src/bpf_conformance.cc + src/bpf_conformance.cc, test data f558566) does,
# without needing the runner itself:
#
#  * the .data file is parsed with the runner's rules (parse_test_file): a line holding
#    "--" is a directive, '#' starts a comment anywhere, '-- result' keeps its last line
#    and is hex when it contains "0x" (else decimal), '-- raw' holds 64-bit words,
#    '-- mem' hex tokens; a file with neither result nor error is skipped;
#  * tests are gated like '--cpu_version v4' with default groups: a program using
#    callx (opcode 0x8d) or legacy packet loads (0x20 0x28 0x30 0x40 0x48 0x50) is not
#    run by the runner unless its group is included; callx.data is run here as
#    '--include_groups callx --plugin_options "--ext callx"' would run it;
#  * argv: [MEM] [OPTIONS...]; MEM is present only when the memory is non-empty, ONE
#    argument, each byte as two lowercase hex digits followed by two spaces; the
#    '--plugin_options' string is split on every single ' ' (std::getline) into
#    separate arguments, empty ones included;
#  * stdin: the program bytes in the same format, then "\n", then end of input;
#  * exit 0 -> stdout is read as std::stoull(stdout, 16): its leading number (optional
#    0x) is r0 and must equal the expected 64-bit value; non-zero exit -> a test with a
#    '-- error' passes (when the error text is non-empty the message -- stdout, or stderr
#    when stdout is empty, trailing blanks removed -- must equal it), any other test fails.
#
# Then a few protocol checks: callx needs '--ext callx' (as separate arguments, as ONE
# argument, and as --ext=callx), a value-taking option passed the runner's way, MEM
# followed by options, a runaway program, garbage on stdin, unknown options (exit 2).
#
# Only bash and coreutils (timeout, date, mktemp, dirname, head, rm) are used. Set VERBOSE=1 to print
# every test. The last line is "plugin: N of M passed"; the exit status is non-zero on
# any failure.

set -u
export LC_ALL=C

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 PLUGIN SUITE_DIR [BPFVM_CLI]" >&2
    exit 2
fi
PLUGIN=$1
SUITE=$2
ASM=${3:-$(dirname -- "$PLUGIN")/bpfvm}
VERBOSE=${VERBOSE:-0}
TIMEOUT=${PLUGIN_TEST_TIMEOUT:-60}   # per plugin run, seconds (the runner has none); generous for ASan on a loaded machine

if [ ! -x "$PLUGIN" ]; then echo "plugin_test: plugin '$PLUGIN' is not executable" >&2; exit 2; fi
if [ ! -d "$SUITE/tests" ]; then echo "plugin_test: no tests/ directory in '$SUITE'" >&2; exit 2; fi
if [ ! -x "$ASM" ]; then echo "plugin_test: assembler '$ASM' is not executable (pass BPFVM_CLI)" >&2; exit 2; fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/plugin_test.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

passed=0
total=0
skipped=0
failures=()

ok() {    # ok NAME [DETAIL]
    passed=$((passed + 1)); total=$((total + 1))
    [ "$VERBOSE" = 1 ] && echo "PASS: $1${2:+ ($2)}"
    return 0
}
bad() {   # bad NAME DETAIL (newlines shown as \n, cut at 300 characters)
    local d=${2//$'\n'/\\n}
    [ "${#d}" -gt 300 ] && d="${d:0:300}..."
    total=$((total + 1))
    failures+=("$1: $d")
    echo "FAIL: $1: $d"
}

# ---------------------------------------------------------------------------------------
# The runner's encodings.

# hexbytes BYTE... -> HEX: "xx  " per byte, as _base_16_encode() writes it.
hexbytes() {
    HEX=""
    local b
    for b in "$@"; do HEX+="$b  "; done
}

# split_opts STRING -> OPTS array, as the runner's std::getline(stream, option, ' ') does:
# "a b" -> (a b), "a  b" -> (a "" b), " a" -> ("" a), "a " -> (a), "" -> ().
split_opts() {
    OPTS=()
    local s=$1
    while [ -n "$s" ]; do
        case $s in
            *' '*) OPTS+=("${s%% *}"); s=${s#* } ;;
            *) OPTS+=("$s"); s="" ;;
        esac
    done
}

# run_plugin STDIN_HEX ARG... -> RC, OUT, ERR. Writes the program text, one newline, EOF.
run_plugin() {
    local in=$1
    shift
    printf '%s\n' "$in" >"$TMP/stdin"
    timeout -k 2 "$TIMEOUT" "$PLUGIN" "$@" <"$TMP/stdin" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(<"$TMP/out")
    ERR=$(<"$TMP/err")
}

# leading_number TEXT -> NUM: lowercase hex digits of the leading number std::stoull(text,
# nullptr, 16) reads (leading blanks, optional 0x), leading zeros removed; "" when none.
leading_number() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    case $s in 0[xX][0-9a-fA-F]*) s=${s:2} ;; esac
    local digits=${s%%[!0-9a-fA-F]*}
    NUM=""
    [ -z "$digits" ] && return 1
    digits=${digits,,}
    while [ "${#digits}" -gt 1 ] && [ "${digits:0:1}" = 0 ]; do digits=${digits:1}; done
    [ "${#digits}" -gt 16 ] && return 1      # stoull: out of range
    NUM=$digits
}

# expected_number TEXT -> NUM, as parse_test_file() reads '-- result' (hex when it
# contains "0x", else decimal), all 64 bits, lowercase hex without leading zeros.
expected_number() {
    local s=$1
    NUM=""
    case $s in
        *0x*)   # std::stoull(result_string, nullptr, 16) from the start of the line
            leading_number "$s" || return 1 ;;
        *)
            s=${s#"${s%%[![:space:]]*}"}
            local d=${s%%[!0-9]*}
            [ -z "$d" ] && return 1
            NUM=$(printf '%x' "$d" 2>/dev/null) || return 1 ;;
    esac
}

# parse_data FILE -> D_ASM D_RAW D_MEM D_RESULT D_ERROR D_SKIP, following parse_test_file().
parse_data() {
    local state=ignore line
    D_ASM="" D_RAW="" D_MEM="" D_RESULT="" D_ERROR="" D_SKIP=""
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        line=${line%%#*}
        case $line in
            *--*)
                case $line in
                    *asm*) state=asm ;;
                    *result*) state=result ;;
                    *mem*) state=mem ;;
                    *raw*) state=raw ;;
                    *"no register offset"*) state=ignore ;;
                    *" c"*) state=ignore ;;
                    *error*) state=error ;;
                    *) D_SKIP="unknown directive '$line'"; return ;;
                esac
                continue ;;
        esac
        [ -z "$line" ] && continue
        case $state in
            asm) D_ASM+="$line"$'\n' ;;
            result) D_RESULT=$line ;;
            mem) D_MEM+=" $line" ;;
            error) D_ERROR=$line ;;
            raw) D_RAW+=" $line" ;;
        esac
    done <"$1"
    if [ -z "$D_ERROR" ] && [ -z "$D_RESULT" ]; then D_SKIP="no result or error"; fi
}

# program_bytes NAME -> PROG (array of two-digit hex bytes) from D_RAW or D_ASM; 1 on error.
program_bytes() {
    PROG=()
    local tok w i
    if [ -n "${D_RAW// /}" ]; then
        for tok in $D_RAW; do       # one little-endian 64-bit word per token
            case $tok in
                0x*) w=$(printf '%016x' "$tok" 2>/dev/null) || return 1 ;;
                *) w=$(printf '%016x' "$((10#$tok))" 2>/dev/null) || return 1 ;;
            esac
            [ "${#w}" -eq 16 ] || return 1
            for i in 14 12 10 8 6 4 2 0; do PROG+=("${w:i:2}"); done
        done
        return 0
    fi
    [ -z "${D_ASM//[[:space:]]/}" ] && return 0
    printf '%s' "$D_ASM" >"$TMP/prog.s"
    # --ext all: encode every instruction the way the suite's assembler does (it has no
    # extension gating; the runner's group gating is applied separately).
    "$ASM" asm "$TMP/prog.s" --hex --ext all >"$TMP/prog.hex" 2>"$TMP/asm.err" || return 1
    local -a words
    while read -r -a words; do PROG+=("${words[@]}"); done <"$TMP/prog.hex"
    for tok in "${PROG[@]}"; do
        case $tok in [0-9a-f][0-9a-f]) ;; *) return 1 ;; esac
    done
    [ $(( ${#PROG[@]} % 8 )) -eq 0 ]
}

# mem_bytes -> MEMB (array): tokens read with "ss >> std::hex >> uint32", kept mod 256.
mem_bytes() {
    MEMB=()
    local tok v
    for tok in $D_MEM; do
        case $tok in
            0[xX][0-9a-fA-F]*) tok=${tok:2} ;;
        esac
        v=${tok%%[!0-9a-fA-F]*}
        [ -z "$v" ] && break
        MEMB+=("$(printf '%02x' "$(( 16#$v & 255 ))")")
        [ "$v" != "$tok" ] && break
    done
}

# program_groups -> PGROUPS: the runner's gating groups this program needs beyond the
# default ones at --cpu_version v4 ("callx", "packet"), lddw's second slot skipped.
program_groups() {
    PGROUPS=""
    local i op n=${#PROG[@]}
    for ((i = 0; i < n; i += 8)); do
        op=${PROG[i]}
        case $op in
            8d) case $PGROUPS in *callx*) ;; *) PGROUPS+=" callx" ;; esac ;;
            20 | 28 | 30 | 40 | 48 | 50) case $PGROUPS in *packet*) ;; *) PGROUPS+=" packet" ;; esac ;;
            18) i=$((i + 8)) ;;
        esac
    done
}

# check_result NAME -> judge RC/OUT/ERR against D_RESULT/D_ERROR as the runner does.
check_result() {
    local name=$1 msg
    if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        bad "$name" "plugin did not finish within ${TIMEOUT}s"
        return
    fi
    if [ "$RC" -ne 0 ]; then
        msg=$OUT
        [ -z "$msg" ] && msg=$ERR
        msg=${msg%%$'\r'*}
        msg=${msg%"${msg##*[![:space:]]}"}
        if [ -z "$D_ERROR" ]; then
            bad "$name" "plugin returned error code $RC and output ${msg:-<none>}"
        elif [ -n "${D_ERROR// /}" ] && [ "$msg" != "$D_ERROR" ]; then
            bad "$name" "plugin returned error code $RC and output '$msg' but expected '$D_ERROR'"
        else
            ok "$name" "error code $RC: $msg"
        fi
        return
    fi
    if [ -n "$D_ERROR" ] && [ -z "$D_RESULT" ]; then
        bad "$name" "expected a failure ('$D_ERROR') but the plugin exited 0 with '$OUT'"
        return
    fi
    local want got
    if ! expected_number "$D_RESULT"; then
        bad "$name" "cannot read expected result '$D_RESULT'"
        return
    fi
    want=$NUM
    if ! leading_number "$OUT"; then
        bad "$name" "plugin output could not be parsed into a number: '$OUT'"
        return
    fi
    got=$NUM
    if [ "$got" != "$want" ]; then
        bad "$name" "plugin returned 0x$got, expected 0x$want (stdout '$OUT')"
    else
        ok "$name" "0x$got"
    fi
}

# ---------------------------------------------------------------------------------------
# 1. Every tests/*.data file, as the runner runs it.

T0=$(date +%s)
CALLX_FILE=""
for f in "$SUITE"/tests/*.data; do
    [ -e "$f" ] || continue
    name=${f##*/}
    parse_data "$f"
    if [ -n "$D_SKIP" ]; then       # the runner reports SKIP for these
        skipped=$((skipped + 1)); echo "SKIP: $name ($D_SKIP)"
        continue
    fi
    if ! program_bytes; then
        bad "$name" "cannot assemble: $(head -c 300 "$TMP/asm.err" 2>/dev/null)"
        continue
    fi
    if [ "${#PROG[@]}" -eq 0 ]; then
        skipped=$((skipped + 1)); echo "SKIP: $name (no instructions)"
        continue
    fi
    program_groups
    opts=""
    case $PGROUPS in
        *packet*) skipped=$((skipped + 1)); [ "$VERBOSE" = 1 ] && echo "SKIP: $name (packet group)"; continue ;;
        *callx*) opts="--ext callx"; CALLX_FILE=$f ;;
    esac
    mem_bytes
    args=()
    if [ "${#MEMB[@]}" -gt 0 ]; then hexbytes "${MEMB[@]}"; args+=("$HEX"); fi
    split_opts "$opts"
    args+=("${OPTS[@]}")
    hexbytes "${PROG[@]}"
    run_plugin "$HEX" "${args[@]}"
    check_result "$name"
done
suite_total=$total
suite_secs=$(( $(date +%s) - T0 ))

# ---------------------------------------------------------------------------------------
# 2. Protocol checks.

# 2a. callx needs the extension; the option works however the runner hands it over.
if [ -z "$CALLX_FILE" ] && [ -f "$SUITE/tests/callx.data" ]; then CALLX_FILE=$SUITE/tests/callx.data; fi
if [ -n "$CALLX_FILE" ]; then
    parse_data "$CALLX_FILE"
    if program_bytes && [ "${#PROG[@]}" -gt 0 ]; then
        hexbytes "${PROG[@]}"; callx_prog=$HEX
        mem_bytes
        callx_mem=()
        if [ "${#MEMB[@]}" -gt 0 ]; then hexbytes "${MEMB[@]}"; callx_mem=("$HEX"); fi

        run_plugin "$callx_prog" "${callx_mem[@]}"
        if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] && [ -n "$OUT$ERR" ]; then
            ok "callx without options is rejected" "exit $RC: $ERR"
        else
            bad "callx without options is rejected" "exit $RC, stdout '$OUT', stderr '$ERR'"
        fi
        for o in "--ext callx" "--ext  callx" "--ext=callx"; do   # runner-style split
            split_opts "$o"
            run_plugin "$callx_prog" "${callx_mem[@]}" "${OPTS[@]}"
            check_result "callx with --plugin_options '$o' (split by the runner)"
        done
        run_plugin "$callx_prog" "${callx_mem[@]}" "--ext callx"            # ONE argument
        check_result "callx with '--ext callx' as one argument"
    else
        bad "callx checks" "cannot assemble $CALLX_FILE"
    fi
else
    bad "callx checks" "no callx test in $SUITE/tests"
fi

# Programs built by hand: mov64 r0, 42; exit / mov64 r0, 0; ldxb r0, [r1+0]; exit / ja -1.
P42="b7  00  00  00  2a  00  00  00  95  00  00  00  00  00  00  00  "
PLDXB="b7  00  00  00  00  00  00  00  71  10  00  00  00  00  00  00  95  00  00  00  00  00  00  00  "
PLOOP="05  00  ff  ff  00  00  00  00  95  00  00  00  00  00  00  00  "

# 2b. MEM first, then options; options without MEM; a value-taking option as the
# runner passes it ('--plugin_options "--budget 1000000"' -> "--budget" "1000000").
D_RESULT=0x2a D_ERROR=""
run_plugin "$P42" --interp
check_result "option without MEM (--interp)"
D_RESULT=0xab
run_plugin "$PLDXB" "ab  cd  " --interp
check_result "MEM then option (MEM 'ab  cd  ', --interp)"
D_RESULT=0x2a
split_opts "--budget 1000000"
run_plugin "$P42" "${OPTS[@]}"
check_result "--plugin_options '--budget 1000000' (split by the runner)"
D_RESULT=0xab
run_plugin "$PLDXB" "ab  cd  " "${OPTS[@]}"
check_result "MEM then --plugin_options '--budget 1000000'"

# 2c. A runaway program is stopped by the plugin's step budget, with a message that
# says so, before the runner's timeout. (How fast is a benchmark question: under
# ASan on a loaded machine this takes seconds, uninstrumented well under one.)
start=$(date +%s%N)
run_plugin "$PLOOP"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
    bad "infinite loop (ja -1) is stopped" "still running after ${TIMEOUT}s"
elif [ "$RC" -eq 0 ] || [ -z "$OUT$ERR" ]; then
    bad "infinite loop (ja -1) is stopped" "exit $RC, stdout '$OUT', stderr '$ERR'"
elif ! printf '%s %s' "$OUT" "$ERR" | grep -q 'budget'; then
    bad "infinite loop (ja -1) is stopped" "exit $RC without naming the step budget: stdout '$OUT', stderr '$ERR'"
else
    ok "infinite loop (ja -1) is stopped" "exit $RC after ${ms} ms: $ERR"
fi

# 2d. Garbage on stdin: a non-zero exit and a one-line message on stderr or stdout.
mentions() {  # mentions TEXT WORD: case-insensitive substring test
    case ${1,,} in *"${2,,}"*) return 0 ;; esac
    return 1
}
garbage() {   # garbage NAME STDIN [MUST_MENTION]
    run_plugin "$2"
    local msg=$ERR
    [ -z "$msg" ] && msg=$OUT
    if [ "$RC" -eq 0 ] || [ "$RC" -eq 124 ] || [ "$RC" -ge 128 ]; then
        bad "$1" "exit $RC, stdout '$OUT', stderr '$ERR'"
    elif [ -z "$msg" ]; then
        bad "$1" "exit $RC but no message"
    elif [ "$msg" != "${msg%%$'\n'*}" ]; then
        bad "$1" "the message is split over several lines: '$msg'"
    elif [ -n "${3:-}" ] && ! mentions "$msg" "$3"; then
        bad "$1" "the message does not mention '$3': '$msg'"
    else
        ok "$1" "exit $RC: $msg"
    fi
}
garbage "odd number of hex digits on stdin" "b7  00  00  00  2a  00  00  00  95  00  00  00  00  00  00  0" hex
garbage "odd hex digit alone on stdin" "0" hex
garbage "non-hex text on stdin" "this is not hex" hex
garbage "non-hex byte on stdin" "b7  00  00  00  2a  00  00  00  95  00  zz  00  00  00  00  00  " hex
garbage "partial instruction on stdin" "b7  00  00  00  2a  00  00  00  95  00  00  00  "
garbage "empty program on stdin" ""

# 2e. Unknown options: exit 2.
for o in "--no-such-option" "-z"; do
    run_plugin "$P42" "$o"
    if [ "$RC" -eq 2 ]; then ok "unknown option $o gives exit 2"; else bad "unknown option $o gives exit 2" "exit $RC, stderr '$ERR'"; fi
    run_plugin "$PLDXB" "ab  cd  " "$o"
    if [ "$RC" -eq 2 ]; then ok "MEM then unknown option $o gives exit 2"; else bad "MEM then unknown option $o gives exit 2" "exit $RC, stderr '$ERR'"; fi
done

# ---------------------------------------------------------------------------------------
echo "plugin: suite files: $suite_total run, $skipped skipped as the runner would skip them, ${suite_secs}s"
if [ "${#failures[@]}" -gt 0 ]; then
    echo "plugin: ${#failures[@]} failure(s):"
    for x in "${failures[@]}"; do echo "  $x"; done
fi
echo "plugin: $passed of $total passed"
[ "$passed" -eq "$total" ] && [ "$total" -gt 0 ]
