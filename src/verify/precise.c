/* precise.c — precision tracking, as Linux does it. Scalars start imprecise:
 * pruning treats two scalars as interchangeable unless one was marked precise.
 * When a check depends on a scalar's exact value (a branch decided by it, pointer
 * arithmetic, a helper's size, a checked return value), mark_precise walks the
 * path's history backwards from that instruction, following the data flow
 * through registers and stack slots (spills and fills, across calls), and marks
 * every value it came from precise in the explored states along the path. Pruning
 * then compares exactly what matters and nothing else.
 */
#include "verify/verifier.h"

#include <stdlib.h>
#include <string.h>

#define RBIT(r) ((uint16_t)(1u << (r)))
#define ARGS (RBIT(1) | RBIT(2) | RBIT(3) | RBIT(4) | RBIT(5))

typedef struct masks {
    uint16_t reg[BPFVM_MAX_FRAMES];
    uint64_t stack[BPFVM_MAX_FRAMES];
    uint32_t nf; /* frames >= nf have no marks */
} masks;

static bool masks_empty(const masks *m)
{
    uint64_t any = 0;
    for (unsigned f = 0; f < m->nf; f++)
        any |= m->reg[f] | m->stack[f];
    return !any;
}

int hist_push(venv *e, vstate *s)
{
    if (s->nhist == s->caphist) {
        uint32_t cap = s->caphist ? s->caphist * 2 : 16;
        hist_entry *h = realloc(s->hist, cap * sizeof *h);
        if (!h)
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        s->hist = h;
        s->caphist = cap;
    }
    s->hist[s->nhist++] = (hist_entry){ s->insn, (uint8_t)s->curframe, 0xff, 0, 0 };
    return 0;
}

void hist_stack(vstate *s, uint32_t frame, int64_t off, uint32_t size)
{
    if (!s->nhist || off >= 0 || off < -(int64_t)BPFVM_STACK_SIZE)
        return;
    int64_t spi = (-off - 1) / 8;
    if ((-(off + size - 1) - 1) / 8 != spi && off + (int64_t)size <= 0)
        return; /* spans two slots: not a spill or fill */
    hist_entry *h = &s->hist[s->nhist - 1];
    h->stack_frame = (uint8_t)frame;
    h->spi = (uint8_t)spi;
}

void hist_callback_exit(vstate *s)
{
    if (s->nhist)
        s->hist[s->nhist - 1].callback_exit = 1;
}

