/* interp.c — the interpreter: RFC 9669 semantics over a pre-decoded program.
 *
 * The program is decoded once (interp_build) into 16-byte cells holding the row id,
 * registers, a resolved jump target or memory offset, and a pre-extended immediate,
 * so the loop never re-parses an instruction. Dispatch is computed goto where the
 * compiler has it and a switch otherwise, from the same source (vmdispatch/vmcase,
 * as in Lua's lvm.c). Every row of isa.def must have a vmcase: the label table is
 * generated from the table, so a missing case does not compile.
 *
 * Checked mode (all programs until the verifier lands): every load and store is
 * checked against the run's regions, and a step budget is charged on backward jumps
 * (by the distance jumped) and local calls (by the callee's length), which bounds
 * the work between two charges by the program length.
 * All C arithmetic below is on uint64_t/uint32_t or guarded, so no input makes it
 * undefined: division by zero, INT_MIN / -1 and over-wide shifts are defined here.
 */
#include "exec/interp.h"
#include "exec/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ix {
    uint16_t op;     /* isa_id */
    uint8_t dst, src;
    int32_t off;     /* memory offset, or target slot of a jump / local call */
    uint64_t imm;    /* immediate, already extended to the operation's width */
} ix;

struct interp_code {
    ix *code;
    uint32_t n;
};

/* ---- decode ------------------------------------------------------------------ */

int interp_build(bpfvm_prog *p, bpfvm_error *err)
{
    ix *code = calloc(p->n, sizeof *code);
    struct interp_code *ic = malloc(sizeof *ic);
    if (!code || !ic) {
        free(code);
        free(ic);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory building the interpreter code");
    }
    for (uint32_t i = 0; i < p->n; i++) {
        const isa_insn *in = &p->insns[i];
        uint16_t id = p->info.rows[i];
        ix *c = &code[i];
        c->op = id;
        if (id == ISA_LDDW_HI)
            continue;
        if (p->facts && (p->facts[i] & FACT_MEM_SAFE))
            c->op = (uint16_t)(ISA_NROWS + id); /* proven: the unchecked handler */
        const isa_row *r = &isa_rows[id];
        c->dst = in->dst;
        c->src = in->src;
        c->off = in->off;
        c->imm = (uint64_t)(int64_t)in->imm;           /* sign-extended by default */
        if (r->size == 4 && (r->shape == SH_ALU_K || r->shape == SH_JCOND_K))
            c->imm = (uint32_t)in->imm;                 /* 32-bit ops see (u32)imm */
        switch (r->shape) {
        case SH_ALU_K:
            if (id == ISA_LSH32_K || id == ISA_RSH32_K || id == ISA_ARSH32_K)
                c->imm &= 31;
            if (id == ISA_LSH64_K || id == ISA_RSH64_K || id == ISA_ARSH64_K)
                c->imm &= 63;
            break;
        case SH_JA:
        case SH_JCOND_K:
        case SH_JCOND_X:
            c->off = (int32_t)isa_target(in, r, i);
            break;
        case SH_LDDW:
            c->imm = (uint32_t)in->imm | (uint64_t)(uint32_t)p->insns[i + 1].imm << 32;
            if (id == ISA_LDDW_CODE) /* a callback: tagged slot of the function */
                c->imm = VM_FUNC_TAG | (uint32_t)isa_target(in, r, i);
            else if (p->lddw_values && id != ISA_LDDW) /* map references resolved by the runtime */
                c->imm = p->lddw_values[i];
            break;
        case SH_CALL:
            if (id == ISA_CALL_HELPER) {
                c->imm = (uint64_t)(uintptr_t)vm_helper(p->vm, (uint32_t)in->imm);
            } else if (id == ISA_CALL_LOCAL) {
                uint32_t t = (uint32_t)isa_target(in, r, i);
                uint32_t f = isa_func_of(&p->info, t);
                uint32_t end = f + 1 < p->info.nfuncs ? p->info.func_start[f + 1] : p->n;
                c->off = (int32_t)t;
                c->imm = end - t;                      /* budget charged per call */
            }
            break;
        default:
            break;
        }
    }
    ic->code = code;
    ic->n = p->n;
    p->interp = ic;
    return 0;
}

