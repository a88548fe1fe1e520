/* walk.c — the path walk and the entry point bpfvm_verify.
 * Depth-first over all paths, like Linux's do_check: conditional jumps fork the
 * state, and at prune points a state that is covered by one already verified
 * from that point is not explored again (states_covered: liveness from
 * analysis.c, scalars compared exactly only where their precision was demanded,
 * pointers always exactly). A stored state counts the paths still being explored
 * below it (branches); only a complete state can prune another. Returning to an
 * ancestor's state means the program may loop forever (rejected), except at
 * may_goto and bpf_loop calls whose loops the runtime bounds.
 * Which scalars pruning compares exactly is learned during the walk (precise.c).
 */
#include "verify/verifier.h"
#include "rt/map.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMPLEXITY_LIMIT_INSNS 1000000u
#define COMPLEXITY_LIMIT_JMP_SEQ 8192u
#define MAX_STATES_PER_INSN 256u /* a memory bound; states that keep missing are dropped first */
#define CHECKPOINT_HIST 64u /* longest history kept without a snapshot when the list is full */

/* ---- log and errors --------------------------------------------------------------- */

void vlog(venv *e, int level, const char *fmt, ...)
{
    if (!e->opts.log || e->opts.log_level < level)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->opts.log(e->opts.log_user, line);
}

int vreject(venv *e, uint32_t insn, const char *fmt, ...)
{
    char msg[400], where[300] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file, *src;
    int line = 0;
    if (bpfvm_prog_line(e->prog, insn, &file, &line, NULL, &src))
        snprintf(where, sizeof where, " (%s:%d)", file, line);
    int rc = bpfvm_fail(e->err, BPFVM_E_VERIFY, insn, "%s%s", msg, where);
    if (e->err)
        e->err->line = line;
    if (e->opts.log && e->opts.log_level >= 1) {
        char text[160], st[4096] = "";
        if (insn < e->n)
            bpfvm_disasm_insn(e->insns, e->n, insn, BPFVM_SYNTAX_LLVM, BPFVM_EXT_ALL, text, sizeof text);
        else
            text[0] = 0;
        if (e->cur)
            vstate_str(e->cur, st, sizeof st);
        if (line)
            vlog(e, 1, "%s:%d: %s", file, line, src ? src : "");
        vlog(e, 1, "%u: %s", insn, text);
        vlog(e, 1, "rejected: %s", msg);
        if (st[0])
            vlog(e, 1, "state: %s", st);
    }
    return rc;
}

uint32_t vnew_id(venv *e)
{
    return ++e->next_id;
}

/* ---- pruning ------------------------------------------------------------------------ */

typedef struct idmap {
    uint32_t old_id[64], cur_id[64];
    int n;
} idmap;

/* old and cur ids must correspond one to one. */
static bool ids_match(idmap *m, uint32_t o, uint32_t c)
{
    if (!o && !c)
        return true;
    if (!o || !c)
        return false;
    for (int k = 0; k < m->n; k++) {
        if (m->old_id[k] == o)
            return m->cur_id[k] == c;
        if (m->cur_id[k] == c)
            return false;
    }
    if (m->n == 64)
        return false;
    m->old_id[m->n] = o;
    m->cur_id[m->n++] = c;
    return true;
}

static bool scalar_equal(const scalar *a, const scalar *b)
{
    return scalar_within(a, b) && scalar_within(b, a);
}

