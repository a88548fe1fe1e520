/* validate.c — decode raw bytecode and check everything that does not need
 * knowledge of the host: every slot maps to exactly one row of the ISA table, its
 * unused fields are zero, registers exist and r10 is never written, lddw is whole,
 * jumps and calls land on instructions of the same function, and no function falls
 * off its end. The result names each slot's row and the function boundaries.
 * Invariant: on success every reachable slot has a row; lddw's second slot is
 * marked ISA_LDDW_HI and is never a jump or call target.
 */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *field_names[] = { [K_SRC] = "src_reg", [K_OFF] = "offset", [K_IMM] = "imm" };

/* Explains why no row matched an opcode that some row does know. */
static int explain_no_row(const isa_insn *in, long i, unsigned ext, bpfvm_error *err)
{
    char allowed[200] = "";
    const char *first = NULL;
    size_t used = 0;
    int key = K_NONE;
    const isa_row *ext_row = NULL;
    for (int r = 0; r < ISA_NROWS; r++) {
        const isa_row *row = &isa_rows[r];
        if (row->opcode != in->op || row->shape == SH_LDDW_HI)
            continue;
        if (isa_is_ext(row) && !(ext & (1u << row->group))) {
            /* An extension row that would match if it were enabled. */
            int32_t v = row->key == K_SRC ? in->src : row->key == K_OFF ? in->off : in->imm;
            if (row->key == K_NONE || v == row->kv)
                ext_row = row;
            continue;
        }
        key = row->key;
        if (!first)
            first = row->ubpf;
        if (used < sizeof allowed - 24)
            used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%d (%s)",
                                     used ? " or " : "", (int)row->kv, row->ubpf);
    }
    if (ext_row)
        return bpfvm_fail(err, BPFVM_E_INVALID, i,
                          "opcode %#04x (%s) is the non-RFC '%s' extension, which is not enabled",
                          in->op, ext_row->ubpf, isa_group_names[ext_row->group]);
    if (key == K_NONE)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "unknown opcode %#04x", in->op);
    int32_t v = key == K_SRC ? in->src : key == K_OFF ? in->off : in->imm;
    return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s (%#04x): %s must be %s, is %d", first, in->op,
                      field_names[key], allowed, (int)v);
}

