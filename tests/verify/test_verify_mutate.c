/* test_verify_mutate.c — soundness fuzzing of the verifier with mutations of its
 * corpus (issue 5; the ISA-driven generator's half is tests/jit/test_jit_diff.c).
 *
 * Every corpus case (tests/verify/corpus, vcorpus.h) whose program type bpfvm can
 * run (XDP, socket filter, tc, raw memory) is a seed. Mutation i is round i / N
 * of case i mod N (N runnable cases) and changes the case's bytecode one to three
 * times, each a small change a person or a compiler could make: an immediate
 * (small deltas, 0, 1, -1, INT_MIN, sizes), a memory offset (±1, ±8, ...), a
 * jump offset, a register, a comparison to another of its class, an ALU
 * operation, an access size, a check removed (a conditional jump made `ja`, an
 * instruction made `ja +0`), an instruction dropped, duplicated or swapped with
 * the next (jumps fixed or not). What bpfvm_prog_load accepts is verified with
 * the case's type and options; what bpfvm_verify accepts runs on six inputs
 * (packets of 0..14, 14..64 and 1500 bytes and others, random or shaped as
 * Ethernet/VLAN/IPv4/IPv6/TCP/UDP headers; memory blocks of the case's size):
 *  - unverified, a fresh load of the same bytes, so checked mode: every access and
 *    helper argument checked, with a step budget. Any fault, helper failure, call
 *    depth overrun or budget overrun of an accepted program is a verifier
 *    soundness bug. The budget is max(1M, 64 x the instructions the verifier
 *    processed); programs with runtime-bounded loops (bpf_loop and its kin,
 *    may_goto) get 32M steps, and running out of those is only counted;
 *  - verified: unchecked, on the verifier's facts, in the interpreter (and for a
 *    quarter of the mutations in the JIT too), from the same map state. r0, the
 *    packet or memory block, the redirect, ring buffer records, trace_printk
 *    output and the maps afterwards must equal the checked run's. A difference
 *    that the same run with the stack 1 KiB lower, or a second checked run, also
 *    shows depends on addresses and is not compared (the clock helpers tick the
 *    same in every run, bpf_get_prandom_u32 restarts from the same seed).
 * As a control, a quarter of the rejected mutations run checked too: the share
 * that faults shows the runs catch what the verifier keeps out.
 * A failure prints a reproducer: the case, the mutations (a single one of them
 * when that alone fails too), the disassembly, the input and both outcomes. Maps
 * start from the case's initial contents for every mutation, and what a mutation
 * does depends only on the seed, the case and the round, so
 * `--only CATEGORY/CASE --first ROUND --count ROUND+1 -v` replays it; a crash
 * prints that line too. Cases with loops are mutated every 16th round only (their
 * mutations often verify up to the 1M-instruction limit), cases whose own
 * verification processes more than EXPENSIVE instructions every 64th.
 *
 *   test_verify_mutate CORPUS_DIR OUT_DIR [--count N] [--first I] [--seed S]
 *                      [--only NAME|CATEGORY|CATEGORY/NAME] [--jit-every K]
 *                      [--exact] [-v]
 *
 * Sanitizer builds run a sixth of the mutations (unless --exact).
 */
#define _GNU_SOURCE
#include "vcorpus.h"
#include "rt/map.h"
#include "rt/packet.h"
#include "rt/progtype.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef BPF_CC
#define BPF_CC "clang -O2 -g -target bpf -mcpu=v3"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define NINPUTS 6
#define MAX_MUTS 3
#define MAX_REPORTS 10
#define LOOP_BUDGET (32ull << 20)
#define PRNG_SEED 0x5eed5eedull
#define CONTROL_BUDGET 100000 /* checked runs of rejected programs */
#define EXPENSIVE 50000 /* instructions processed by the base program: a slow case */

/* ---- random numbers ------------------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnext(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rbelow(rng *r, uint32_t n) { return n ? (uint32_t)(rnext(r) % n) : 0; }
static bool rchance(rng *r, unsigned pct) { return rbelow(r, 100) < pct; }

/* ---- growable bytes ---------------------------------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void bput(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n)
            c *= 2;
        uint8_t *q = realloc(b->p, c);
        if (!q) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = q;
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void bput32(buf *b, uint32_t v) { bput(b, &v, 4); }
static void bput64(buf *b, uint64_t v) { bput(b, &v, 8); }
static void bfree(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}
static bool beq(const buf *a, const buf *b) { return a->n == b->n && (!a->n || !memcmp(a->p, b->p, a->n)); }

/* ---- bytecode ---------------------------------------------------------------------- */

typedef struct slot {
    uint8_t op;
    uint8_t regs; /* dst in the low nibble, src in the high */
    int16_t off;
    int32_t imm;
} slot;
_Static_assert(sizeof(slot) == 8, "an instruction slot is 8 bytes");

#define CLS(op) ((op) & 7u)
enum { C_LD = 0, C_LDX, C_ST, C_STX, C_ALU, C_JMP, C_JMP32, C_ALU64 };
static unsigned dst_of(const slot *s) { return s->regs & 15u; }
static unsigned src_of(const slot *s) { return s->regs >> 4; }
static bool is_lddw(const slot *s) { return s->op == 0x18; }
static bool is_helper_call(const slot *s) { return s->op == 0x85 && src_of(s) == 0; }

/* True when slot i starts an instruction (not lddw's second slot). */
static bool insn_start(const slot *c, uint32_t n, uint32_t i)
{
    (void)n;
    return i == 0 || !is_lddw(&c[i - 1]) || (i >= 2 && !insn_start(c, n, i - 1));
}

static uint32_t width(const slot *c, uint32_t n, uint32_t i) { return is_lddw(&c[i]) && i + 1 < n ? 2 : 1; }

/* Where control goes from slot i: kind 1 = target in off, 2 = target in imm, 0 = none. */
static int target_kind(const slot *s)
{
    unsigned cls = CLS(s->op), opc = s->op & 0xf0u;
    if (is_lddw(s))
        return src_of(s) == 4 ? 2 : 0; /* lddw code_addr */
    if (cls == C_JMP) {
        if (opc == 0x80)
            return src_of(s) == 1 ? 2 : 0; /* local call */
        return opc == 0x90 ? 0 : 1;
    }
    if (cls == C_JMP32)
        return opc == 0x00 ? 2 : (opc == 0x80 || opc == 0x90) ? 0 : 1; /* gotol: imm */
    return 0;
}

static bool is_cond_jump(const slot *s)
{
    unsigned cls = CLS(s->op), opc = s->op & 0xf0u;
    return (cls == C_JMP || cls == C_JMP32) && opc != 0x00 && opc != 0x80 && opc != 0x90 && opc != 0xe0;
}

static bool is_mem(const slot *s)
{
    unsigned cls = CLS(s->op), mode = s->op & 0xe0u;
    return (cls == C_LDX || cls == C_ST || cls == C_STX) && (mode == 0x60 || mode == 0x80 || mode == 0xc0);
}

/* Moves the jump targets after w slots were removed at `at` (w > 0), or -w slots
 * were inserted at `at` as a copy of the -w slots before them (w < 0). Targets
 * inside a removed range go to `at`; copies jump where their originals do. */
static void fix_targets(slot *c, uint32_t n, uint32_t at, int w)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!insn_start(c, n, i))
            continue;
        int k = target_kind(&c[i]);
        if (!k)
            continue;
        int64_t oi, ot, nt;                    /* old index, old target, new target */
        int64_t rel = k == 1 ? c[i].off : c[i].imm;
        if (w > 0) {
            oi = i < at ? (int64_t)i : (int64_t)i + w;
            ot = oi + rel + 1;
            nt = ot < at ? ot : ot >= (int64_t)at + w ? ot - w : (int64_t)at;
        } else {
            uint32_t ins = (uint32_t)-w;
            oi = i < at ? (int64_t)i : (int64_t)i - ins; /* copies: their originals, ins slots before */
            ot = oi + rel + 1;
            nt = ot < at ? ot : ot + ins;
        }
        int64_t nrel = nt - i - 1;
        if (k == 1) {
            if (nrel >= INT16_MIN && nrel <= INT16_MAX)
                c[i].off = (int16_t)nrel;
        } else {
            c[i].imm = (int32_t)nrel;
        }
    }
}

