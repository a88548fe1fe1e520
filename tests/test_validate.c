/* test_validate.c — the loader's rejections, each with its exact message and
 * instruction index: unknown opcodes, unused fields, registers, r10 writes, jumps
 * and calls out of range or into lddw, truncated lddw, falling off the end, empty
 * and oversized programs, unknown helpers, extensions without their flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bpfvm.h"
#include "isa/isa.h"

#include <stdlib.h>
#include <string.h>

#define I(id, d, s, o, k) isa_make(ISA_##id, d, s, o, k)
#define EXIT I(EXIT, 0, 0, 0, 0)

static void expect_reject(const isa_insn *p, size_t n, unsigned ext, long insn, const char *msg)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_prog *prog = NULL;
    bpfvm_error err;
    bpfvm_load_opts lo = { .ext = ext };
    int rc = bpfvm_prog_load(vm, p, n * 8, &lo, &prog, &err);
    if (rc == 0)
        fail_msg("expected rejection '%s', but the program loaded", msg);
    assert_int_equal(err.insn, insn);
    assert_string_equal(err.msg, msg);
    assert_null(prog);
    bpfvm_vm_free(vm);
}

static void test_empty_and_sizes(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_prog *p;
    bpfvm_error err;
    assert_int_equal(bpfvm_prog_load(vm, "", 0, NULL, &p, &err), -BPFVM_E_INVALID);
    assert_string_equal(err.msg, "program is empty");
    assert_int_equal(bpfvm_prog_load(vm, "\x95\0\0\0\0\0\0\0\0", 9, NULL, &p, &err), -BPFVM_E_INVALID);
    assert_string_equal(err.msg, "bytecode is 9 bytes, not a multiple of the 8-byte instruction size");
    size_t n = BPFVM_MAX_INSNS + 1;
    isa_insn *big = calloc(n, sizeof *big);
    assert_int_equal(bpfvm_prog_load(vm, big, n * 8, NULL, &p, &err), -BPFVM_E_INVALID);
    assert_string_equal(err.msg, "program has 1000001 instructions, more than the limit of 1000000");
    /* exactly the limit is fine */
    for (size_t i = 0; i + 1 < BPFVM_MAX_INSNS; i++)
        big[i] = I(MOV64_K, 0, 0, 0, 1);
    big[BPFVM_MAX_INSNS - 1] = EXIT;
    assert_int_equal(bpfvm_prog_load(vm, big, BPFVM_MAX_INSNS * 8, NULL, &p, &err), 0);
    uint64_t r0;
    assert_int_equal(bpfvm_run(p, NULL, 0, NULL, &r0, &err), 0);
    assert_int_equal(r0, 1);
    bpfvm_prog_free(p);
    free(big);
    bpfvm_vm_free(vm);
}

