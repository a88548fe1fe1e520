/* test_jit.c — the x86-64 JIT beyond the conformance suite:
 *  - every row of the ISA table has an emitter, and every row runs as in the
 *    interpreter with every register as operand and corner-case values (also
 *    without BMI2 and with constant blinding);
 *  - faults: same instruction, address, size and words as the interpreter (memory,
 *    read-only regions, misaligned atomics, budget, call depth, helpers, callx);
 *  - local calls 8 frames deep, r6..r9 and r10 restored; helpers keep r1..r5;
 *    bpf_loop callbacks; tail calls; legacy packet loads;
 *  - W^X (read from /proc/self/maps), programs of 100,000+ and 1,000,000 slots,
 *    verifier facts switching checks off, constant blinding, the code map of
 *    bpfvm_prog_jit_info, size bounds never exceeded, concurrent runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bpfvm.h"
#include "exec/jit_int.h"
#include "gen.h"
#include "jitdiff.h"
#include "rt/vm.h"
#include "util.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALL_EXT ((1u << ISA_NGROUPS) - 1u)

typedef struct result {
    int rc;
    uint64_t r0;
    bpfvm_error err;
} result;

static bpfvm_vm *new_vm(void)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_non_null(vm);
    assert_int_equal(gen_register_helpers(vm), 0);
    return vm;
}

static bpfvm_prog *load(bpfvm_vm *vm, const isa_insn *p, size_t n, unsigned ext, bool blind)
{
    bpfvm_prog *prog = NULL;
    bpfvm_error err;
    bpfvm_load_opts lo = { .ext = ext, .jit_blind = blind };
    if (bpfvm_prog_load(vm, p, n * 8, &lo, &prog, &err))
        fail_msg("load failed: %s", err.msg);
    return prog;
}

static bpfvm_prog *load_asm(bpfvm_vm *vm, const char *text, unsigned ext)
{
    uint8_t *code;
    size_t len;
    bpfvm_error err;
    if (bpfvm_asm(text, BPFVM_SYNTAX_AUTO, ext, &code, &len, &err))
        fail_msg("assembly failed: %s", err.msg);
    bpfvm_prog *p = load(vm, (const isa_insn *)code, len / 8, ext, false);
    free(code);
    return p;
}

static result run(bpfvm_prog *p, bpfvm_engine e, void *mem, size_t len, const bpfvm_run_opts *base)
{
    result r;
    memset(&r, 0, sizeof r);
    bpfvm_run_opts o;
    if (base)
        o = *base;
    else
        memset(&o, 0, sizeof o);
    o.engine = e;
    r.rc = bpfvm_run(p, mem, len, &o, &r.r0, &r.err);
    return r;
}

/* Runs in both engines and checks they agree exactly (messages with their stack
 * addresses rewritten); returns the interpreter's result. */
static result both(bpfvm_prog *p, void *mem, size_t len, const bpfvm_run_opts *o)
{
    uint8_t *copy = len ? malloc(len) : NULL, *after = len ? malloc(len) : NULL;
    if (len)
        memcpy(copy, mem, len);
    result a = run(p, BPFVM_ENGINE_INTERP, mem, len, o);
    if (len) {
        memcpy(after, mem, len);
        memcpy(mem, copy, len);
    }
    result b = run(p, BPFVM_ENGINE_JIT, mem, len, o);
    assert_int_equal(a.rc, b.rc);
    if (a.rc == 0) {
        if (a.r0 != b.r0)
            fail_msg("r0: interp %#" PRIx64 ", jit %#" PRIx64, a.r0, b.r0);
    } else {
        assert_int_equal(a.err.code, b.err.code);
        assert_int_equal(a.err.insn, b.err.insn);
        /* Same words; stack addresses differ between the two runs' stacks. */
        char ma[512], mb[512];
        snprintf(ma, sizeof ma, "%s", a.err.msg);
        snprintf(mb, sizeof mb, "%s", b.err.msg);
        const char *sa = strstr(ma, "stack is 0x"), *sb = strstr(mb, "stack is 0x");
        if (sa && sb) {
            jd_normalize(ma, strtoull(sa + 9, NULL, 16));
            jd_normalize(mb, strtoull(sb + 9, NULL, 16));
        }
        char *xa = strstr(ma, " at address"), *xb = strstr(mb, " at address");
        if (strstr(ma, "misaligned") && xa && xb) /* no stack bounds in this message to compare with */
            *xa = *xb = '\0';
        assert_string_equal(ma, mb);
    }
    if (len)
        assert_memory_equal(after, mem, len);
    free(copy);
    free(after);
    return a;
}

/* ---- every row ---------------------------------------------------------------------- */

static void t_every_row_has_an_emitter(void **state)
{
    (void)state;
    for (int id = 0; id < ISA_NROWS; id++)
        if (!jit_emitters[id].fn)
            fail_msg("row %s has no JIT emitter", isa_rows[id].name);
}

static const uint64_t pattern[10] = {
    0x8000000000000000ull, 0, 0xfffffffe00000004ull, 0, UINT64_MAX, 0x80000000ull,
    0xffffffff00000004ull, 7, (uint64_t)-13, 0x123456789abcdef0ull,
};
static const int32_t imms[] = { 0, 1, -1, 31, 63, 64, INT32_MIN, 0x7fffffff, -13, 0x12345 };

/* A program around one instance of row id: registers get corner-case values, a
 * memory row's base points into the block (or is r10), a jump skips `r0 = 0x77`,
 * a call has a target; then every register is folded into r0. */
