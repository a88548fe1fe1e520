/* interp_loop.h — the interpreter's dispatch loop, included by interp.c twice:
 * once plain (INTERP_TRACE 0) and once calling the trace hook after every
 * instruction (INTERP_TRACE 1), so tracing costs nothing when it is off.
 * One vmcase per row of isa.def; see interp.c for the conventions.
 */

#if defined(__GNUC__) && !defined(BPFVM_INTERP_SWITCH)
#define vmdispatch(x) goto *disptab[x];
#define vmcase(l) L_##l:
#define vmucase(l) U_##l:
#define vmbreak vmfetch(); vmdispatch(pc->op)
#else
#define vmdispatch(x) switch (x)
#define vmcase(l) case ISA_##l:
#define vmucase(l) case ISA_NROWS + ISA_##l:
#define vmbreak break
#endif

#if INTERP_TRACE
#define vmfetch() do { if (last) c->trace(c->trace_user, last - base, R, depth); last = pc; } while (0)
#else
#define vmfetch() ((void)0)
#endif

#define D R[pc->dst]
#define S R[pc->src]
#define K (pc->imm)
#define W(x) ((uint64_t)(uint32_t)(x))
#define NEXT pc++; vmbreak;
/* Take a jump to slot t; backward jumps are charged to the step budget. */
#define TAKE(t)                                                   \
    const ix *np_ = base + (t);                                   \
    if (np_ <= pc) {                                              \
        budget -= (pc - np_) + 1;                                 \
        if (UNLIKELY(budget < 0))                                 \
            goto out_of_budget;                                   \
    }                                                             \
    pc = np_;
/* Helpers see the budget, depth and frame pointer (for callbacks) and may set
 * c->pending to fail the program or request a tail call. */
#define HELPER_CALL(fn)                                           \
    c->budget = budget;                                           \
    c->depth = depth;                                             \
    c->r10 = R[10];                                               \
    R[0] = fn(R[1], R[2], R[3], R[4], R[5], c);                   \
    budget = c->budget;                                           \
    if (UNLIKELY(c->pending))                                     \
        goto helper_pending;                                      \
    NEXT
#define COND(cond) { if (cond) { TAKE(pc->off) } else pc++; } vmbreak;
#define ADDR_D ((uint64_t)(D + (uint64_t)(int64_t)pc->off))
#define ADDR_S ((uint64_t)(S + (uint64_t)(int64_t)pc->off))
#define CHECK(a, sz, w)                                           \
    if (UNLIKELY(!exec_mem_ok(c, (a), (sz), (w)))) {                   \
        fault_addr = (a);                                         \
        fault_size = (sz);                                        \
        fault_write = (w);                                        \
        goto mem_fault;                                           \
    }
#define CHECK_ALIGNED(a, sz, w)                                   \
    CHECK(a, sz, w)                                               \
    if (UNLIKELY((a) & ((sz) - 1))) {                             \
        fault_addr = (a);                                         \
        fault_size = (sz);                                        \
        goto misaligned;                                          \
    }
#define NOCHECK(a, sz, w)
/* Memory rows: each kind takes two parameters and the check to use (CK for plain
 * accesses, CKA for those that must also be aligned). */