/* ---- mutations ----------------------------------------------------------------------- */

enum { M_IMM, M_OFF, M_JMP, M_REG, M_CMP, M_ALU, M_SIZE, M_CHECK, M_DROP, M_DUP, M_SWAP, M_NKINDS };
static const char *const mkind_name[M_NKINDS] = { "immediate", "offset", "jump", "register", "comparison", "alu",
                                                  "size", "check removed", "drop", "duplicate", "swap" };
static const unsigned mkind_weight[M_NKINDS] = { 20, 15, 12, 12, 10, 5, 6, 6, 7, 4, 3 };

typedef struct mrec {
    int kind;
    uint32_t at;      /* slot */
    slot after[2];    /* replacements: the new bytes of slot at (and at+1 for lddw) */
    uint32_t nslots;  /* replacements: 1 or 2 */
    bool fix;         /* drop/duplicate: jumps fixed */
    char desc[320];
} mrec;

typedef struct prog {
    slot *c;
    uint32_t n;
} prog;

static void prog_copy(prog *d, const prog *s)
{
    d->c = malloc((s->n + 4) * sizeof *d->c);
    if (!d->c) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memcpy(d->c, s->c, s->n * sizeof *s->c);
    d->n = s->n;
}

static void dis(const prog *p, uint32_t i, unsigned ext, char *out, size_t sz)
{
    if (i >= p->n || bpfvm_disasm_insn(p->c, p->n, i, BPFVM_SYNTAX_LLVM, ext | BPFVM_EXT_ALL, out, sz) < 0)
        snprintf(out, sz, "(%02x %02x %d %d)", i < p->n ? p->c[i].op : 0, i < p->n ? p->c[i].regs : 0,
                 i < p->n ? p->c[i].off : 0, i < p->n ? p->c[i].imm : 0);
}

/* Applies r to p (in place; p->c has room for 2 more slots). False when it does not apply. */
static bool mut_apply(prog *p, const mrec *r)
{
    if (r->at >= p->n)
        return false;
    switch (r->kind) {
    case M_DROP: {
        uint32_t w = width(p->c, p->n, r->at);
        if (p->n <= w)
            return false;
        memmove(&p->c[r->at], &p->c[r->at + w], (p->n - r->at - w) * sizeof *p->c);
        p->n -= w;
        if (r->fix)
            fix_targets(p->c, p->n, r->at, (int)w);
        return true;
    }
    case M_DUP: {
        uint32_t w = width(p->c, p->n, r->at), q = r->at + w;
        memmove(&p->c[q + w], &p->c[q], (p->n - q) * sizeof *p->c);
        memcpy(&p->c[q], &p->c[r->at], w * sizeof *p->c);
        p->n += w;
        if (r->fix)
            fix_targets(p->c, p->n, q, -(int)w);
        return true;
    }
    case M_SWAP: {
        if (r->at + 1 >= p->n)
            return false;
        slot t = p->c[r->at];
        p->c[r->at] = p->c[r->at + 1];
        p->c[r->at + 1] = t;
        return true;
    }
    default:
        if (r->at + r->nslots > p->n)
            return false;
        memcpy(&p->c[r->at], r->after, r->nslots * sizeof *p->c);
        return true;
    }
}

static int32_t pick_imm(rng *r, int32_t old)
{
    static const int32_t special[] = { 0, 1, -1, 2, 3, 4, 7, 8, 12, 13, 14, 15, 16, 20, 23, 31, 32, 33, 34, 40,
                                       42, 54, 60, 63, 64, 127, 128, 255, 256, 511, 512, 513, 1500, 4095, 4096,
                                       65535, 65536, INT32_MAX, INT32_MIN, INT32_MIN + 1, -2, -4, -8, -16, -64,
                                       -256, -511, -512, -513, -4096 };
    for (int tries = 0; tries < 8; tries++) {
        int64_t v;
        switch (rbelow(r, 6)) {
        case 0:
        case 1:
            v = special[rbelow(r, sizeof special / sizeof *special)];
            break;
        case 2:
        case 3: {
            static const int d[] = { 1, -1, 2, -2, 4, -4, 8, -8, 16, -16, 3, -3 };
            v = (int64_t)old + d[rbelow(r, 12)];
            break;
        }
        case 4:
            v = rchance(r, 50) ? (int64_t)old * 2 : -(int64_t)old;
            break;
        default:
            v = (int64_t)old ^ ((int64_t)1 << rbelow(r, 32));
            break;
        }
        int32_t n = (int32_t)(uint32_t)(uint64_t)v;
        if (n != old)
            return n;
    }
    return old ^ 1;
}

static int16_t pick_off(rng *r, int16_t old)
{
    static const int16_t special[] = { 0, 1, -1, 8, -8, 16, -16, 64, -64, -256, -504, -508, -511, -512, -513,
                                       511, 512, 4, 2, 12, 14, INT16_MIN, INT16_MAX };
    for (int tries = 0; tries < 8; tries++) {
        int v;
        switch (rbelow(r, 4)) {
        case 0:
            v = special[rbelow(r, sizeof special / sizeof *special)];
            break;
        default: {
            static const int d[] = { 1, -1, 8, -8, 2, -2, 4, -4, 3, -3 };
            v = old + d[rbelow(r, 10)];
            break;
        }
        }
        if (v >= INT16_MIN && v <= INT16_MAX && v != old)
            return (int16_t)v;
    }
    return (int16_t)(old ^ 1);
}

typedef bool (*slot_pred)(const slot *c, uint32_t n, uint32_t i);
static bool p_any(const slot *c, uint32_t n, uint32_t i) { (void)c, (void)n, (void)i; return true; }
static bool p_imm(const slot *c, uint32_t n, uint32_t i)
{
    (void)n;
    return c[i].op != 0x95 && !(c[i].op == 0x85 && src_of(&c[i]) != 0);
}
static bool p_mem(const slot *c, uint32_t n, uint32_t i) { (void)n; return is_mem(&c[i]); }
static bool p_jmp(const slot *c, uint32_t n, uint32_t i) { (void)n; return target_kind(&c[i]) != 0 && !is_lddw(&c[i]); }
static bool p_cmp(const slot *c, uint32_t n, uint32_t i) { (void)n; return is_cond_jump(&c[i]); }
static bool p_alu(const slot *c, uint32_t n, uint32_t i)
{
    (void)n;
    return CLS(c[i].op) == C_ALU || CLS(c[i].op) == C_ALU64;
}
static bool p_check(const slot *c, uint32_t n, uint32_t i)
{
    (void)n;
    return is_cond_jump(&c[i]) || is_mem(&c[i]) || is_helper_call(&c[i]) || p_alu(c, n, i);
}
static bool p_swap(const slot *c, uint32_t n, uint32_t i)
{
    return i + 1 < n && !is_lddw(&c[i]) && insn_start(c, n, i + 1) && !is_lddw(&c[i + 1]);
}

/* A random instruction start satisfying pred, or -1. */
static long pick_slot(rng *r, const prog *p, slot_pred pred)
{
    uint32_t cnt = 0;
    for (uint32_t i = 0; i < p->n; i++)
        cnt += insn_start(p->c, p->n, i) && pred(p->c, p->n, i);
    if (!cnt)
        return -1;
    uint32_t k = rbelow(r, cnt);
    for (uint32_t i = 0; i < p->n; i++)
        if (insn_start(p->c, p->n, i) && pred(p->c, p->n, i) && k-- == 0)
            return i;
    return -1;
}

