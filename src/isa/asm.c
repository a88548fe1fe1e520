/* asm.c — text to bytecode, for the conformance suite's uBPF dialect
 * (mov %r0, 1 / ldxw %r0, [%r1+4] / lock fetch add [%r10-8], %r1) and for LLVM's
 * (r0 = 1 / r0 = *(u32 *)(r1 + 4) / w1 = atomic_fetch_add((u32 *)(r10 - 8), w1)),
 * including lines pasted from llvm-objdump -d (addresses and raw bytes are skipped).
 * Rows are chosen by looking up the mnemonic/operator in the ISA table; the only
 * knowledge here is how each operand shape is spelled. Labels ("name:") work in
 * both dialects; as in the suite's assembler, "exit" names the first exit when no
 * label of that name exists. Every error names the line.
 */
#include "asm_rows.h"
#include "common.h"
#include "isa.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct label {
    char name[64];
    uint32_t slot;
} label;

typedef struct fixup {
    char name[64];
    uint32_t slot;
    int line;
    bool in_imm; /* target goes to imm (gotol, local call) instead of off */
} fixup;

typedef struct asm_state {
    isa_insn *code;
    uint32_t n, cap;
    label *labels;
    uint32_t nlabels, caplabels;
    fixup *fixups;
    uint32_t nfixups, capfixups;
    int first_exit; /* slot of the first exit, -1 if none */
    unsigned ext;
    int line;
    bpfvm_error *err;
} asm_state;

/* A cursor over one line. */
typedef struct cur {
    const char *p;
} cur;

static void ws(cur *c)
{
    while (*c->p == ' ' || *c->p == '\t')
        c->p++;
}

static bool at_end(cur *c)
{
    ws(c);
    return *c->p == 0;
}

/* Matches a literal token (after skipping blanks). Word-like literals must not be
 * followed by an identifier character. */
static bool lit(cur *c, const char *t)
{
    ws(c);
    size_t n = strlen(t);
    if (strncmp(c->p, t, n) != 0)
        return false;
    if (isalnum((unsigned char)t[n - 1]) && (isalnum((unsigned char)c->p[n]) || c->p[n] == '_'))
        return false;
    c->p += n;
    return true;
}

static bool ident(cur *c, char *buf, size_t size)
{
    ws(c);
    size_t n = 0;
    if (!(isalpha((unsigned char)*c->p) || *c->p == '_' || *c->p == '.'))
        return false;
    while (isalnum((unsigned char)c->p[n]) || c->p[n] == '_' || c->p[n] == '.')
        n++;
    if (n >= size)
        return false;
    memcpy(buf, c->p, n);
    buf[n] = 0;
    c->p += n;
    return true;
}

/* A number: optional sign, decimal or 0x hex. *hex tells which. */
static bool number(cur *c, int64_t *v, bool *hex, bool *overflow)
{
    ws(c);
    const char *s = c->p;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    bool h = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (!(h ? isxdigit((unsigned char)s[2]) : isdigit((unsigned char)*s)))
        return false;
    char *end;
    errno = 0;
    unsigned long long u = strtoull(s, &end, h ? 16 : 10);
    if (isalnum((unsigned char)*end) || *end == '_')
        return false;
    *overflow = errno == ERANGE;
    *hex = h;
    *v = neg ? (int64_t)(0 - (uint64_t)u) : (int64_t)u;
    if (neg && u > (unsigned long long)INT64_MAX + 1)
        *overflow = true;
    c->p = end;
    return true;
}

/* ---- emitting ---------------------------------------------------------------- */

static int fail(asm_state *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(asm_state *a, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bpfvm_fail_line(a->err, BPFVM_E_INVALID, a->line, "%s", msg);
}

static int emit(asm_state *a, isa_insn in)
{
    if (a->n == a->cap) {
        uint32_t cap = a->cap ? a->cap * 2 : 64;
        isa_insn *c = realloc(a->code, cap * sizeof *c);
        if (!c)
            return bpfvm_fail(a->err, BPFVM_E_NOMEM, -1, "out of memory");
        a->code = c;
        a->cap = cap;
    }
    if (a->n >= BPFVM_MAX_INSNS)
        return fail(a, "program exceeds %u instructions", BPFVM_MAX_INSNS);
    a->code[a->n++] = in;
    return 0;
}

static int add_fixup(asm_state *a, const char *name, bool in_imm)
{
    if (a->nfixups == a->capfixups) {
        uint32_t cap = a->capfixups ? a->capfixups * 2 : 32;
        fixup *f = realloc(a->fixups, cap * sizeof *f);
        if (!f)
            return bpfvm_fail(a->err, BPFVM_E_NOMEM, -1, "out of memory");
        a->fixups = f;
        a->capfixups = cap;
    }
    fixup *f = &a->fixups[a->nfixups++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->slot = a->n; /* the instruction about to be emitted */
    f->line = a->line;
    f->in_imm = in_imm;
    return 0;
}

static int add_label(asm_state *a, const char *name)
{
    for (uint32_t i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i].name, name) == 0)
            return fail(a, "duplicate label '%s'", name);
    if (a->nlabels == a->caplabels) {
        uint32_t cap = a->caplabels ? a->caplabels * 2 : 32;
        label *l = realloc(a->labels, cap * sizeof *l);
        if (!l)
            return bpfvm_fail(a->err, BPFVM_E_NOMEM, -1, "out of memory");
        a->labels = l;
        a->caplabels = cap;
    }
    snprintf(a->labels[a->nlabels].name, sizeof a->labels[0].name, "%s", name);
    a->labels[a->nlabels++].slot = a->n;
    return 0;
}

