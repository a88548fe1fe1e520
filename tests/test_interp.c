/* test_interp.c — the interpreter beyond the conformance suite: RFC corner cases,
 * checked mode (faults with instruction, address and size; read-only regions;
 * misaligned atomics), the step budget, call depth, helpers (results, failure,
 * memory checks), tracing, the legacy packet loads, extensions, and concurrent
 * runs of one program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bpfvm.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct result {
    int rc;
    uint64_t r0;
    bpfvm_error err;
} result;

static uint64_t h_add(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)call;
    return a + b + c + d + e;
}

static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)b, (void)c, (void)d, (void)e;
    if (a == 7)
        bpfvm_call_fail(call, "helper refused argument %" PRIu64, a);
    return 1;
}

/* Returns 1 when [r1, r1+r2) may be written by the program, 0 otherwise. */
static uint64_t h_memok(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)c, (void)d, (void)e;
    return bpfvm_call_mem_ok(call, a, b, true);
}

static uint64_t h_user(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)a, (void)b, (void)c, (void)d, (void)e;
    return *(uint64_t *)bpfvm_call_user(call);
}

static bpfvm_vm *new_vm(void)
{
    bpfvm_vm *vm = bpfvm_vm_new();
    assert_int_equal(bpfvm_register_helper(vm, 1, "add5", h_add, NULL), 0);
    assert_int_equal(bpfvm_register_helper(vm, 2, "fail_on_7", h_fail, NULL), 0);
    assert_int_equal(bpfvm_register_helper(vm, 3, "mem_ok", h_memok, NULL), 0);
    assert_int_equal(bpfvm_register_helper(vm, 4, "user", h_user, NULL), 0);
    return vm;
}

static result run_opts(const char *text, unsigned ext, void *mem, size_t len, const bpfvm_run_opts *ro)
{
    result res;
    memset(&res, 0, sizeof res);
    uint8_t *code;
    size_t n;
    if ((res.rc = bpfvm_asm(text, BPFVM_SYNTAX_AUTO, ext, &code, &n, &res.err)))
        fail_msg("assembly failed: %s", res.err.msg);
    bpfvm_vm *vm = new_vm();
    bpfvm_prog *p = NULL;
    bpfvm_load_opts lo = { .ext = ext };
    res.rc = bpfvm_prog_load(vm, code, n, &lo, &p, &res.err);
    if (res.rc == 0)
        res.rc = bpfvm_run(p, mem, len, ro, &res.r0, &res.err);
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
    free(code);
    return res;
}

static result run(const char *text, void *mem, size_t len)
{
    return run_opts(text, 0, mem, len, NULL);
}

static void expect_r0(const char *text, uint64_t want)
{
    result r = run(text, NULL, 0);
    if (r.rc)
        fail_msg("'%s' failed: %s", text, r.err.msg);
    if (r.r0 != want)
        fail_msg("'%s': r0 = %#" PRIx64 ", expected %#" PRIx64, text, r.r0, want);
}

