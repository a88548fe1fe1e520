/* test_isa.c — the ISA table and everything that reads it: the row counts per
 * RFC 9669 group, that every encoding maps to exactly one row, and that every row
 * is handled by the validator, the disassembler and assembler (both dialects,
 * byte-identical round trip) and the interpreter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bpfvm.h"
#include "isa/isa.h"
#include "isa/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_group_counts(void **state)
{
    (void)state;
    int count[ISA_NGROUPS] = { 0 }, rfc = 0;
    for (int i = 0; i < ISA_NROWS; i++) {
        assert_int_equal(isa_rows[i].id, i);
        count[isa_rows[i].group]++;
        if (!isa_is_ext(&isa_rows[i]))
            rfc++;
    }
    /* spec/isa.md §1.3: 171 instruction variants (168 in RFC Appendix A + 3 MEMSX) */
    assert_int_equal(rfc, 171);
    assert_int_equal(count[G_BASE32], 67);
    assert_int_equal(count[G_BASE64], 58);
    assert_int_equal(count[G_DIVMUL32], 10);
    assert_int_equal(count[G_DIVMUL64], 10);
    assert_int_equal(count[G_ATOMIC32], 10);
    assert_int_equal(count[G_ATOMIC64], 10);
    assert_int_equal(count[G_PACKET], 6);
}

/* Canonical operands for a row: registers and fields that satisfy its rules. */
static isa_insn canonical(isa_id id)
{
    const isa_row *r = &isa_rows[id];
    int dst = r->dst == D_ZERO ? 0 : 1;
    int src = r->src == S_ZERO ? 0 : 2;
    int16_t off = r->off == O_MEM ? -8 : 0;
    int32_t imm = r->imm == I_ANY ? 7 : 0;
    if (r->shape == SH_LDX || r->shape == SH_LDACQ)
        src = 10;
    if (r->shape == SH_ST || r->shape == SH_STX || r->shape == SH_ATOMIC || r->shape == SH_STREL)
        dst = 10;
    if (r->shape == SH_ATOMIC && r->src == S_R && strstr(r->llvm, "cmpxchg"))
        src = 3;
    if (r->imm == I_ID)
        imm = 1;
    return isa_make(id, dst, src, off, imm);
}

static void test_every_encoding_has_one_row(void **state)
{
    (void)state;
    for (int i = 0; i < ISA_NROWS; i++) {
        if (isa_rows[i].shape == SH_LDDW_HI)
            continue;
        isa_insn in = canonical((isa_id)i);
        assert_int_equal(isa_find(&in, BPFVM_EXT_ALL), i);
        /* extensions are invisible without their flag */
        if (isa_is_ext(&isa_rows[i]))
            assert_int_equal(isa_find(&in, 0), ISA_NONE);
    }
    /* No two rows share opcode and key value. */
    for (int i = 0; i < ISA_NROWS; i++)
        for (int j = i + 1; j < ISA_NROWS; j++)
            if (isa_rows[i].opcode == isa_rows[j].opcode && isa_rows[i].shape != SH_LDDW_HI)
                assert_true(isa_rows[i].key == isa_rows[j].key && isa_rows[i].kv != isa_rows[j].kv);
    /* Opcodes no row has are unknown: e.g. 0x8e, 0xff, 0x00 outside lddw. */
    isa_insn bad = { .op = 0x8e };
    assert_int_equal(isa_find(&bad, BPFVM_EXT_ALL), ISA_NONE);
    bad.op = 0x00;
    assert_int_equal(isa_find(&bad, BPFVM_EXT_ALL), ISA_NONE);
}