static bool reg_covered(const reg *o, const reg *c, bool exact, idmap *m)
{
    if (o->type == T_NOT_INIT)
        return !exact || c->type == T_NOT_INIT;
    if (o->type != c->type)
        return false;
    if (o->type == T_SCALAR) {
        if (!o->precise && !exact)
            return true; /* its exact value never mattered on the verified path */
        if (exact ? !scalar_equal(&o->s, &c->s) : !scalar_within(&o->s, &c->s))
            return false;
        /* linked copies must stay linked: a later check refines them together */
        return !o->id || ids_match(m, o->id, c->id);
    }
    if (o->maybe_null != c->maybe_null || o->rdonly != c->rdonly || o->map != c->map || o->off != c->off ||
        o->frameno != c->frameno || o->mem_size != c->mem_size || o->subprog != c->subprog)
        return false;
    if (exact ? !scalar_equal(&o->s, &c->s) : !scalar_within(&o->s, &c->s))
        return false;
    if ((o->type == T_PKT || o->type == T_PKT_META) && c->range < o->range)
        return false;
    if ((o->id || c->id) && !ids_match(m, o->id, c->id))
        return false;
    if ((o->ref_id || c->ref_id) && !ids_match(m, o->ref_id | 0x80000000u, c->ref_id | 0x80000000u))
        return false;
    return true;
}

static bool stack_covered(const vframe *o, const vframe *c, bool exact, idmap *m)
{
    uint32_t n = o->nslots > c->nslots ? o->nslots : c->nslots;
    for (uint32_t k = 0; k < n; k++) {
        const slot *os = k < o->nslots ? vslot(o, k) : NULL, *cs = k < c->nslots ? vslot(c, k) : NULL;
        bool spill_checked = false;
        for (int b = 0; b < 8; b++) {
            uint8_t ot = os ? os->type[b] : STACK_INVALID, ct = cs ? cs->type[b] : STACK_INVALID;
            if (exact && ot != ct)
                return false;
            if (ot == STACK_INVALID)
                continue; /* the verified path never read it */
            if (ct == STACK_INVALID)
                return false;
            if (ot == STACK_MISC) {
                if (ct == STACK_SPILL && reg_is_pointer(&cs->spilled))
                    return false;
                continue;
            }
            if (ot == STACK_ZERO) {
                if (ct != STACK_ZERO)
                    return false;
                continue;
            }
            /* a spill: the register it holds must be covered, compared exactly */
            if (ct != STACK_SPILL)
                return false;
            if (!spill_checked) {
                if (!reg_covered(&os->spilled, &cs->spilled, exact, m))
                    return false;
                spill_checked = true;
            }
        }
    }
    return true;
}

/* Is every concrete state of cur also one of old (so old's verification covers cur)? */
static bool states_covered(venv *e, const vstate *o, const vstate *c, bool exact)
{
    if (o->curframe != c->curframe || o->nrefs != c->nrefs)
        return false;
    idmap m = { .n = 0 };
    for (uint32_t fi = 0; fi <= o->curframe; fi++) {
        const vframe *of = o->frames[fi], *cf = c->frames[fi];
        if (of->callsite != cf->callsite || of->callback != cf->callback)
            return false;
        /* old explored fewer remaining callback iterations than cur may need */
        if (of->callback_depth > cf->callback_depth)
            return false;
        /* the point where this frame continues: the current insn, or after the call */
        uint32_t point;
        uint16_t live;
        if (fi == o->curframe) {
            point = c->insn;
            live = e->live[point];
        } else {
            const vframe *callee = o->frames[fi + 1];
            point = callee->callback ? callee->callsite : callee->callsite + 1;
            live = (uint16_t)(e->live[point] | (callee->callback ? e->live[callee->callsite + 1] : 0));
        }
        (void)point;
        for (int r = 0; r < 11; r++) {
            if (!(live & (1u << r)) && !exact)
                continue;
            if (!reg_covered(&of->regs[r], &cf->regs[r], exact, &m))
                return false;
        }
        if (!stack_covered(of, cf, exact, &m))
            return false;
    }
    for (uint32_t k = 0; k < o->nrefs; k++)
        if (!ids_match(&m, o->refs[k].id | 0x80000000u, c->refs[k].id | 0x80000000u))
            return false;
    return true;
}

static bool is_ancestor(const vstate *old, const vstate *cur)
{
    for (const vstate *p = cur->parent; p; p = p->parent)
        if (p == old)
            return true;
    return false;
}