/* Makes one mutation of p (applied), described in r. False when none fits. */
static bool mutate(rng *rg, prog *p, unsigned ext, mrec *r)
{
    unsigned total = 0;
    for (int k = 0; k < M_NKINDS; k++)
        total += mkind_weight[k];
    unsigned w = rbelow(rg, total);
    int kind = 0;
    while (w >= mkind_weight[kind])
        w -= mkind_weight[kind++];
    static const slot_pred preds[M_NKINDS] = { p_imm, p_mem, p_jmp, p_any, p_cmp, p_alu, p_mem, p_check, p_any,
                                               p_any, p_swap };
    long at = pick_slot(rg, p, preds[kind]);
    if (at < 0) {
        kind = M_IMM;
        if ((at = pick_slot(rg, p, p_imm)) < 0)
            return false;
    }
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->at = (uint32_t)at;
    r->nslots = 1;
    char before[128], after[128];
    dis(p, r->at, ext, before, sizeof before);
    slot s = p->c[at];
    switch (kind) {
    case M_DROP:
    case M_DUP:
        r->fix = rchance(rg, 60);
        mut_apply(p, r);
        snprintf(r->desc, sizeof r->desc, "%s slot %u `%s`%s", kind == M_DROP ? "drop" : "duplicate", r->at,
                 before, r->fix ? " (jumps fixed)" : " (jumps not fixed)");
        return true;
    case M_SWAP: {
        char next[128];
        dis(p, r->at + 1, ext, next, sizeof next);
        mut_apply(p, r);
        snprintf(r->desc, sizeof r->desc, "swap slots %u `%s` and %u `%s`", r->at, before, r->at + 1, next);
        return true;
    }
    case M_IMM:
        if (is_lddw(&s) && at + 1 < (long)p->n && rchance(rg, 30)) {
            r->at = (uint32_t)at + 1; /* the upper half (or a map value's offset) */
            s = p->c[at + 1];
        }
        s.imm = pick_imm(rg, s.imm);
        break;
    case M_OFF:
        s.off = pick_off(rg, s.off);
        break;
    case M_JMP:
        if (target_kind(&s) == 1) {
            int v = s.off + (rchance(rg, 75) ? (int)rbelow(rg, 7) - 3 : (int)rbelow(rg, p->n + 1) - (int)at - 1);
            s.off = (int16_t)(v == s.off ? v + 1 : v);
        } else {
            int v = s.imm + (int)rbelow(rg, 7) - 3;
            s.imm = v == s.imm ? v + 1 : v;
        }
        break;
    case M_REG: {
        bool src = rchance(rg, 40);
        unsigned old = src ? src_of(&s) : dst_of(&s), nr;
        do
            nr = rchance(rg, 50) ? (old + (rchance(rg, 50) ? 1 : 10)) % 11 : rbelow(rg, 11);
        while (nr == old);
        s.regs = src ? (uint8_t)((s.regs & 0x0f) | nr << 4) : (uint8_t)((s.regs & 0xf0) | nr);
        break;
    }
    case M_CMP: {
        static const uint8_t conds[] = { 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0 };
        unsigned roll = rbelow(rg, 10);
        if (roll == 0)
            s.op ^= 0x08; /* K <-> X */
        else if (roll == 1)
            s.op = (uint8_t)((s.op & ~7u) | (CLS(s.op) == C_JMP ? C_JMP32 : C_JMP));
        else {
            uint8_t o;
            do
                o = conds[rbelow(rg, sizeof conds)];
            while (o == (s.op & 0xf0));
            s.op = (uint8_t)((s.op & 0x0f) | o);
        }
        break;
    }
    case M_ALU: {
        unsigned roll = rbelow(rg, 10);
        if (roll == 0)
            s.op ^= 0x08;
        else if (roll == 1)
            s.op = (uint8_t)((s.op & ~7u) | (CLS(s.op) == C_ALU ? C_ALU64 : C_ALU));
        else {
            uint8_t o;
            do
                o = (uint8_t)(rbelow(rg, 13) << 4);
            while (o == (s.op & 0xf0));
            s.op = (uint8_t)((s.op & 0x0f) | o);
        }
        break;
    }
    case M_SIZE: {
        uint8_t sz;
        do
            sz = (uint8_t)(rbelow(rg, 4) << 3);
        while (sz == (s.op & 0x18));
        s.op = (uint8_t)((s.op & ~0x18u) | sz);
        break;
    }
    case M_CHECK:
        if (is_cond_jump(&s) && rchance(rg, 50)) {
            s.op = 0x05; /* always taken */
            s.regs = 0;
            s.imm = 0;
        } else {
            s = (slot){ .op = 0x05 }; /* ja +0: the instruction is gone */
        }
        break;
    }
    r->after[0] = s;
    mut_apply(p, r);
    dis(p, (uint32_t)at, ext, after, sizeof after); /* lddw's upper half: the whole lddw */
    snprintf(r->desc, sizeof r->desc, "%s: slot %u `%s` -> `%s`", mkind_name[kind], (uint32_t)at, before, after);
    return true;
}

/* ---- inputs -------------------------------------------------------------------------- */

typedef struct input {
    uint8_t *d;
    size_t len;
} input;

static void put16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A packet of len bytes: random, or Ethernet + IPv4/IPv6 + TCP/UDP/ICMP with random fields. */
static void make_packet(rng *r, uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)rnext(r);
    unsigned style = rbelow(r, 8);
    if (style == 0) {
        memset(p, 0, len);
        return;
    }
    if (style == 1) {
        memset(p, 0xff, len);
        return;
    }
    if (style == 2 || len < 14)
        return; /* random bytes */
    if (rchance(r, 20))
        memset(p, 0, 6);
    static const uint16_t etypes[] = { 0x0800, 0x0800, 0x0800, 0x86dd, 0x8100, 0x0806, 0x88a8 };
    uint16_t et = etypes[rbelow(r, sizeof etypes / sizeof *etypes)];
    put16be(p + 12, et);
    size_t l3 = 14;
    if (et == 0x8100 || et == 0x88a8) {
        if (len < 18)
            return;
        put16be(p + 16, rchance(r, 70) ? 0x0800 : 0x86dd);
        et = (uint16_t)(p[16] << 8 | p[17]);
        l3 = 18;
    }
    static const uint8_t protos[] = { 6, 17, 1, 6, 17, 58, 47 };
    uint8_t proto = protos[rbelow(r, sizeof protos / sizeof *protos)];
    size_t l4;
    if (et == 0x0800) {
        if (len < l3 + 20)
            return;
        p[l3] = rchance(r, 80) ? 0x45 : (uint8_t)(0x40 | (5 + rbelow(r, 11)));
        if (rchance(r, 80))
            put16be(p + l3 + 2, (uint16_t)(len - l3));
        p[l3 + 6] = rchance(r, 80) ? 0x40 : p[l3 + 6]; /* DF, no fragment */
        p[l3 + 7] = rchance(r, 80) ? 0 : p[l3 + 7];
        p[l3 + 9] = proto;
        l4 = l3 + (p[l3] & 15u) * 4;
    } else if (et == 0x86dd) {
        if (len < l3 + 40)
            return;
        p[l3] = 0x60;
        if (rchance(r, 80))
            put16be(p + l3 + 4, (uint16_t)(len - l3 - 40));
        p[l3 + 6] = proto;
        l4 = l3 + 40;
    } else {
        return;
    }
    static const uint16_t ports[] = { 53, 80, 443, 22, 8080, 0, 65535 };
    if (len >= l4 + 4 && rchance(r, 70)) {
        put16be(p + l4, ports[rbelow(r, sizeof ports / sizeof *ports)]);
        put16be(p + l4 + 2, ports[rbelow(r, sizeof ports / sizeof *ports)]);
    }
    if (proto == 6 && len >= l4 + 14 && rchance(r, 80))
        p[l4 + 12] = 0x50; /* data offset 5 */
}