/* A small program that exercises row id: setup, the instruction, exit. */
static size_t program_for(isa_id id, isa_insn *p)
{
    const isa_row *r = &isa_rows[id];
    size_t n = 0;
    p[n++] = isa_make(ISA_MOV64_K, 0, 0, 0, 0);
    p[n++] = isa_make(ISA_MOV64_K, 1, 0, 0, r->shape == SH_CALLX ? 1 : 3);
    p[n++] = isa_make(ISA_MOV64_K, 2, 0, 0, 5);
    p[n++] = isa_make(ISA_MOV64_K, 3, 0, 0, 9);
    p[n++] = isa_make(ISA_STDW, 10, 0, -8, 0);
    isa_insn in = canonical(id);
    p[n++] = in;
    if (isa_is_wide(r)) {
        p[n++] = isa_make(ISA_LDDW_HI, 0, 0, 0, 0);
        if (id == ISA_LDDW_CODE) { /* code_addr must point at a function */
            p[n - 2].imm = 2;
            p[n++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
        }
    }
    if (id == ISA_CALL_LOCAL) {
        p[n - 1].imm = 1; /* skip the exit below, to a function that returns */
        p[n++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
        p[n++] = isa_make(ISA_MOV64_K, 0, 0, 0, 0);
    }
    p[n++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
    return n;
}

static uint64_t helper_one(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)call;
    return 42;
}

static void test_every_row_validates_and_runs(void **state)
{
    (void)state;
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_register_helper(vm, 1, "one", helper_one, NULL), 0);
    for (int i = 0; i < ISA_NROWS; i++) {
        if (isa_rows[i].shape == SH_LDDW_HI)
            continue;
        isa_insn p[16];
        size_t n = program_for((isa_id)i, p);
        isa_prog_info info;
        bpfvm_error err;
        /* host-independent validation accepts every row */
        int rc = isa_validate(p, (uint32_t)n, BPFVM_EXT_ALL, &info, &err);
        if (rc)
            fail_msg("row %s rejected by the validator: %s", isa_rows[i].name, err.msg);
        isa_prog_info_free(&info);
        /* loading: references to maps/kfuncs/platform variables need a host that has them */
        bpfvm_prog *prog = NULL;
        bpfvm_load_opts lo = { .ext = BPFVM_EXT_ALL };
        rc = bpfvm_prog_load(vm, p, n * 8, &lo, &prog, &err);
        switch (i) {
        case ISA_LDDW_MAP_FD: case ISA_LDDW_MAP_VAL: case ISA_LDDW_MAP_IDX: case ISA_LDDW_MAP_IDX_VAL:
            assert_int_equal(rc, -BPFVM_E_INVALID);
            assert_non_null(strstr(err.msg, "but the program has no maps"));
            continue;
        case ISA_LDDW_VAR: case ISA_CALL_KFUNC:
            assert_int_equal(rc, -BPFVM_E_UNSUPPORTED);
            continue;
        default:
            if (rc)
                fail_msg("row %s: load failed: %s", isa_rows[i].name, err.msg);
        }
        uint8_t packet[64] = { 0 };
        uint64_t r0 = 0;
        bpfvm_run_opts ro = { .packet = packet, .packet_len = sizeof packet };
        rc = bpfvm_run(prog, NULL, 0, &ro, &r0, &err);
        if (rc)
            fail_msg("row %s: run failed: %s", isa_rows[i].name, err.msg);
        bpfvm_prog_free(prog);
    }
    bpfvm_vm_free(vm);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* A random instance of a row: any register its rules allow, random fields. */
static void random_instance(isa_id id, isa_insn out[2])
{
    const isa_row *r = &isa_rows[id];
    int dst = r->dst == D_ZERO ? 0 : (int)(rnd() % (isa_writes_dst(r) ? 10 : 11));
    int src = r->src == S_ZERO || r->src == S_KEY ? 0 : (int)(rnd() % (r->src == S_RW ? 10 : 11));
    int16_t off = (r->off == O_MEM || r->off == O_JMP) ? (int16_t)rnd() : 0;
    int32_t imm = (r->imm == I_ANY || r->imm == I_JMP || r->imm == I_CALL || r->imm == I_ID) ? (int32_t)rnd() : 0;
    if (rnd() % 3 == 0 && imm)
        imm = (int32_t)(rnd() % 200) - 100; /* small values too */
    out[0] = isa_make(id, dst, src, off, imm);
    out[1] = isa_make(ISA_LDDW_HI, 0, 0, 0, (int32_t)rnd());
    if (id == ISA_LDDW_MAP_FD || id == ISA_LDDW_MAP_IDX || id == ISA_LDDW_CODE || (rnd() % 4 == 0))
        out[1].imm = 0;
}

static void roundtrip(isa_id id, bpfvm_syntax syntax)
{
    isa_insn in[2];
    random_instance(id, in);
    size_t slots = isa_is_wide(&isa_rows[id]) ? 2 : 1;
    char text[200];
    int used = bpfvm_disasm_insn(in, slots, 0, syntax, BPFVM_EXT_ALL, text, sizeof text);
    assert_int_equal(used, (int)slots);
    uint8_t *code = NULL;
    size_t len = 0;
    bpfvm_error err;
    if (bpfvm_asm(text, syntax, BPFVM_EXT_ALL, &code, &len, &err))
        fail_msg("row %s (%s syntax): '%s' does not assemble: %s", isa_rows[id].name,
                 syntax == BPFVM_SYNTAX_LLVM ? "llvm" : "ubpf", text, err.msg);
    if (len != slots * 8 || memcmp(code, in, len) != 0) {
        char back[200] = "";
        bpfvm_disasm_insn(code, len / 8, 0, syntax, BPFVM_EXT_ALL, back, sizeof back);
        fail_msg("row %s: '%s' assembles to different bytes ('%s')", isa_rows[id].name, text, back);
    }
    /* auto-detection reads the same text the same way */
    free(code);
    assert_int_equal(bpfvm_asm(text, BPFVM_SYNTAX_AUTO, BPFVM_EXT_ALL, &code, &len, &err), 0);
    assert_memory_equal(code, in, slots * 8);
    free(code);
}

static void test_every_row_roundtrips(void **state)
{
    (void)state;
    for (int k = 0; k < 200; k++)
        for (int i = 0; i < ISA_NROWS; i++) {
            if (isa_rows[i].shape == SH_LDDW_HI)
                continue;
            roundtrip((isa_id)i, BPFVM_SYNTAX_UBPF);
            roundtrip((isa_id)i, BPFVM_SYNTAX_LLVM);
        }
}

static void expect_text(const void *code, size_t n, bpfvm_syntax s, const char *want)
{
    char text[200];
    bpfvm_disasm_insn(code, n, 0, s, 0, text, sizeof text);
    assert_string_equal(text, want);
}

static void test_disasm_spelling(void **state)
{
    (void)state;
    isa_insn i1 = isa_make(ISA_LDXW, 0, 1, 4, 0);
    expect_text(&i1, 1, BPFVM_SYNTAX_LLVM, "r0 = *(u32 *)(r1 + 4)");
    expect_text(&i1, 1, BPFVM_SYNTAX_UBPF, "ldxw %r0, [%r1+4]");
    isa_insn i2 = isa_make(ISA_ADD32_K, 0, 0, 0, 1);
    expect_text(&i2, 1, BPFVM_SYNTAX_LLVM, "w0 += 1");
    expect_text(&i2, 1, BPFVM_SYNTAX_UBPF, "add32 %r0, 1");
    isa_insn i3 = isa_make(ISA_JGT_K, 1, 0, 3, 5);
    expect_text(&i3, 1, BPFVM_SYNTAX_LLVM, "if r1 > 5 goto +3");
    expect_text(&i3, 1, BPFVM_SYNTAX_UBPF, "jgt %r1, 5, +3");
    isa_insn i4[2] = { isa_make(ISA_LDDW, 1, 0, 0, 0x1234), isa_make(ISA_LDDW_HI, 0, 0, 0, 0) };
    expect_text(i4, 2, BPFVM_SYNTAX_LLVM, "r1 = 0x1234 ll");
    expect_text(i4, 2, BPFVM_SYNTAX_UBPF, "lddw %r1, 0x1234");
    isa_insn i5 = isa_make(ISA_CALL_HELPER, 0, 0, 0, 5);
    expect_text(&i5, 1, BPFVM_SYNTAX_LLVM, "call 5");
    isa_insn i6 = isa_make(ISA_EXIT, 0, 0, 0, 0);
    expect_text(&i6, 1, BPFVM_SYNTAX_LLVM, "exit");
    isa_insn i7 = isa_make(ISA_AFADD64, 10, 1, -8, 0);
    expect_text(&i7, 1, BPFVM_SYNTAX_UBPF, "lock fetch add [%r10-8], %r1");
    expect_text(&i7, 1, BPFVM_SYNTAX_LLVM, "r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)");
    isa_insn i8 = isa_make(ISA_ACMPXCHG32, 10, 1, -8, 0);
    expect_text(&i8, 1, BPFVM_SYNTAX_LLVM, "w0 = cmpxchg32_32(r10 - 8, w0, w1)");
    isa_insn i9 = isa_make(ISA_MOVSX8_32, 2, 1, 0, 0);
    expect_text(&i9, 1, BPFVM_SYNTAX_LLVM, "w2 = (s8)w1");
    expect_text(&i9, 1, BPFVM_SYNTAX_UBPF, "movsx832 %r2, %r1");
    isa_insn i10 = isa_make(ISA_BE16, 3, 0, 0, 0);
    expect_text(&i10, 1, BPFVM_SYNTAX_LLVM, "r3 = be16 r3");
    isa_insn i11 = isa_make(ISA_JA32, 0, 0, 0, -70000);
    expect_text(&i11, 1, BPFVM_SYNTAX_LLVM, "gotol -70000");
    isa_insn bad = { .op = 0x8e };
    char text[64];
    assert_int_equal(bpfvm_disasm_insn(&bad, 1, 0, BPFVM_SYNTAX_LLVM, 0, text, sizeof text), -BPFVM_E_INVALID);
    assert_string_equal(text, "<invalid: opcode 0x8e>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_counts),
        cmocka_unit_test(test_every_encoding_has_one_row),
        cmocka_unit_test(test_every_row_validates_and_runs),
        cmocka_unit_test(test_every_row_roundtrips),
        cmocka_unit_test(test_disasm_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