#define LOADX(T, ET, CK, CKA)  { uint64_t a_ = ADDR_S; CK(a_, sizeof(T), false) D = (uint64_t)(ET)LD(T, a_); } NEXT
#define STOREI(T, _, CK, CKA)  { uint64_t a_ = ADDR_D; CK(a_, sizeof(T), true) ST(T, a_, K); } NEXT
#define STOREX(T, _, CK, CKA)  { uint64_t a_ = ADDR_D; CK(a_, sizeof(T), true) ST(T, a_, S); } NEXT
#define ATOMIC_PTR(T, CKA) uint64_t a_ = ADDR_D; CKA(a_, sizeof(T), true) T *p_ = (T *)(uintptr_t)a_;
#define ATOMIC_OP(T, fn, CK, CKA)  { ATOMIC_PTR(T, CKA) fn(p_, (T)S, __ATOMIC_SEQ_CST); } NEXT
#define ATOMIC_FETCH(T, fn, CK, CKA) { ATOMIC_PTR(T, CKA) S = fn(p_, (T)S, __ATOMIC_SEQ_CST); } NEXT
#define CMPXCHG(T, _, CK, CKA)                                                                    \
    {                                                                                             \
        ATOMIC_PTR(T, CKA)                                                                        \
        T expect = (T)R[0];                                                                       \
        __atomic_compare_exchange_n(p_, &expect, (T)S, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
        R[0] = expect;                                                                            \
    }                                                                                             \
    NEXT
#define LDACQ(T, _, CK, CKA) { uint64_t a_ = ADDR_S; CKA(a_, sizeof(T), false) D = __atomic_load_n((T *)(uintptr_t)a_, __ATOMIC_ACQUIRE); } NEXT
#define STREL(T, _, CK, CKA) { uint64_t a_ = ADDR_D; CKA(a_, sizeof(T), true) __atomic_store_n((T *)(uintptr_t)a_, (T)S, __ATOMIC_RELEASE); } NEXT
#define GEN_CHECKED(id, kind, A, B) vmcase(id) kind(A, B, CHECK, CHECK_ALIGNED)
#define GEN_UNCHECKED(id, kind, A, B) vmucase(id) kind(A, B, NOCHECK, NOCHECK)
#define LDABS(T, swap, off_expr)                                  \
    {                                                             \
        int64_t o_ = (off_expr);                                  \
        if (UNLIKELY(o_ < 0 || (uint64_t)o_ + sizeof(T) > c->ldabs_len)) \
            goto packet_abort;                                    \
        R[0] = swap(LD(T, c->ldabs_pkt + o_));                          \
    }                                                             \
    NEXT

/* Runs from `start` until the frame at base_depth exits. base_depth is 0 for a
 * program run and > 0 when a helper calls back into BPF (bpf_loop). */
static int INTERP_NAME(struct bpfvm_call *c, const ix *start, unsigned base_depth, uint64_t r10,
                       const uint64_t args[5], uint64_t *r0, bpfvm_error *err)
{
#if defined(__GNUC__) && !defined(BPFVM_INTERP_SWITCH)
    static const void *const disptab[2 * ISA_NROWS] = {
#define ROW(id, ...) [ISA_##id] = &&L_##id,
#include "isa/isa.def"
#undef ROW
#define UNCHECKED_ENTRY(id, kind, A, B) [ISA_NROWS + ISA_##id] = &&U_##id,
        MEM_ROWS(UNCHECKED_ENTRY)
#undef UNCHECKED_ENTRY
    };
#endif
    const bpfvm_prog *p = c->prog;
    const ix *base = p->interp->code;
    const ix *pc = start;
    uint64_t R[11] = { 0 };
    frame frames[BPFVM_MAX_FRAMES];
    unsigned depth = base_depth;
    int64_t budget = c->budget;
    uint64_t fault_addr = 0, fault_size = 0;
    bool fault_write = false;
#if INTERP_TRACE
    const ix *last = NULL;
#endif
    memcpy(&R[1], args, 5 * sizeof(uint64_t));
    R[10] = r10;

    for (;;) {
        vmfetch();
        vmdispatch(pc->op) {
        /* ---- ALU (32-bit) ---- */
        vmcase(ADD32_K) { D = W(D + K); NEXT }
        vmcase(ADD32_X) { D = W(D + S); NEXT }
        vmcase(SUB32_K) { D = W(D - K); NEXT }
        vmcase(SUB32_X) { D = W(D - S); NEXT }
        vmcase(MUL32_K) { D = W((uint32_t)D * (uint32_t)K); NEXT }
        vmcase(MUL32_X) { D = W((uint32_t)D * (uint32_t)S); NEXT }
        vmcase(DIV32_K) { D = udiv32(D, K); NEXT }
        vmcase(DIV32_X) { D = udiv32(D, S); NEXT }
        vmcase(SDIV32_K) { D = sdiv32(D, K); NEXT }
        vmcase(SDIV32_X) { D = sdiv32(D, S); NEXT }
        vmcase(OR32_K) { D = W(D | K); NEXT }
        vmcase(OR32_X) { D = W(D | S); NEXT }
        vmcase(AND32_K) { D = W(D & K); NEXT }
        vmcase(AND32_X) { D = W(D & S); NEXT }
        vmcase(LSH32_K) { D = W((uint32_t)D << K); NEXT }
        vmcase(LSH32_X) { D = W((uint32_t)D << (S & 31)); NEXT }
        vmcase(RSH32_K) { D = W((uint32_t)D >> K); NEXT }
        vmcase(RSH32_X) { D = W((uint32_t)D >> (S & 31)); NEXT }
        vmcase(NEG32) { D = W(0u - (uint32_t)D); NEXT }
        vmcase(MOD32_K) { D = umod32(D, K); NEXT }
        vmcase(MOD32_X) { D = umod32(D, S); NEXT }
        vmcase(SMOD32_K) { D = smod32(D, K); NEXT }
        vmcase(SMOD32_X) { D = smod32(D, S); NEXT }
        vmcase(XOR32_K) { D = W(D ^ K); NEXT }
        vmcase(XOR32_X) { D = W(D ^ S); NEXT }
        vmcase(MOV32_K) { D = K; NEXT }
        vmcase(MOV32_X) { D = W(S); NEXT }
        vmcase(MOVSX8_32) { D = W((int32_t)(int8_t)S); NEXT }
        vmcase(MOVSX16_32) { D = W((int32_t)(int16_t)S); NEXT }
        vmcase(ARSH32_K) { D = W((int32_t)D >> K); NEXT }
        vmcase(ARSH32_X) { D = W((int32_t)D >> (S & 31)); NEXT }
        vmcase(LE16) { D = (uint16_t)D; NEXT }
        vmcase(LE32) { D = (uint32_t)D; NEXT }
        vmcase(LE64) { NEXT }
        vmcase(BE16) { D = bswap16_(D); NEXT }
        vmcase(BE32) { D = bswap32_(D); NEXT }
        vmcase(BE64) { D = bswap64_(D); NEXT }

        /* ---- ALU64 ---- */
        vmcase(ADD64_K) { D += K; NEXT }
        vmcase(ADD64_X) { D += S; NEXT }
        vmcase(SUB64_K) { D -= K; NEXT }
        vmcase(SUB64_X) { D -= S; NEXT }
        vmcase(MUL64_K) { D *= K; NEXT }
        vmcase(MUL64_X) { D *= S; NEXT }
        vmcase(DIV64_K) { D = udiv64(D, K); NEXT }
        vmcase(DIV64_X) { D = udiv64(D, S); NEXT }
        vmcase(SDIV64_K) { D = sdiv64(D, K); NEXT }
        vmcase(SDIV64_X) { D = sdiv64(D, S); NEXT }
        vmcase(OR64_K) { D |= K; NEXT }
        vmcase(OR64_X) { D |= S; NEXT }
        vmcase(AND64_K) { D &= K; NEXT }
        vmcase(AND64_X) { D &= S; NEXT }
        vmcase(LSH64_K) { D <<= K; NEXT }
        vmcase(LSH64_X) { D <<= (S & 63); NEXT }
        vmcase(RSH64_K) { D >>= K; NEXT }
        vmcase(RSH64_X) { D >>= (S & 63); NEXT }
        vmcase(NEG64) { D = 0u - D; NEXT }
        vmcase(MOD64_K) { D = umod64(D, K); NEXT }
        vmcase(MOD64_X) { D = umod64(D, S); NEXT }
        vmcase(SMOD64_K) { D = smod64(D, K); NEXT }
        vmcase(SMOD64_X) { D = smod64(D, S); NEXT }
        vmcase(XOR64_K) { D ^= K; NEXT }
        vmcase(XOR64_X) { D ^= S; NEXT }
        vmcase(MOV64_K) { D = K; NEXT }
        vmcase(MOV64_X) { D = S; NEXT }
        vmcase(MOVSX8_64) { D = (uint64_t)(int64_t)(int8_t)S; NEXT }
        vmcase(MOVSX16_64) { D = (uint64_t)(int64_t)(int16_t)S; NEXT }
        vmcase(MOVSX32_64) { D = (uint64_t)(int64_t)(int32_t)S; NEXT }
        vmcase(ARSH64_K) { D = (uint64_t)((int64_t)D >> K); NEXT }
        vmcase(ARSH64_X) { D = (uint64_t)((int64_t)D >> (S & 63)); NEXT }
        vmcase(BSWAP16) { D = bswap16_(D); NEXT }
        vmcase(BSWAP32) { D = bswap32_(D); NEXT }
        vmcase(BSWAP64) { D = bswap64_(D); NEXT }

        /* ---- JMP ---- */
        vmcase(JA) { TAKE(pc->off) vmbreak; }
        vmcase(JA32) { TAKE(pc->off) vmbreak; }
        vmcase(JEQ_K) COND(D == K)
        vmcase(JEQ_X) COND(D == S)
        vmcase(JGT_K) COND(D > K)
        vmcase(JGT_X) COND(D > S)
        vmcase(JGE_K) COND(D >= K)
        vmcase(JGE_X) COND(D >= S)
        vmcase(JSET_K) COND(D & K)
        vmcase(JSET_X) COND(D & S)
        vmcase(JNE_K) COND(D != K)
        vmcase(JNE_X) COND(D != S)
        vmcase(JSGT_K) COND((int64_t)D > (int64_t)K)
        vmcase(JSGT_X) COND((int64_t)D > (int64_t)S)
        vmcase(JSGE_K) COND((int64_t)D >= (int64_t)K)
        vmcase(JSGE_X) COND((int64_t)D >= (int64_t)S)
        vmcase(JLT_K) COND(D < K)
        vmcase(JLT_X) COND(D < S)
        vmcase(JLE_K) COND(D <= K)
        vmcase(JLE_X) COND(D <= S)
        vmcase(JSLT_K) COND((int64_t)D < (int64_t)K)
        vmcase(JSLT_X) COND((int64_t)D < (int64_t)S)
        vmcase(JSLE_K) COND((int64_t)D <= (int64_t)K)
        vmcase(JSLE_X) COND((int64_t)D <= (int64_t)S)

        /* ---- JMP32 ---- */
        vmcase(JEQ32_K) COND((uint32_t)D == (uint32_t)K)
        vmcase(JEQ32_X) COND((uint32_t)D == (uint32_t)S)
        vmcase(JGT32_K) COND((uint32_t)D > (uint32_t)K)
        vmcase(JGT32_X) COND((uint32_t)D > (uint32_t)S)
        vmcase(JGE32_K) COND((uint32_t)D >= (uint32_t)K)
        vmcase(JGE32_X) COND((uint32_t)D >= (uint32_t)S)
        vmcase(JSET32_K) COND((uint32_t)D & (uint32_t)K)
        vmcase(JSET32_X) COND((uint32_t)D & (uint32_t)S)
        vmcase(JNE32_K) COND((uint32_t)D != (uint32_t)K)
        vmcase(JNE32_X) COND((uint32_t)D != (uint32_t)S)
        vmcase(JSGT32_K) COND((int32_t)D > (int32_t)K)
        vmcase(JSGT32_X) COND((int32_t)D > (int32_t)S)
        vmcase(JSGE32_K) COND((int32_t)D >= (int32_t)K)
        vmcase(JSGE32_X) COND((int32_t)D >= (int32_t)S)
        vmcase(JLT32_K) COND((uint32_t)D < (uint32_t)K)
        vmcase(JLT32_X) COND((uint32_t)D < (uint32_t)S)
        vmcase(JLE32_K) COND((uint32_t)D <= (uint32_t)K)
        vmcase(JLE32_X) COND((uint32_t)D <= (uint32_t)S)
        vmcase(JSLT32_K) COND((int32_t)D < (int32_t)K)
        vmcase(JSLT32_X) COND((int32_t)D < (int32_t)S)
        vmcase(JSLE32_K) COND((int32_t)D <= (int32_t)K)
        vmcase(JSLE32_X) COND((int32_t)D <= (int32_t)S)

        /* ---- calls ---- */
        vmcase(CALL_HELPER) {
            bpfvm_helper_fn fn = (bpfvm_helper_fn)(uintptr_t)K;
            HELPER_CALL(fn)
        }
        vmcase(CALLX) {
            bpfvm_helper_fn fn = vm_helper(p->vm, D);
            if (UNLIKELY(!fn))
                return exec_fault_callx(err, pc - base, pc->dst, D);
            HELPER_CALL(fn)
        }
        vmcase(CALL_KFUNC) {
            return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, pc - base, "kfunc calls are not supported");
        }
        vmcase(CALL_LOCAL) {
            if (UNLIKELY(depth + 1 >= BPFVM_MAX_FRAMES))
                return exec_fault_depth(err, pc - base);
            frame *f = &frames[depth++ - base_depth];
            f->ret = pc + 1;
            memcpy(f->saved, &R[6], sizeof f->saved);
            R[10] -= BPFVM_STACK_SIZE;
            budget -= (int64_t)K;
            if (UNLIKELY(budget < 0))
                goto out_of_budget;
            pc = base + pc->off;
            vmbreak;
        }
        vmcase(EXIT) {
            if (depth == base_depth) {
#if INTERP_TRACE
                c->trace(c->trace_user, pc - base, R, depth);
#endif
                *r0 = R[0];
                c->budget = budget;
                return 0;
            }
            frame *f = &frames[--depth - base_depth];
            memcpy(&R[6], f->saved, sizeof f->saved);
            pc = f->ret;
            vmbreak;
        }
        vmcase(MAY_GOTO) {
            if (c->may_goto_left == 0) {
                TAKE(pc->off)
            } else {
                c->may_goto_left--;
                pc++;
            }
            vmbreak;
        }

        /* ---- LD ---- */
        vmcase(LDDW) { D = K; pc += 2; vmbreak; }
        vmcase(LDDW_MAP_FD) { D = K; pc += 2; vmbreak; }
        vmcase(LDDW_MAP_VAL) { D = K; pc += 2; vmbreak; }
        vmcase(LDDW_VAR) { D = K; pc += 2; vmbreak; }
        vmcase(LDDW_CODE) { D = K; pc += 2; vmbreak; }
        vmcase(LDDW_MAP_IDX) { D = K; pc += 2; vmbreak; }
        vmcase(LDDW_MAP_IDX_VAL) { D = K; pc += 2; vmbreak; }
        vmcase(LDDW_HI) {
            return bpfvm_fail(err, BPFVM_E_INVALID, pc - base, "executed the second slot of lddw");
        }
        vmcase(LDABSW) LDABS(uint32_t, __builtin_bswap32, (int64_t)K)
        vmcase(LDABSH) LDABS(uint16_t, __builtin_bswap16, (int64_t)K)
        vmcase(LDABSB) LDABS(uint8_t, (uint8_t), (int64_t)K)
        vmcase(LDINDW) LDABS(uint32_t, __builtin_bswap32, (int32_t)((uint32_t)S + (uint32_t)K))
        vmcase(LDINDH) LDABS(uint16_t, __builtin_bswap16, (int32_t)((uint32_t)S + (uint32_t)K))
        vmcase(LDINDB) LDABS(uint8_t, (uint8_t), (int32_t)((uint32_t)S + (uint32_t)K))

        /* ---- memory: checked, and (ISA_NROWS + id) proven safe by the verifier ---- */
        MEM_ROWS(GEN_CHECKED)
        MEM_ROWS(GEN_UNCHECKED)
        }
    }

mem_fault:
    c->budget = budget;
    return exec_fault_mem(c, err, pc - base, fault_addr, fault_size, fault_write);
misaligned:
    return exec_fault_misaligned(err, pc - base, fault_addr, fault_size);
out_of_budget:
    return exec_fault_budget(err, pc - base, c->budget);
helper_pending:
    if (c->pending & PENDING_FAIL)
        return exec_fault_helper(c, err, pc - base);
    /* tail call: the target replaces the running program, keeping r1 (the context) */
    if (depth != 0)
        return exec_fault_tailcall_depth(err, pc - base);
    c->pending = 0;
    p = c->prog = c->tail_prog;
    base = pc = p->interp->code;
    R[10] = c->stack_hi;
    vmbreak;
packet_abort:
    /* Linux semantics: an out-of-bounds legacy packet load ends the program with 0. */
    *r0 = 0;
    c->budget = budget;
    return 0;
}

#undef vmdispatch
#undef vmcase
#undef vmucase
#undef vmbreak
#undef vmfetch
#undef D
#undef S
#undef K
#undef W
#undef NEXT
#undef TAKE
#undef COND
#undef HELPER_CALL
#undef ADDR_D
#undef ADDR_S
#undef CHECK
#undef CHECK_ALIGNED
#undef LOADX
#undef NOCHECK
#undef CMPXCHG
#undef LDACQ
#undef STREL
#undef GEN_CHECKED
#undef GEN_UNCHECKED
#undef STOREI
#undef STOREX
#undef ATOMIC_PTR
#undef ATOMIC_OP
#undef ATOMIC_FETCH
#undef LDABS
