/* jit_prove.c — what the JIT proves by itself about memory accesses before it
 * emits code, so that checked mode (unverified programs) pays for fewer checks:
 *
 *  - accesses through a pointer derived from r10 that stay inside the current
 *    frame at any call depth need no check. Values are tracked per basic block
 *    (reset at every jump target and after calls): scalars as unsigned ranges,
 *    r10-derived pointers as r10 + [lo, hi]; the not-taken side of a compare
 *    narrows its register.
 *  - loads from one base register inside a basic block, a few bytes apart (at most
 *    16 slots), with nothing between them that could fault or write memory or the base, share one
 *    check of their union. When that check fails the loads are checked one by one
 *    in program order out of line (jit_group_slow), so the fault is exactly the
 *    interpreter's: same instruction, address and size.
 * Both are sound on their own; the verifier's facts (FACT_MEM_SAFE) come on top.
 * The same ranges mark multiplies by a value that is 0 or 1 (LOC_DST01/SRC01),
 * which the emitter turns into a negate and an AND: 1 cycle of latency for imul's 3.
 */
#include "exec/jit_int.h"

#include <stdlib.h>
#include <string.h>

enum { V_ANY, V_SCALAR, V_STACK };

typedef struct val {
    uint8_t kind;
    uint64_t lo, hi; /* V_SCALAR: unsigned range; V_STACK: r10 + [lo, hi] as int64 */
} val;

#define U32MAX 0xffffffffull

static val any(void) { return (val){ V_ANY, 0, UINT64_MAX }; }
static val scalar(uint64_t lo, uint64_t hi) { return (val){ V_SCALAR, lo, hi }; }
static val stackv(int64_t lo, int64_t hi)
{
    if (lo < -(1 << 20) || hi > (1 << 20))
        return any();
    return (val){ V_STACK, (uint64_t)lo, (uint64_t)hi };
}
static int64_t slo(val v) { return (int64_t)v.lo; }
static int64_t shi(val v) { return (int64_t)v.hi; }
static val sc32(void) { return scalar(0, U32MAX); }

/* A 32-bit result: its range when the operand fits, else any 32-bit value. */
static val as32(val v) { return v.kind == V_SCALAR && v.hi <= U32MAX ? v : sc32(); }

static bool is_target_row(const isa_row *r)
{
    return r->shape == SH_JA || r->shape == SH_JCOND_K || r->shape == SH_JCOND_X ||
           (r->shape == SH_CALL && r->imm == I_CALL) || r->shape == SH_LDDW;
}

/* Slots where execution can arrive other than from the previous slot. */
static uint8_t *block_starts(const bpfvm_prog *p)
{
    uint8_t *t = calloc(p->n + 1, 1);
    if (!t)
        return NULL;
    for (uint32_t i = 0; i < p->n; i++) {
        uint16_t id = p->info.rows[i];
        if (id == ISA_LDDW_HI)
            continue;
        const isa_row *r = &isa_rows[id];
        if (is_target_row(r)) {
            int64_t tg = isa_target(&p->insns[i], r, i);
            if (tg >= 0 && tg <= (int64_t)p->n)
                t[tg] = 1;
        }
        if (r->shape == SH_JA || r->shape == SH_EXIT) /* what follows is reached by jumps only */
            t[i + 1] = 1;
    }
    for (uint32_t f = 0; f < p->info.nfuncs; f++)
        t[p->info.func_start[f]] = 1;
    return t;
}

static void narrow(val *v, int cc_taken_not, uint64_t k, bool w64)
{
    /* Only the unsigned compares of a scalar with a constant on the fall-through
     * side: `if v > k goto` falls through with v <= k, and so on. */
    if (v->kind != V_SCALAR || !w64)
        return;
    switch (cc_taken_not) {
    case ISA_JGT_K: if (v->hi > k) v->hi = k; break;           /* v <= k */
    case ISA_JGE_K: if (k && v->hi > k - 1) v->hi = k - 1; break; /* v < k */
    case ISA_JLT_K: if (v->lo < k) v->lo = k; break;             /* v >= k */
    case ISA_JLE_K: if (k != UINT64_MAX && v->lo < k + 1) v->lo = k + 1; break;
    default: break;
    }
    if (v->lo > v->hi)
        *v = any(); /* unreachable fall-through: nothing to prove there */
}