static void test_opcodes_and_fields(void **state)
{
    (void)state;
    isa_insn p[4] = { { .op = 0x8e }, EXIT };
    expect_reject(p, 2, 0, 0, "instruction 0: unknown opcode 0x8e");
    p[0] = I(ADD32_K, 0, 1, 0, 1);
    expect_reject(p, 2, 0, 0, "instruction 0: add32 (0x04): unused src_reg must be 0, is 1");
    p[0] = I(EXIT, 1, 0, 0, 0);
    expect_reject(p, 2, 0, 0, "instruction 0: exit (0x95): unused dst_reg must be 0, is 1");
    p[0] = I(ADD64_X, 0, 1, 0, 1);
    expect_reject(p, 2, 0, 0, "instruction 0: add (0x0f): unused imm must be 0, is 1");
    p[0] = I(MOV64_K, 0, 0, 1, 1);
    expect_reject(p, 2, 0, 0, "instruction 0: mov (0xb7): unused offset must be 0, is 1");
    p[0] = I(DIV32_K, 0, 0, 0, 1);
    p[0].off = 2;
    expect_reject(p, 2, 0, 0, "instruction 0: div32 (0x34): offset must be 0 (div32) or 1 (sdiv32), is 2");
    p[0] = I(LE16, 0, 0, 0, 0);
    p[0].imm = 8;
    expect_reject(p, 2, 0, 0, "instruction 0: le16 (0xd4): imm must be 16 (le16) or 32 (le32) or 64 (le64), is 8");
    p[0] = I(AADD64, 10, 1, -8, 0);
    p[0].imm = 2;
    expect_reject(p, 2, 0, 0,
                  "instruction 0: add (0xdb): imm must be 0 (add) or 1 (add) or 64 (or) or 65 (or) or 80 (and) "
                  "or 81 (and) or 160 (xor) or 161 (xor) or 225 (xchg) or 241 (cmpxchg), is 2");
    p[0] = I(MOV64_X, 11, 1, 0, 0);
    expect_reject(p, 2, 0, 0, "instruction 0: mov: invalid dst_reg r11 (registers are r0..r10)");
    p[0] = I(MOV64_X, 1, 12, 0, 0);
    expect_reject(p, 2, 0, 0, "instruction 0: mov: invalid src_reg r12 (registers are r0..r10)");
    p[0] = I(MOV64_K, 10, 0, 0, 1);
    expect_reject(p, 2, 0, 0, "instruction 0: mov writes r10, which is read-only");
    p[0] = I(LDXDW, 10, 1, 0, 0);
    expect_reject(p, 2, 0, 0, "instruction 0: ldxdw writes r10, which is read-only");
    p[0] = I(AFADD64, 1, 10, 0, 0);
    expect_reject(p, 2, 0, 0, "instruction 0: add writes its result to r10, which is read-only");
    /* storing through r10 and reading it are fine */
    p[0] = I(MOV64_X, 1, 10, 0, 0);
    p[1] = I(STXDW, 10, 1, -8, 0);
    p[2] = I(MOV64_K, 0, 0, 0, 0);
    p[3] = EXIT;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_prog *prog;
    bpfvm_error err;
    assert_int_equal(bpfvm_prog_load(vm, p, 4 * 8, NULL, &prog, &err), 0);
    bpfvm_prog_free(prog);
    bpfvm_vm_free(vm);
}

static void test_extensions_need_flag(void **state)
{
    (void)state;
    isa_insn p[2] = { I(CALLX, 1, 0, 0, 0), EXIT };
    expect_reject(p, 2, 0, 0,
                  "instruction 0: opcode 0x8d (call) is the non-RFC 'callx' extension, which is not enabled");
    p[0] = I(MAY_GOTO, 0, 0, 0, 0);
    expect_reject(p, 2, 0, 0,
                  "instruction 0: opcode 0xe5 (may_goto) is the non-RFC 'may_goto' extension, which is not enabled");
    p[0] = I(LDACQDW, 0, 10, -8, 0);
    expect_reject(p, 2, 0, 0,
                  "instruction 0: opcode 0xdb (ldacqdw) is the non-RFC 'acqrel' extension, which is not enabled");
}

static void test_lddw(void **state)
{
    (void)state;
    isa_insn p[4] = { I(MOV64_K, 0, 0, 0, 0), I(LDDW, 1, 0, 0, 5) };
    expect_reject(p, 2, 0, 1, "instruction 1: lddw is truncated: its second slot is missing");
    p[2] = I(MOV64_K, 0, 0, 0, 0);
    p[3] = EXIT;
    expect_reject(p, 4, 0, 2,
                  "instruction 2: second slot of lddw must have opcode, registers and offset 0 (opcode 0xb7, dst 0, src 0, offset 0)");
    isa_insn q[4] = { I(JA, 0, 0, 1, 0), I(LDDW, 0, 0, 0, 1), I(LDDW_HI, 0, 0, 0, 0), EXIT };
    expect_reject(q, 4, 0, 0, "instruction 0: jump target 2 is the second slot of the lddw at 1");
    isa_insn r[4] = { I(LDDW_MAP_FD, 1, 0, 0, 3), I(LDDW_HI, 0, 0, 0, 9), EXIT };
    expect_reject(r, 3, 0, 0, "instruction 0: lddw map_by_fd: second imm must be 0, is 9");
    r[1].imm = 0;
    expect_reject(r, 3, 0, 0, "instruction 0: lddw map_by_fd refers to map 3, but the program has no maps");
}