static void make_inputs(rng *r, bool packet, uint32_t mem_size, input in[NINPUTS])
{
    for (int j = 0; j < NINPUTS; j++) {
        size_t len;
        if (!packet) {
            len = mem_size;
        } else {
            static const size_t common[] = { 14, 34, 42, 54, 60, 64, 74, 128, 1500 };
            switch (j) {
            case 0: len = rbelow(r, 15); break;         /* 0..14: shorter than Ethernet */
            case 1: len = 14 + rbelow(r, 51); break;    /* 14..64 */
            case 2: len = 1500; break;
            case 3: len = rbelow(r, 65); break;
            case 4: len = common[rbelow(r, sizeof common / sizeof *common)]; break;
            default: len = rchance(r, 50) ? 34 + rbelow(r, 31) : rbelow(r, 1501); break;
            }
        }
        in[j].len = len;
        in[j].d = malloc(len ? len : 1);
        if (!in[j].d) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        if (packet) {
            make_packet(r, in[j].d, len);
        } else {
            unsigned style = rbelow(r, 4);
            for (size_t i = 0; i < len; i++)
                in[j].d[i] = style == 0 ? 0 : style == 1 ? 0xff : style == 2 ? (uint8_t)rbelow(r, 4)
                                                                           : (uint8_t)rnext(r);
        }
    }
}

static void free_inputs(input in[NINPUTS])
{
    for (int j = 0; j < NINPUTS; j++)
        free(in[j].d);
}

/* ---- map state: snapshot, restore, dump ------------------------------------------------ */

static uint32_t host_value_size(const bpfvm_map *m)
{
    const bpfvm_map_def *d = bpfvm_map_get_def(m);
    bool percpu = d->type == BPFVM_MAP_PERCPU_ARRAY || d->type == BPFVM_MAP_PERCPU_HASH ||
                  d->type == BPFVM_MAP_LRU_PERCPU_HASH;
    return percpu ? map_round8(d->value_size) * m->ncpus : d->value_size;
}

static bool is_hash(bpfvm_map_type t)
{
    return t == BPFVM_MAP_HASH || t == BPFVM_MAP_PERCPU_HASH || t == BPFVM_MAP_LRU_HASH ||
           t == BPFVM_MAP_LRU_PERCPU_HASH;
}

/* The contents of every map programs may change, in a form snap_restore reads. */
static void snap_take(bpfvm_vm *vm, buf *out)
{
    out->n = 0;
    uint8_t key[512], next[512], *val = NULL;
    size_t nm = bpfvm_map_count(vm);
    for (size_t i = 0; i < nm; i++) {
        bpfvm_map *m = bpfvm_map_at(vm, i);
        const bpfvm_map_def *d = bpfvm_map_get_def(m);
        if (d->type == BPFVM_MAP_ARRAY || d->type == BPFVM_MAP_PERCPU_ARRAY) {
            bpfvm_region rg[MAP_MAX_REGIONS];
            size_t nr = m->ops->regions ? m->ops->regions(m, rg, MAP_MAX_REGIONS) : 0;
            for (size_t k = 0; k < nr; k++) {
                bput64(out, rg[k].len);
                bput(out, (const void *)(uintptr_t)rg[k].start, rg[k].len);
            }
        } else if (is_hash(d->type) && d->key_size <= sizeof key) {
            uint32_t vs = host_value_size(m);
            val = realloc(val, vs ? vs : 1);
            size_t cntpos = out->n;
            uint32_t cnt = 0;
            bput32(out, 0);
            const void *prev = NULL;
            while (bpfvm_map_next_key(m, prev, next) == 0) {
                memcpy(key, next, d->key_size);
                prev = key;
                if (bpfvm_map_lookup(m, key, val))
                    continue;
                bput(out, key, d->key_size);
                bput(out, val, vs);
                if (++cnt > d->max_entries) /* keys a checked program garbled may repeat */
                    break;
            }
            memcpy(out->p + cntpos, &cnt, 4);
        } else if (d->type == BPFVM_MAP_QUEUE || d->type == BPFVM_MAP_STACK) {
            uint32_t vs = d->value_size;
            val = realloc(val, (size_t)vs * (d->max_entries + 1) + 1);
            uint32_t cnt = 0;
            while (cnt < d->max_entries && bpfvm_map_pop(m, val + (size_t)cnt * vs) == 0)
                cnt++;
            /* put them back: a queue in order, a stack bottom first */
            for (uint32_t k = 0; k < cnt; k++)
                bpfvm_map_push(m, val + (size_t)(d->type == BPFVM_MAP_QUEUE ? k : cnt - 1 - k) * vs, BPFVM_ANY);
            bput32(out, cnt);
            bput(out, val, (size_t)cnt * vs);
        }
    }
    free(val);
}

static void snap_restore(bpfvm_vm *vm, const buf *s)
{
    size_t pos = 0;
    uint8_t key[512], junk[512];
    size_t nm = bpfvm_map_count(vm);
    for (size_t i = 0; i < nm; i++) {
        bpfvm_map *m = bpfvm_map_at(vm, i);
        const bpfvm_map_def *d = bpfvm_map_get_def(m);
        if (d->type == BPFVM_MAP_ARRAY || d->type == BPFVM_MAP_PERCPU_ARRAY) {
            bpfvm_region rg[MAP_MAX_REGIONS];
            size_t nr = m->ops->regions ? m->ops->regions(m, rg, MAP_MAX_REGIONS) : 0;
            for (size_t k = 0; k < nr; k++) {
                uint64_t len;
                memcpy(&len, s->p + pos, 8);
                pos += 8;
                memcpy((void *)(uintptr_t)rg[k].start, s->p + pos, len);
                pos += len;
            }
        } else if (is_hash(d->type) && d->key_size <= sizeof key) {
            uint32_t vs = host_value_size(m), cnt;
            while (bpfvm_map_next_key(m, NULL, key) == 0)
                if (bpfvm_map_delete(m, key))
                    break;
            memcpy(&cnt, s->p + pos, 4);
            pos += 4;
            for (uint32_t k = 0; k < cnt; k++) {
                bpfvm_map_update(m, s->p + pos, s->p + pos + d->key_size, BPFVM_ANY);
                pos += d->key_size + vs;
            }
        } else if (d->type == BPFVM_MAP_QUEUE || d->type == BPFVM_MAP_STACK) {
            uint32_t vs = d->value_size, cnt;
            uint8_t *v = vs <= sizeof junk ? junk : malloc(vs);
            while (v && bpfvm_map_pop(m, v) == 0)
                ;
            if (v != junk)
                free(v);
            memcpy(&cnt, s->p + pos, 4);
            pos += 4;
            for (uint32_t k = 0; k < cnt; k++)
                bpfvm_map_push(m, s->p + pos + (size_t)(d->type == BPFVM_MAP_QUEUE ? k : cnt - 1 - k) * vs,
                               BPFVM_ANY);
            pos += (size_t)cnt * vs;
        }
    }
}

static int rb_collect(void *user, const void *data, size_t size)
{
    buf *b = user;
    bput64(b, size);
    bput(b, data, size);
    return 0;
}

static void print_collect(void *user, const char *text)
{
    buf *b = user;
    bput(b, text, strlen(text) + 1);
}

/* ---- running ------------------------------------------------------------------------------ */

typedef struct vcase {
    const vc_case *k;
    vc_built b;
    bpfvm_prog_type type;
    bool packet;
    prog base;
    buf init;          /* map contents after building */
    buf print;         /* trace_printk output of the current run */
    unsigned long long mutations, accepted;
    double secs;
    vc_built ctl;      /* the control runs' VM (built when first needed) */
    bool ctl_failed;
    int slow;          /* 1: loops, mutated every 16th round; 2: the unmutated program takes
                          more than EXPENSIVE instructions to verify, every 64th */
} vcase;

typedef struct outcome {
    int rc;
    uint64_t r0;
    bpfvm_error err;
    buf out;           /* everything the run left, compared between runs */
} outcome;

/* Clocks that run the same in every run (each run restarts them), so that the
 * runs of programs that read the time compare. */
static uint64_t g_clock;

static uint64_t fake_clock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfvm_call *call)
{
    (void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)call;
    return g_clock += 1000;
}