static val transfer(const val *R, const isa_insn *in, uint16_t id, val old_dst)
{
    val s = R[in->src];
    uint64_t k64 = (uint64_t)(int64_t)in->imm, k32 = (uint32_t)in->imm;
    switch (id) {
    case ISA_MOV64_K: return scalar(k64, k64);
    case ISA_MOV32_K: return scalar(k32, k32);
    case ISA_MOV64_X: return s;
    case ISA_MOV32_X: return as32(s);
    case ISA_LDXB: case ISA_LDACQB: return scalar(0, 0xff);
    case ISA_LDXH: case ISA_LDACQH: return scalar(0, 0xffff);
    case ISA_LDXW: case ISA_LDACQW: return sc32();
    case ISA_AND64_K:
        if (old_dst.kind != V_SCALAR)
            return (int64_t)k64 >= 0 ? scalar(0, k64) : any();
        return scalar(0, (int64_t)k64 >= 0 && k64 < old_dst.hi ? k64 : old_dst.hi);
    case ISA_AND32_K: {
        uint64_t hi = old_dst.kind == V_SCALAR && old_dst.hi < U32MAX ? old_dst.hi : U32MAX;
        return scalar(0, k32 < hi ? k32 : hi);
    }
    case ISA_AND64_X: {
        uint64_t a = old_dst.kind == V_SCALAR ? old_dst.hi : UINT64_MAX, b = s.kind == V_SCALAR ? s.hi : UINT64_MAX;
        return b == UINT64_MAX && a == UINT64_MAX ? any() : scalar(0, a < b ? a : b);
    }
    case ISA_RSH64_K: {
        unsigned n = (unsigned)in->imm & 63;
        return old_dst.kind == V_SCALAR ? scalar(old_dst.lo >> n, old_dst.hi >> n) : scalar(0, UINT64_MAX >> n);
    }
    case ISA_RSH32_K: {
        unsigned n = (unsigned)in->imm & 31;
        val d = as32(old_dst);
        return scalar(d.lo >> n, d.hi >> n);
    }
    case ISA_LSH64_K: {
        unsigned n = (unsigned)in->imm & 63;
        if (old_dst.kind != V_SCALAR || (n && old_dst.hi > (UINT64_MAX >> n)))
            return any();
        return scalar(old_dst.lo << n, old_dst.hi << n);
    }
    case ISA_LSH32_K: {
        unsigned n = (unsigned)in->imm & 31;
        val d = as32(old_dst);
        return d.hi << n <= U32MAX ? scalar(d.lo << n, d.hi << n) : sc32();
    }
    case ISA_MOD64_K: return k64 ? scalar(0, k64 - 1) : old_dst;
    case ISA_MOD32_K: return k32 ? scalar(0, k32 - 1) : as32(old_dst);
    case ISA_ADD64_K:
    case ISA_SUB64_K: {
        int64_t k = id == ISA_ADD64_K ? in->imm : -(int64_t)in->imm;
        if (old_dst.kind == V_STACK)
            return stackv(slo(old_dst) + k, shi(old_dst) + k);
        if (old_dst.kind == V_SCALAR && old_dst.hi < (1ull << 62) && (k >= 0 || old_dst.lo >= (uint64_t)-k))
            return scalar(old_dst.lo + (uint64_t)k, old_dst.hi + (uint64_t)k);
        return any();
    }
    case ISA_ADD64_X: {
        val d = old_dst, x = s;
        if (d.kind == V_SCALAR && x.kind == V_STACK) {
            val t = d;
            d = x;
            x = t;
        }
        if (d.kind == V_STACK && x.kind == V_SCALAR && x.hi < (1u << 20))
            return stackv(slo(d) + (int64_t)x.lo, shi(d) + (int64_t)x.hi);
        if (d.kind == V_SCALAR && x.kind == V_SCALAR && d.hi < (1ull << 62) && x.hi < (1ull << 62))
            return scalar(d.lo + x.lo, d.hi + x.hi);
        return any();
    }
    case ISA_SUB64_X:
        if (old_dst.kind == V_STACK && s.kind == V_SCALAR && s.hi < (1u << 20))
            return stackv(slo(old_dst) - (int64_t)s.hi, shi(old_dst) - (int64_t)s.lo);
        return any();
    default:
        break;
    }
    const isa_row *r = &isa_rows[id];
    if (isa_is32(r) && r->shape <= SH_END)
        return sc32(); /* any other 32-bit ALU result is zero-extended */
    return any();
}