static void account(venv *e, const vstate *s, bool add)
{
    size_t b = vstate_bytes(s);
    if (add) {
        e->bytes += b;
        e->cur_states++;
    } else {
        e->bytes -= b;
        e->cur_states--;
    }
    size_t now = e->bytes + (vchunk_bytes() - e->chunk_base);
    if (now > e->peak_bytes)
        e->peak_bytes = now;
    if (e->cur_states > e->peak_states)
        e->peak_states = e->cur_states;
}

/* A path ended (exit or pruned): its explored ancestors have one path less.
 * A checkpoint outside the explored lists is freed when its last path ends (no
 * live state can reach it through `parent` any more). */
static void path_done(venv *e, vstate *s)
{
    for (vstate *p = s->parent; p;) {
        if (--p->branches)
            break;
        vstate *up = p->parent;
        if (p->ckpt) {
            uint32_t k = p->ckpt - 1;
            e->ckpt[k] = e->ckpt[--e->nckpt];
            e->ckpt[k]->ckpt = k + 1;
            account(e, p, false);
            vstate_free(p);
        }
        p = up;
    }
}

/* Keeps s (a snapshot some paths still descend from) as a checkpoint outside the
 * explored lists: path_done frees it when its last path ends. */
static int ckpt_add(venv *e, vstate *s)
{
    if (e->nckpt == e->capckpt) {
        uint32_t cap = e->capckpt ? e->capckpt * 2 : 64;
        vstate **v = realloc(e->ckpt, cap * sizeof *v);
        if (!v)
            return -1;
        e->ckpt = v;
        e->capckpt = cap;
    }
    e->ckpt[e->nckpt++] = s;
    s->ckpt = e->nckpt;
    return 0;
}

/* Makes a snapshot of cur its new parent: listed in x (for pruning), or else
 * only a checkpoint that ends cur's history (precision backtracking walks the
 * history since the nearest snapshot, so it must stay short). */
static int snapshot(venv *e, vstate *cur, explored *x)
{
    if (x && x->n == x->cap) {
        uint32_t cap = x->cap ? x->cap * 2 : 4;
        vstate **v = realloc(x->v, cap * sizeof *v);
        if (!v)
            return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
        x->v = v;
        x->cap = cap;
    }
    vstate *snap = vstate_clone(cur);
    if (!snap)
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    snap->parent = cur->parent;
    snap->branches = 1;
    cur->parent = snap;
    cur->nhist = 0; /* the snapshot keeps the history up to here */
    account(e, snap, true);
    if (x) {
        x->v[x->n++] = snap;
        e->stored++;
    } else if (ckpt_add(e, snap)) {
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    }
    return 0;
}

/* 1: pruned; 0: explore on; < 0: rejected. */
static int prune_or_store(venv *e, vstate *cur)
{
    uint32_t i = cur->insn;
    explored *x = &e->explored[i];
    for (uint32_t k = 0; k < x->n; k++) {
        vstate *o = x->v[k];
        if (o->branches == 0) {
            if (states_covered(e, o, cur, false)) {
                o->hits++;
                vprecise_like(e, cur, o);
                return 1;
            }
        } else if (e->loop_ok[i] || cur->in_loop_ok) {
            if (states_covered(e, o, cur, false)) {
                o->hits++;
                vprecise_like(e, cur, o);
                return 1; /* a bounded loop (may_goto, bpf_loop): its state repeats */
            }
        } else if (states_covered(e, o, cur, true) && is_ancestor(o, cur)) { /* (the cheap test first) */
            return vreject(e, i, "infinite loop: the program can come back to this instruction in exactly the "
                           "same state, so it may never terminate");
        }
        /* Linux's heuristic: a state that keeps missing is dropped from the list (a
         * state still being explored stays alive as a checkpoint of its paths) */
        if (++o->misses > o->hits * 3 + 3) {
            x->v[k--] = x->v[--x->n];
            if (o->branches == 0) {
                account(e, o, false);
                vstate_free(o);
            } else if (ckpt_add(e, o)) {
                return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
            }
        }
    }
    if (x->n >= MAX_STATES_PER_INSN) /* full: only cut a long history */
        return cur->nhist >= CHECKPOINT_HIST ? snapshot(e, cur, NULL) : 0;
    return snapshot(e, cur, x);
}