static int check_fields(const isa_insn *in, const isa_row *r, long i, bpfvm_error *err)
{
    const char *m = r->ubpf[0] ? r->ubpf : r->name;
    if (in->dst > 10)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s: invalid dst_reg r%u (registers are r0..r10)", m, in->dst);
    if (in->src > 10 && r->src != S_KEY)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s: invalid src_reg r%u (registers are r0..r10)", m, in->src);
    if (r->dst == D_ZERO && in->dst != 0)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s (%#04x): unused dst_reg must be 0, is %u", m, in->op, in->dst);
    if (r->src == S_ZERO && in->src != 0)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s (%#04x): unused src_reg must be 0, is %u", m, in->op, in->src);
    if (r->off == O_ZERO && in->off != 0)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s (%#04x): unused offset must be 0, is %d", m, in->op, in->off);
    if (r->imm == I_ZERO && in->imm != 0)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s (%#04x): unused imm must be 0, is %d", m, in->op, in->imm);
    if (isa_writes_dst(r) && in->dst == 10)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s writes r10, which is read-only", m);
    if (r->src == S_RW && in->src == 10)
        return bpfvm_fail(err, BPFVM_E_INVALID, i, "%s writes its result to r10, which is read-only", m);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Index of the function holding slot i (func_start is sorted, func_start[0] == 0). */
uint32_t isa_func_of(const isa_prog_info *info, uint32_t i)
{
    uint32_t lo = 0, hi = info->nfuncs;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (info->func_start[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Target of a control transfer at slot i, or -1 when the row has none. */
int64_t isa_target(const isa_insn *in, const isa_row *r, uint32_t i)
{
    if (r->off == O_JMP)
        return (int64_t)i + in->off + 1;
    if (r->imm == I_JMP || r->imm == I_CALL)
        return (int64_t)i + in->imm + 1;
    return -1;
}

static int check_target(const isa_insn *insns, const uint16_t *rows, uint32_t n, uint32_t i,
                        int64_t t, const char *what, bpfvm_error *err)
{
    (void)insns;
    if (t < 0 || t >= (int64_t)n)
        return bpfvm_fail(err, BPFVM_E_INVALID, i,
                          "%s target %lld is outside the program (instructions 0..%u)", what,
                          (long long)t, n - 1);
    if (rows[t] == ISA_LDDW_HI)
        return bpfvm_fail(err, BPFVM_E_INVALID, i,
                          "%s target %lld is the second slot of the lddw at %lld", what,
                          (long long)t, (long long)t - 1);
    return 0;
}

int isa_validate(const isa_insn *insns, uint32_t n, unsigned ext, isa_prog_info *out,
                 bpfvm_error *err)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return bpfvm_fail(err, BPFVM_E_INVALID, -1, "program is empty");
    if (n > BPFVM_MAX_INSNS)
        return bpfvm_fail(err, BPFVM_E_INVALID, -1,
                          "program has %u instructions, more than the limit of %u", n, BPFVM_MAX_INSNS);

    uint16_t *rows = malloc(sizeof *rows * n);
    uint32_t *starts = malloc(sizeof *starts * (n + 1));
    if (!rows || !starts) {
        free(rows);
        free(starts);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory decoding %u instructions", n);
    }
    uint32_t nstarts = 0;
    starts[nstarts++] = 0;
    int rc = 0;

    /* Pass 1: every slot to a row, fields checked. */
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const isa_insn *in = &insns[i];
        isa_id id = isa_find(in, ext);
        if (id == ISA_NONE) {
            rc = explain_no_row(in, i, ext, err);
            break;
        }
        const isa_row *r = &isa_rows[id];
        rows[i] = (uint16_t)id;
        if ((rc = check_fields(in, r, i, err)) != 0)
            break;
        if (isa_is_wide(r)) {
            if (i + 1 >= n) {
                rc = bpfvm_fail(err, BPFVM_E_INVALID, i, "lddw is truncated: its second slot is missing");
                break;
            }
            const isa_insn *hi = &insns[i + 1];
            if (hi->op || hi->dst || hi->src || hi->off) {
                rc = bpfvm_fail(err, BPFVM_E_INVALID, i + 1,
                                "second slot of lddw must have opcode, registers and offset 0 "
                                "(opcode %#04x, dst %u, src %u, offset %d)",
                                hi->op, hi->dst, hi->src, hi->off);
                break;
            }
            if ((id == ISA_LDDW_MAP_FD || id == ISA_LDDW_MAP_IDX || id == ISA_LDDW_CODE) && hi->imm) {
                rc = bpfvm_fail(err, BPFVM_E_INVALID, i, "lddw %s: second imm must be 0, is %d",
                                r->llvm, hi->imm);
                break;
            }
            rows[++i] = ISA_LDDW_HI;
        }
    }

    /* Pass 2: call targets become function starts. */
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const isa_row *r = &isa_rows[rows[i]];
        if (rows[i] == ISA_LDDW_HI || r->imm != I_CALL)
            continue;
        int64_t t = isa_target(&insns[i], r, i);
        if ((rc = check_target(insns, rows, n, i, t, r->shape == SH_CALL ? "call" : "lddw code_addr", err)))
            break;
        starts[nstarts++] = (uint32_t)t;
    }
    if (rc == 0) {
        qsort(starts, nstarts, sizeof *starts, cmp_u32);
        uint32_t k = 0;
        for (uint32_t j = 0; j < nstarts; j++)
            if (k == 0 || starts[k - 1] != starts[j])
                starts[k++] = starts[j];
        nstarts = k;
        out->rows = rows;
        out->func_start = starts;
        out->nfuncs = nstarts;
    }

    /* Pass 3: jumps stay inside their function; no function falls off its end. */
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (rows[i] == ISA_LDDW_HI)
            continue;
        const isa_row *r = &isa_rows[rows[i]];
        if (r->off != O_JMP && r->imm != I_JMP)
            continue;
        int64_t t = isa_target(&insns[i], r, i);
        if ((rc = check_target(insns, rows, n, i, t, "jump", err)))
            break;
        uint32_t f = isa_func_of(out, i), g = isa_func_of(out, (uint32_t)t);
        if (f != g)
            rc = bpfvm_fail(err, BPFVM_E_INVALID, i,
                            "jump target %lld is in another function (starting at %u) than the jump (function at %u)",
                            (long long)t, out->func_start[g], out->func_start[f]);
    }
    for (uint32_t f = 0; f < nstarts && rc == 0; f++) {
        uint32_t end = f + 1 < nstarts ? starts[f + 1] : n; /* one past the last slot */
        uint32_t last = end - 1;
        uint16_t row = rows[last];
        if (row == ISA_EXIT || row == ISA_JA || row == ISA_JA32)
            continue;
        if (row == ISA_LDDW_HI)
            last--;
        if (end == n)
            rc = bpfvm_fail(err, BPFVM_E_INVALID, last,
                            "execution can fall off the end of the program: the last instruction "
                            "is %s, not exit or ja", isa_rows[rows[last]].ubpf);
        else
            rc = bpfvm_fail(err, BPFVM_E_INVALID, last,
                            "execution can fall through into the function at %u: the last "
                            "instruction of the function at %u is %s, not exit or ja",
                            end, starts[f], isa_rows[rows[last]].ubpf);
    }
    if (rc) {
        free(rows);
        free(starts);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

void isa_prog_info_free(isa_prog_info *info)
{
    free(info->rows);
    free(info->func_start);
    memset(info, 0, sizeof *info);
}