/* One step backwards: what the values in m depended on before the instruction. */
static void backtrack(venv *e, const hist_entry *h, masks *m)
{
    uint32_t f = h->frame, i = h->insn;
    if (m->nf < f + 2) /* touches frames f - 1 .. f + 1 at most */
        m->nf = f + 2 < BPFVM_MAX_FRAMES ? f + 2 : BPFVM_MAX_FRAMES;
    uint16_t id = e->rows[i];
    const isa_row *r = &isa_rows[id];
    const isa_insn *in = &e->insns[i];
    uint16_t *rm = &m->reg[f];
    uint16_t d = RBIT(in->dst), s = RBIT(in->src);
    bool stack = h->stack_frame != 0xff;
    uint64_t sbit = stack ? 1ull << h->spi : 0;
    switch (r->shape) {
    case SH_ALU_K:
        if ((*rm & d) && r->dst == D_W) /* mov: dst only written, so a constant */
            *rm &= (uint16_t)~d;
        break;
    case SH_ALU_X:
    case SH_MOVSX:
        if (*rm & d) {
            if (r->dst == D_W) /* a copy: the source carries the value */
                *rm &= (uint16_t)~d;
            *rm |= s;
        }
        break;
    case SH_LDX:
    case SH_LDACQ:
        if (*rm & d) {
            *rm &= (uint16_t)~d;
            if (stack) /* a fill: the spilled value */
                m->stack[h->stack_frame] |= sbit;
        }
        break;
    case SH_ST:
        if (stack)
            m->stack[h->stack_frame] &= ~sbit;
        break;
    case SH_STX:
    case SH_STREL:
        if (stack && (m->stack[h->stack_frame] & sbit)) {
            m->stack[h->stack_frame] &= ~sbit;
            *rm |= s; /* a spill: the register it came from */
        }
        break;
    case SH_ATOMIC:
        if (r->src == S_RW)
            *rm &= (uint16_t)~s;
        if (isa_is_cmpxchg(r))
            *rm &= (uint16_t)~RBIT(0);
        if (stack)
            m->stack[h->stack_frame] &= ~sbit;
        break;
    case SH_LDDW:
        *rm &= (uint16_t)~d;
        break;
    case SH_LDABS:
    case SH_LDIND:
        *rm &= (uint16_t)~(RBIT(0) | ARGS);
        break;
    case SH_JCOND_X:
        if (*rm & (d | s)) /* each side's bounds came from the other */
            *rm |= d | s;
        break;
    case SH_CALL:
    case SH_CALLX:
        if (f + 1 < BPFVM_MAX_FRAMES && (m->reg[f + 1] || m->stack[f + 1])) {
            /* stepping back from a callee's (or callback's) entry into the caller */
            uint16_t callee = m->reg[f + 1];
            *rm &= (uint16_t)~(RBIT(0) | ARGS);
            if (id == ISA_CALL_LOCAL)
                *rm |= (uint16_t)(callee & ARGS);
            else if (callee & RBIT(2)) /* bpf_loop: the callback's r2 is the caller's r3 */
                *rm |= RBIT(3);
            m->reg[f + 1] = 0;
            m->stack[f + 1] = 0;
        } else {
            *rm &= (uint16_t)~(RBIT(0) | ARGS);
        }
        break;
    case SH_EXIT:
        if (f > 0 && !h->callback_exit) { /* back from the caller into the callee's return */
            if (m->reg[f - 1] & RBIT(0))
                *rm |= RBIT(0);
            m->reg[f - 1] &= (uint16_t)~(RBIT(0) | ARGS);
        }
        break;
    default:
        break;
    }
}

/* Sets precise on the marked scalars of st; drops from m what already was. */
static void apply(vstate *st, masks *m)
{
    for (uint32_t f = st->curframe + 1; f < m->nf; f++) { /* frames st does not have */
        m->reg[f] = 0;
        m->stack[f] = 0;
    }
    if (m->nf > st->curframe + 1)
        m->nf = st->curframe + 1;
    for (uint32_t f = 0; f <= st->curframe; f++) {
        if (!m->reg[f] && !m->stack[f])
            continue;
        vframe *fr = st->frames[f];
        for (unsigned left = m->reg[f]; left; left &= left - 1) {
            int r = __builtin_ctz(left);
            reg *x = &fr->regs[r];
            if (x->type != T_SCALAR || x->precise)
                m->reg[f] &= (uint16_t)~RBIT(r); /* pointers are exact; marked ones were propagated */
            else
                x->precise = true;
        }
        for (uint64_t left = m->stack[f]; left; left &= left - 1) {
            uint32_t k = (uint32_t)__builtin_ctzll(left);
            if (k >= fr->nslots || vslot(fr, k)->spilled.type != T_SCALAR || vslot(fr, k)->spilled.precise ||
                (vslot(fr, k)->type[0] != STACK_SPILL && vslot(fr, k)->type[7] != STACK_SPILL &&
                 vslot(fr, k)->type[4] != STACK_SPILL)) {
                m->stack[f] &= ~(1ull << k);
                continue;
            }
            vslot(fr, k)->spilled.precise = true;
        }
    }
}

/* What backtracking through st's whole (frozen) history can touch: when none of it
 * is in the masks, the walk skips the history in one step. Calls, exits and the
 * legacy packet loads move values between frames or through fixed registers and
 * make a history "other". */