static void use_fake_clocks(bpfvm_vm *vm)
{
    static const uint32_t ids[] = { 5, 118, 125, 160 }; /* ktime_get_ns, jiffies64, ktime_get_boot_ns, _coarse_ns */
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        const bpfvm_helper_proto *p = bpfvm_helper_get_proto(vm, ids[i]);
        const char *name = bpfvm_helper_name(vm, ids[i]);
        if (!p || !name)
            continue;
        bpfvm_helper_proto proto = *p;
        char nm[64];
        snprintf(nm, sizeof nm, "%s", name);
        bool std = vm->helpers[ids[i]].std;
        if (bpfvm_register_helper_proto(vm, ids[i], nm, fake_clock, &proto, NULL) == 0)
            vm->helpers[ids[i]].std = std; /* the same program-type rules as the real one */
    }
}

/* Keeps the stack below the caller clean, so that stack a program reads without
 * writing it first holds the same bytes in every run (verified code zeroes what it
 * may read; checked code does not). */
__attribute__((noinline)) static void clear_stack(void)
{
    uint8_t b[24576];
    memset(b, 0, sizeof b);
    __asm__ volatile("" : : "r"(b) : "memory");
}

static bpfvm_packet *g_pkt;
static bool g_verbose;
static uint8_t *g_mem;

/* The writable context fields, as extra regions of checked runs (looked at before
 * the packet's own): the packet keeps only the first 6 of them among its regions
 * (src/rt/packet.c packet_sync), and each cb[] entry apart, so a checked tc
 * program writing cb[2..4], tc_classid or tstamp, or any program writing 8 bytes
 * across two cb[] entries (which the verifier allows, as Linux), would fault
 * although the write is allowed. */
static size_t ctx_regions(bpfvm_prog_type type, bpfvm_region *out, size_t max)
{
    const progtype_info *pt = progtype_get(type);
    size_t n = 0;
    uint64_t ctx = (uint64_t)(uintptr_t)g_pkt->ctx;
    if (type != BPFVM_PROG_XDP && n < max)
        out[n++] = (bpfvm_region){ ctx + 48, 20, true }; /* cb[0..4] */
    for (size_t i = 0; pt && i < pt->nfields && n < max; i++) {
        const ctx_field *f = &pt->fields[i];
        if (f->writable && !(type == BPFVM_PROG_SOCKET_FILTER && f->off < 48) &&
            !(type != BPFVM_PROG_XDP && f->off >= 48 && f->off < 68))
            out[n++] = (bpfvm_region){ ctx + f->off, f->size, true };
    }
    return n;
}

__attribute__((noinline)) static void run_once(vcase *c, bpfvm_prog *p, const input *in, bpfvm_engine engine,
                                               uint64_t budget, outcome *o)
{
    bpfvm_run_opts ro = { .engine = engine, .step_budget = budget };
    bpfvm_region rg[32];
    if (c->packet) {
        ro.regions = rg;
        ro.nregions = ctx_regions(c->type, rg, 32);
    }
    bpfvm_vm_set_seed(c->b.vm, PRNG_SEED);
    g_clock = 1000000000;
    /* ring buffers are empty between runs (drained below); their data is zeroed so
     * that a record's unwritten bytes do not depend on where the ring stands */
    size_t nmaps = bpfvm_map_count(c->b.vm);
    for (size_t i = 0; i < nmaps; i++) {
        bpfvm_map *m = bpfvm_map_at(c->b.vm, i);
        bpfvm_region rr;
        if (bpfvm_map_get_def(m)->type == BPFVM_MAP_RINGBUF && m->ops->regions && m->ops->regions(m, &rr, 1))
            memset((void *)(uintptr_t)rr.start, 0, bpfvm_map_get_def(m)->max_entries);
    }
    c->print.n = 0;
    o->out.n = 0;
    memset(&o->err, 0, sizeof o->err);
    o->r0 = 0;
    if (c->packet) {
        if (bpfvm_packet_set(g_pkt, in->d, in->len, &o->err)) {
            o->rc = -o->err.code;
            return;
        }
        clear_stack();
        o->rc = bpfvm_run_packet(p, g_pkt, &ro, &o->r0, &o->err);
        size_t len;
        const uint8_t *d = bpfvm_packet_data(g_pkt, &len);
        bput64(&o->out, len);
        bput(&o->out, d, len);
        bpfvm_redirect rd;
        if (bpfvm_packet_redirect(g_pkt, &rd)) {
            uint32_t mid = rd.map ? bpfvm_map_id(rd.map) : 0;
            bput32(&o->out, mid);
            bput32(&o->out, rd.key);
            bput32(&o->out, rd.ifindex);
            bput64(&o->out, rd.flags);
        }
    } else {
        memcpy(g_mem, in->d, in->len);
        clear_stack();
        o->rc = bpfvm_run(p, g_mem, in->len, &ro, &o->r0, &o->err);
        bput(&o->out, g_mem, in->len);
    }
    if (o->rc)
        o->r0 = 0;
    bput64(&o->out, o->r0);
    bput(&o->out, c->print.p, c->print.n);
    size_t nm = bpfvm_map_count(c->b.vm);
    for (size_t i = 0; i < nm; i++) {
        bpfvm_map *m = bpfvm_map_at(c->b.vm, i);
        if (bpfvm_map_get_def(m)->type == BPFVM_MAP_RINGBUF)
            bpfvm_ringbuf_consume(m, rb_collect, &o->out);
    }
    buf s = { 0 };
    snap_take(c->b.vm, &s);
    bput(&o->out, s.p, s.n);
    bfree(&s);
}

/* run_once with the C stack (and so the stacks of both engines) 1 KiB lower. */
__attribute__((noinline)) static void run_shifted(vcase *c, bpfvm_prog *p, const input *in, bpfvm_engine engine,
                                                  uint64_t budget, outcome *o)
{
    volatile uint8_t pad[1024];
    pad[0] = 0;
    run_once(c, p, in, engine, budget, o);
    __asm__ volatile("" : : "r"(pad) : "memory");
}

static bool same_outcome(const outcome *a, const outcome *b)
{
    return a->rc == b->rc && a->r0 == b->r0 && beq(&a->out, &b->out);
}

/* Programs whose loops the runtime bounds rather than the verifier's walk. */
static bool runtime_loops(const prog *p)
{
    for (uint32_t i = 0; i < p->n; i++) {
        if (!insn_start(p->c, p->n, i))
            continue;
        if (p->c[i].op == 0xe5) /* may_goto */
            return true;
        if (is_helper_call(&p->c[i])) {
            int32_t h = p->c[i].imm;
            if (h == 181 || h == 164 || h == 180 || h == 209) /* loop, for_each_map_elem, find_vma, user_ringbuf_drain */
                return true;
        }
    }
    return false;
}

/* A backward jump or call, may_goto or a loop helper: mutations of it are slow to verify. */
static bool has_loop(const prog *p)
{
    if (runtime_loops(p))
        return true;
    for (uint32_t i = 0; i < p->n; i++) {
        if (!insn_start(p->c, p->n, i) || is_lddw(&p->c[i]))
            continue;
        int k = target_kind(&p->c[i]);
        if (k && (k == 1 ? p->c[i].off : p->c[i].imm) < 0)
            return true;
    }
    return false;
}

/* Calls a helper with an ARG_MEM_OR_NULL argument: checked mode lets NULL through
 * with any size (src/rt/helpers.c check_args), and the helper then reads NULL, so
 * rejected programs that do are not run as the control. */
static bool calls_mem_or_null(const bpfvm_vm *vm, const prog *p)
{
    for (uint32_t i = 0; i < p->n; i++) {
        if (!insn_start(p->c, p->n, i) || !is_helper_call(&p->c[i]))
            continue;
        const bpfvm_helper_proto *pr = bpfvm_helper_get_proto(vm, (uint32_t)p->c[i].imm);
        for (int a = 0; pr && a < 5; a++)
            if (pr->args[a] == BPFVM_ARG_MEM_OR_NULL)
                return true;
    }
    return false;
}