static void test_rfc_corner_cases(void **state)
{
    (void)state;
    /* division and modulo by zero, with the zero test on the operand width only */
    expect_r0("r0 = 7\nr1 = 0\nr0 /= r1\nexit", 0);
    expect_r0("r0 = 7\nr1 = 0\nr0 %= r1\nexit", 7);
    expect_r0("r0 = -1\nr1 = 0\nw0 %= w1\nexit", 0xffffffff);
    expect_r0("r0 = 7\nr1 = 0x100000000 ll\nw0 /= w1\nexit", 0);
    expect_r0("r0 = 12\nr1 = 0x100000004 ll\nw0 /= w1\nexit", 3);
    /* INT_MIN / -1 and % -1, both widths, K and X */
    expect_r0("r0 = 0x8000000000000000 ll\nr0 s/= -1\nexit", 0x8000000000000000ull);
    expect_r0("r0 = 0x8000000000000000 ll\nr1 = -1\nr0 s%= r1\nexit", 0);
    expect_r0("w0 = 0x80000000\nw0 s/= -1\nexit", 0x80000000);
    expect_r0("w0 = 0x80000000\nw1 = -1\nw0 s%= w1\nexit", 0);
    expect_r0("r0 = -13\nr0 s%= 3\nexit", (uint64_t)-1);
    /* unsigned div with a negative 64-bit imm divides by 2^64-1 */
    expect_r0("r0 = -1\nr0 /= -1\nexit", 1);
    expect_r0("r0 = 5\nr0 /= -1\nexit", 0);
    /* shifts are masked */
    expect_r0("w0 = 0x11\nw0 <<= 60\nexit", 0x10000000);
    expect_r0("r0 = 1\nr1 = 65\nr0 <<= r1\nexit", 2);
    expect_r0("r0 = -16\nr0 s>>= 2\nexit", (uint64_t)-4);
    expect_r0("w0 = -16\nw0 s>>= 2\nexit", 0xfffffffc);
    /* 32-bit results are zero-extended; 64-bit K immediates sign-extended */
    expect_r0("r0 = -1\nw0 += 0\nexit", 0xffffffff);
    expect_r0("w0 = -1\nexit", 0xffffffff);
    expect_r0("r0 = -1\nexit", UINT64_MAX);
    expect_r0("r0 = 0xffffffff80000000 ll\nif r0 == 0x80000000 goto +1\nexit\nr0 = 1\nexit", 1);
    expect_r0("w0 = 0x80000000\nw0 = -w0\nexit", 0x80000000);
    /* byte swaps truncate */
    expect_r0("r0 = 0x1122334455667788 ll\nr0 = be16 r0\nexit", 0x8877);
    expect_r0("r0 = 0x1122334455667788 ll\nr0 = le32 r0\nexit", 0x55667788);
    expect_r0("r0 = 0x1122334455667788 ll\nr0 = bswap64 r0\nexit", 0x8877665544332211ull);
    /* sign extension */
    expect_r0("r1 = 0x80\nr0 = (s8)r1\nexit", (uint64_t)-128);
    expect_r0("r1 = 0x8000\nw0 = (s16)w1\nexit", 0xffff8000);
    /* atomics write back into src; cmpxchg into r0 */
    expect_r0("r1 = 5\n*(u64 *)(r10 - 8) = r1\nr2 = 3\nr2 = atomic_fetch_add((u64 *)(r10 - 8), r2)\n"
              "r0 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2\nexit", 0x805);
    expect_r0("r1 = 5\n*(u64 *)(r10 - 8) = r1\nr2 = 9\nr2 = xchg_64(r10 - 8, r2)\nr0 = r2\nexit", 5);
    expect_r0("r1 = 5\n*(u64 *)(r10 - 8) = r1\nr0 = 5\nr2 = 9\nr0 = cmpxchg_64(r10 - 8, r0, r2)\n"
              "r0 = *(u64 *)(r10 - 8)\nexit", 9);
    /* gotol */
    expect_r0("r0 = 1\ngotol +1\nr0 = 2\nexit", 1);
}

