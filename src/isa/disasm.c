/* disasm.c — bytecode to text in two dialects: the conformance suite's uBPF
 * assembly (mov %r0, 1) and LLVM's (r0 = 1), both driven by the ISA table's
 * shape and mnemonic columns. Jump and call targets are printed as relative
 * offsets, so the text assembles back to the same bytes.
 */
#include "asm_rows.h"
#include "common.h"
#include "isa.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
    char *buf;
    size_t size, len;
} out;

__attribute__((format(printf, 2, 3))) static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(o->buf + (o->len < o->size ? o->len : o->size), room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* Immediates: small values in signed decimal, large ones as 32-bit hex, which
 * both assemblers read back to the same bits. */
static void put_imm(out *o, int32_t imm)
{
    if (imm > -65536 && imm < 65536)
        put(o, "%" PRId32, imm);
    else
        put(o, "%#" PRIx32, (uint32_t)imm);
}

static void put_rel(out *o, int64_t rel) { put(o, "%+" PRId64, rel); }

static void put_mem_ubpf(out *o, int reg, int16_t off)
{
    if (off)
        put(o, "[%%r%d%+d]", reg, off);
    else
        put(o, "[%%r%d]", reg);
}

static void put_mem_llvm(out *o, int reg, int16_t off)
{
    if (off < 0)
        put(o, "(r%d - %d)", reg, -(int)off);
    else
        put(o, "(r%d + %d)", reg, off);
}

static void put_lddw_ref(out *o, const isa_row *r, int32_t imm, int32_t next)
{
    if (next)
        put(o, "%s(%" PRId32 ", %" PRId32 ")", r->llvm, imm, next);
    else
        put(o, "%s(%" PRId32 ")", r->llvm, imm);
}

static void fmt_ubpf(out *o, const isa_row *r, const isa_insn *in, const isa_insn *next)
{
    int d = in->dst, s = in->src;
    switch (r->shape) {
    case SH_ALU_K:
        put(o, "%s %%r%d, ", r->ubpf, d);
        put_imm(o, in->imm);
        break;
    case SH_ALU_X:
    case SH_MOVSX:
        put(o, "%s %%r%d, %%r%d", r->ubpf, d, s);
        break;
    case SH_NEG:
    case SH_END:
        put(o, "%s %%r%d", r->ubpf, d);
        break;
    case SH_JA:
        put(o, "%s ", r->ubpf);
        put_rel(o, r->imm == I_JMP ? in->imm : in->off);
        break;
    case SH_JCOND_K:
        put(o, "%s %%r%d, ", r->ubpf, d);
        put_imm(o, in->imm);
        put(o, ", ");
        put_rel(o, in->off);
        break;
    case SH_JCOND_X:
        put(o, "%s %%r%d, %%r%d, ", r->ubpf, d, s);
        put_rel(o, in->off);
        break;
    case SH_CALL:
        if (r->imm == I_CALL) {
            put(o, "call local ");
            put_rel(o, in->imm);
        } else if (r->kv == 0) {
            put(o, "call %" PRId32, in->imm);
        } else {
            put(o, "call runtime %" PRId32, in->imm);
        }
        break;
    case SH_CALLX:
        put(o, "call %%r%d", d);
        break;
    case SH_EXIT:
        put(o, "exit");
        break;
    case SH_LDDW:
        if (r->kv == 0) {
            uint64_t v = (uint32_t)in->imm | (uint64_t)(uint32_t)next->imm << 32;
            put(o, "lddw %%r%d, %#" PRIx64, d, v);
        } else {
            put(o, "lddw %%r%d, ", d);
            put_lddw_ref(o, r, in->imm, next->imm);
        }
        break;
    case SH_LDABS:
        put(o, "%s ", r->ubpf);
        put_imm(o, in->imm);
        break;
    case SH_LDIND:
        put(o, "%s %%r%d, ", r->ubpf, s);
        put_imm(o, in->imm);
        break;
    case SH_LDX:
    case SH_LDACQ:
        put(o, "%s %%r%d, ", r->ubpf, d);
        put_mem_ubpf(o, s, in->off);
        break;
    case SH_ST:
        put(o, "%s ", r->ubpf);
        put_mem_ubpf(o, d, in->off);
        put(o, ", ");
        put_imm(o, in->imm);
        break;
    case SH_STX:
    case SH_STREL:
        put(o, "%s ", r->ubpf);
        put_mem_ubpf(o, d, in->off);
        put(o, ", %%r%d", s);
        break;
    case SH_ATOMIC:
        put(o, "lock %s%s%s ", asm_is_fetch_form(r) ? "fetch " : "", r->ubpf, r->size == 4 ? "32" : "");
        put_mem_ubpf(o, d, in->off);
        put(o, ", %%r%d", s);
        break;
    default:
        put(o, "<%s>", r->name);
        break;
    }
}

static void fmt_llvm(out *o, const isa_row *r, const isa_insn *in, const isa_insn *next)
{
    int d = in->dst, s = in->src;
    char w = isa_llvm_reg(r);
    switch (r->shape) {
    case SH_ALU_K:
        put(o, "%c%d %s ", w, d, r->llvm);
        put_imm(o, in->imm);
        break;
    case SH_ALU_X:
        put(o, "%c%d %s %c%d", w, d, r->llvm, w, s);
        break;
    case SH_NEG:
        put(o, "%c%d = -%c%d", w, d, w, d);
        break;
    case SH_MOVSX:
        put(o, "%c%d = (%s)%c%d", w, d, r->llvm, w, s);
        break;
    case SH_END:
        put(o, "r%d = %s r%d", d, r->llvm, d);
        break;
    case SH_JA:
        put(o, "%s ", r->llvm);
        put_rel(o, r->imm == I_JMP ? in->imm : in->off);
        break;
    case SH_JCOND_K:
        put(o, "if %c%d %s ", w, d, r->llvm);
        put_imm(o, in->imm);
        put(o, " goto ");
        put_rel(o, in->off);
        break;
    case SH_JCOND_X:
        put(o, "if %c%d %s %c%d goto ", w, d, r->llvm, w, s);
        put_rel(o, in->off);
        break;
    case SH_CALL:
        if (r->imm == I_CALL) {
            put(o, "call pc");
            put_rel(o, in->imm);
        } else if (r->kv == 0) {
            put(o, "call %" PRId32, in->imm);
        } else {
            put(o, "call kfunc %" PRId32, in->imm);
        }
        break;
    case SH_CALLX:
        put(o, "callx r%d", d);
        break;
    case SH_EXIT:
        put(o, "exit");
        break;
    case SH_LDDW:
        if (r->kv == 0) {
            uint64_t v = (uint32_t)in->imm | (uint64_t)(uint32_t)next->imm << 32;
            put(o, "r%d = %#" PRIx64 " ll", d, v);
        } else {
            put(o, "r%d = ", d);
            put_lddw_ref(o, r, in->imm, next->imm);
            put(o, " ll");
        }
        break;
    case SH_LDABS:
        put(o, "r0 = *(%s *)skb[%" PRId32 "]", r->llvm, in->imm);
        break;
    case SH_LDIND:
        if (in->imm)
            put(o, "r0 = *(%s *)skb[r%d %c %" PRId64 "]", r->llvm, s, in->imm < 0 ? '-' : '+',
                in->imm < 0 ? -(int64_t)in->imm : (int64_t)in->imm);
        else
            put(o, "r0 = *(%s *)skb[r%d]", r->llvm, s);
        break;
    case SH_LDX:
        put(o, "r%d = *(%s *)", d, r->llvm);
        put_mem_llvm(o, s, in->off);
        break;
    case SH_ST:
        put(o, "*(%s *)", r->llvm);
        put_mem_llvm(o, d, in->off);
        put(o, " = ");
        put_imm(o, in->imm);
        break;
    case SH_STX:
        put(o, "*(%s *)", r->llvm);
        put_mem_llvm(o, d, in->off);
        put(o, " = r%d", s);
        break;
    case SH_ATOMIC: {
        char aw = r->size == 4 ? 'w' : 'r';
        const char *ty = asm_utype(r->size);
        if (r->llvm[strlen(r->llvm) - 1] == '=') { /* lock *(u32 *)(r1 + 0) += w2 */
            put(o, "lock *(%s *)", ty);
            put_mem_llvm(o, d, in->off);
            put(o, " %s %c%d", r->llvm, aw, s);
        } else if (asm_is_fetch_form(r)) {     /* w2 = atomic_fetch_add((u32 *)(r1 + 0), w2) */
            put(o, "%c%d = %s((%s *)", aw, s, r->llvm, ty);
            put_mem_llvm(o, d, in->off);
            put(o, ", %c%d)", aw, s);
        } else if (r->dst == D_R && r->src == S_RW) { /* xchg: w2 = xchg32_32(r1 + 0, w2) */
            put(o, "%c%d = %s(r%d %c %d, %c%d)", aw, s, r->llvm, d, in->off < 0 ? '-' : '+',
                in->off < 0 ? -(int)in->off : in->off, aw, s);
        } else {                                     /* cmpxchg: w0 = cmpxchg32_32(r1 + 0, w0, w2) */
            put(o, "%c0 = %s(r%d %c %d, %c0, %c%d)", aw, r->llvm, d, in->off < 0 ? '-' : '+',
                in->off < 0 ? -(int)in->off : in->off, aw, aw, s);
        }
        break;
    }
    case SH_LDACQ:
        put(o, "%c%d = load_acquire((%s *)", r->size == 8 ? 'r' : 'w', d, r->llvm);
        put_mem_llvm(o, s, in->off);
        put(o, ")");
        break;
    case SH_STREL:
        put(o, "store_release((%s *)", r->llvm);
        put_mem_llvm(o, d, in->off);
        put(o, ", %c%d)", r->size == 8 ? 'r' : 'w', s);
        break;
    default:
        put(o, "<%s>", r->name);
        break;
    }
}

int bpfvm_disasm_insn(const void *code, size_t n, size_t idx, bpfvm_syntax syntax, unsigned ext,
                      char *buf, size_t bufsz)
{
    out o = { buf, bufsz, 0 };
    if (bufsz)
        buf[0] = 0;
    if (!code || idx >= n)
        return -BPFVM_E_ARG;
    isa_insn in, next;
    memcpy(&in, (const uint8_t *)code + idx * 8, 8);
    memset(&next, 0, sizeof next);
    isa_id id = isa_find(&in, ext);
    if (id == ISA_NONE) {
        put(&o, "<invalid: opcode %#04x>", in.op);
        return -BPFVM_E_INVALID;
    }
    const isa_row *r = &isa_rows[id];
    int used = 1;
    if (isa_is_wide(r)) {
        if (idx + 1 >= n) {
            put(&o, "<truncated lddw>");
            return -BPFVM_E_INVALID;
        }
        memcpy(&next, (const uint8_t *)code + (idx + 1) * 8, 8);
        used = 2;
    }
    if (syntax == BPFVM_SYNTAX_UBPF)
        fmt_ubpf(&o, r, &in, &next);
    else
        fmt_llvm(&o, r, &in, &next);
    return used;
}

char *bpfvm_disasm(const void *code, size_t n, bpfvm_syntax syntax, unsigned ext)
{
    size_t cap = 64 + n * 48, len = 0;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    text[0] = 0;
    char line[160];
    for (size_t i = 0; i < n;) {
        int used = bpfvm_disasm_insn(code, n, i, syntax, ext, line, sizeof line);
        size_t need = strlen(line) + 2;
        if (len + need >= cap) {
            cap = (cap + need) * 2;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                return NULL;
            }
            text = t;
        }
        memcpy(text + len, line, need - 2);
        len += need - 2;
        text[len++] = '\n';
        text[len] = 0;
        i += used > 0 ? (size_t)used : 1;
    }
    return text;
}