enum { T_INVALID, T_REJECTED, T_OK, T_FAULT, T_MISMATCH };

typedef struct tresult {
    int status;
    int input;              /* the failing input */
    bool jit;               /* the mismatch was the JIT's */
    outcome checked, verified;
    bpfvm_verify_stats st;
    uint64_t budget;
    bool loops;
    char verr[600];
    /* counters */
    unsigned runs, compares, nondet, loop_overruns;
    bool control_ran, control_fault; /* rejected: ran checked, and faulted */
} tresult;

static void tresult_free(tresult *t)
{
    bfree(&t->checked.out);
    bfree(&t->verified.out);
}

static uint32_t mem_size_for(const vcase *c) { return c->k->mem_size; }

/* The control runs in a VM of its own: a checked program may write anywhere in a
 * hash map's slab, its slots' headers included (src/rt/map_hash.c), and the maps
 * the real runs compare must not be left like that. */
static bool control_vm(vcase *c)
{
    if (!c->ctl.vm && !c->ctl_failed) {
        bpfvm_error err;
        if (vc_build(c->k, &c->ctl, &err)) {
            vc_built_free(&c->ctl);
            c->ctl_failed = true;
        } else {
            bpfvm_vm_set_print(c->ctl.vm, print_collect, &c->print);
            use_fake_clocks(c->ctl.vm);
        }
    }
    return c->ctl.vm != NULL;
}

static int control_run(vcase *c, bpfvm_prog *p, const input *in)
{
    bpfvm_run_opts ro = { .engine = BPFVM_ENGINE_INTERP, .step_budget = CONTROL_BUDGET };
    bpfvm_region rg[32];
    bpfvm_error err;
    uint64_t r0;
    int rc;
    bpfvm_vm_set_seed(c->ctl.vm, PRNG_SEED);
    c->print.n = 0;
    if (c->packet) {
        ro.regions = rg;
        ro.nregions = ctx_regions(c->type, rg, 32);
        if (bpfvm_packet_set(g_pkt, in->d, in->len, &err))
            return 0;
        rc = bpfvm_run_packet(p, g_pkt, &ro, &r0, &err);
    } else {
        memcpy(g_mem, in->d, in->len);
        rc = bpfvm_run(p, g_mem, in->len, &ro, &r0, &err);
    }
    buf junk = { 0 };
    size_t nm = bpfvm_map_count(c->ctl.vm);
    for (size_t i = 0; i < nm; i++) {
        bpfvm_map *m = bpfvm_map_at(c->ctl.vm, i);
        if (bpfvm_map_get_def(m)->type == BPFVM_MAP_RINGBUF)
            bpfvm_ringbuf_consume(m, rb_collect, &junk);
    }
    bfree(&junk);
    return rc;
}

/* Loads, verifies and runs one program: T_INVALID (the loader refused it),
 * T_REJECTED, T_OK, or a soundness failure (T_FAULT, T_MISMATCH) described in t. */
static int try_program(vcase *c, const prog *p, const input *in, int nin, bool jit, bool control, tresult *t)
{
    memset(t, 0, sizeof *t);
    t->input = -1;
    bpfvm_load_opts lo = { .ext = c->k->ext, .name = c->k->name, .type = c->type };
    bpfvm_prog *pc = NULL, *pv = NULL;
    bpfvm_error err;
    size_t bytes = (size_t)p->n * 8;
    if (bpfvm_prog_load(c->b.vm, p->c, bytes, &lo, &pc, &err))
        return t->status = T_INVALID;
    if (!bpfvm_prog_can_run(pc, NULL)) {
        bpfvm_prog_free(pc);
        return t->status = T_INVALID;
    }
    if (bpfvm_prog_load(c->b.vm, p->c, bytes, &lo, &pv, &err)) {
        bpfvm_prog_free(pc);
        return t->status = T_INVALID;
    }
    bpfvm_verify_opts vo = { .type = c->type, .unprivileged = c->k->unpriv, .strict_alignment = c->k->strict,
                             .mem_size = mem_size_for(c) };
    if (bpfvm_verify(pv, &vo, &t->st, &err)) {
        snprintf(t->verr, sizeof t->verr, "%s", err.msg);
        if (control && !calls_mem_or_null(c->b.vm, p) && control_vm(c)) {
            /* the negative control: rejected programs run checked, to show that the
             * runs catch what the verifier is there to prevent */
            bpfvm_prog *px;
            if (bpfvm_prog_load(c->ctl.vm, p->c, bytes, &lo, &px, &err) == 0) {
                for (int j = 0; j < nin && !t->control_fault; j++)
                    t->control_fault = control_run(c, px, &in[j]) != 0;
                t->control_ran = true;
                bpfvm_prog_free(px);
            }
        }
        bpfvm_prog_free(pc);
        bpfvm_prog_free(pv);
        return t->status = T_REJECTED;
    }
    t->loops = runtime_loops(p);
    uint64_t b = t->st.insns_processed * 64;
    t->budget = t->loops ? LOOP_BUDGET : b > 1000000 ? b : 1000000;
    t->status = T_OK;
    snap_restore(c->b.vm, &c->init);
    bool compare = true;
    buf s0 = { 0 };
    outcome again = { 0 };
    for (int j = 0; j < nin && t->status == T_OK; j++) {
        snap_take(c->b.vm, &s0);
        run_once(c, pc, &in[j], BPFVM_ENGINE_INTERP, t->budget, &t->checked);
        t->runs++;
        if (t->checked.rc) {
            if (t->checked.rc == -BPFVM_E_BUDGET && t->loops) {
                t->loop_overruns++;
                break; /* bounded by the runtime, just long */
            }
            t->status = T_FAULT;
            t->input = j;
            break;
        }
        for (int e = 0; compare && e < (jit ? 2 : 1); e++) {
            snap_restore(c->b.vm, &s0);
            run_once(c, pv, &in[j], e ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP, t->budget, &t->verified);
            if (e && t->verified.rc == -BPFVM_E_UNSUPPORTED)
                break; /* the JIT does not take this program */
            t->compares++;
            if (same_outcome(&t->checked, &t->verified))
                continue;
            /* Address-dependent (the JIT's stack is elsewhere)? the same run with the
             * stack 1 KiB lower tells. Nondeterministic (time helpers)? a second
             * checked run tells. */
            snap_restore(c->b.vm, &s0);
            run_shifted(c, pv, &in[j], e ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP, t->budget, &again);
            bool differs = !same_outcome(&t->verified, &again);
            if (!differs) {
                snap_restore(c->b.vm, &s0);
                run_once(c, pc, &in[j], BPFVM_ENGINE_INTERP, t->budget, &again);
                differs = !same_outcome(&t->checked, &again);
            }
            if (differs) {
                if (g_verbose) {
                    size_t k = 0;
                    while (k < t->checked.out.n && k < t->verified.out.n && t->checked.out.p[k] == t->verified.out.p[k])
                        k++;
                    printf("note: input %d: checked r0 %#" PRIx64 ", verified (%s) r0 %#" PRIx64 ", outputs of %zu and "
                           "%zu bytes differ from byte %zu; not compared: %s\n", j, t->checked.r0,
                           e ? "JIT" : "interpreter", t->verified.r0, t->checked.out.n, t->verified.out.n, k,
                           same_outcome(&t->verified, &again) ? "a second checked run differs"
                                                              : "the run with the stack 1 KiB lower differs");
                }
                t->nondet++;
                compare = false;
                break;
            }
            t->status = T_MISMATCH;
            t->input = j;
            t->jit = e;
            break;
        }
    }
    bfree(&s0);
    bfree(&again.out);
    bpfvm_prog_free(pc);
    bpfvm_prog_free(pv);
    return t->status;
}

/* ---- reporting ---------------------------------------------------------------------------------- */