static void test_jumps_and_calls(void **state)
{
    (void)state;
    isa_insn p[4] = { I(JA, 0, 0, 5, 0), EXIT };
    expect_reject(p, 2, 0, 0, "instruction 0: jump target 6 is outside the program (instructions 0..1)");
    p[0] = I(JEQ_K, 1, 0, -2, 0);
    expect_reject(p, 2, 0, 0, "instruction 0: jump target -1 is outside the program (instructions 0..1)");
    p[0] = I(JA32, 0, 0, 0, 100000);
    expect_reject(p, 2, 0, 0, "instruction 0: jump target 100001 is outside the program (instructions 0..1)");
    p[0] = I(CALL_LOCAL, 0, 0, 0, 7);
    expect_reject(p, 2, 0, 0, "instruction 0: call target 8 is outside the program (instructions 0..1)");
    /* jumps may not leave their function */
    isa_insn q[5] = { I(CALL_LOCAL, 0, 0, 0, 1), I(JA, 0, 0, 1, 0), I(MOV64_K, 0, 0, 0, 0), EXIT };
    expect_reject(q, 4, 0, 1,
                  "instruction 1: jump target 3 is in another function (starting at 2) than the jump (function at 0)");
    /* falling off: of the program, or into the next function */
    isa_insn r[2] = { I(MOV64_K, 0, 0, 0, 0), I(MOV64_K, 0, 0, 0, 1) };
    expect_reject(r, 2, 0, 1,
                  "instruction 1: execution can fall off the end of the program: the last instruction is mov, not exit or ja");
    isa_insn s[4] = { I(CALL_LOCAL, 0, 0, 0, 1), I(MOV64_K, 0, 0, 0, 0), I(MOV64_K, 0, 0, 0, 0), EXIT };
    expect_reject(s, 4, 0, 1,
                  "instruction 1: execution can fall through into the function at 2: the last instruction of the function at 0 is mov, not exit or ja");
    isa_insn t[3] = { I(MOV64_K, 0, 0, 0, 0), I(JEQ_K, 0, 0, -2, 0) };
    expect_reject(t, 2, 0, 1,
                  "instruction 1: execution can fall off the end of the program: the last instruction is jeq, not exit or ja");
    /* but a program may end with ja (exit-not-last) */
    isa_insn u[4] = { I(JA, 0, 0, 1, 0), EXIT, I(MOV64_K, 0, 0, 0, 0), I(JA, 0, 0, -3, 0) };
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_prog *prog;
    bpfvm_error err;
    assert_int_equal(bpfvm_prog_load(vm, u, 4 * 8, NULL, &prog, &err), 0);
    bpfvm_prog_free(prog);
    bpfvm_vm_free(vm);
    /* unknown helpers are refused at load */
    isa_insn h[2] = { I(CALL_HELPER, 0, 0, 0, 99), EXIT };
    expect_reject(h, 2, 0, 0, "instruction 0: call to unknown helper 99");
    isa_insn k[2] = { I(CALL_KFUNC, 0, 0, 0, 1234), EXIT };
    expect_reject(k, 2, 0, 0, "instruction 0: call of kernel function (kfunc) with BTF id 1234 is not supported");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_sizes),
        cmocka_unit_test(test_opcodes_and_fields),
        cmocka_unit_test(test_extensions_need_flag),
        cmocka_unit_test(test_lddw),
        cmocka_unit_test(test_jumps_and_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