static bool plain_load(const isa_row *r) { return r->shape == SH_LDX; }

/* May slot j fault, write memory, leave the block or end the program? */
static bool barrier(const isa_row *r)
{
    switch (r->shape) {
    case SH_ALU_K: case SH_ALU_X: case SH_NEG: case SH_MOVSX: case SH_END: case SH_LDDW: case SH_LDDW_HI:
        return false;
    default:
        return true;
    }
}

/* Where `if c goto +1; goto L` becomes one `if !c goto L` (LOC_FUSE on the
 * conditional jump): when nothing else jumps to the goto, and L is forward or the
 * goto leaves an inner loop that continues at +1 (bubble sort's inner loop:
 * `if j < n goto +1; goto outer`): the inner loop then runs one not-taken branch
 * instead of a taken one. Not when the goto is the back edge of the loop it
 * ends (`if i == n goto +1; goto head`): the two forms have the same taken
 * branches there, and the single `jne head` measured slower on Zen 4 (collatz,
 * 12%). An inner loop: a backward jump to a slot in (L, i] within the 64 slots
 * after the goto (a bounded look, so compile time stays linear). */
static bool is_jump_shape(uint8_t sh) { return sh == SH_JA || sh == SH_JCOND_K || sh == SH_JCOND_X; }

static void mark_fusions(const bpfvm_prog *p, const uint8_t *starts, uint8_t *loc)
{
    for (uint32_t i = 0; i + 2 <= p->n; i++) {
        const isa_row *r = &isa_rows[p->info.rows[i]];
        uint16_t gid = p->info.rows[i + 1];
        if ((r->shape != SH_JCOND_K && r->shape != SH_JCOND_X) || p->insns[i].off != 1 ||
            (gid != ISA_JA && gid != ISA_JA32) || starts[i + 1])
            continue;
        int64_t l = isa_target(&p->insns[i + 1], &isa_rows[gid], i + 1);
        bool fuse = l > (int64_t)i + 1;
        for (uint32_t j = i + 2; !fuse && l >= 0 && j < p->n && j <= i + 65; j++) {
            const isa_row *jr = &isa_rows[p->info.rows[j]];
            if (!is_jump_shape(jr->shape))
                continue;
            int64_t h = isa_target(&p->insns[j], jr, j);
            fuse = h > l && h <= (int64_t)i;
        }
        if (fuse)
            loc[i] |= LOC_FUSE;
    }
}