/* 32 bytes a line; lines equal to the one before are shown as one `*`. */
static void print_hex(const uint8_t *d, size_t len)
{
    bool star = false;
    for (size_t i = 0; i < len; i += 32) {
        if (i && i + 32 <= len && !memcmp(d + i, d + i - 32, 32)) {
            if (!star)
                printf("    *\n");
            star = true;
            continue;
        }
        star = false;
        printf("    %04zx:", i);
        for (size_t k = i; k < len && k < i + 32; k++)
            printf(" %02x", d[k]);
        printf("\n");
    }
    printf("    (%zu bytes)\n", len);
}

static const char *outcome_str(const outcome *o, char *b, size_t n)
{
    if (o->rc)
        snprintf(b, n, "%s: %s", bpfvm_status_name((bpfvm_status)-o->rc), o->err.msg);
    else
        snprintf(b, n, "ok, r0 = %#" PRIx64 " (%zu bytes of output and map state)", o->r0, o->out.n);
    return b;
}

static void report(const vcase *c, unsigned long long idx, unsigned long long round, uint64_t seed, const mrec *m,
                   int nm, int only, const prog *p, const input *in, const tresult *t)
{
    const vc_case *k = c->k;
    printf("\nFAIL: verifier soundness: mutation %llu (round %llu of case %s/%s, %s:%d), seed %" PRIu64 "\n", idx,
           round, k->category, k->name, k->file, k->line, seed);
    printf("  replay: test_verify_mutate CORPUS OUT --seed %" PRIu64 " --only %s/%s --first %llu --count %llu -v\n",
           seed, k->category, k->name, round, round + 1);
    printf("  verified as %s%s%s, mem_size %u: accepted (%" PRIu64 " instructions processed, %u states)\n",
           bpfvm_prog_type_name(c->type), k->unpriv ? ", unprivileged" : "", k->strict ? ", strict alignment" : "",
           mem_size_for(c), t->st.insns_processed, t->st.states);
    printf("  mutation%s:\n", only >= 0 ? " (this one alone fails too)" : "s");
    for (int i = 0; i < nm; i++)
        if (only < 0 || only == i)
            printf("    %s\n", m[i].desc);
    char a[700], b[700];
    if (t->status == T_FAULT)
        printf("  checked run on input %d (%zu bytes%s, step budget %" PRIu64 "): %s\n", t->input, in[t->input].len,
               c->packet ? " of packet" : " of memory", t->budget, outcome_str(&t->checked, a, sizeof a));
    else
        printf("  input %d (%zu bytes): checked run: %s\n  verified run (%s, unchecked): %s — they differ\n", t->input,
               in[t->input].len, outcome_str(&t->checked, a, sizeof a), t->jit ? "JIT" : "interpreter",
               outcome_str(&t->verified, b, sizeof b));
    if (t->status == T_MISMATCH && t->checked.rc == 0 && t->verified.rc == 0) {
        /* the output: the packet (8-byte length first) or memory block, then
         * redirect, r0, trace_printk text, ring buffer records, the maps */
        size_t k = 0;
        while (k < t->checked.out.n && k < t->verified.out.n && t->checked.out.p[k] == t->verified.out.p[k])
            k++;
        printf("  outputs (%zu and %zu bytes: packet or memory, redirect, r0, printk, ring buffer, maps) differ "
               "from byte %zu\n", t->checked.out.n, t->verified.out.n, k);
    }
    if (t->input > 0)
        printf("  (after inputs 0..%d ran on the same maps)\n", t->input - 1);
    printf("  program (%u slots):\n", p->n);
    for (uint32_t i = 0; i < p->n; i++) {
        if (!insn_start(p->c, p->n, i))
            continue;
        char line[160];
        dis(p, i, k->ext, line, sizeof line);
        bool hit = (t->status == T_FAULT && t->checked.err.insn == (long)i);
        printf("  %s%4u: %s\n", hit ? ">" : " ", i, line);
    }
    printf("  input %d:\n", t->input);
    print_hex(in[t->input].d, in[t->input].len);
}

/* A crash (a verified program the verifier let through, run unchecked, or a
 * checked-mode hole) names the mutation it happened in. */
static char g_current[2048];

