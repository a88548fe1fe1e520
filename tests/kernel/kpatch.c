/* kpatch.c — instruction insertion with relative-offset repair (see kpatch.h).
 * Which fields hold relative references comes from the ISA table: off of O_JMP rows,
 * imm of I_JMP / I_CALL rows, and imm of the code-address lddw (LDDW_CODE), which
 * Linux resolves like a local call (target = slot + 1 + imm).
 */
#include "kpatch.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *msg, size_t msgsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t msgsz, const char *fmt, ...)
{
    if (msg && msgsz) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msgsz, fmt, ap);
        va_end(ap);
    }
    return -1;
}

size_t kpatch_width(const isa_insn *prog, size_t n, size_t i)
{
    isa_id id = isa_find(&prog[i], KPATCH_ALL_EXT);
    /* A truncated lddw at the end is left for the verifier to reject. */
    return id != ISA_NONE && isa_is_wide(&isa_rows[id]) && i + 1 < n ? 2 : 1;
}

typedef enum { REF_NONE, REF_OFF, REF_IMM } ref_field;

static ref_field ref_of(const isa_insn *in)
{
    isa_id id = isa_find(in, KPATCH_ALL_EXT);
    if (id == ISA_NONE)
        return REF_NONE;
    const isa_row *r = &isa_rows[id];
    if (r->off == O_JMP)
        return REF_OFF;
    /* The table lists LDDW_CODE's imm as I_ANY, but the kernel treats it as a
     * code offset relative to the next slot, exactly like I_CALL. */
    if (r->imm == I_JMP || r->imm == I_CALL || id == ISA_LDDW_CODE)
        return REF_IMM;
    return REF_NONE;
}

bool kpatch_target(const isa_insn *prog, size_t n, size_t i, long long *target)
{
    if (i >= n)
        return false;
    switch (ref_of(&prog[i])) {
    case REF_OFF: *target = (long long)i + 1 + prog[i].off; return true;
    case REF_IMM: *target = (long long)i + 1 + prog[i].imm; return true;
    default: return false;
    }
}

int kpatch_apply(const isa_insn *prog, size_t n, const kpatch_insert *ins, size_t n_ins,
                 isa_insn **out, size_t *out_n, size_t *pos, char *msg, size_t msgsz)
{
    *out = NULL;
    *out_n = 0;
    if (msg && msgsz)
        msg[0] = '\0';

    /* Sizes and order first, so nothing is allocated for a malformed request. */
    size_t total = n;
    for (size_t k = 0; k < n_ins; k++) {
        if (ins[k].at > n)
            return fail(msg, msgsz, "insertion %zu at slot %zu is past the end (%zu slots)", k, ins[k].at, n);
        if (k > 0 && ins[k].at < ins[k - 1].at)
            return fail(msg, msgsz, "insertions are not sorted by slot (%zu after %zu)", ins[k].at, ins[k - 1].at);
        if (ins[k].n > (SIZE_MAX / sizeof(isa_insn)) - total)
            return fail(msg, msgsz, "program too large");
        total += ins[k].n;
    }
    if (total > (size_t)INT32_MAX)
        return fail(msg, msgsz, "program too large (%zu slots)", total);

    size_t *own_pos = NULL;
    if (!pos) {
        own_pos = malloc((n + 1) * sizeof *own_pos);
        if (!own_pos)
            return fail(msg, msgsz, "out of memory");
        pos = own_pos;
    }
    isa_insn *o = malloc((total ? total : 1) * sizeof *o);
    if (!o) {
        free(own_pos);
        return fail(msg, msgsz, "out of memory");
    }

    /* Lay out: inserted blocks before their slot, originals in order. Also find
     * insertions that would split a 2-slot lddw. */
    size_t k = 0, w = 0, hi_slot = SIZE_MAX;
    for (size_t i = 0; i <= n; i++) {
        for (; k < n_ins && ins[k].at == i; k++) {
            if (i == hi_slot && ins[k].n > 0) {
                free(o);
                free(own_pos);
                return fail(msg, msgsz, "insertion at slot %zu splits the lddw at slot %zu", i, i - 1);
            }
            if (ins[k].n)
                memcpy(&o[w], ins[k].code, ins[k].n * sizeof *o);
            w += ins[k].n;
        }
        pos[i] = w;
        if (i < n) {
            if (i != hi_slot && kpatch_width(prog, n, i) == 2)
                hi_slot = i + 1;
            o[w++] = prog[i];
        }
    }

    /* Re-aim every reference at the new place of its original target. */
    for (size_t i = 0; i < n; i += kpatch_width(prog, n, i)) {
        long long t;
        if (!kpatch_target(prog, n, i, &t))
            continue;
        long long nt = t < 0 ? t : t >= (long long)n ? (long long)total + (t - (long long)n) : (long long)pos[t];
        long long rel = nt - ((long long)pos[i] + 1);
        isa_insn *dst = &o[pos[i]];
        if (ref_of(&prog[i]) == REF_OFF) {
            if (rel < INT16_MIN || rel > INT16_MAX) {
                free(o);
                free(own_pos);
                return fail(msg, msgsz, "slot %zu: jump offset %lld no longer fits in 16 bits", i, rel);
            }
            dst->off = (int16_t)rel;
        } else {
            if (rel < INT32_MIN || rel > INT32_MAX) {
                free(o);
                free(own_pos);
                return fail(msg, msgsz, "slot %zu: offset %lld no longer fits in 32 bits", i, rel);
            }
            dst->imm = (int32_t)rel;
        }
    }

    free(own_pos);
    *out = o;
    *out_n = total;
    return 0;
}