void interp_free(struct interp_code *ic)
{
    if (ic) {
        free(ic->code);
        free(ic);
    }
}

uint64_t interp_imm(const bpfvm_prog *p, uint32_t i)
{
    return p->interp->code[i].imm;
}

/* Division and modulo with RFC 9669 results for zero divisors and INT_MIN / -1. */
static inline uint64_t udiv64(uint64_t a, uint64_t b) { return b ? a / b : 0; }
static inline uint64_t umod64(uint64_t a, uint64_t b) { return b ? a % b : a; }
static inline uint64_t sdiv64(uint64_t a, uint64_t b)
{
    if (b == 0)
        return 0;
    if (b == UINT64_MAX) /* x / -1 == -x, wrapping for INT64_MIN */
        return 0 - a;
    return (uint64_t)((int64_t)a / (int64_t)b);
}
static inline uint64_t smod64(uint64_t a, uint64_t b)
{
    if (b == 0)
        return a;
    if (b == UINT64_MAX)
        return 0;
    return (uint64_t)((int64_t)a % (int64_t)b);
}
static inline uint64_t udiv32(uint64_t a, uint64_t b)
{
    return (uint32_t)b ? (uint32_t)a / (uint32_t)b : 0;
}
static inline uint64_t umod32(uint64_t a, uint64_t b)
{
    return (uint32_t)b ? (uint32_t)a % (uint32_t)b : (uint32_t)a;
}
static inline uint64_t sdiv32(uint64_t a, uint64_t b)
{
    if ((uint32_t)b == 0)
        return 0;
    if ((uint32_t)b == UINT32_MAX)
        return (uint32_t)(0u - (uint32_t)a);
    return (uint32_t)((int32_t)a / (int32_t)b);
}
static inline uint64_t smod32(uint64_t a, uint64_t b)
{
    if ((uint32_t)b == 0)
        return (uint32_t)a;
    if ((uint32_t)b == UINT32_MAX)
        return 0;
    return (uint32_t)((int32_t)a % (int32_t)b);
}

/* ---- the loop -------------------------------------------------------------------- */

typedef struct frame {
    const ix *ret;
    uint64_t saved[5]; /* r6..r10 */
} frame;

static inline uint64_t bswap16_(uint64_t x) { return __builtin_bswap16((uint16_t)x); }
static inline uint64_t bswap32_(uint64_t x) { return __builtin_bswap32((uint32_t)x); }
static inline uint64_t bswap64_(uint64_t x) { return __builtin_bswap64(x); }

#define LD(T, a) ({ T v_; memcpy(&v_, (const void *)(uintptr_t)(a), sizeof v_); v_; })
#define ST(T, a, v) do { T v_ = (T)(v); memcpy((void *)(uintptr_t)(a), &v_, sizeof v_); } while (0)

/* The memory rows, with the handler kind and its two parameters: generates both
 * the checked handlers and the unchecked ones used where the verifier proved the
 * access in bounds (op = ISA_NROWS + row). */