static void summarize(venv *e, vstate *st)
{
    uint16_t regs = 0;
    uint64_t stack = 0;
    uint8_t kind = 1, frame = st->nhist ? st->hist[0].frame : 0;
    for (uint32_t k = 0; k < st->nhist && kind == 1; k++) {
        const hist_entry *h = &st->hist[k];
        const isa_row *r = &isa_rows[e->rows[h->insn]];
        const isa_insn *in = &e->insns[h->insn];
        if (h->frame != frame || h->callback_exit || r->shape == SH_CALL || r->shape == SH_CALLX ||
            r->shape == SH_EXIT || r->shape == SH_LDABS || r->shape == SH_LDIND ||
            (h->stack_frame != 0xff && h->stack_frame != frame))
            kind = 2;
        regs |= (uint16_t)(RBIT(in->dst & 15) | RBIT(in->src & 15));
        if (r->shape == SH_ATOMIC)
            regs |= RBIT(0);
        if (h->stack_frame != 0xff)
            stack |= 1ull << h->spi;
    }
    st->sum_kind = kind;
    st->sum_frame = frame;
    st->sum_regs = regs;
    st->sum_stack = stack;
}

/* True when backtracking st's history cannot change m. */
static bool hist_skippable(venv *e, vstate *st, const masks *m)
{
    if (!st->sum_kind)
        summarize(e, st);
    if (st->sum_kind != 1)
        return false;
    return !(m->reg[st->sum_frame] & st->sum_regs) && !(m->stack[st->sum_frame] & st->sum_stack);
}

static void mark_masks(venv *e, vstate *s, masks *m)
{
    /* As Linux: the current state's own values are not marked. Precision says that
     * the paths from a state on depend on a value; this use is in the current
     * state's past, and later uses mark their own ancestors (the snapshots taken
     * from here). Marking them would only make the later snapshots compare values
     * that no path from them depends on (a loop's "best index" copied from the
     * counter, say), and stop pruning. */
    for (vstate *st = s;;) {
        /* a parent's history is frozen (the current state's still grows) */
        if (st == s || !hist_skippable(e, st, m))
            for (uint32_t k = st->nhist; k-- > 0;)
                backtrack(e, &st->hist[k], m);
        if (masks_empty(m) || !st->parent)
            break;
        st = st->parent;
        apply(st, m);
        if (masks_empty(m))
            break;
    }
}

void vprecise(venv *e, vstate *s, int regno)
{
    if (regno < 0 || regno > 9)
        return;
    masks m;
    memset(&m, 0, sizeof m);
    m.nf = BPFVM_MAX_FRAMES;
    m.reg[s->curframe] = RBIT(regno);
    mark_masks(e, s, &m);
}

void vprecise_slot(venv *e, vstate *s, uint32_t frame, uint32_t spi)
{
    if (frame > s->curframe || spi >= s->frames[frame]->nslots || spi >= 64)
        return;
    masks m;
    memset(&m, 0, sizeof m);
    m.nf = BPFVM_MAX_FRAMES;
    m.stack[frame] = 1ull << spi;
    mark_masks(e, s, &m);
}

void vprecise_like(venv *e, vstate *cur, const vstate *old)
{
    masks m;
    memset(&m, 0, sizeof m);
    m.nf = BPFVM_MAX_FRAMES;
    for (uint32_t f = 0; f <= old->curframe && f <= cur->curframe; f++) {
        const vframe *of = old->frames[f];
        for (int r = 0; r < 11; r++)
            if (of->regs[r].type == T_SCALAR && of->regs[r].precise)
                m.reg[f] |= RBIT(r);
        for (uint32_t k = 0; k < of->nslots && k < 64; k++)
            if (vslot(of, k)->spilled.type == T_SCALAR && vslot(of, k)->spilled.precise)
                m.stack[f] |= 1ull << k;
    }
    /* the pruned path's own ancestors must keep what the covering state relied on */
    for (uint32_t f = 0; f <= cur->curframe; f++)
        for (uint32_t k = 0; k < 64; k++)
            if ((m.stack[f] & (1ull << k)) && k < cur->frames[f]->nslots)
                vslot(cur->frames[f], k)->spilled.precise = true;
    mark_masks(e, cur, &m);
}
