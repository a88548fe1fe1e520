/* analysis.c — static facts the path walk relies on, computed over the control-flow
 * graph before (and between) walks:
 *   - every instruction is reachable and no function calls itself, directly or not
 *     (Linux rejects both);
 *   - prune points: jump targets, function entries, returns from calls, and the
 *     two bounded-loop constructs (may_goto, the bpf_loop call);
 *   - register liveness: a dead register's value never matters for pruning;
 *   (which scalars must be compared exactly is learned while walking: precise.c).
 */
#include "verify/verifier.h"

#include <stdlib.h>
#include <string.h>

#define R(n) ((uint16_t)(1u << (n)))
#define ARGS_MASK (R(1) | R(2) | R(3) | R(4) | R(5))

/* Registers an instruction reads and writes (writes include the ones it kills). */
static void use_def(const isa_row *r, const isa_insn *in, uint16_t *use, uint16_t *def)
{
    *use = *def = 0;
    if (r->dst == D_R || r->dst == D_RW)
        *use |= R(in->dst);
    if (r->dst == D_W || r->dst == D_RW)
        *def |= R(in->dst);
    if (r->src == S_R || r->src == S_RW)
        *use |= R(in->src);
    if (r->src == S_RW)
        *def |= R(in->src);
    switch (r->shape) {
    case SH_ATOMIC:
        if (isa_is_cmpxchg(r)) {
            *use |= R(0);
            *def |= R(0);
        }
        break;
    case SH_LDABS:
    case SH_LDIND:
        *use |= R(6);
        *def |= R(0) | ARGS_MASK;
        break;
    case SH_CALL:
    case SH_CALLX:
        *use |= ARGS_MASK;
        *def |= R(0) | ARGS_MASK;
        break;
    case SH_EXIT:
        *use |= R(0);
        break;
    default:
        break;
    }
}

/* Successors inside the function: up to two. */
static int succs(venv *e, uint32_t i, uint32_t out[2])
{
    const isa_row *r = &isa_rows[e->rows[i]];
    const isa_insn *in = &e->insns[i];
    int n = 0;
    switch (r->shape) {
    case SH_EXIT:
        return 0;
    case SH_JA:
        out[n++] = (uint32_t)isa_target(in, r, i);
        if (r->id == ISA_MAY_GOTO)
            out[n++] = i + 1;
        return n;
    case SH_JCOND_K:
    case SH_JCOND_X:
        out[n++] = i + 1;
        out[n++] = (uint32_t)isa_target(in, r, i);
        return n;
    case SH_LDDW:
        out[n++] = i + 2;
        return n;
    default:
        out[n++] = i + 1;
        return n;
    }
}

static uint32_t func_index(venv *e, uint32_t slot) { return isa_func_of(&e->prog->info, slot); }

/* Call-graph DFS for recursion: state 0 unseen, 1 on the path, 2 done. */
static int no_recursion(venv *e, uint32_t f, uint8_t *mark, uint32_t *via)
{
    const isa_prog_info *info = &e->prog->info;
    mark[f] = 1;
    uint32_t start = info->func_start[f], end = f + 1 < info->nfuncs ? info->func_start[f + 1] : e->n;
    for (uint32_t i = start; i < end; i++) {
        uint16_t id = e->rows[i];
        if (id != ISA_CALL_LOCAL && id != ISA_LDDW_CODE)
            continue;
        uint32_t g = func_index(e, (uint32_t)isa_target(&e->insns[i], &isa_rows[id], i));
        if (mark[g] == 1) {
            *via = i;
            return vreject(e, i, "recursion: the function at %u calls itself through this call (BPF programs "
                           "may not recurse)", e->prog->info.func_start[g]);
        }
        if (mark[g] == 0) {
            int rc = no_recursion(e, g, mark, via);
            if (rc)
                return rc;
        }
    }
    mark[f] = 2;
    return 0;
}

int analysis_init(venv *e)
{
    uint32_t n = e->n, nf = e->prog->info.nfuncs;
    e->live = calloc(n, sizeof *e->live);
    e->prune = calloc(n, sizeof *e->prune);
    e->loop_ok = calloc(n, sizeof *e->loop_ok);
    e->func_depth = calloc(nf, sizeof *e->func_depth);
    uint8_t *seen = calloc(n, 1), *mark = calloc(nf, 1);
    uint32_t *stack = malloc((n + 1) * sizeof *stack);
    if (!e->live || !e->prune || !e->loop_ok || !e->func_depth || !seen || !mark || !stack) {
        free(seen);
        free(mark);
        free(stack);
        return bpfvm_fail(e->err, BPFVM_E_NOMEM, -1, "out of memory");
    }
    int rc = 0;
    uint32_t via = 0;
    if (nf)
        rc = no_recursion(e, 0, mark, &via);

    /* reachability from the entry through jumps and calls */
    uint32_t sp = 0;
    if (rc == 0) {
        stack[sp++] = 0;
        seen[0] = 1;
    }
    while (sp && rc == 0) {
        uint32_t i = stack[--sp], out[2];
        uint16_t id = e->rows[i];
        int k = succs(e, i, out);
        if (id == ISA_CALL_LOCAL || id == ISA_LDDW_CODE)
            out[k++] = (uint32_t)isa_target(&e->insns[i], &isa_rows[id], i);
        for (int j = 0; j < k; j++)
            if (out[j] < n && !seen[out[j]]) {
                seen[out[j]] = 1;
                stack[sp++] = out[j];
            }
    }
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (e->rows[i] == ISA_LDDW_HI)
            continue;
        if (!seen[i])
            rc = vreject(e, i, "unreachable instruction: no path from the program's entry reaches it");
    }

    /* prune points */
    const isa_prog_info *info = &e->prog->info;
    for (uint32_t f = 0; f < nf; f++)
        e->prune[info->func_start[f]] = true;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        uint16_t id = e->rows[i];
        if (id == ISA_LDDW_HI)
            continue;
        const isa_row *r = &isa_rows[id];
        if (r->off == O_JMP || r->imm == I_JMP) {
            uint32_t t = (uint32_t)isa_target(&e->insns[i], r, i);
            e->prune[t] = true;
            if (isa_is_cond_jump(r) && i + 1 < n)
                e->prune[i + 1] = true;
        }
        if ((id == ISA_CALL_LOCAL || id == ISA_CALL_HELPER) && i + 1 < n)
            e->prune[i + 1] = true;
        if (id == ISA_MAY_GOTO || (id == ISA_CALL_HELPER && e->insns[i].imm == 181))
            e->prune[i] = e->loop_ok[i] = true;
    }

    /* register liveness, backward to a fixpoint */
    for (bool changed = rc == 0; changed;) {
        changed = false;
        for (uint32_t i = n; i-- > 0;) {
            if (e->rows[i] == ISA_LDDW_HI || !seen[i])
                continue;
            uint16_t use, def, out = 0;
            uint32_t s[2];
            use_def(&isa_rows[e->rows[i]], &e->insns[i], &use, &def);
            int k = succs(e, i, s);
            for (int j = 0; j < k; j++)
                if (s[j] < n)
                    out |= e->live[s[j]];
            if (e->rows[i] == ISA_CALL_LOCAL) /* the callee's r6-r9 are its own; the caller's survive */
                out |= 0;
            uint16_t in = (uint16_t)(use | (out & ~def));
            if (in != e->live[i]) {
                e->live[i] = in;
                changed = true;
            }
        }
    }
    free(seen);
    free(mark);
    free(stack);
    return rc;
}

void analysis_free(venv *e)
{
    free(e->live);
    free(e->prune);
    free(e->loop_ok);
    free(e->func_depth);
}