static size_t row_program(isa_id id, int dst, int src, int32_t imm, isa_insn *p)
{
    const isa_row *r = &isa_rows[id];
    size_t n = 0;
    p[n++] = isa_make(ISA_STXDW, 10, 1, -8, 0);
    for (int k = 0; k < 10; k++) {
        if (k == 1)
            continue;
        p[n++] = isa_make(ISA_LDDW, k, 0, 0, (int32_t)(uint32_t)pattern[k]);
        p[n++] = isa_make(ISA_LDDW_HI, 0, 0, 0, (int32_t)(uint32_t)(pattern[k] >> 32));
    }
    for (int32_t off = -64; off < -8; off += 8)
        p[n++] = isa_make(ISA_STDW, 10, 0, (int16_t)off, off * 0x1111);
    int16_t off = 0;
    size_t fn_fix = SIZE_MAX;
    switch (r->shape) {
    case SH_LDX: case SH_LDACQ: case SH_ST: case SH_STX: case SH_ATOMIC: case SH_STREL: {
        int base = (r->shape == SH_LDX || r->shape == SH_LDACQ) ? src : dst;
        if (base == 10) {
            off = -32;
        } else {
            p[n++] = isa_make(ISA_LDXDW, base, 10, -8, 0);
            off = 8;
        }
        p[n++] = isa_make(id, dst, src, off, r->shape == SH_ST ? imm : 0);
        break;
    }
    case SH_JA:
    case SH_JCOND_K:
    case SH_JCOND_X:
        p[n++] = isa_make(id, dst, src, r->imm == I_JMP ? 0 : 1, r->imm == I_JMP ? 1 : r->imm == I_ANY ? imm : 0);
        p[n++] = isa_make(ISA_MOV64_K, 0, 0, 0, 0x77);
        break;
    case SH_CALL:
        if (id == ISA_CALL_LOCAL)
            fn_fix = n;
        p[n++] = isa_make(id, 0, 0, 0, id == ISA_CALL_HELPER ? GEN_H_MIX : 0);
        break;
    case SH_CALLX:
        if (dst != 10)
            p[n++] = isa_make(ISA_MOV64_K, dst, 0, 0, imm & 1 ? GEN_H_MIX : imm);
        p[n++] = isa_make(id, dst, 0, 0, 0);
        break;
    case SH_LDDW:
        if (id == ISA_LDDW_CODE)
            fn_fix = n;
        p[n++] = isa_make(id, dst, 0, 0, id == ISA_LDDW_MAP_FD || id == ISA_LDDW_MAP_VAL ? 1 : id == ISA_LDDW ? imm : 0);
        p[n++] = isa_make(ISA_LDDW_HI, 0, 0, 0, id == ISA_LDDW ? ~imm : id == ISA_LDDW_MAP_VAL || id == ISA_LDDW_MAP_IDX_VAL ? 8 : 0);
        break;
    case SH_LDABS:
    case SH_LDIND:
        p[n++] = isa_make(id, 0, src, 0, imm & 31);
        break;
    case SH_EXIT:
        break;
    default: /* ALU */
        p[n++] = isa_make(id, dst, src, 0, r->imm == I_ANY ? imm : 0);
        break;
    }
    for (int k = 1; k < 10; k++)
        p[n++] = isa_make(ISA_XOR64_X, 0, k, 0, 0);
    p[n++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
    if (fn_fix != SIZE_MAX) { /* a function: r0 = r1 + r6, r6 changed, r10 used */
        p[fn_fix].imm = (int32_t)(n - (fn_fix + 1));
        p[n++] = isa_make(ISA_MOV64_X, 0, 1, 0, 0);
        p[n++] = isa_make(ISA_ADD64_X, 0, 6, 0, 0);
        p[n++] = isa_make(ISA_MOV64_K, 6, 0, 0, 99);
        p[n++] = isa_make(ISA_STXDW, 10, 0, -8, 0);
        p[n++] = isa_make(ISA_LDXDW, 7, 10, -8, 0);
        p[n++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
    }
    return n;
}

static void t_every_row_agrees(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    bpfvm_map *m;
    bpfvm_map_def def = { .type = BPFVM_MAP_ARRAY, .key_size = 4, .value_size = 64, .max_entries = 1 };
    assert_int_equal(bpfvm_map_create(vm, &def, &m, NULL), 0); /* id 1, index 0: the lddw map rows */
    uint8_t mem0[64], *mem = aligned_alloc(64, 64);
    gen_fill(42, mem0, sizeof mem0);
    static const jit_opts variants[3] = { { 0 }, { .no_bmi2 = true }, { .long_jumps = true } };
    int ran[ISA_NROWS] = { 0 };
    long programs = 0, addr_dependent = 0;
    for (int id = 0; id < ISA_NROWS; id++) {
        const isa_row *r = &isa_rows[id];
        if (id == ISA_LDDW_HI)
            continue;
        int dmax = r->dst == D_ZERO ? 1 : r->dst == D_R ? 11 : 10;
        int smax = r->src == S_R ? 11 : r->src == S_RW ? 10 : 1;
        int nimm = r->imm == I_ANY ? (int)ARRAY_LEN(imms) : 1;
        for (int d = 0; d < dmax; d++)
            for (int s = 0; s < smax; s++)
                for (int k = 0; k < nimm; k++) {
                    if (nimm > 1 && smax > 1 && k % 3 != (d + s) % 3) /* thin out the product */
                        continue;
                    isa_insn p[128];
                    size_t n = row_program((isa_id)id, d, s, imms[k], p);
                    for (int v = 0; v < 4; v++) {
                        if (v && (d + s + k + v) % 4)
                            continue;
                        jd_ctx jd = { .vm = vm, .ext = BPFVM_EXT_ALL, .budget = 100000, .mem0 = mem0,
                                      .mem_len = sizeof mem0, .mem = mem, .blind = v == 3,
                                      .jo = v < 3 ? variants[v] : variants[0] };
                        char why[4096];
                        int res = jd_compare(&jd, p, n, NULL, why, sizeof why);
                        jd_ctx_free(&jd);
                        programs++;
                        if (res == JD_INVALID) {
                            if (id == ISA_LDDW_VAR || id == ISA_CALL_KFUNC)
                                continue; /* refused at load: unsupported */
                            fail_msg("%s r%d r%d %d does not load: %s", r->name, d, s, imms[k], why);
                        }
                        if (res == JD_ADDR_DEPENDENT) { /* r10 used as a value */
                            addr_dependent++;
                            continue;
                        }
                        if (res != JD_AGREE) {
                            printf("row %s dst r%d src r%d imm %d variant %d:\n%s", r->name, d, s, imms[k], v, why);
                            gen_print(stdout, p, n, BPFVM_EXT_ALL);
                            fail_msg("interpreter and JIT disagree on row %s", r->name);
                        }
                        ran[id]++;
                    }
                }
    }
    for (int id = 0; id < ISA_NROWS; id++)
        if (!ran[id] && id != ISA_LDDW_HI && id != ISA_LDDW_VAR && id != ISA_CALL_KFUNC)
            fail_msg("row %s never ran", isa_rows[id].name);
    printf("every row: %ld programs, %ld depend on the stack address\n", programs, addr_dependent);
    free(mem);
    bpfvm_vm_free(vm);
}

/* ---- faults and semantics ------------------------------------------------------------ */

static void t_faults(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    static _Alignas(8) uint8_t mem[32] = { 1, 2, 3, 4, 5, 6, 7, 8 }; /* not near the stacks */
    static const char *const progs[] = {
        "r0 = *(u32 *)(r1 + 29)\nexit",                     /* load across the block's end */
        "*(u64 *)(r1 - 1) = 5\nr0 = 0\nexit",               /* store before it */
        "r0 = *(u64 *)(r10 + 0)\nexit",                     /* above the stack */
        "r0 = *(u8 *)(r10 - 4097)\nexit",                   /* below */
        "r2 = r10\nr2 += -3\nlock *(u64 *)(r2 + 0) += r1\nr0 = 0\nexit", /* misaligned atomic */
        "r1 += 2\nw0 = atomic_fetch_add((u32 *)(r1 + 0), w0)\nexit",
        "r0 = 0\nr3 = 7\nr3 = *(u64 *)(r3 + 0)\nexit",      /* wild pointer */
        "r1 = 0x2a\ncall 1001\nexit",                       /* helper failure */
        "r0 = 1\nr1 = 0\nr2 = 99999\ncallx r2\nexit",       /* callx of nothing */
        "r0 = 0\nl:\nr0 += 1\ngoto l",                      /* budget */
        "r6 = 0\nl:\nr6 += 1\nif r6 < 1000000 goto l\nr0 = r6\nexit",
        /* a group of loads checked together: the third faults, at its own instruction */
        "r0 = *(u8 *)(r1 + 29)\nr3 = *(u16 *)(r1 + 30)\nr0 += 1\nr4 = *(u8 *)(r1 + 32)\nexit",
        "r0 = *(u8 *)(r1 + 30)\nr3 = *(u8 *)(r1 + 31)\nexit",
        "r2 = r10\nr2 += -8\nr0 = *(u32 *)(r2 + 4)\nr3 = *(u32 *)(r2 + 8)\nexit",
        /* r10 + (byte & 0xff8) - 512: proven when it stays in the frame, else checked */
        "*(u64 *)(r10 - 512) = 7\nr3 = *(u8 *)(r1 + 0)\nr3 &= 504\nr2 = r10\nr2 += -512\nr2 += r3\nr0 = *(u64 *)(r2 + 0)\nexit",
        "r3 = *(u8 *)(r1 + 0)\nr3 &= 248\nr3 <<= 2\nr2 = r10\nr2 += -512\nr2 += r3\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit",
    };
    bpfvm_run_opts o = { .step_budget = 50000 };
    for (size_t i = 0; i < ARRAY_LEN(progs); i++) {
        bpfvm_prog *p = load_asm(vm, progs[i], BPFVM_EXT_ALL);
        result r = both(p, mem, sizeof mem, &o);
        if (i != 0 && r.rc == 0 && (i < 10 || i == 11 || i == 13))
            fail_msg("program %zu should fault", i);
        if (i == 11)
            assert_int_equal(r.err.insn, 3);
        bpfvm_prog_free(p);
    }
    bpfvm_vm_free(vm);
}

static void t_fault_message_exact(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    uint8_t mem[16];
    bpfvm_prog *p = load_asm(vm, "r0 = 0\nr0 = *(u32 *)(r1 + 14)\nexit", 0);
    result a = run(p, BPFVM_ENGINE_JIT, mem, sizeof mem, NULL);
    assert_int_equal(a.rc, -BPFVM_E_FAULT);
    assert_int_equal(a.err.insn, 1);
    char want[200];
    snprintf(want, sizeof want, "instruction 1: out-of-bounds load of 4 bytes at address %#llx",
             (unsigned long long)(uintptr_t)(mem + 14));
    assert_true(strncmp(a.err.msg, want, strlen(want)) == 0);
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

static void t_regions(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    uint64_t ro[2] = { 11, 22 }, rw[2] = { 33, 44 };
    bpfvm_region regs[2] = { { (uint64_t)(uintptr_t)ro, sizeof ro, false }, { (uint64_t)(uintptr_t)rw, sizeof rw, true } };
    bpfvm_run_opts o = { .regions = regs, .nregions = 2 };
    uint64_t args[5] = { (uint64_t)(uintptr_t)ro, (uint64_t)(uintptr_t)rw, 0, 0, 0 };
    bpfvm_prog *p = load_asm(vm, "r0 = *(u64 *)(r1 + 8)\nr3 = *(u64 *)(r2 + 0)\nr0 += r3\n*(u64 *)(r2 + 8) = r0\nexit", 0);
    for (int e = 0; e < 2; e++) {
        rw[1] = 44;
        uint64_t r0;
        bpfvm_error err;
        o.engine = e ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP;
        assert_int_equal(bpfvm_run_args(p, args, &o, &r0, &err), 0);
        assert_int_equal(r0, 55);
        assert_int_equal(rw[1], 55);
    }
    bpfvm_prog_free(p);
    p = load_asm(vm, "*(u64 *)(r1 + 0) = 1\nr0 = 0\nexit", 0);
    char msg[2][512];
    for (int e = 0; e < 2; e++) {
        uint64_t r0;
        bpfvm_error err;
        o.engine = e ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP;
        assert_int_equal(bpfvm_run_args(p, args, &o, &r0, &err), -BPFVM_E_FAULT);
        assert_non_null(strstr(err.msg, "read-only store of 8 bytes"));
        snprintf(msg[e], sizeof msg[e], "%.60s", err.msg);
    }
    assert_string_equal(msg[0], msg[1]);
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

static void t_budget_same_instruction(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    /* a loop with a local call inside: both charge the budget */
    bpfvm_prog *p = load_asm(vm,
                             "r6 = 0\n"
                             "l:\n"
                             "call f\n"
                             "r6 += 1\n"
                             "if r6 != 0 goto l\n"
                             "exit\n"
                             "f:\n"
                             "r0 = r6\n"
                             "r0 *= 3\n"
                             "exit\n",
                             0);
    for (uint64_t budget = 1; budget < 60; budget++) {
        bpfvm_run_opts o = { .step_budget = budget };
        result r = both(p, NULL, 0, &o);
        assert_int_equal(r.rc, -BPFVM_E_BUDGET);
    }
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

/* A run without a budget uses code without the charges (compiled on first use);
 * runs with a budget keep using the charged code, on the same program. */
static void t_unlimited_budget(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    bpfvm_prog *p = load_asm(vm,
                             "r6 = 0\nr7 = 0\n"
                             "l:\n"
                             "call f\n"
                             "r7 += r0\n"
                             "r6 += 1\n"
                             "if r6 < 1000 goto l\n"
                             "r0 = r7\n"
                             "exit\n"
                             "f:\n"
                             "r0 = r6\n"
                             "r0 *= 3\n"
                             "exit\n",
                             0);
    for (int k = 0; k < 3; k++) {
        bpfvm_run_opts unl = { .step_budget = UINT64_MAX }, lim = { .step_budget = 500 };
        result r = both(p, NULL, 0, &unl);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.r0, 3 * 999 * 1000 / 2);
        r = both(p, NULL, 0, &lim);
        assert_int_equal(r.rc, -BPFVM_E_BUDGET);
    }
    bpfvm_prog_free(p);
    /* a tail call and a bpf_loop callback keep to the variant of the run */
    bpfvm_map *pa;
    bpfvm_map_def def = { .type = BPFVM_MAP_PROG_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1 };
    assert_int_equal(bpfvm_map_create(vm, &def, &pa, NULL), 0);
    bpfvm_prog *b = load_asm(vm, "r0 = 0\nl:\nr0 += 1\nif r0 < 300 goto l\nexit", 0);
    assert_int_equal(bpfvm_map_set_prog(pa, 0, b), 0);
    isa_insn a[] = {
        isa_make(ISA_LDDW_MAP_FD, 2, 0, 0, (int32_t)bpfvm_map_id(pa)),
        isa_make(ISA_LDDW_HI, 0, 0, 0, 0),
        isa_make(ISA_MOV64_K, 3, 0, 0, 0),
        isa_make(ISA_CALL_HELPER, 0, 0, 0, 12),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
    };
    bpfvm_prog *ap = load(vm, a, ARRAY_LEN(a), 0, false);
    uint8_t mem[8] = { 0 };
    for (int k = 0; k < 2; k++) {
        bpfvm_run_opts unl = { .step_budget = UINT64_MAX }, lim = { .step_budget = 100 };
        result r = both(ap, mem, sizeof mem, &unl);
        assert_int_equal(r.r0, 300);
        r = both(ap, mem, sizeof mem, &lim);
        assert_int_equal(r.rc, -BPFVM_E_BUDGET);
    }
    bpfvm_prog_free(ap);
    bpfvm_prog_free(b);
    bpfvm_vm_free(vm);
}

/* f(n) calls itself while n > 0; each frame writes its stack and checks r6..r9, r10. */
static const char *const deep =
    "r6 = 1\nr7 = 2\nr8 = 3\nr9 = 4\n"
    "r1 = %d\n"
    "call f\n"
    "r0 += r6\nr0 += r7\nr0 += r8\nr0 += r9\n"
    "exit\n"
    "f:\n"
    "*(u64 *)(r10 - 8) = r1\n"
    "r6 = r10\n"
    "r7 = r1\nr8 = r1\nr9 = r1\n"
    "r0 = 0\n"
    "if r1 == 0 goto out\n"
    "r1 += -1\n"
    "call f\n"
    "out:\n"
    "r2 = *(u64 *)(r10 - 8)\n"
    "if r6 != r10 goto bad\n"
    "r0 += r2\n"
    "r0 += r7\n"
    "exit\n"
    "bad:\n"
    "r0 = -1\n"
    "exit\n";

static void t_deep_calls(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    for (int depth = 0; depth < 9; depth++) {
        char text[1024];
        snprintf(text, sizeof text, deep, depth);
        bpfvm_prog *p = load_asm(vm, text, 0);
        result r = both(p, NULL, 0, NULL);
        if (depth <= 6) { /* main + 7 frames of f: the 8-frame limit */
            assert_int_equal(r.rc, 0);
            assert_int_equal(r.r0, (uint64_t)(depth + 1) * depth + 10);
        } else {
            assert_int_equal(r.rc, -BPFVM_E_CALL_DEPTH);
        }
        bpfvm_prog_free(p);
    }
    bpfvm_vm_free(vm);
}

static uint64_t h_args(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)call;
    return a + 2 * b + 3 * c + 4 * d + 5 * e;
}

static void t_helpers_keep_r1_r5(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    assert_int_equal(bpfvm_register_helper(vm, 2000, "args", h_args, NULL), 0);
    bpfvm_prog *p = load_asm(vm,
                             "r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\n"
                             "call 2000\n"
                             "r0 <<= 8\nr0 += r1\nr0 += r2\nr0 += r3\nr0 += r4\nr0 += r5\nexit",
                             0);
    result r = both(p, NULL, 0, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, (55u << 8) + 15);
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

static void t_bpf_loop(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    /* sum of i*i for i < 10 through a callback writing the caller's stack */
    isa_insn loop[] = {
        isa_make(ISA_MOV64_K, 6, 0, 0, 0),
        isa_make(ISA_STXDW, 10, 6, -8, 0),
        isa_make(ISA_MOV64_K, 1, 0, 0, 10),
        isa_make(ISA_LDDW_CODE, 2, 0, 0, 10), /* cb: slot 14 */
        isa_make(ISA_LDDW_HI, 0, 0, 0, 0),
        isa_make(ISA_MOV64_X, 3, 10, 0, 0),
        isa_make(ISA_ADD64_K, 3, 0, 0, -8),
        isa_make(ISA_MOV64_K, 4, 0, 0, 0),
        isa_make(ISA_CALL_HELPER, 0, 0, 0, 181),
        isa_make(ISA_LSH64_K, 0, 0, 0, 32),
        isa_make(ISA_LDXDW, 1, 10, -8, 0),
        isa_make(ISA_ADD64_X, 0, 1, 0, 0),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
        /* cb(i, ctx) */
        isa_make(ISA_MUL64_X, 1, 1, 0, 0),
        isa_make(ISA_LDXDW, 3, 2, 0, 0),
        isa_make(ISA_ADD64_X, 3, 1, 0, 0),
        isa_make(ISA_STXDW, 2, 3, 0, 0),
        isa_make(ISA_MOV64_K, 0, 0, 0, 0),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
    };
    bpfvm_prog *p = load(vm, loop, ARRAY_LEN(loop), 0, false);
    result r = both(p, NULL, 0, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, (10ull << 32) + 285);
    bpfvm_prog_free(p);
    /* a fault inside the callback fails the helper, with the callback's error */
    isa_insn bad[] = {
        isa_make(ISA_MOV64_K, 1, 0, 0, 3),
        isa_make(ISA_LDDW_CODE, 2, 0, 0, 6), /* cb: slot 8 */
        isa_make(ISA_LDDW_HI, 0, 0, 0, 0),
        isa_make(ISA_MOV64_K, 3, 0, 0, 0),
        isa_make(ISA_MOV64_K, 4, 0, 0, 0),
        isa_make(ISA_CALL_HELPER, 0, 0, 0, 181),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
        isa_make(ISA_LDXDW, 0, 2, 0, 0), /* cb: r2 = 0 */
        isa_make(ISA_EXIT, 0, 0, 0, 0),
    };
    p = load(vm, bad, ARRAY_LEN(bad), 0, false);
    r = both(p, NULL, 0, NULL);
    assert_int_equal(r.rc, -BPFVM_E_HELPER);
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

static void t_tail_call(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    bpfvm_map *pa;
    bpfvm_map_def def = { .type = BPFVM_MAP_PROG_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 4 };
    assert_int_equal(bpfvm_map_create(vm, &def, &pa, NULL), 0);
    /* B: r0 = r7 + r1's byte 0; it keeps A's registers. */
    bpfvm_prog *b = load_asm(vm, "r0 = *(u8 *)(r1 + 0)\nr0 += r7\nr0 += r9\nexit", 0);
    assert_int_equal(bpfvm_map_set_prog(pa, 1, b), 0);
    isa_insn a[] = {
        isa_make(ISA_MOV64_K, 7, 0, 0, 40),
        isa_make(ISA_LDDW_MAP_FD, 2, 0, 0, (int32_t)bpfvm_map_id(pa)),
        isa_make(ISA_LDDW_HI, 0, 0, 0, 0),
        isa_make(ISA_MOV64_K, 3, 0, 0, 1),
        isa_make(ISA_CALL_HELPER, 0, 0, 0, 12),
        isa_make(ISA_MOV64_K, 0, 0, 0, -1), /* the tail call failed */
        isa_make(ISA_EXIT, 0, 0, 0, 0),
    };
    bpfvm_prog *pa_prog = load(vm, a, ARRAY_LEN(a), 0, false);
    uint8_t mem[8] = { 2 };
    result r = both(pa_prog, mem, sizeof mem, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 42);
    /* index 2 is empty: the call falls through */
    a[3] = isa_make(ISA_MOV64_K, 3, 0, 0, 2);
    bpfvm_prog *a2 = load(vm, a, ARRAY_LEN(a), 0, false);
    r = both(a2, mem, sizeof mem, NULL);
    assert_int_equal(r.r0, (uint64_t)-1);
    /* from a subprogram: refused alike */
    isa_insn s[] = {
        isa_make(ISA_CALL_LOCAL, 0, 0, 0, 1),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
        isa_make(ISA_LDDW_MAP_FD, 2, 0, 0, (int32_t)bpfvm_map_id(pa)),
        isa_make(ISA_LDDW_HI, 0, 0, 0, 0),
        isa_make(ISA_MOV64_K, 3, 0, 0, 1),
        isa_make(ISA_CALL_HELPER, 0, 0, 0, 12),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
    };
    bpfvm_prog *sp = load(vm, s, ARRAY_LEN(s), 0, false);
    r = both(sp, mem, sizeof mem, NULL);
    assert_int_equal(r.rc, -BPFVM_E_UNSUPPORTED);
    bpfvm_prog_free(sp);
    bpfvm_prog_free(a2);
    bpfvm_prog_free(pa_prog);
    bpfvm_prog_free(b);
    bpfvm_vm_free(vm);
}

static void t_packet_loads(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    uint8_t pkt[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    static const char *const progs[] = {
        "r0 = *(u32 *)skb[0]\nexit", "r0 = *(u16 *)skb[6]\nexit", "r0 = *(u8 *)skb[15]\nexit",
        "r0 = *(u32 *)skb[13]\nr0 = 5\nexit", "r0 = *(u8 *)skb[16]\nr0 = 5\nexit",
        "r3 = 2\nr0 = *(u16 *)skb[r3 + 4]\nexit", "r3 = -1\nr0 = *(u8 *)skb[r3 + 0]\nr0 = 5\nexit",
        "r3 = 0x100000000 ll\nr0 = *(u8 *)skb[r3 + 1]\nexit", "r3 = 0x7fffffff\nr0 = *(u8 *)skb[r3 + 1]\nr0 = 5\nexit",
    };
    for (size_t i = 0; i < ARRAY_LEN(progs); i++) {
        bpfvm_prog *p = load_asm(vm, progs[i], 0);
        result r = both(p, pkt, sizeof pkt, NULL);
        assert_int_equal(r.rc, 0);
        bpfvm_prog_free(p);
    }
    bpfvm_vm_free(vm);
}

/* ---- code and memory ------------------------------------------------------------------- */

/* No mapping of this process is writable and executable; the code is r-x. */
static void check_wx(const uint8_t *code)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        if (perms[1] == 'w' && perms[2] == 'x')
            fail_msg("writable and executable mapping: %s", line);
        if ((uintptr_t)code >= lo && (uintptr_t)code < hi) {
            found = true;
            assert_true(perms[0] == 'r' && perms[1] == '-' && perms[2] == 'x');
        }
    }
    fclose(f);
    assert_true(found);
}

static void t_wx(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    bpfvm_prog *ps[20];
    for (int i = 0; i < 20; i++) {
        isa_insn *p;
        size_t n;
        gen_opts go = { .size = 20 + 30 * (uint32_t)i, .helpers = true };
        assert_int_equal(gen_program(&go, (uint64_t)i, &p, &n), 0);
        ps[i] = load(vm, p, n, 0, false);
        free(p);
        bpfvm_jit_info ji;
        assert_int_equal(bpfvm_prog_jit_info(ps[i], &ji, NULL), 0);
        check_wx(ji.code);
    }
    for (int i = 0; i < 20; i++)
        bpfvm_prog_free(ps[i]);
    bpfvm_vm_free(vm);
}

static void t_jit_info(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    bpfvm_prog *p = load_asm(vm, "r0 = 0x123456789 ll\nr0 += 1\nexit", 0);
    bpfvm_jit_info ji;
    assert_int_equal(bpfvm_prog_jit_info(p, &ji, NULL), 0);
    assert_non_null(ji.code);
    assert_true(ji.compile_ns > 0);
    assert_int_equal(ji.insn_offsets[4], ji.code_size);
    assert_true(ji.insn_offsets[0] > 0); /* the out-of-line code comes first */
    assert_true(ji.insn_offsets[1] > ji.insn_offsets[0]);
    assert_int_equal(ji.insn_offsets[1], ji.insn_offsets[2]); /* lddw's second slot: no code */
    assert_true(ji.insn_offsets[3] > ji.insn_offsets[2]);
    assert_int_equal(ji.code[ji.insn_offsets[3]], 0xc3); /* exit: ret */
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

/* A program of n slots: a counted loop around blocks of mixed instructions with
 * forward jumps across each block, and gotol across everything once. */
static isa_insn *big_program(size_t n, size_t *out_n)
{
    isa_insn *p = calloc(n, sizeof *p);
    size_t k = 0;
    p[k++] = isa_make(ISA_STXDW, 10, 1, -8, 0);
    p[k++] = isa_make(ISA_MOV64_K, 6, 0, 0, 3);
    p[k++] = isa_make(ISA_JA32, 0, 0, 0, 1); /* gotol over the next slot */
    p[k++] = isa_make(ISA_MOV64_K, 0, 0, 0, 0x66);
    size_t top = k;
    while (k + 40 < n) {
        p[k++] = isa_make(ISA_JSET_K, 0, 0, 9, 0x10);
        for (int j = 0; j < 9; j++) {
            static const isa_id ops[] = { ISA_ADD64_X, ISA_MUL32_K, ISA_XOR64_K, ISA_RSH64_K, ISA_SUB32_X };
            isa_id id = ops[(k + (size_t)j) % ARRAY_LEN(ops)];
            int32_t imm = isa_rows[id].imm == I_ANY ? (int32_t)(k * 2654435761u) : 0;
            p[k] = isa_make(id, j % 5, isa_rows[id].src == S_R ? (j * 3 + 2) % 10 : 0, 0, imm);
            k++;
        }
        p[k++] = isa_make(ISA_LDXDW, 7, 10, -8, 0);
        p[k] = isa_make(ISA_LDXB, 8, 7, (int16_t)(k % 32), 0);
        k++;
        p[k++] = isa_make(ISA_ADD64_X, 0, 8, 0, 0);
        p[k++] = isa_make(ISA_STXW, 10, 0, -16, 0);
    }
    p[k++] = isa_make(ISA_SUB64_K, 6, 0, 0, 1);
    int32_t back = (int32_t)top - (int32_t)(k + 1);
    p[k++] = isa_make(ISA_JNE_K, 6, 0, 0, 0);
    p[k - 1].off = back >= INT16_MIN ? (int16_t)back : 0;
    if (back < INT16_MIN) { /* too far for a 16-bit offset: jump over a gotol back */
        p[k - 1] = isa_make(ISA_JEQ_K, 6, 0, 1, 0);
        p[k] = isa_make(ISA_JA32, 0, 0, 0, (int32_t)top - (int32_t)(k + 1));
        k++;
    }
    p[k++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
    *out_n = k;
    return p;
}

static void t_large_programs(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    uint8_t mem[32];
    gen_fill(7, mem, sizeof mem);
    size_t sizes[] = { 1000, 40000, 150000, BPFVM_MAX_INSNS };
    for (size_t s = 0; s < ARRAY_LEN(sizes); s++) {
        size_t n;
        isa_insn *code = big_program(sizes[s], &n);
        bpfvm_prog *p = load(vm, code, n, 0, false);
        bpfvm_run_opts o = { .step_budget = UINT64_MAX };
        result r = both(p, mem, sizeof mem, &o);
        assert_int_equal(r.rc, 0);
        jit_stats st;
        jit_get_stats(p->jit, &st);
        assert_false(st.bound_miss);
        printf("large: %zu slots -> %zu bytes of code, r0 %#" PRIx64 "\n", n, st.out_of_line + st.body, r.r0);
        bpfvm_prog_free(p);
        free(code);
    }
    bpfvm_vm_free(vm);
}

/* Generated programs never outgrow their size bounds, never need a second pass. */
static void t_bounds(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    for (uint64_t seed = 0; seed < 600; seed++) {
        isa_insn *p;
        size_t n;
        gen_opts go = { .size = 30 + (uint32_t)(seed % 200), .helpers = true, .packet = true, .ext = BPFVM_EXT_ALL };
        assert_int_equal(gen_program(&go, seed, &p, &n), 0);
        bpfvm_prog *prog = load(vm, p, n, BPFVM_EXT_ALL, seed % 3 == 0);
        jit_opts jo = { .no_bmi2 = seed % 2 == 0 };
        assert_int_equal(jit_prog_compile(prog, &jo, NULL), 0);
        jit_stats st;
        jit_get_stats(prog->jit, &st);
        if (st.bound_miss || st.attempts != 1)
            fail_msg("seed %" PRIu64 ": bound miss %d, attempts %u", seed, st.bound_miss, st.attempts);
        bpfvm_prog_free(prog);
        free(p);
    }
    bpfvm_vm_free(vm);
}

/* FACT_MEM_SAFE switches the check off: an access to memory the run does not list
 * faults without the fact and goes through with it. */
static void t_facts(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    static uint64_t hidden = 0x1122334455667788ull;
    isa_insn code[] = {
        isa_make(ISA_LDDW, 3, 0, 0, (int32_t)(uint32_t)(uintptr_t)&hidden),
        isa_make(ISA_LDDW_HI, 0, 0, 0, (int32_t)(uint32_t)((uintptr_t)&hidden >> 32)),
        isa_make(ISA_LDXDW, 0, 3, 0, 0),
        isa_make(ISA_EXIT, 0, 0, 0, 0),
    };
    bpfvm_prog *p = load(vm, code, ARRAY_LEN(code), 0, false);
    result r = run(p, BPFVM_ENGINE_JIT, NULL, 0, NULL);
    assert_int_equal(r.rc, -BPFVM_E_FAULT);
    assert_int_equal(r.err.insn, 2);
    bpfvm_jit_info ji;
    assert_int_equal(bpfvm_prog_jit_info(p, &ji, NULL), 0);
    uint32_t checked = ji.insn_offsets[3] - ji.insn_offsets[2];
    bpfvm_prog_free(p);

    p = load(vm, code, ARRAY_LEN(code), 0, false);
    p->facts = calloc(p->n, 1);
    p->facts[2] = FACT_MEM_SAFE;
    r = run(p, BPFVM_ENGINE_JIT, NULL, 0, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, hidden);
    assert_int_equal(bpfvm_prog_jit_info(p, &ji, NULL), 0);
    uint32_t proven = ji.insn_offsets[3] - ji.insn_offsets[2];
    assert_true(proven < checked);
    assert_true(proven <= 4); /* mov rax, [rdx] */
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

/* `if c goto +1; goto L` becomes one inverted conditional jump in the code for runs
 * without a budget (the goto gets no code) where the goto leaves an inner loop or
 * jumps forward; not where it is the back edge of its loop, nor when something
 * else jumps to it. Every conditional row, both operand kinds, goto and gotol.
 * Results must not change. */
static void t_fused_branches(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    static const int64_t vals[] = { 20, -5, 0x100000014ll, 0, 2 };
    long fused = 0, unfused = 0;
    for (int id = 0; id < ISA_NROWS; id++) {
        const isa_row *r = &isa_rows[id];
        if (r->shape != SH_JCOND_K && r->shape != SH_JCOND_X)
            continue;
        /* L: 0 the outer loop's head (leaves the inner loop), 1 forward, 2 the inner
         * loop's head (its back edge), 3 as 0 but the goto is a jump target */
        for (int shape = 0; shape < 8; shape++)
            for (size_t v = 0; v < ARRAY_LEN(vals); v++) {
                int kind = shape >> 1;
                bool far = shape & 1;
                enum { OUT = 4, IN = 7, JC = 12, GO = 13, AFTER = 17, EXIT = 19 };
                static const int lto[4] = { OUT, AFTER, IN, OUT };
                isa_insn p[EXIT + 1];
                p[0] = isa_make(ISA_MOV64_K, 0, 0, 0, 0);
                p[1] = isa_make(ISA_MOV64_K, 6, 0, 0, 0);
                p[2] = isa_make(ISA_LDDW, 7, 0, 0, (int32_t)(uint32_t)vals[v]);
                p[3] = isa_make(ISA_LDDW_HI, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)vals[v] >> 32));
                p[OUT] = isa_make(ISA_ADD64_K, 6, 0, 0, 1);
                p[5] = isa_make(ISA_JGT_K, 6, 0, EXIT - 6, 30);
                p[6] = isa_make(ISA_MOV64_K, 8, 0, 0, 0);
                p[IN] = isa_make(ISA_JGT_K, 8, 0, 16 - (IN + 1), 50); /* to `goto OUT` */
                p[8] = isa_make(ISA_ADD64_K, 8, 0, 0, 1);
                p[9] = isa_make(ISA_MUL64_K, 0, 0, 0, 3);
                p[10] = isa_make(ISA_ADD64_X, 0, 6, 0, 0);
                /* never taken (r6 > 0); makes the goto a jump target for kind 3 */
                p[11] = isa_make(ISA_JEQ_K, 6, 0, kind == 3 ? 1 : 0, 0);
                p[JC] = isa_make((isa_id)id, 8, r->shape == SH_JCOND_X ? 7 : 0, 1,
                                 r->shape == SH_JCOND_K ? (int32_t)vals[v] : 0);
                int32_t rel = lto[kind] - (GO + 1);
                p[GO] = far ? isa_make(ISA_JA32, 0, 0, 0, rel) : isa_make(ISA_JA, 0, 0, (int16_t)rel, 0);
                p[14] = isa_make(ISA_XOR64_X, 0, 8, 0, 0);
                p[15] = isa_make(ISA_JLT_K, 8, 0, IN - 16, 3);
                p[16] = isa_make(ISA_JA, 0, 0, OUT - 17, 0);
                p[AFTER] = isa_make(ISA_ADD64_K, 0, 0, 0, 7);
                p[18] = isa_make(ISA_JA, 0, 0, OUT - 19, 0);
                p[EXIT] = isa_make(ISA_EXIT, 0, 0, 0, 0);
                for (int nb = 0; nb < 2; nb++) {
                    bpfvm_prog *prog = load(vm, p, EXIT + 1, 0, false);
                    jit_opts jo = { .no_budget = nb == 1 };
                    assert_int_equal(jit_prog_compile(prog, &jo, NULL), 0);
                    bpfvm_jit_info ji;
                    assert_int_equal(bpfvm_prog_jit_info(prog, &ji, NULL), 0);
                    bool empty = ji.insn_offsets[GO] == ji.insn_offsets[GO + 1];
                    bool want = nb && kind < 2;
                    if (empty != want)
                        fail_msg("%s, L kind %d, %s, budget charges %d: fused %d, expected %d", r->name, kind,
                                 far ? "gotol" : "goto", !nb, empty, want);
                    if (empty)
                        fused++;
                    else
                        unfused++;
                    bpfvm_run_opts o = { .step_budget = UINT64_MAX };
                    result res = both(prog, NULL, 0, &o);
                    assert_int_equal(res.rc, 0);
                    bpfvm_prog_free(prog);
                }
            }
    }
    printf("fused branches: %ld programs fused, %ld not (budget charges, a back edge, or the goto is a target)\n",
           fused, unfused);
    assert_true(fused >= 40 * 4 * 5);
    bpfvm_vm_free(vm);
}

/* A multiply by a value the JIT knows is 0 or 1 (`x &= 1`, a byte >> 7, ...) is
 * emitted as a negate and an AND: every multiply row, the 0-or-1 value as dst, as
 * src and as both, both values, other operand a corner value; with blinding too.
 * The slot's code must hold no imul where the range is known, and must where not. */
static void t_mul_masks(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    static const isa_id rows[] = { ISA_MUL32_K, ISA_MUL32_X, ISA_MUL64_K, ISA_MUL64_X };
    static const uint64_t others[] = { 0, 1, UINT64_MAX, 0x8000000000000000ull, 0xfffffffe00000004ull, 0x123456789abcdef0ull };
    static const int32_t kimms[] = { 0, 1, -1, 0x7fffffff, INT32_MIN, -13, 3 };
    long masked = 0, plain = 0;
    for (size_t ri = 0; ri < ARRAY_LEN(rows); ri++)
        for (int role = 0; role < 4; role++) /* 0: dst is 0/1, 1: src is 0/1, 2: both (same reg), 3: unknown */
            for (int b = 0; b < 2; b++)
                for (size_t o = 0; o < ARRAY_LEN(others); o++)
                    for (int blind = 0; blind < 2; blind++) {
                        isa_id id = rows[ri];
                        bool xs = isa_rows[id].shape == SH_ALU_X;
                        if (!xs && (role == 1 || role == 2))
                            continue;
                        int32_t imm = kimms[o % ARRAY_LEN(kimms)];
                        isa_insn p[16];
                        size_t n = 0;
                        /* r6 = b (0 or 1 from the block, not a constant the JIT sees) */
                        p[n++] = isa_make(ISA_LDXB, 6, 1, 0, 0);
                        p[n++] = isa_make(ISA_AND64_K, 6, 0, 0, 1); /* range [0, 1] */
                        if (role == 3)
                            p[n++] = isa_make(ISA_LSH64_K, 6, 0, 0, 63); /* b << 63: range unknown */
                        p[n++] = isa_make(ISA_LDDW, 7, 0, 0, (int32_t)(uint32_t)others[o]);
                        p[n++] = isa_make(ISA_LDDW_HI, 0, 0, 0, (int32_t)(uint32_t)(others[o] >> 32));
                        int d = role == 1 ? 7 : 6, sr = role == 1 ? 6 : role == 2 ? 6 : 7;
                        size_t at = n;
                        p[n++] = isa_make(id, d, xs ? sr : 0, 0, xs ? 0 : imm);
                        p[n++] = isa_make(ISA_MOV64_X, 0, d, 0, 0);
                        p[n++] = isa_make(ISA_EXIT, 0, 0, 0, 0);
                        uint8_t mem[8] = { (uint8_t)(b ? 0x81 : 0x80) };
                        bpfvm_prog *prog = load(vm, p, n, 0, blind);
                        bpfvm_jit_info ji;
                        assert_int_equal(bpfvm_prog_jit_info(prog, &ji, NULL), 0);
                        bool has_imul = false;
                        for (uint32_t k = ji.insn_offsets[at]; k + 1 < ji.insn_offsets[at + 1]; k++)
                            if ((ji.code[k] == 0x0f && ji.code[k + 1] == 0xaf) || ji.code[k] == 0x69 || ji.code[k] == 0x6b)
                                has_imul = true; /* (0x69/0x6b never start another instruction here) */
                        if (role < 3 && has_imul && !blind) /* (blinded immediates are random bytes) */
                            fail_msg("%s role %d: imul where the operand is 0 or 1", isa_rows[id].name, role);
                        /* with role 3 and an immediate of 0, 1, 2, 3, ... no imul either */
                        if (role == 3 && (xs || imm == -1 || imm == 0x7fffffff || imm == INT32_MIN || imm == -13) &&
                            !has_imul && !blind)
                            fail_msg("%s: no imul for an unknown operand", isa_rows[id].name);
                        if (role < 3)
                            masked++;
                        else
                            plain++;
                        result r = both(prog, mem, sizeof mem, NULL);
                        assert_int_equal(r.rc, 0);
                        bpfvm_prog_free(prog);
                    }
    printf("multiply masks: %ld programs with a 0-or-1 operand, %ld without\n", masked, plain);
    bpfvm_vm_free(vm);
}

static bool contains(const uint8_t *code, size_t n, uint32_t v)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (!memcmp(code + i, &v, 4))
            return true;
    return false;
}

static void t_blinding(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    const char *text = "r0 = 0x5eedf00d\nr0 += 0x5eedf00d\nw0 ^= 0x5eedf00d\nr0 *= 0x5eedf00d\n"
                       "*(u32 *)(r10 - 8) = 0x5eedf00d\nr1 = *(u32 *)(r10 - 8)\nr0 += r1\n"
                       "if r0 == 0x5eedf00d goto +1\nr0 |= 0x5eedf00d\nr2 = 0x5eedf00d5eedf00d ll\nr0 ^= r2\n"
                       "r0 /= 0x5eedf00d\nexit";
    uint8_t *code;
    size_t len;
    assert_int_equal(bpfvm_asm(text, BPFVM_SYNTAX_AUTO, 0, &code, &len, NULL), 0);
    for (int blind = 0; blind < 2; blind++) {
        bpfvm_prog *p = load(vm, (const isa_insn *)code, len / 8, 0, blind);
        bpfvm_jit_info ji;
        assert_int_equal(bpfvm_prog_jit_info(p, &ji, NULL), 0);
        assert_int_equal(contains(ji.code, ji.code_size, 0x5eedf00d), !blind);
        result r = both(p, NULL, 0, NULL);
        assert_int_equal(r.rc, 0);
        bpfvm_prog_free(p);
    }
    free(code);
    bpfvm_vm_free(vm);
}

/* The conformance suite with blinding, without BMI2, and with long jumps only. */
static void t_conformance_variants(void **state)
{
    (void)state;
    const char *dir = getenv("BPFVM_CONFORMANCE_DIR");
    if (!dir)
        dir = BPFVM_CONFORMANCE_DIR_DEFAULT;
    char tests[4096];
    snprintf(tests, sizeof tests, "%s/tests", dir);
    size_t nf;
    char **files = util_list_dir(tests, ".data", &nf);
    if (!files)
        skip();
    int passed[4] = { 0 }, total = 0, verified = 0;
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_register_helper(vm, 5, "conformance_helper_5", util_helper_noop, NULL);
    for (size_t f = 0; f < nf; f++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", tests, files[f]);
        uint8_t *text, *code;
        size_t tl, len;
        conf_test t;
        if (util_read_file(path, &text, &tl, NULL) || util_parse_conf_test((char *)text, &t, NULL)) {
            free(files[f]);
            continue;
        }
        free(text);
        int rc = t.raw ? 0 : bpfvm_asm(t.asm_text ? t.asm_text : "", BPFVM_SYNTAX_UBPF, BPFVM_EXT_CALLX, &code, &len, NULL);
        if (t.raw) {
            code = malloc(t.raw_len);
            memcpy(code, t.raw, t.raw_len);
            len = t.raw_len;
        }
        if (rc == 0 && t.has_result) {
            total++;
            for (int v = 0; v < 4; v++) {
                bpfvm_prog *p = NULL;
                bpfvm_load_opts lo = { .ext = BPFVM_EXT_CALLX, .jit_blind = v == 0 };
                if (bpfvm_prog_load(vm, code, len, &lo, &p, NULL))
                    continue;
                if (v == 3) { /* verified: the proven accesses are emitted without checks */
                    bpfvm_verify_opts vo = { .mem_size = (uint32_t)t.mem_len };
                    if (bpfvm_verify(p, &vo, NULL, NULL)) {
                        bpfvm_prog_free(p);
                        continue;
                    }
                    verified++;
                }
                jit_opts jo = { .no_bmi2 = v == 1, .long_jumps = v == 2 };
                assert_int_equal(jit_prog_compile(p, &jo, NULL), 0);
                uint8_t *mem = t.mem_len ? malloc(t.mem_len) : NULL;
                if (mem)
                    memcpy(mem, t.mem, t.mem_len);
                bpfvm_run_opts ro = { .engine = BPFVM_ENGINE_JIT };
                uint64_t r0;
                if (bpfvm_run(p, mem, t.mem_len, &ro, &r0, NULL) == 0 && r0 == t.result)
                    passed[v]++;
                else
                    printf("conformance variant %d: %s fails\n", v, files[f]);
                free(mem);
                bpfvm_prog_free(p);
            }
        }
        if (rc == 0)
            free(code);
        util_free_conf_test(&t);
        free(files[f]);
    }
    free(files);
    bpfvm_vm_free(vm);
    printf("conformance through the JIT: %d/%d blinded, %d/%d without BMI2, %d/%d with long jumps, "
           "%d/%d verified (the others refused by bpfvm_verify, as Linux refuses them)\n",
           passed[0], total, passed[1], total, passed[2], total, passed[3], verified);
    assert_true(total > 300);
    assert_int_equal(passed[0], total);
    assert_int_equal(passed[1], total);
    assert_int_equal(passed[2], total);
    assert_true(verified > 250);
    assert_int_equal(passed[3], verified);
}

typedef struct thread_arg {
    bpfvm_prog *p;
    uint64_t r0;
    int rc;
} thread_arg;

static void *thread_run(void *arg)
{
    thread_arg *t = arg;
    uint8_t mem[64];
    for (int i = 0; i < 200; i++) {
        gen_fill(3, mem, sizeof mem);
        bpfvm_run_opts o = { .engine = BPFVM_ENGINE_JIT };
        t->rc |= bpfvm_run(t->p, mem, sizeof mem, &o, &t->r0, NULL);
    }
    return NULL;
}

static void t_threads(void **state)
{
    (void)state;
    bpfvm_vm *vm = new_vm();
    isa_insn *code;
    size_t n;
    gen_opts go = { .size = 200, .kernel = true, .mem_len = 64 };
    assert_int_equal(gen_program(&go, 99, &code, &n), 0);
    bpfvm_prog *p = load(vm, code, n, 0, false); /* compiled by the first thread to get there */
    free(code);
    uint8_t mem[64];
    gen_fill(3, mem, sizeof mem);
    result want = run(p, BPFVM_ENGINE_INTERP, mem, sizeof mem, NULL);
    pthread_t th[4];
    thread_arg ta[4];
    for (int i = 0; i < 4; i++) {
        ta[i] = (thread_arg){ .p = p };
        pthread_create(&th[i], NULL, thread_run, &ta[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ta[i].rc, want.rc);
        assert_int_equal(ta[i].r0, want.r0);
    }
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_every_row_has_an_emitter),
        cmocka_unit_test(t_every_row_agrees),
        cmocka_unit_test(t_faults),
        cmocka_unit_test(t_fault_message_exact),
        cmocka_unit_test(t_regions),
        cmocka_unit_test(t_budget_same_instruction),
        cmocka_unit_test(t_unlimited_budget),
        cmocka_unit_test(t_deep_calls),
        cmocka_unit_test(t_helpers_keep_r1_r5),
        cmocka_unit_test(t_bpf_loop),
        cmocka_unit_test(t_tail_call),
        cmocka_unit_test(t_packet_loads),
        cmocka_unit_test(t_wx),
        cmocka_unit_test(t_jit_info),
        cmocka_unit_test(t_large_programs),
        cmocka_unit_test(t_bounds),
        cmocka_unit_test(t_facts),
        cmocka_unit_test(t_blinding),
        cmocka_unit_test(t_fused_branches),
        cmocka_unit_test(t_mul_masks),
        cmocka_unit_test(t_conformance_variants),
        cmocka_unit_test(t_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