static void test_checked_mode_faults(void **state)
{
    (void)state;
    uint8_t mem[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    result r = run("r0 = *(u64 *)(r1 + 8)\nexit", mem, sizeof mem);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 0x100f0e0d0c0b0a09ull);
    r = run("r0 = *(u64 *)(r1 + 9)\nexit", mem, sizeof mem);
    assert_int_equal(r.rc, -BPFVM_E_FAULT);
    assert_int_equal(r.err.insn, 0);
    char want[128];
    snprintf(want, sizeof want, "instruction 0: out-of-bounds load of 8 bytes at address %#" PRIx64 " (",
             (uint64_t)(uintptr_t)mem + 9);
    assert_memory_equal(r.err.msg, want, strlen(want));
    /* the stack: 512 bytes below r10 are fine, one more is not */
    r = run("r0 = 0\n*(u64 *)(r10 - 512) = r0\nr0 = *(u64 *)(r10 - 8)\nexit", NULL, 0);
    assert_int_equal(r.rc, 0);
    r = run("r0 = 0\n*(u8 *)(r10 + 0) = r0\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_FAULT);
    assert_int_equal(r.err.insn, 1);
    assert_non_null(strstr(r.err.msg, "out-of-bounds store of 1 byte at address"));
    r = run("r1 = 0\nr0 = *(u32 *)(r1 + 0)\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_FAULT);
    assert_non_null(strstr(r.err.msg, "instruction 1: out-of-bounds load of 4 bytes at address 0 (stack is"));
    assert_non_null(strstr(r.err.msg, "no memory block"));
    /* wild pointers from arithmetic never reach host memory */
    r = run("r1 = 0x7fffffffffff ll\nr0 = *(u64 *)(r1 + 0)\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_FAULT);
    /* misaligned atomics are refused instead of splitting a lock */
    r = run("r1 = 1\nlock *(u64 *)(r10 - 15) += r1\nr0 = 0\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_FAULT);
    assert_non_null(strstr(r.err.msg, "instruction 1: misaligned atomic access of 8 bytes at address"));
    /* a read-only region can be read, not written */
    uint64_t ro_word = 0x55;
    bpfvm_region reg = { (uint64_t)(uintptr_t)&ro_word, 8, false };
    bpfvm_run_opts ro = { .regions = &reg, .nregions = 1 };
    char prog[200];
    snprintf(prog, sizeof prog, "r1 = %#" PRIx64 " ll\nr0 = *(u64 *)(r1 + 0)\nexit", (uint64_t)(uintptr_t)&ro_word);
    r = run_opts(prog, 0, NULL, 0, &ro);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 0x55);
    snprintf(prog, sizeof prog, "r1 = %#" PRIx64 " ll\n*(u64 *)(r1 + 0) = 1\nr0 = 0\nexit", (uint64_t)(uintptr_t)&ro_word);
    r = run_opts(prog, 0, NULL, 0, &ro);
    assert_int_equal(r.rc, -BPFVM_E_FAULT);
    assert_non_null(strstr(r.err.msg, "instruction 2: read-only store of 8 bytes"));
    assert_int_equal(ro_word, 0x55);
}

static void test_budget_and_depth(void **state)
{
    (void)state;
    bpfvm_run_opts ro = { .step_budget = 1000 };
    result r = run_opts("r0 = 0\nr0 += 1\ngoto -2", 0, NULL, 0, &ro);
    assert_int_equal(r.rc, -BPFVM_E_BUDGET);
    assert_int_equal(r.err.insn, 2);
    assert_string_equal(r.err.msg,
                        "instruction 2: step budget of 1000 instructions exhausted (the program may not terminate)");
    /* a bounded loop well inside the budget completes */
    r = run_opts("r0 = 0\nr0 += 1\nif r0 < 100 goto -2\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 100);
    /* the default budget stops a runaway loop */
    r = run("goto -1", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_BUDGET);
    /* 8 frames are allowed, a 9th is not */
    r = run("r0 = 0\ncall f1\nexit\nf1:\ncall f2\nexit\nf2:\ncall f3\nexit\nf3:\ncall f4\nexit\nf4:\ncall f5\nexit\n"
            "f5:\ncall f6\nexit\nf6:\ncall f7\nexit\nf7:\nr0 = 8\nexit", NULL, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 8);
    r = run("r0 = 0\ncall f1\nexit\nf1:\ncall f2\nexit\nf2:\ncall f3\nexit\nf3:\ncall f4\nexit\nf4:\ncall f5\nexit\n"
            "f5:\ncall f6\nexit\nf6:\ncall f7\nexit\nf7:\ncall f8\nexit\nf8:\nr0 = 9\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_CALL_DEPTH);
    assert_string_equal(r.err.msg, "instruction 15: local call nests more than 8 frames");
    /* unbounded recursion ends at the frame limit, not with a crash */
    r = run("call f\nexit\nf:\ncall f\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_CALL_DEPTH);
    /* each frame has its own stack, and r6-r9 survive calls */
    expect_r0("r6 = 6\nr1 = 1\n*(u64 *)(r10 - 8) = r1\ncall f\nr0 = *(u64 *)(r10 - 8)\nr0 += r6\nexit\n"
              "f:\nr6 = 100\nr1 = 50\n*(u64 *)(r10 - 8) = r1\nr0 = 0\nexit", 7);
}

static void test_helpers(void **state)
{
    (void)state;
    expect_r0("r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = 5\ncall 1\nexit", 15);
    result r = run("r1 = 7\ncall 2\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_HELPER);
    assert_string_equal(r.err.msg, "instruction 1: helper refused argument 7");
    /* helpers can check program-supplied pointers */
    expect_r0("r1 = r10\nr1 += -16\nr2 = 16\ncall 3\nexit", 1);
    expect_r0("r1 = r10\nr1 += -16\nr2 = 17\ncall 3\nexit", 0);
    uint64_t cookie = 0xc0ffee;
    bpfvm_run_opts ro = { .user = &cookie };
    r = run_opts("call 4\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 0xc0ffee);
    /* checked mode: an "or NULL" memory argument may be NULL only with size 0 (the
     * standard bpf_csum_diff would otherwise read 16 bytes at address 0) */
    r = run("r1 = 0\nr2 = 0\nr3 = 0\nr4 = 16\nr5 = 0\ncall 28\nexit", NULL, 0);
    assert_int_equal(r.rc, -BPFVM_E_HELPER);
    assert_string_equal(r.err.msg,
                        "instruction 5: helper bpf_csum_diff (28): argument 3 (r3 = 0): NULL with a size that is not 0");
    expect_r0("r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\nexit", 0);
    /* callx (extension) calls by id from a register */
    r = run_opts("r1 = 1\nr2 = 2\nr3 = 0\nr4 = 0\nr5 = 0\nr6 = 1\ncallx r6\nexit", BPFVM_EXT_CALLX, NULL, 0, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 3);
    r = run_opts("r6 = 77\ncallx r6\nexit", BPFVM_EXT_CALLX, NULL, 0, NULL);
    assert_int_equal(r.rc, -BPFVM_E_HELPER);
    assert_string_equal(r.err.msg, "instruction 1: callx r6: no helper with id 77");
    /* registration errors */
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_error err;
    assert_int_equal(bpfvm_register_helper(vm, 70000, "x", h_add, &err), -BPFVM_E_ARG);
    assert_string_equal(err.msg, "helper id 70000 is above the limit of 65535");
    assert_null(bpfvm_helper_name(vm, 9999));
    /* a new VM has Linux's standard helpers; hosts may replace them */
    assert_string_equal(bpfvm_helper_name(vm, 1), "bpf_map_lookup_elem");
    assert_int_equal(bpfvm_register_helper(vm, 1, "add5", h_add, &err), 0);
    assert_string_equal(bpfvm_helper_name(vm, 1), "add5");
    bpfvm_vm_free(vm);
}

typedef struct trace_log {
    long insns[64];
    uint64_t r0[64];
    unsigned depth[64];
    int n;
} trace_log;

static void on_trace(void *user, long insn, const uint64_t regs[11], unsigned depth)
{
    trace_log *t = user;
    if (t->n < 64) {
        t->insns[t->n] = insn;
        t->r0[t->n] = regs[0];
        t->depth[t->n] = depth;
        t->n++;
    }
}

static void test_trace(void **state)
{
    (void)state;
    trace_log t = { .n = 0 };
    bpfvm_run_opts ro = { .trace = on_trace, .trace_user = &t };
    result r = run_opts("r0 = 1\ncall f\nr0 += 1\nexit\nf:\nr0 = 10\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 11);
    long want[] = { 0, 1, 4, 5, 2, 3 };
    assert_int_equal(t.n, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(t.insns[i], want[i]);
    assert_int_equal(t.r0[0], 1);
    assert_int_equal(t.r0[2], 10);
    assert_int_equal(t.r0[5], 11);
    assert_int_equal(t.depth[2], 1);
    assert_int_equal(t.depth[5], 0);
}

static void test_packet(void **state)
{
    (void)state;
    uint8_t pkt[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    bpfvm_run_opts ro = { .packet = pkt, .packet_len = sizeof pkt };
    result r = run_opts("ldabsw 2\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 0x33445566);
    r = run_opts("ldabsh 6\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.r0, 0x7788);
    r = run_opts("mov %r3, 3\nldindb %r3, 4\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.r0, 0x88);
    /* out of bounds: the program ends and returns 0 (Linux semantics) */
    r = run_opts("mov %r0, 5\nldabsw 6\nmov %r0, 9\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 0);
    r = run_opts("mov %r3, -1\nmov %r0, 5\nldindb %r3, 0\nexit", 0, NULL, 0, &ro);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 0);
    /* bpfvm_run's memory block is the default packet */
    r = run("ldabsb 1\nexit", pkt, sizeof pkt);
    assert_int_equal(r.r0, 0x22);
}

static void test_extensions(void **state)
{
    (void)state;
    /* may_goto jumps once its hidden budget (8M) is exhausted: an "infinite"
     * loop guarded by it terminates */
    result r = run_opts("r0 = 0\nmay_goto +2\nr0 += 1\ngoto -3\nexit", BPFVM_EXT_MAY_GOTO, NULL, 0, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 8u * 1024 * 1024);
    r = run_opts("r1 = 0x1122334455667788 ll\n*(u64 *)(r10 - 8) = r1\nw0 = load_acquire((u16 *)(r10 - 8))\n"
                 "store_release((u8 *)(r10 - 1), w0)\nr1 = *(u64 *)(r10 - 8)\nr0 += r1\nexit",
                 BPFVM_EXT_ACQREL, NULL, 0, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.r0, 0x8822334455667788ull + 0x7788);
}

typedef struct thread_arg {
    bpfvm_prog *prog;
    uint64_t seed;
    int failures;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < 2000; i++) {
        uint64_t mem[2] = { a->seed + (uint64_t)i, 0 };
        uint64_t r0;
        if (bpfvm_run(a->prog, mem, sizeof mem, NULL, &r0, NULL) || r0 != (a->seed + (uint64_t)i) * 3 ||
            mem[1] != r0)
            a->failures++;
    }
    return NULL;
}

static void test_concurrent_runs(void **state)
{
    (void)state;
    uint8_t *code;
    size_t n;
    bpfvm_error err;
    assert_int_equal(bpfvm_asm("r0 = *(u64 *)(r1 + 0)\n*(u64 *)(r10 - 8) = r0\nr0 *= 3\n"
                               "r2 = *(u64 *)(r10 - 8)\nr2 *= 3\n*(u64 *)(r1 + 8) = r2\nexit",
                               BPFVM_SYNTAX_LLVM, 0, &code, &n, &err), 0);
    bpfvm_vm *vm = bpfvm_vm_new();
    bpfvm_prog *p;
    assert_int_equal(bpfvm_prog_load(vm, code, n, NULL, &p, &err), 0);
    pthread_t th[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){ p, (uint64_t)i * 1000000, 0 };
        pthread_create(&th[i], NULL, thread_main, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    bpfvm_prog_free(p);
    bpfvm_vm_free(vm);
    free(code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_corner_cases),
        cmocka_unit_test(test_checked_mode_faults),
        cmocka_unit_test(test_budget_and_depth),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_packet),
        cmocka_unit_test(test_extensions),
        cmocka_unit_test(test_concurrent_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