static void record_depth(venv *e, const vstate *s)
{
    for (uint32_t fi = 0; fi <= s->curframe; fi++) {
        const vframe *f = s->frames[fi];
        uint32_t func = isa_func_of(&e->prog->info, fi == 0 ? 0 : f->subprog);
        if (f->depth > e->func_depth[func])
            e->func_depth[func] = f->depth;
    }
}

static void free_walk(venv *e)
{
    for (uint32_t i = 0; e->explored && i < e->n; i++) {
        for (uint32_t k = 0; k < e->explored[i].n; k++)
            vstate_free(e->explored[i].v[k]);
        free(e->explored[i].v);
        e->explored[i].v = NULL;
        e->explored[i].n = e->explored[i].cap = 0;
    }
    for (uint32_t k = 0; k < e->npending; k++)
        vstate_free(e->pending[k]);
    e->npending = 0;
    for (uint32_t k = 0; k < e->nckpt; k++)
        vstate_free(e->ckpt[k]);
    e->nckpt = 0;
    e->bytes = 0;
    e->cur_states = 0;
}

static int walk(venv *e)
{
    vstate *cur = vstate_new();
    if (!cur)
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    check_init_state(e, cur);
    account(e, cur, true);
    int rc = 0;
    char text[160], st[4096];
    for (;;) {
        e->cur = cur;
        if (e->prune[cur->insn]) {
            rc = prune_or_store(e, cur);
            if (rc < 0)
                break;
            if (rc == 1) {
                vlog(e, 2, "%u: pruned (covered by a verified state)", cur->insn);
                rc = CHECK_DONE;
                goto path_end;
            }
        }
        if (++e->processed > COMPLEXITY_LIMIT_INSNS) {
            rc = vreject(e, cur->insn, "the program is too complex: the verifier processed %u instructions over "
                         "all paths without finishing (a loop that may not end, or too many paths)",
                         COMPLEXITY_LIMIT_INSNS);
            break;
        }
        if (e->opts.log && e->opts.log_level >= 2) {
            bpfvm_disasm_insn(e->insns, e->n, cur->insn, BPFVM_SYNTAX_LLVM, BPFVM_EXT_ALL, text, sizeof text);
            vstate_str(cur, st, sizeof st);
            vlog(e, 2, "%u: %-36s ; frame %u: %s", cur->insn, text, cur->curframe, st);
        }
        vstate *fork = NULL;
        uint32_t at = cur->insn;
        if ((rc = hist_push(e, cur)))
            break;
        if (isa_rows[e->rows[at]].shape == SH_EXIT) /* before a callee's frame goes away */
            record_depth(e, cur);
        rc = check_insn(e, cur, &fork);
        if (rc < 0)
            break;
        if (fork) {
            if (e->npending >= COMPLEXITY_LIMIT_JMP_SEQ) {
                vstate_free(fork);
                rc = vreject(e, at, "the program is too complex: more than %u branches are waiting to be "
                             "verified", COMPLEXITY_LIMIT_JMP_SEQ);
                break;
            }
            if (e->npending == e->cappending) {
                uint32_t cap = e->cappending ? e->cappending * 2 : 64;
                vstate **v = realloc(e->pending, cap * sizeof *v);
                if (!v) {
                    vstate_free(fork);
                    rc = bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
                    break;
                }
                e->pending = v;
                e->cappending = cap;
            }
            fork->parent = cur->parent;
            if (cur->parent)
                cur->parent->branches++;
            e->pending[e->npending++] = fork;
            account(e, fork, true);
        }
        if (rc == CHECK_NEXT)
            continue;
    path_end:
        record_depth(e, cur);
        path_done(e, cur);
        account(e, cur, false);
        vstate_free(cur);
        cur = NULL;
        if (!e->npending) {
            rc = 0;
            break;
        }
        cur = e->pending[--e->npending];
        vlog(e, 2, "-- from %u: the other branch", cur->insn);
    }
    e->cur = NULL;
    if (cur) {
        account(e, cur, false);
        vstate_free(cur);
    }
    return rc;
}