static void on_crash(int sig)
{
    static const char head[] = "\nFAIL: crashed (signal) in ";
    ssize_t r = write(STDOUT_FILENO, head, sizeof head - 1);
    r = write(STDOUT_FILENO, g_current, strlen(g_current));
    (void)r;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ---- main ------------------------------------------------------------------------------------------ */

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *outdir = NULL, *only = NULL;
    unsigned long long count = 40000, first = 0;
    uint64_t seed = 1;
    unsigned jit_every = 4;
    bool verbose = false, exact = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--first") && i + 1 < argc)
            first = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--jit-every") && i + 1 < argc)
            jit_every = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--exact"))
            exact = true;
        else if (!strcmp(argv[i], "-v"))
            verbose = g_verbose = true;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        } else if (!dir)
            dir = argv[i];
        else
            outdir = argv[i];
    }
    if (!dir || !outdir) {
        fprintf(stderr, "usage: test_verify_mutate CORPUS_DIR OUT_DIR [--count N] [--first I] [--seed S] "
                        "[--only NAME] [--jit-every K] [--exact] [-v]\n");
        return 2;
    }
    if (SANITIZED && !exact && count - first > 6) { /* the verifier is about 13x slower there */
        count = first + (count - first) / 6;
        printf("sanitizer build: a sixth of the batch (--exact runs all)\n");
    }
    vc_corpus corpus;
    if (vc_load(dir, outdir, BPF_CC, &corpus))
        return 1;
    vcase *cases = calloc(corpus.n, sizeof *cases);
    size_t ncases = 0, skipped = 0;
    uint32_t max_mem = 64;
    for (size_t i = 0; i < corpus.n; i++) {
        const vc_case *k = &corpus.cases[i];
        char full[128];
        snprintf(full, sizeof full, "%s/%s", k->category, k->name);
        if (only && strcmp(only, k->name) && strcmp(only, k->category) && strcmp(only, full))
            continue;
        vcase *c = &cases[ncases];
        bpfvm_error err;
        if (vc_build(k, &c->b, &err)) {
            vc_built_free(&c->b); /* refused by the loader: nothing to mutate */
            skipped++;
            continue;
        }
        c->k = k;
        c->type = bpfvm_prog_get_type(c->b.prog);
        if (c->type == BPFVM_PROG_UNSPEC)
            c->type = BPFVM_PROG_MEM;
        c->packet = c->type == BPFVM_PROG_XDP || c->type == BPFVM_PROG_SOCKET_FILTER ||
                    c->type == BPFVM_PROG_SCHED_CLS || c->type == BPFVM_PROG_SCHED_ACT;
        if ((!c->packet && c->type != BPFVM_PROG_MEM) || !bpfvm_prog_can_run(c->b.prog, NULL)) {
            vc_built_free(&c->b);
            skipped++;
            continue;
        }
        c->base.n = (uint32_t)bpfvm_prog_len(c->b.prog);
        c->base.c = malloc(c->base.n * sizeof *c->base.c);
        memcpy(c->base.c, bpfvm_prog_code(c->b.prog), c->base.n * sizeof *c->base.c);
        bpfvm_vm_set_print(c->b.vm, print_collect, &c->print);
        use_fake_clocks(c->b.vm);
        snap_take(c->b.vm, &c->init);
        {
            /* how hard the case is to verify: loops, whose mutations often walk
             * up to the complexity limit, are mutated less often */
            bpfvm_load_opts lo = { .ext = k->ext, .name = k->name, .type = c->type };
            bpfvm_prog *bp;
            bpfvm_verify_stats bst = { 0 };
            if (!bpfvm_prog_load(c->b.vm, c->base.c, c->base.n * 8, &lo, &bp, &err)) {
                bpfvm_verify_opts vo = { .type = c->type, .unprivileged = k->unpriv,
                                         .strict_alignment = k->strict, .mem_size = k->mem_size };
                bpfvm_verify(bp, &vo, &bst, NULL);
                bpfvm_prog_free(bp);
            }
            c->slow = bst.insns_processed > EXPENSIVE ? 2 : has_loop(&c->base) ? 1 : 0;
        }
        if (k->mem_size > max_mem)
            max_mem = k->mem_size;
        ncases++;
    }
    if (!ncases) {
        fprintf(stderr, "no runnable cases\n");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGFPE, on_crash);
    signal(SIGILL, on_crash);
    g_pkt = bpfvm_packet_new();
    g_mem = aligned_alloc(64, (max_mem + 63) & ~63u);
    if (!g_pkt || !g_mem) {
        fprintf(stderr, "cannot allocate the packet or memory block\n");
        return 1;
    }
    printf("%zu runnable cases (%zu others: types bpfvm does not run, or refused by the loader); "
           "mutations %llu..%llu, seed %" PRIu64 "\n",
           ncases, skipped, first, count, seed);

    unsigned long long tried = 0, valid = 0, accepted = 0, runs = 0, compares = 0, nondet = 0, loop_over = 0;
    unsigned long long control_ran = 0, control_faults = 0;
    unsigned long long faults = 0, mismatches = 0, kind_acc[M_NKINDS] = { 0 }, kind_tried[M_NKINDS] = { 0 };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned long long idx = first; idx < count; idx++) {
        /* mutation idx: round idx / ncases of case idx % ncases; what it does depends
         * only on the seed, the case and the round (replay: --only CASE --first ROUND) */
        vcase *c = &cases[idx % ncases];
        unsigned long long round = idx / ncases;
        if (c->slow && round % (c->slow == 2 ? 64 : 16) != 0)
            continue;
        char full[128];
        snprintf(full, sizeof full, "%s/%s", c->k->category, c->k->name);
        rng r = { seed * 0x2545f4914f6cdd1dull ^ name_hash(full) ^ round * 0x9e3779b97f4a7c15ull };
        rnext(&r);
        prog p;
        prog_copy(&p, &c->base);
        /* room for the duplicates */
        p.c = realloc(p.c, (p.n + 2 * MAX_MUTS + 2) * sizeof *p.c);
        mrec m[MAX_MUTS];
        unsigned roll = rbelow(&r, 100);
        int want = roll < 60 ? 1 : roll < 85 ? 2 : 3, nm = 0;
        for (int i = 0; i < want; i++)
            if (mutate(&r, &p, c->k->ext, &m[nm]))
                nm++;
        input in[NINPUTS];
        make_inputs(&r, c->packet, mem_size_for(c), in);
        bool jit = jit_every && rbelow(&r, jit_every) == 0, control = rbelow(&r, 4) == 0;
        snprintf(g_current, sizeof g_current,
                 "mutation %llu (round %llu of case %s, %s:%d); replay: --seed %" PRIu64
                 " --only %s --first %llu --count %llu -v\n",
                 idx, round, full, c->k->file, c->k->line, seed, full, round, round + 1);
        for (int i = 0; i < nm; i++) {
            size_t l = strlen(g_current);
            snprintf(g_current + l, sizeof g_current - l, "  %s\n", m[i].desc);
        }
        tried++;
        c->mutations++;
        for (int i = 0; i < nm; i++)
            kind_tried[m[i].kind]++;
        tresult t;
        struct timespec m0, m1;
        clock_gettime(CLOCK_MONOTONIC, &m0);
        int st = try_program(c, &p, in, NINPUTS, jit, control, &t);
        clock_gettime(CLOCK_MONOTONIC, &m1);
        c->secs += (double)(m1.tv_sec - m0.tv_sec) + (double)(m1.tv_nsec - m0.tv_nsec) / 1e9;
        if (st != T_INVALID)
            valid++;
        control_ran += t.control_ran;
        control_faults += t.control_fault;
        if (st >= T_OK) {
            accepted++;
            c->accepted++;
            for (int i = 0; i < nm; i++)
                kind_acc[m[i].kind]++;
            runs += t.runs;
            compares += t.compares;
            nondet += t.nondet;
            loop_over += t.loop_overruns;
            if (verbose && t.nondet)
                printf("note: mutation %llu (round %llu) of %s: results depend on time or addresses (not compared)\n",
                       idx, round, full);
            if (verbose && t.loop_overruns)
                printf("note: mutation %llu of %s ran out of %llu steps (runtime-bounded loops)\n", idx, c->k->name,
                       (unsigned long long)t.budget);
        }
        if (st == T_FAULT || st == T_MISMATCH) {
            st == T_FAULT ? faults++ : mismatches++;
            /* a single mutation that fails alone makes a smaller reproducer */
            int alone = -1;
            if (nm > 1) {
                for (int i = 0; i < nm && alone < 0; i++) {
                    prog q;
                    prog_copy(&q, &c->base);
                    q.c = realloc(q.c, (q.n + 4) * sizeof *q.c);
                    tresult u;
                    if (mut_apply(&q, &m[i]) && try_program(c, &q, in, t.input + 1, jit, false, &u) == st) {
                        alone = i;
                        if (faults + mismatches <= MAX_REPORTS)
                            report(c, idx, round, seed, m, nm, i, &q, in, &u);
                    }
                    free(q.c);
                    tresult_free(&u);
                }
            }
            if (alone < 0 && faults + mismatches <= MAX_REPORTS)
                report(c, idx, round, seed, m, nm, -1, &p, in, &t);
        } else if (verbose && count - first <= 20) { /* a replay: what happened */
            static const char *const what[] = { "invalid", "rejected", "accepted, runs agree" };
            printf("mutation %llu of %s/%s: %s%s%s\n", idx, c->k->category, c->k->name, what[st],
                   st == T_REJECTED ? ": " : "", st == T_REJECTED ? t.verr : "");
            for (int i = 0; i < nm; i++)
                printf("  %s\n", m[i].desc);
        }
        tresult_free(&t);
        free_inputs(in);
        free(p.c);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    if (verbose) {
        printf("\n%-16s %10s %10s\n", "mutation", "tried", "accepted");
        for (int k = 0; k < M_NKINDS; k++)
            printf("%-16s %10llu %10llu\n", mkind_name[k], kind_tried[k], kind_acc[k]);
        printf("\nslowest cases:\n");
        for (int top = 0; top < 8; top++) {
            size_t best = ncases;
            for (size_t i = 0; i < ncases; i++)
                if (cases[i].secs >= 0 && (best == ncases || cases[i].secs > cases[best].secs))
                    best = i;
            if (best == ncases || cases[best].secs <= 0)
                break;
            printf("  %s/%s: %.2f s for %llu mutations\n", cases[best].k->category, cases[best].k->name,
                   cases[best].secs, cases[best].mutations);
            cases[best].secs = -cases[best].secs;
        }
        printf("\ncases with the most accepted mutations:\n");
        for (size_t i = 0; i < ncases; i++)
            if (cases[i].accepted * 4 > cases[i].mutations && cases[i].mutations)
                printf("  %s/%s: %llu of %llu\n", cases[i].k->category, cases[i].k->name, cases[i].accepted,
                       cases[i].mutations);
    }
    printf("\ncontrol: %llu of %llu rejected mutations run checked fault or run out of %u steps (what the "
           "verifier kept out)\n", control_faults, control_ran, CONTROL_BUDGET);
    printf("verify mutate: %llu mutations tried, %llu valid, %llu accepted, %llu runs (%llu compared with the "
           "verified run, %llu depend on addresses or time, %llu out of budget in runtime-bounded loops), "
           "%llu faults, %llu mismatches, in %.1f s\n",
           tried, valid, accepted, runs, compares, nondet, loop_over, faults, mismatches, secs);

    for (size_t i = 0; i < ncases; i++) {
        bfree(&cases[i].init);
        bfree(&cases[i].print);
        free(cases[i].base.c);
        vc_built_free(&cases[i].b);
        vc_built_free(&cases[i].ctl);
    }
    free(cases);
    bpfvm_packet_free(g_pkt);
    free(g_mem);
    vc_free(&corpus);
    return faults || mismatches ? 1 : 0;
}