int jit_prove(jit_ctx *J)
{
    const bpfvm_prog *p = J->p;
    uint8_t *starts = block_starts(p);
    uint8_t *loc = calloc(p->n + 1, 1);
    if (!starts || !loc) {
        free(starts);
        free(loc);
        return -1;
    }
    for (uint32_t i = 0; i <= p->n; i++)
        if (starts[i])
            loc[i] |= LOC_TARGET;
    mark_fusions(p, starts, loc);
    val R[11];
    for (int r = 0; r < 10; r++)
        R[r] = any();
    R[10] = stackv(0, 0);
    for (uint32_t i = 0; i < p->n; i++) {
        uint16_t id = p->info.rows[i];
        if (starts[i])
            for (int r = 0; r < 10; r++)
                R[r] = any();
        if (id == ISA_LDDW_HI)
            continue;
        const isa_row *r = &isa_rows[id];
        const isa_insn *in = &p->insns[i];
        switch (r->shape) {
        case SH_LDX: case SH_ST: case SH_STX: case SH_ATOMIC: case SH_LDACQ: case SH_STREL: {
            int b = (r->shape == SH_LDX || r->shape == SH_LDACQ) ? in->src : in->dst;
            val v = R[b];
            if (v.kind == V_STACK && slo(v) + in->off >= -(int64_t)BPFVM_STACK_SIZE &&
                shi(v) + in->off + (int64_t)r->size <= 0)
                loc[i] |= LOC_SAFE;
            break;
        }
        case SH_JCOND_K:
            narrow(&R[in->dst], id, (uint64_t)(int64_t)in->imm, r->size == 8);
            break;
        case SH_ALU_K: case SH_ALU_X: /* a multiply by a 0-or-1 value is a mask (crc32, collatz) */
            if (id == ISA_MUL32_K || id == ISA_MUL32_X || id == ISA_MUL64_K || id == ISA_MUL64_X) {
                if (R[in->dst].kind == V_SCALAR && R[in->dst].hi <= 1)
                    loc[i] |= LOC_DST01;
                if (r->shape == SH_ALU_X && R[in->src].kind == V_SCALAR && R[in->src].hi <= 1)
                    loc[i] |= LOC_SRC01;
            }
            break;
        case SH_CALL: case SH_CALLX:
            for (int k = 0; k < 10; k++)
                R[k] = any();
            break;
        default:
            break;
        }
        if (r->shape == SH_ATOMIC || r->shape == SH_LDABS || r->shape == SH_LDIND)
            R[0] = any();
        if (r->src == S_RW)
            R[in->src] = any();
        if (isa_writes_dst(r) && in->dst != 10)
            R[in->dst] = transfer(R, in, id, R[in->dst]);
    }

    /* Load groups: a lead load and later loads of the same base within 8 bytes. */
    size_t cap = 0, ng = 0;
    jit_group *g = NULL;
    for (uint32_t i = 0; i < p->n; i++) {
        uint16_t id = p->info.rows[i];
        if (id == ISA_LDDW_HI || !plain_load(&isa_rows[id]) || (loc[i] & LOC_SAFE) ||
            (p->facts && (p->facts[i] & FACT_MEM_SAFE)))
            continue;
        const isa_insn *lead = &p->insns[i];
        int b = lead->src;
        if (b == 10)
            continue;
        int64_t lo = lead->off, hi = lead->off + isa_rows[id].size;
        uint32_t members[8], nm = 1, last = i;
        members[0] = i;
        for (uint32_t j = i + 1; j < p->n && j <= i + 16 && nm < 8 && lead->dst != b; j++) {
            uint16_t jd = p->info.rows[j];
            if (starts[j])
                break;
            const isa_row *jr = &isa_rows[jd];
            const isa_insn *jn = &p->insns[j];
            if (jd != ISA_LDDW_HI && plain_load(jr) && jn->src == b && !(loc[j] & LOC_SAFE) &&
                !(p->facts && (p->facts[j] & FACT_MEM_SAFE))) {
                int64_t nlo = jn->off < lo ? jn->off : lo, nhi = jn->off + jr->size > hi ? jn->off + jr->size : hi;
                if (nhi - nlo > 8)
                    break;
                lo = nlo, hi = nhi;
                members[nm++] = j;
                last = j;
                if (jn->dst == b)
                    break;
                continue;
            }
            if (jd == ISA_LDDW_HI)
                continue;
            if (barrier(jr) && !(plain_load(jr) && ((loc[j] & LOC_SAFE) || (p->facts && (p->facts[j] & FACT_MEM_SAFE)))))
                break;
            if (isa_writes_dst(jr) && jn->dst == b)
                break;
            if (plain_load(jr) && jn->dst == b)
                break;
        }
        (void)last;
        if (nm < 2)
            continue;
        if (ng == cap) {
            cap = cap ? cap * 2 : 16;
            jit_group *ngp = realloc(g, cap * sizeof *g);
            if (!ngp) {
                free(g);
                free(starts);
                free(loc);
                return -1;
            }
            g = ngp;
        }
        jit_group *grp = &g[ng];
        memset(grp, 0, sizeof *grp);
        grp->lo = (int32_t)lo;
        grp->size = (uint8_t)(hi - lo);
        grp->n = (uint8_t)nm;
        for (uint32_t k = 0; k < nm; k++) {
            const isa_insn *m = &p->insns[members[k]];
            grp->insn[k] = members[k];
            grp->off[k] = m->off;
            grp->msize[k] = isa_rows[p->info.rows[members[k]]].size;
            loc[members[k]] |= k ? LOC_MEMBER : LOC_LEAD;
        }
        ng++;
        i = members[nm - 1];
    }
    free(starts);
    J->loc = loc;
    J->groups = g;
    J->ngroups = ng;
    return 0;
}