/* Linux's rule (with its JIT): each frame counts its stack rounded up to 16 bytes,
 * and a chain of calls may use 512 bytes in all. deepest[f] is the most any chain
 * starting at function f uses (memoized; the call graph has no cycles). */
#define FRAME_ROUND(d) (((d) + 15u) & ~15u)

static uint32_t chain_below(venv *e, uint32_t f, uint32_t *deepest)
{
    if (deepest[f] != UINT32_MAX)
        return deepest[f];
    const isa_prog_info *info = &e->prog->info;
    uint32_t start = info->func_start[f], end = f + 1 < info->nfuncs ? info->func_start[f + 1] : e->n, best = 0;
    for (uint32_t i = start; i < end; i++) {
        uint16_t id = e->rows[i];
        if (id != ISA_CALL_LOCAL && id != ISA_LDDW_CODE)
            continue;
        uint32_t g = isa_func_of(info, (uint32_t)isa_target(&e->insns[i], &isa_rows[id], i));
        uint32_t d = chain_below(e, g, deepest);
        if (d > best)
            best = d;
    }
    return deepest[f] = FRAME_ROUND(e->func_depth[f]) + best;
}

/* Follows the deepest chain from function f (already `above` bytes deep) to the
 * call that takes it past the limit, and rejects there. */
static int stack_too_deep(venv *e, uint32_t f, uint32_t above, const uint32_t *deepest, char *chain, size_t n)
{
    const isa_prog_info *info = &e->prog->info;
    uint32_t start = info->func_start[f], end = f + 1 < info->nfuncs ? info->func_start[f + 1] : e->n;
    uint32_t here = above + FRAME_ROUND(e->func_depth[f]);
    size_t len = strlen(chain);
    snprintf(chain + len, n - len, "%s%u (%u bytes)", len ? " -> " : "", start, FRAME_ROUND(e->func_depth[f]));
    for (uint32_t i = start; i < end; i++) {
        uint16_t id = e->rows[i];
        if (id != ISA_CALL_LOCAL && id != ISA_LDDW_CODE)
            continue;
        uint32_t g = isa_func_of(info, (uint32_t)isa_target(&e->insns[i], &isa_rows[id], i));
        if (here + deepest[g] <= BPFVM_STACK_SIZE)
            continue;
        if (here + FRAME_ROUND(e->func_depth[g]) > BPFVM_STACK_SIZE) {
            len = strlen(chain);
            snprintf(chain + len, n - len, " -> %u (%u bytes)", info->func_start[g], FRAME_ROUND(e->func_depth[g]));
            return vreject(e, i, "this call makes the stacks of the chain of functions at %s take %u bytes together "
                           "(each rounded up to 16), more than the %u allowed", chain,
                           here + FRAME_ROUND(e->func_depth[g]), BPFVM_STACK_SIZE);
        }
        return stack_too_deep(e, g, here, deepest, chain, n);
    }
    return vreject(e, start, "the stack of the function at %u is too large", start); /* not reached */
}