/* Emits row `id` with the given fields after checking the extension gate. */
static int emit_row(asm_state *a, isa_id id, int dst, int src, int16_t off, int32_t imm)
{
    const isa_row *r = &isa_rows[id];
    if (isa_is_ext(r) && !(a->ext & (1u << r->group)))
        return fail(a, "'%s' is the non-RFC '%s' extension, which is not enabled", r->ubpf,
                    isa_group_names[r->group]);
    if (r->shape == SH_EXIT && a->first_exit < 0)
        a->first_exit = (int)a->n;
    return emit(a, isa_make(id, dst, src, off, imm));
}

static int emit_lddw(asm_state *a, isa_id id, int dst, uint64_t v)
{
    int rc = emit_row(a, id, dst, 0, 0, (int32_t)(uint32_t)v);
    if (rc == 0)
        rc = emit(a, isa_make(ISA_LDDW_HI, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
    return rc;
}

/* ---- operand parsing shared by both dialects ------------------------------------- */

/* Register: "%rN" (uBPF) or "rN"/"wN" (LLVM). *width is 'r', 'w' or '%'. */
static int reg(asm_state *a, cur *c, int *r, char *width)
{
    ws(c);
    const char *s = c->p;
    char w;
    if (s[0] == '%' && s[1] == 'r')
        w = '%', s += 2;
    else if ((s[0] == 'r' || s[0] == 'w') && isdigit((unsigned char)s[1]))
        w = s[0], s += 1;
    else
        return 1; /* not a register: let the caller try something else */
    if (!isdigit((unsigned char)*s))
        return 1;
    int v = 0;
    while (isdigit((unsigned char)*s) && v < 1000)
        v = v * 10 + (*s++ - '0');
    if (isalnum((unsigned char)*s) || *s == '_')
        return 1;
    if (v > 10) {
        int len = (int)(s - c->p);
        return fail(a, "invalid register '%.*s' (registers are r0..r10)", len, c->p);
    }
    c->p = s;
    *r = v;
    if (width)
        *width = w;
    return 0;
}

static int need_reg(asm_state *a, cur *c, int *r, char *width)
{
    int rc = reg(a, c, r, width);
    if (rc > 0) {
        ws(c);
        return fail(a, "expected a register, found '%s'", *c->p ? c->p : "end of line");
    }
    return rc;
}

/* 32-bit immediate. uBPF: decimal must fit s32, hex must fit u32 (the suite's
 * negative tests); LLVM: anything that fits in 32 bits either way. */
static int imm32(asm_state *a, cur *c, int32_t *out, bool llvm)
{
    int64_t v;
    bool hex, ovf;
    ws(c);
    const char *start = c->p;
    if (!number(c, &v, &hex, &ovf))
        return fail(a, "expected a number, found '%s'", *start ? start : "end of line");
    bool ok = !ovf && (hex || llvm ? (v >= INT32_MIN && v <= (int64_t)UINT32_MAX)
                                   : (v >= INT32_MIN && v <= INT32_MAX));
    if (!ok)
        return fail(a, "immediate %.*s does not fit in 32 bits", (int)(c->p - start), start);
    *out = (int32_t)(uint32_t)(uint64_t)v;
    return 0;
}

static int off16(asm_state *a, int64_t v, bool ovf, const char *start, const char *end, int16_t *out)
{
    if (ovf || v < INT16_MIN || v > INT16_MAX)
        return fail(a, "offset %.*s does not fit in 16 bits", (int)(end - start), start);
    *out = (int16_t)v;
    return 0;
}

/* Jump target: "+N", "-N" (relative) or a label. Labels are fixed up at the end. */
static int target(asm_state *a, cur *c, int32_t *rel, bool *is_label, char *name, size_t nsize, bool wide)
{
    ws(c);
    const char *start = c->p;
    int64_t v;
    bool hex, ovf;
    *is_label = false;
    if ((*c->p == '+' || *c->p == '-') && number(c, &v, &hex, &ovf)) {
        if (ovf || v < (wide ? INT32_MIN : INT16_MIN) || v > (wide ? INT32_MAX : INT16_MAX))
            return fail(a, "jump offset %.*s does not fit in %d bits", (int)(c->p - start), start,
                        wide ? 32 : 16);
        *rel = (int32_t)v;
        /* llvm-objdump appends "<sym+0x10>" after targets */
        ws(c);
        if (*c->p == '<') {
            const char *e = strchr(c->p, '>');
            c->p = e ? e + 1 : c->p + strlen(c->p);
        }
        return 0;
    }
    if (ident(c, name, nsize)) {
        *is_label = true;
        *rel = 0;
        return 0;
    }
    return fail(a, "expected a jump target (+N, -N or a label), found '%s'", *start ? start : "end of line");
}

/* "[%rN+off]" / "[%rN-off]" / "[%rN]" */
static int mem_ubpf(asm_state *a, cur *c, int *r, int16_t *off)
{
    ws(c);
    if (!lit(c, "["))
        return fail(a, "expected a memory operand like [%%r1+4], found '%s'", *c->p ? c->p : "end of line");
    int rc = need_reg(a, c, r, NULL);
    if (rc)
        return rc;
    *off = 0;
    ws(c);
    if (*c->p == '+' || *c->p == '-') {
        int64_t v;
        bool hex, ovf;
        const char *start = c->p;
        if (!number(c, &v, &hex, &ovf))
            return fail(a, "bad offset in memory operand");
        if ((rc = off16(a, v, ovf, start, c->p, off)))
            return rc;
    }
    if (!lit(c, "]"))
        return fail(a, "expected ']' after the memory operand");
    return 0;
}

/* "(rN + off)" / "(rN - off)" */
static int mem_llvm_inner(asm_state *a, cur *c, int *r, int16_t *off)
{
    int rc = need_reg(a, c, r, NULL);
    if (rc)
        return rc;
    *off = 0;
    ws(c);
    if (*c->p == '+' || *c->p == '-') {
        bool neg = *c->p == '-';
        c->p++;
        int64_t v;
        bool hex, ovf;
        const char *start = c->p;
        if (!number(c, &v, &hex, &ovf))
            return fail(a, "bad offset in memory operand");
        if ((rc = off16(a, neg ? -v : v, ovf, start, c->p, off)))
            return rc;
    }
    return 0;
}

static int mem_llvm(asm_state *a, cur *c, int *r, int16_t *off)
{
    if (!lit(c, "("))
        return fail(a, "expected '(' of a memory operand");
    int rc = mem_llvm_inner(a, c, r, off);
    if (rc == 0 && !lit(c, ")"))
        return fail(a, "expected ')' after the memory operand");
    return rc;
}

/* "*(u32 *)" or "(u32 *)": the access type; returns its name in ty. */
static int access_type(asm_state *a, cur *c, char *ty, size_t size)
{
    if (!lit(c, "(") || !ident(c, ty, size) || !lit(c, "*") || !lit(c, ")"))
        return fail(a, "expected an access type like (u32 *)");
    return 0;
}

/* ---- row lookup by text, from the table -------------------------------------------- */

static isa_id find_llvm(int shape, const char *tok, int size)
{
    for (int i = 0; i < ISA_NROWS; i++) {
        const isa_row *r = &isa_rows[i];
        if (r->shape == shape && strcmp(r->llvm, tok) == 0 && (size == 0 || r->size == size))
            return (isa_id)i;
    }
    return ISA_NONE;
}

/* Row with uBPF mnemonic m among the given shapes (bit mask of 1 << shape). */
static isa_id find_ubpf(const char *m, unsigned shapes)
{
    for (int i = 0; i < ISA_NROWS; i++) {
        const isa_row *r = &isa_rows[i];
        if ((shapes & (1u << r->shape)) && strcmp(r->ubpf, m) == 0)
            return (isa_id)i;
    }
    return ISA_NONE;
}

static bool ubpf_mnemonic_known(const char *m)
{
    if (!strcmp(m, "lock") || !strcmp(m, "swap16") || !strcmp(m, "swap32") || !strcmp(m, "swap64"))
        return true;
    for (int i = 0; i < ISA_NROWS; i++)
        if (isa_rows[i].shape != SH_ATOMIC && strcmp(isa_rows[i].ubpf, m) == 0)
            return true;
    return false;
}

#define BIT(s) (1u << (s))

/* ---- the uBPF dialect ------------------------------------------------------------- */

static int jump_operand(asm_state *a, cur *c, int32_t *rel, bool wide_or_imm)
{
    bool is_label;
    char name[64];
    int rc = target(a, c, rel, &is_label, name, sizeof name, wide_or_imm);
    if (rc == 0 && is_label)
        rc = add_fixup(a, name, wide_or_imm);
    return rc;
}

static int parse_ubpf(asm_state *a, cur *c, const char *m)
{
    int d = 0, s = 0, rc;
    int16_t off = 0;
    int32_t imm = 0;
    isa_id id;

    if (!strcmp(m, "lock")) {
        bool fetch = lit(c, "fetch");
        char op[32];
        if (!ident(c, op, sizeof op))
            return fail(a, "invalid number of operands for lock: expected 'lock [fetch] OP [%%rD+off], %%rS'");
        size_t len = strlen(op);
        int size = 8;
        if (len > 2 && !strcmp(op + len - 2, "32")) {
            op[len - 2] = 0;
            size = 4;
        }
        id = ISA_NONE;
        for (int i = 0; i < ISA_NROWS; i++) {
            const isa_row *r = &isa_rows[i];
            if (r->shape != SH_ATOMIC || r->size != size || strcmp(r->ubpf, op))
                continue;
            bool fetch_row = asm_is_fetch_form(r);
            bool plain_row = r->llvm[strlen(r->llvm) - 1] == '=';
            if (fetch_row == fetch || (!fetch_row && !plain_row)) /* xchg/cmpxchg: fetch optional */
                id = (isa_id)i;
        }
        if (id == ISA_NONE)
            return fail(a, "unknown atomic operation 'lock %s%s%s'", fetch ? "fetch " : "", op,
                        size == 4 ? "32" : "");
        ws(c);
        if (*c->p != '[')
            return fail(a, "invalid number of operands for lock: expected a memory operand");
        if ((rc = mem_ubpf(a, c, &d, &off)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for lock: expected ', %%rS'");
        if ((rc = need_reg(a, c, &s, NULL)))
            return rc;
        return at_end(c) ? emit_row(a, id, d, s, off, 0) : fail(a, "unexpected text after the instruction: '%s'", c->p);
    }
    if (!strncmp(m, "swap", 4)) /* the suite also spells bswap as swap */
        m = !strcmp(m, "swap16") ? "bswap16" : !strcmp(m, "swap32") ? "bswap32" : "bswap64";

    if (!strcmp(m, "call")) {
        if (lit(c, "local")) {
            if ((rc = jump_operand(a, c, &imm, true)))
                return rc;
            id = ISA_CALL_LOCAL;
        } else if (lit(c, "runtime") || lit(c, "kfunc")) {
            if ((rc = imm32(a, c, &imm, false)))
                return rc;
            id = ISA_CALL_KFUNC;
        } else if ((rc = reg(a, c, &d, NULL)) <= 0) {
            if (rc < 0)
                return rc;
            id = ISA_CALLX;
        } else {
            lit(c, "helper");
            if ((rc = imm32(a, c, &imm, false)))
                return rc;
            id = ISA_CALL_HELPER;
        }
        return at_end(c) ? emit_row(a, id, d, 0, 0, imm) : fail(a, "unexpected text after the instruction: '%s'", c->p);
    }

    id = find_ubpf(m, ~0u & ~BIT(SH_ATOMIC));
    if (id == ISA_NONE)
        return fail(a, "unknown mnemonic '%s'", m);
    const isa_row *r = &isa_rows[id];
    switch (r->shape) {
    case SH_ALU_K:
    case SH_ALU_X:
    case SH_JCOND_K:
    case SH_JCOND_X: {
        bool jump = r->shape == SH_JCOND_K || r->shape == SH_JCOND_X;
        if ((rc = need_reg(a, c, &d, NULL)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for %s", m);
        rc = reg(a, c, &s, NULL);
        if (rc < 0)
            return rc;
        isa_id pick = find_ubpf(m, rc == 0 ? (jump ? BIT(SH_JCOND_X) : BIT(SH_ALU_X)) : (jump ? BIT(SH_JCOND_K) : BIT(SH_ALU_K)));
        if (pick == ISA_NONE)
            return fail(a, "%s does not take a %s operand", m, rc == 0 ? "register" : "immediate");
        if (rc > 0 && (rc = imm32(a, c, &imm, false)))
            return rc;
        if (jump) {
            if (!lit(c, ","))
                return fail(a, "invalid number of operands for %s: expected a jump target", m);
            int32_t rel;
            if ((rc = jump_operand(a, c, &rel, false)))
                return rc;
            off = (int16_t)rel;
        }
        if (!at_end(c))
            return fail(a, "unexpected text after the instruction: '%s'", c->p);
        return emit_row(a, pick, d, s, off, imm);
    }
    case SH_MOVSX:
        if ((rc = need_reg(a, c, &d, NULL)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for %s", m);
        if ((rc = need_reg(a, c, &s, NULL)))
            return rc;
        break;
    case SH_NEG:
    case SH_END:
        if ((rc = need_reg(a, c, &d, NULL)))
            return rc;
        break;
    case SH_JA: {
        int32_t rel;
        bool wide = r->imm == I_JMP;
        if ((rc = jump_operand(a, c, &rel, wide)))
            return rc;
        if (wide)
            imm = rel;
        else
            off = (int16_t)rel;
        break;
    }
    case SH_EXIT:
        break;
    case SH_LDDW: {
        if ((rc = need_reg(a, c, &d, NULL)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for lddw: expected 'lddw %%rD, IMM64'");
        char name[32];
        cur save = *c;
        if (ident(c, name, sizeof name)) {
            isa_id ref = find_llvm(SH_LDDW, name, 0);
            int32_t i1, i2 = 0;
            if (ref == ISA_NONE || !lit(c, "("))
                return fail(a, "unknown lddw operand '%s'", name);
            if ((rc = imm32(a, c, &i1, true)))
                return rc;
            if (lit(c, ",") && (rc = imm32(a, c, &i2, true)))
                return rc;
            if (!lit(c, ")"))
                return fail(a, "expected ')' after %s(...)", name);
            if (!at_end(c))
                return fail(a, "unexpected text after the instruction: '%s'", c->p);
            return emit_lddw(a, ref, d, (uint32_t)i1 | (uint64_t)(uint32_t)i2 << 32);
        }
        *c = save;
        int64_t v;
        bool hex, ovf;
        ws(c);
        const char *start = c->p;
        if (!number(c, &v, &hex, &ovf))
            return fail(a, "invalid number of operands for lddw: expected a 64-bit immediate");
        if (ovf)
            return fail(a, "immediate %.*s does not fit in 64 bits", (int)(c->p - start), start);
        if (!at_end(c))
            return fail(a, "unexpected text after the instruction: '%s'", c->p);
        return emit_lddw(a, id, d, (uint64_t)v);
    }
    case SH_LDABS:
        if ((rc = imm32(a, c, &imm, false)))
            return rc;
        break;
    case SH_LDIND:
        if ((rc = need_reg(a, c, &s, NULL)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for %s", m);
        if ((rc = imm32(a, c, &imm, false)))
            return rc;
        break;
    case SH_LDX:
    case SH_LDACQ:
        if ((rc = need_reg(a, c, &d, NULL)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for %s", m);
        if ((rc = mem_ubpf(a, c, &s, &off)))
            return rc;
        break;
    case SH_ST:
        if ((rc = mem_ubpf(a, c, &d, &off)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for %s", m);
        if ((rc = imm32(a, c, &imm, false)))
            return rc;
        break;
    case SH_STX:
    case SH_STREL:
        if ((rc = mem_ubpf(a, c, &d, &off)))
            return rc;
        if (!lit(c, ","))
            return fail(a, "invalid number of operands for %s", m);
        if ((rc = need_reg(a, c, &s, NULL)))
            return rc;
        break;
    default:
        return fail(a, "unknown mnemonic '%s'", m);
    }
    if (!at_end(c))
        return fail(a, "unexpected text after the instruction: '%s'", c->p);
    return emit_row(a, id, d, s, off, imm);
}

/* ---- the LLVM dialect -------------------------------------------------------------- */

static int expect_end(asm_state *a, cur *c)
{
    return at_end(c) ? 0 : fail(a, "unexpected text after the instruction: '%s'", c->p);
}

/* After "rD = " or "wD = ": everything an assignment can be. */
static int llvm_assign(asm_state *a, cur *c, int d, char w)
{
    int s, rc = 0;
    char sw;
    int16_t off;
    int32_t imm;
    char tok[32];
    int size = w == 'w' ? 4 : 8;
    isa_id id;

    /* rD = -rD */
    cur save = *c;
    if (lit(c, "-") && reg(a, c, &s, &sw) == 0) {
        if (s != d)
            return fail(a, "negation must be in place: r%d = -r%d", d, d);
        id = find_llvm(SH_NEG, "-", size);
        return expect_end(a, c) ?: emit_row(a, id, d, 0, 0, 0);
    }
    *c = save;
    /* rD = (s8)rS */
    if (lit(c, "(") && ident(c, tok, sizeof tok) && lit(c, ")") && reg(a, c, &s, &sw) == 0) {
        id = find_llvm(SH_MOVSX, tok, size);
        if (id == ISA_NONE)
            return fail(a, "unknown sign extension (%s) for %c registers", tok, w);
        return expect_end(a, c) ?: emit_row(a, id, d, s, 0, 0);
    }
    *c = save;
    /* rD = *(u32 *)(rS + off) | *(u32 *)skb[...] */
    if (lit(c, "*")) {
        if ((rc = access_type(a, c, tok, sizeof tok)))
            return rc;
        if (lit(c, "skb")) {
            if (d != 0)
                return fail(a, "legacy packet loads write r0, not r%d", d);
            if (!lit(c, "["))
                return fail(a, "expected '[' after skb");
            rc = reg(a, c, &s, &sw);
            if (rc < 0)
                return rc;
            imm = 0;
            if (rc == 0) {
                id = find_llvm(SH_LDIND, tok, 0);
                ws(c);
                if (*c->p == '+' || *c->p == '-') {
                    bool neg = *c->p++ == '-';
                    if ((rc = imm32(a, c, &imm, true)))
                        return rc;
                    if (neg)
                        imm = (int32_t)(0u - (uint32_t)imm);
                }
            } else {
                id = find_llvm(SH_LDABS, tok, 0);
                s = 0;
                if ((rc = imm32(a, c, &imm, true)))
                    return rc;
            }
            if (id == ISA_NONE)
                return fail(a, "unknown packet load type %s", tok);
            if (!lit(c, "]"))
                return fail(a, "expected ']'");
            return expect_end(a, c) ?: emit_row(a, id, 0, s, 0, imm);
        }
        if ((rc = mem_llvm(a, c, &s, &off)))
            return rc;
        id = find_llvm(SH_LDX, tok, 0);
        if (id == ISA_NONE)
            return fail(a, "unknown load type %s", tok);
        return expect_end(a, c) ?: emit_row(a, id, d, s, off, 0);
    }
    *c = save;
    /* rD = rS */
    rc = reg(a, c, &s, &sw);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        id = find_llvm(SH_ALU_X, "=", size);
        return expect_end(a, c) ?: emit_row(a, id, d, s, 0, 0);
    }
    *c = save;
    if (ident(c, tok, sizeof tok)) {
        /* rD = be16 rD */
        id = find_llvm(SH_END, tok, 0);
        if (id != ISA_NONE) {
            if ((rc = need_reg(a, c, &s, &sw)))
                return rc;
            if (s != d)
                return fail(a, "byte swap must be in place: r%d = %s r%d", d, tok, d);
            return expect_end(a, c) ?: emit_row(a, id, d, 0, 0, 0);
        }
        /* w2 = atomic_fetch_add((u32 *)(r1 + 0), w2) */
        if (!strncmp(tok, "atomic_fetch_", 13)) {
            char ty[8];
            int s2;
            id = find_llvm(SH_ATOMIC, tok, size);
            if (id == ISA_NONE)
                return fail(a, "unknown atomic operation %s", tok);
            if (!lit(c, "(") || (rc = access_type(a, c, ty, sizeof ty)) || (rc = mem_llvm(a, c, &s, &off)))
                return rc ? rc : fail(a, "expected '(' after %s", tok);
            if (!lit(c, ",") || (rc = need_reg(a, c, &s2, NULL)) || !lit(c, ")"))
                return rc ? rc : fail(a, "expected ', reg)' in %s", tok);
            if (s2 != d)
                return fail(a, "%s must write back to its source register", tok);
            return expect_end(a, c) ?: emit_row(a, id, s, d, off, 0);
        }
        /* w2 = xchg32_32(r1 + 0, w2); w0 = cmpxchg32_32(r1 + 0, w0, w2) */
        id = find_llvm(SH_ATOMIC, tok, 0);
        if (id != ISA_NONE) {
            int base, s2, r0;
            if (!lit(c, "(") || (rc = mem_llvm_inner(a, c, &base, &off)) || !lit(c, ","))
                return rc ? rc : fail(a, "expected '(reg + off, ...' in %s", tok);
            if (isa_rows[id].src == S_R) { /* cmpxchg: old value to r0 */
                if ((rc = need_reg(a, c, &r0, NULL)) || !lit(c, ","))
                    return rc ? rc : fail(a, "expected 3 operands in %s", tok);
                if (r0 != 0 || d != 0)
                    return fail(a, "%s compares and returns r0", tok);
            }
            if ((rc = need_reg(a, c, &s2, NULL)) || !lit(c, ")"))
                return rc ? rc : fail(a, "expected ')' in %s", tok);
            if (isa_rows[id].src == S_RW && s2 != d)
                return fail(a, "%s must write back to its source register", tok);
            return expect_end(a, c) ?: emit_row(a, id, base, s2, off, 0);
        }
        /* rD = load_acquire((u64 *)(rS + off)) */
        if (!strcmp(tok, "load_acquire")) {
            char ty[8];
            if (!lit(c, "(") || (rc = access_type(a, c, ty, sizeof ty)) || (rc = mem_llvm(a, c, &s, &off)) || !lit(c, ")"))
                return rc ? rc : fail(a, "expected load_acquire((uN *)(reg + off))");
            id = find_llvm(SH_LDACQ, ty, 0);
            if (id == ISA_NONE)
                return fail(a, "unknown access type %s", ty);
            return expect_end(a, c) ?: emit_row(a, id, d, s, off, 0);
        }
        /* rD = map_value(3, 8) ll */
        id = find_llvm(SH_LDDW, tok, 0);
        if (id != ISA_NONE && tok[0]) {
            int32_t i1, i2 = 0;
            if (!lit(c, "(") || (rc = imm32(a, c, &i1, true)))
                return rc ? rc : fail(a, "expected '(' after %s", tok);
            if (lit(c, ",") && (rc = imm32(a, c, &i2, true)))
                return rc;
            if (!lit(c, ")") || !lit(c, "ll"))
                return fail(a, "expected ') ll' after %s(...)", tok);
            return expect_end(a, c) ?: emit_lddw(a, id, d, (uint32_t)i1 | (uint64_t)(uint32_t)i2 << 32);
        }
        return fail(a, "unknown operation '%s'", tok);
    }
    *c = save;
    /* rD = IMM [ll] */
    int64_t v;
    bool hex, ovf;
    ws(c);
    const char *start = c->p;
    if (!number(c, &v, &hex, &ovf))
        return fail(a, "cannot parse the right-hand side '%s'", start);
    if (lit(c, "ll")) {
        if (w != 'r')
            return fail(a, "64-bit immediate loads write an r register");
        if (ovf)
            return fail(a, "immediate %.*s does not fit in 64 bits", (int)(c->p - start), start);
        return expect_end(a, c) ?: emit_lddw(a, ISA_LDDW, d, (uint64_t)v);
    }
    if (ovf || v < INT32_MIN || v > (int64_t)UINT32_MAX)
        return fail(a, "immediate %.*s does not fit in 32 bits (use 'll' for a 64-bit load)",
                    (int)(c->p - start), start);
    id = find_llvm(SH_ALU_K, "=", size);
    return expect_end(a, c) ?: emit_row(a, id, d, 0, 0, (int32_t)(uint32_t)(uint64_t)v);
}

static int parse_llvm(asm_state *a, cur *c)
{
    int d, s, rc = 0;
    char w, sw;
    int16_t off;
    int32_t imm = 0;
    char tok[32];
    isa_id id;
    cur save = *c;

    if (lit(c, "exit"))
        return expect_end(a, c) ?: emit_row(a, ISA_EXIT, 0, 0, 0, 0);
    if (lit(c, "goto") || lit(c, "gotol") || lit(c, "may_goto")) {
        c->p = save.p;
        ident(c, tok, sizeof tok);
        id = find_llvm(SH_JA, tok, 0);
        int32_t rel;
        bool wide = isa_rows[id].imm == I_JMP;
        if ((rc = jump_operand(a, c, &rel, wide)))
            return rc;
        return expect_end(a, c) ?: emit_row(a, id, 0, 0, wide ? 0 : (int16_t)rel, wide ? rel : 0);
    }
    if (lit(c, "callx")) {
        if ((rc = need_reg(a, c, &d, NULL)))
            return rc;
        return expect_end(a, c) ?: emit_row(a, ISA_CALLX, d, 0, 0, 0);
    }
    if (lit(c, "call")) {
        if (lit(c, "pc")) {
            int32_t rel;
            if ((rc = jump_operand(a, c, &rel, true)))
                return rc;
            return expect_end(a, c) ?: emit_row(a, ISA_CALL_LOCAL, 0, 0, 0, rel);
        }
        if (lit(c, "local")) { /* the uBPF spelling, accepted in both dialects */
            int32_t rel;
            if ((rc = jump_operand(a, c, &rel, true)))
                return rc;
            return expect_end(a, c) ?: emit_row(a, ISA_CALL_LOCAL, 0, 0, 0, rel);
        }
        lit(c, "helper");
        if (lit(c, "kfunc") || lit(c, "runtime")) {
            if ((rc = imm32(a, c, &imm, true)))
                return rc;
            return expect_end(a, c) ?: emit_row(a, ISA_CALL_KFUNC, 0, 0, 0, imm);
        }
        ws(c);
        if (isalpha((unsigned char)*c->p) || *c->p == '_') { /* call to a label: a local call */
            int32_t rel;
            if ((rc = jump_operand(a, c, &rel, true)))
                return rc;
            return expect_end(a, c) ?: emit_row(a, ISA_CALL_LOCAL, 0, 0, 0, rel);
        }
        if ((rc = imm32(a, c, &imm, true)))
            return rc;
        return expect_end(a, c) ?: emit_row(a, ISA_CALL_HELPER, 0, 0, 0, imm);
    }
    if (lit(c, "if")) {
        if ((rc = need_reg(a, c, &d, &w)))
            return rc;
        ws(c);
        size_t n = strspn(c->p, "s<>=!&");
        if (n == 0 || n >= sizeof tok)
            return fail(a, "expected a comparison operator after 'if %c%d'", w, d);
        memcpy(tok, c->p, n);
        tok[n] = 0;
        c->p += n;
        rc = reg(a, c, &s, &sw);
        if (rc < 0)
            return rc;
        id = find_llvm(rc == 0 ? SH_JCOND_X : SH_JCOND_K, tok, w == 'w' ? 4 : 8);
        if (id == ISA_NONE)
            return fail(a, "unknown comparison '%s'", tok);
        if (rc > 0) {
            s = 0;
            if ((rc = imm32(a, c, &imm, true)))
                return rc;
        }
        if (!lit(c, "goto"))
            return fail(a, "expected 'goto' in a conditional jump");
        int32_t rel;
        if ((rc = jump_operand(a, c, &rel, false)))
            return rc;
        return expect_end(a, c) ?: emit_row(a, id, d, s, (int16_t)rel, imm);
    }
    if (lit(c, "lock")) { /* lock *(u32 *)(r1 + 0) += w2 */
        if (!lit(c, "*") || (rc = access_type(a, c, tok, sizeof tok)) || (rc = mem_llvm(a, c, &d, &off)))
            return rc ? rc : fail(a, "expected 'lock *(uN *)(reg + off) op= reg'");
        char op[8];
        ws(c);
        size_t n = strspn(c->p, "+|&^=");
        if (n == 0 || n >= sizeof op)
            return fail(a, "expected an atomic operator (+=, |=, &=, ^=)");
        memcpy(op, c->p, n);
        op[n] = 0;
        c->p += n;
        if ((rc = need_reg(a, c, &s, NULL)))
            return rc;
        int size = !strcmp(tok, "u32") ? 4 : !strcmp(tok, "u64") ? 8 : 0;
        id = find_llvm(SH_ATOMIC, op, size);
        if (id == ISA_NONE)
            return fail(a, "no atomic %s on %s", op, tok);
        return expect_end(a, c) ?: emit_row(a, id, d, s, off, 0);
    }
    if (lit(c, "store_release")) {
        if (!lit(c, "(") || (rc = access_type(a, c, tok, sizeof tok)) || (rc = mem_llvm(a, c, &d, &off)) ||
            !lit(c, ",") || (rc = need_reg(a, c, &s, NULL)) || !lit(c, ")"))
            return rc ? rc : fail(a, "expected store_release((uN *)(reg + off), reg)");
        id = find_llvm(SH_STREL, tok, 0);
        if (id == ISA_NONE)
            return fail(a, "unknown access type %s", tok);
        return expect_end(a, c) ?: emit_row(a, id, d, s, off, 0);
    }
    if (lit(c, "*")) { /* *(u32 *)(r1 + 4) = r2 | imm */
        if ((rc = access_type(a, c, tok, sizeof tok)) || (rc = mem_llvm(a, c, &d, &off)))
            return rc;
        if (!lit(c, "="))
            return fail(a, "expected '=' in a store");
        rc = reg(a, c, &s, &sw);
        if (rc < 0)
            return rc;
        id = find_llvm(rc == 0 ? SH_STX : SH_ST, tok, 0);
        if (id == ISA_NONE)
            return fail(a, "unknown store type %s", tok);
        if (rc > 0) {
            s = 0;
            if ((rc = imm32(a, c, &imm, true)))
                return rc;
        }
        return expect_end(a, c) ?: emit_row(a, id, d, s, off, imm);
    }
    /* rD op= x */
    rc = reg(a, c, &d, &w);
    if (rc < 0)
        return rc;
    if (rc > 0 || w == '%') {
        char word[32] = "";
        *c = save;
        ident(c, word, sizeof word);
        return fail(a, "unknown mnemonic '%s'", word[0] ? word : c->p);
    }
    ws(c);
    size_t n = strspn(c->p, "s+-*/%|&<>^=");
    if (n == 0 || n >= sizeof tok)
        return fail(a, "expected an operator after %c%d", w, d);
    memcpy(tok, c->p, n);
    tok[n] = 0;
    c->p += n;
    if (!strcmp(tok, "="))
        return llvm_assign(a, c, d, w);
    rc = reg(a, c, &s, &sw);
    if (rc < 0)
        return rc;
    id = find_llvm(rc == 0 ? SH_ALU_X : SH_ALU_K, tok, w == 'w' ? 4 : 8);
    if (id == ISA_NONE)
        return fail(a, "unknown operator '%s'", tok);
    if (rc > 0) {
        s = 0;
        if ((rc = imm32(a, c, &imm, true)))
            return rc;
    }
    return expect_end(a, c) ?: emit_row(a, id, d, s, 0, imm);
}

/* ---- lines -------------------------------------------------------------------------- */

/* Strips a comment and the address/raw-bytes prefix of llvm-objdump lines. */
static void clean_line(char *line)
{
    for (char *p = line; *p; p++) {
        if (*p == '#' || *p == ';' || (p[0] == '/' && p[1] == '/')) {
            *p = 0;
            break;
        }
    }
    /* "      12:\t85 00 00 00 01 00 00 00\tcall 1" */
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    char *q = p;
    while (isdigit((unsigned char)*q))
        q++;
    if (q > p && *q == ':' && (q[1] == ' ' || q[1] == '\t')) {
        q++;
        for (;;) {
            char *r = q;
            while (*r == ' ' || *r == '\t')
                r++;
            if (isxdigit((unsigned char)r[0]) && isxdigit((unsigned char)r[1]) && (r[2] == ' ' || r[2] == '\t')) {
                q = r + 2;
                continue;
            }
            break;
        }
        memmove(line, q, strlen(q) + 1);
    }
    size_t n = strlen(line);
    while (n && isspace((unsigned char)line[n - 1]))
        line[--n] = 0;
}

static int parse_line(asm_state *a, char *line, bpfvm_syntax syntax)
{
    clean_line(line);
    cur c = { line };
    ws(&c);
    if (!*c.p)
        return 0;
    /* llvm-objdump headers: "Disassembly of section xdp:" and "0000000000000000 <prog>:" */
    if (!strncmp(c.p, "Disassembly of section", 22))
        return 0;
    if (isxdigit((unsigned char)*c.p) && strchr(c.p, '<') && strstr(c.p, ">:")) {
        char *lt = strchr(c.p, '<'), *gt = strstr(c.p, ">:");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(gt - lt - 1), lt + 1);
        return add_label(a, name);
    }
    /* label "name:" */
    char word[64];
    cur save = c;
    if (ident(&c, word, sizeof word) && lit(&c, ":") && at_end(&c))
        return add_label(a, word);
    c = save;
    if (*c.p == '.')
        return fail(a, "unknown directive '%s'", c.p);

    bool ubpf;
    if (syntax == BPFVM_SYNTAX_UBPF)
        ubpf = true;
    else if (syntax == BPFVM_SYNTAX_LLVM)
        ubpf = false;
    else /* auto, per line: a uBPF mnemonic first and no '=' anywhere */
        ubpf = ident(&c, word, sizeof word) && ubpf_mnemonic_known(word) && !strchr(line, '=') &&
               strcmp(word, "call") != 0 && strcmp(word, "exit") != 0 && strncmp(word, "goto", 4) != 0;
    c = save;
    if (ubpf || strstr(line, "%r")) {
        if (!ident(&c, word, sizeof word))
            return fail(a, "expected a mnemonic, found '%s'", c.p);
        if (!strcmp(word, "exit"))
            return at_end(&c) ? emit_row(a, ISA_EXIT, 0, 0, 0, 0) : fail(a, "exit takes no operands");
        return parse_ubpf(a, &c, word);
    }
    return parse_llvm(a, &c);
}

static int resolve_fixups(asm_state *a)
{
    for (uint32_t i = 0; i < a->nfixups; i++) {
        fixup *f = &a->fixups[i];
        int64_t t = -1;
        for (uint32_t k = 0; k < a->nlabels; k++)
            if (!strcmp(a->labels[k].name, f->name))
                t = a->labels[k].slot;
        if (t < 0 && !strcmp(f->name, "exit"))
            t = a->first_exit;
        if (t < 0) {
            a->line = f->line;
            return fail(a, "undefined label '%s'", f->name);
        }
        int64_t rel = t - (int64_t)f->slot - 1;
        if (f->in_imm) {
            a->code[f->slot].imm = (int32_t)rel;
        } else {
            if (rel < INT16_MIN || rel > INT16_MAX) {
                a->line = f->line;
                return fail(a, "jump to '%s' is too far for a 16-bit offset (%lld)", f->name, (long long)rel);
            }
            a->code[f->slot].off = (int16_t)rel;
        }
    }
    return 0;
}

int bpfvm_asm(const char *text, bpfvm_syntax syntax, unsigned ext, uint8_t **out, size_t *len,
              bpfvm_error *err)
{
    *out = NULL;
    *len = 0;
    if (!text)
        return bpfvm_fail(err, BPFVM_E_ARG, -1, "asm: text must not be NULL");
    asm_state a;
    memset(&a, 0, sizeof a);
    a.first_exit = -1;
    a.ext = ext;
    a.err = err;
    int rc = 0;
    const char *p = text;
    char buf[1024];
    while (*p && rc == 0) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        a.line++;
        if (n >= sizeof buf) {
            rc = fail(&a, "line is longer than %zu characters", sizeof buf - 1);
            break;
        }
        memcpy(buf, p, n);
        buf[n] = 0;
        rc = parse_line(&a, buf, syntax);
        p = nl ? nl + 1 : p + n;
    }
    if (rc == 0 && a.n == 0)
        rc = bpfvm_fail_line(err, BPFVM_E_INVALID, a.line ? a.line : 1,
                             "no instructions (the input is empty or holds only comments and labels)");
    if (rc == 0)
        rc = resolve_fixups(&a);
    free(a.labels);
    free(a.fixups);
    if (rc) {
        free(a.code);
        return rc;
    }
    *out = (uint8_t *)a.code;
    *len = (size_t)a.n * 8;
    return 0;
}