#define MEM_ROWS(X)                                                                  \
    X(LDXW, LOADX, uint32_t, uint32_t) X(LDXH, LOADX, uint16_t, uint16_t)             \
    X(LDXB, LOADX, uint8_t, uint8_t) X(LDXDW, LOADX, uint64_t, uint64_t)              \
    X(LDXSW, LOADX, int32_t, int64_t) X(LDXSH, LOADX, int16_t, int64_t)               \
    X(LDXSB, LOADX, int8_t, int64_t)                                                  \
    X(STW, STOREI, uint32_t, _) X(STH, STOREI, uint16_t, _) X(STB, STOREI, uint8_t, _) \
    X(STDW, STOREI, uint64_t, _)                                                      \
    X(STXW, STOREX, uint32_t, _) X(STXH, STOREX, uint16_t, _) X(STXB, STOREX, uint8_t, _) \
    X(STXDW, STOREX, uint64_t, _)                                                     \
    X(AADD32, ATOMIC_OP, uint32_t, __atomic_fetch_add) X(AOR32, ATOMIC_OP, uint32_t, __atomic_fetch_or) \
    X(AAND32, ATOMIC_OP, uint32_t, __atomic_fetch_and) X(AXOR32, ATOMIC_OP, uint32_t, __atomic_fetch_xor) \
    X(AFADD32, ATOMIC_FETCH, uint32_t, __atomic_fetch_add) X(AFOR32, ATOMIC_FETCH, uint32_t, __atomic_fetch_or) \
    X(AFAND32, ATOMIC_FETCH, uint32_t, __atomic_fetch_and) X(AFXOR32, ATOMIC_FETCH, uint32_t, __atomic_fetch_xor) \
    X(AXCHG32, ATOMIC_FETCH, uint32_t, __atomic_exchange_n) X(ACMPXCHG32, CMPXCHG, uint32_t, _) \
    X(AADD64, ATOMIC_OP, uint64_t, __atomic_fetch_add) X(AOR64, ATOMIC_OP, uint64_t, __atomic_fetch_or) \
    X(AAND64, ATOMIC_OP, uint64_t, __atomic_fetch_and) X(AXOR64, ATOMIC_OP, uint64_t, __atomic_fetch_xor) \
    X(AFADD64, ATOMIC_FETCH, uint64_t, __atomic_fetch_add) X(AFOR64, ATOMIC_FETCH, uint64_t, __atomic_fetch_or) \
    X(AFAND64, ATOMIC_FETCH, uint64_t, __atomic_fetch_and) X(AFXOR64, ATOMIC_FETCH, uint64_t, __atomic_fetch_xor) \
    X(AXCHG64, ATOMIC_FETCH, uint64_t, __atomic_exchange_n) X(ACMPXCHG64, CMPXCHG, uint64_t, _) \
    X(LDACQB, LDACQ, uint8_t, _) X(LDACQH, LDACQ, uint16_t, _) X(LDACQW, LDACQ, uint32_t, _) \
    X(LDACQDW, LDACQ, uint64_t, _) X(STRELB, STREL, uint8_t, _) X(STRELH, STREL, uint16_t, _) \
    X(STRELW, STREL, uint32_t, _) X(STRELDW, STREL, uint64_t, _)

#define INTERP_NAME interp_loop_fast
#define INTERP_TRACE 0
#include "exec/interp_loop.h"
#undef INTERP_NAME
#undef INTERP_TRACE

#define INTERP_NAME interp_loop_trace
#define INTERP_TRACE 1
#include "exec/interp_loop.h"
#undef INTERP_NAME
#undef INTERP_TRACE

/* bpf_loop & co.: run the function at slot one frame below the caller's. */
static int interp_call_fn(struct bpfvm_call *c, uint32_t slot, const uint64_t args[5], uint64_t *ret)
{
    const ix *start = c->prog->interp->code + slot;
    unsigned depth = c->depth + 1;
    if (depth >= BPFVM_MAX_FRAMES)
        return exec_fault_depth(c->err, -1);
    uint64_t saved_r10 = c->r10;
    int rc = c->trace ? interp_loop_trace(c, start, depth, c->r10 - BPFVM_STACK_SIZE, args, ret, c->err)
                      : interp_loop_fast(c, start, depth, c->r10 - BPFVM_STACK_SIZE, args, ret, c->err);
    c->depth = depth - 1;
    c->r10 = saved_r10;
    return rc;
}

int interp_run(const bpfvm_prog *p, struct bpfvm_call *c, const uint64_t args[5], uint64_t *r0,
               bpfvm_error *err)
{
    /* 64-aligned, as the JIT's: the low bits of r10 are the same in both engines */
    _Alignas(64) uint64_t stack[BPFVM_MAX_FRAMES * BPFVM_STACK_SIZE / 8];
    c->stack_lo = (uint64_t)(uintptr_t)stack;
    c->stack_hi = c->stack_lo + sizeof stack;
    if (p->zero_stack) /* verified code may read stack it never wrote: no host data there */
        memset((uint8_t *)stack + sizeof stack - p->zero_stack, 0, p->zero_stack);
    c->prog = p;
    c->call_fn = interp_call_fn;
    c->err = err;
    if (c->trace)
        return interp_loop_trace(c, p->interp->code, 0, c->stack_hi, args, r0, err);
    return interp_loop_fast(c, p->interp->code, 0, c->stack_hi, args, r0, err);
}