int bpfvm_verify(bpfvm_prog *prog, const bpfvm_verify_opts *opts, bpfvm_verify_stats *stats, bpfvm_error *err)
{
    static const bpfvm_verify_opts defaults;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!prog)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "verify: prog must not be NULL");
    venv e;
    memset(&e, 0, sizeof e);
    e.prog = prog;
    e.insns = prog->insns;
    e.rows = prog->info.rows;
    e.n = prog->n;
    e.opts = opts ? *opts : defaults;
    e.err = err;
    e.type = e.opts.type ? e.opts.type : prog->type;
    e.pt = progtype_get(e.type);
    e.gpl = !prog->non_gpl;
    if (stats)
        memset(stats, 0, sizeof *stats);
    int rc = 0;
    if (e.type == BPFVM_PROG_UNSPEC || !e.pt)
        rc = bpfvm_fail(err, BPFVM_E_VERIFY, -1,
                        "the program's type is unknown (section '%s'): choose one to verify it against",
                        prog->section ? prog->section : "?");
    if (rc == 0 && e.opts.unprivileged && prog->n > 4096)
        rc = vreject(&e, 4096, "unprivileged programs are limited to 4096 instructions (this one has %u)", prog->n);
    if (rc == 0 && prog->ext & (BPFVM_EXT_CALLX | BPFVM_EXT_ACQREL))
        for (uint32_t i = 0; i < prog->n && rc == 0; i++)
            if (e.rows[i] != ISA_LDDW_HI && isa_is_ext(&isa_rows[e.rows[i]]) && e.rows[i] != ISA_MAY_GOTO &&
                isa_rows[e.rows[i]].shape == SH_CALLX)
                rc = vreject(&e, i, "indirect calls (callx) cannot be verified; Linux rejects them too");
    if (rc == 0 && !(e.explored = calloc(prog->n, sizeof *e.explored)))
        rc = bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
    if (rc == 0)
        rc = analysis_init(&e);
    uint32_t passes = 0;
    size_t peak_bytes = 0;
    uint32_t peak_states = 0, stored = 0;
    while (rc == 0) { /* one walk: precision is learned during it */
        passes++;
        e.next_id = 0;
        e.chunk_base = vchunk_bytes();
        memset(e.func_depth, 0, prog->info.nfuncs * sizeof *e.func_depth);
        vlog(&e, 2, "-- walk %u", passes);
        rc = walk(&e);
        if (e.peak_bytes > peak_bytes)
            peak_bytes = e.peak_bytes;
        if (e.peak_states > peak_states)
            peak_states = e.peak_states;
        stored += e.stored;
        free_walk(&e);
        e.peak_bytes = e.peak_states = e.stored = 0;
        break;
    }
    uint32_t total = 0;
    if (rc == 0 && prog->info.nfuncs) {
        uint32_t *deepest = malloc(prog->info.nfuncs * sizeof *deepest);
        if (!deepest) {
            rc = bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
        } else {
            memset(deepest, 0xff, prog->info.nfuncs * sizeof *deepest);
            total = chain_below(&e, 0, deepest);
            char chain[600] = "";
            if (total > BPFVM_STACK_SIZE)
                rc = stack_too_deep(&e, 0, 0, deepest, chain, sizeof chain);
            free(deepest);
        }
    }
    if (rc == 0) {
        uint8_t *facts = calloc(prog->n, 1);
        if (!facts) {
            rc = bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory");
        } else {
            for (uint32_t i = 0; i < prog->n; i++) {
                uint16_t id = prog->info.rows[i];
                if (id == ISA_LDDW_HI)
                    continue;
                uint8_t sh = isa_rows[id].shape;
                if (sh == SH_LDX || sh == SH_ST || sh == SH_STX || sh == SH_ATOMIC || sh == SH_LDACQ || sh == SH_STREL)
                    facts[i] = FACT_MEM_SAFE;
            }
            prog_set_verified(prog, facts, e.type == BPFVM_PROG_MEM ? e.opts.mem_size : 0,
                              prog->info.nfuncs > 1 ? BPFVM_MAX_FRAMES * BPFVM_STACK_SIZE
                                                    : (e.func_depth[0] + 7) & ~7u);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (stats) {
        stats->insns_processed = e.processed;
        stats->states = stored;
        stats->peak_states = peak_states;
        stats->passes = passes;
        stats->peak_bytes = peak_bytes;
        stats->stack_depth = total;
        stats->time_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)(t1.tv_nsec - t0.tv_nsec);
    }
    free_walk(&e);
    free(e.explored);
    free(e.pending);
    free(e.ckpt);
    analysis_free(&e);
    return rc;
}
