/* jit.c — the x86-64 JIT's driver: one pass over the program emits each slot with
 * its row's emitter (jit_emit.c) into a body buffer and out-of-line code into a
 * cold buffer, then the two are joined in a fresh W^X mapping (jit_mem.c) and
 * the cross references are patched. jit_run() runs the code with the same
 * bpfvm_call as the interpreter and turns its fault records into the
 * interpreter's errors (exec.c), word for word.
 *
 * Forward jumps are short when an upper bound of the code between (per-slot
 * bounds, jit_bound) fits in a rel8; if a bound ever proves wrong the program is
 * compiled again with rel32 everywhere, so a wrong bound costs speed, never
 * correctness. Backward jumps know their distance.
 */
#define _GNU_SOURCE
#include "exec/jit_int.h"
#include "exec/exec.h"
#include "exec/jit_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && defined(__linux__)

#include <cpuid.h>
#include <sys/random.h>

const uint8_t jit_reg[11] = { RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP };

struct jit_code {
    uint8_t *mem;        /* the sealed mapping */
    size_t map_size;
    uint8_t *code;       /* the code in it: cold part, then the body */
    size_t size;         /* code bytes */
    uint32_t *offs;      /* n + 1 */
    uint64_t compile_ns;
    uint32_t entry, cb_entry, epilogue; /* offsets of the header's entries and exit */
    jit_group *groups;   /* load groups (jit_prove), read by the slow path */
    jit_opts opts;
    struct jit_code *unbudgeted; /* the same without budget charges, made on first use */
    jit_stats stats;
};

bool jit_available(void) { return true; }

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU features, read once: cpuid is slow under virtualization (a VM exit), and the
 * answer never changes, so this is a constant rather than state. */
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static bool cpu_has_bmi2;

static void cpu_probe(void)
{
    unsigned a, b, c, d;
    cpu_has_bmi2 = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 8));
}

static bool cpu_bmi2(void)
{
    pthread_once(&cpu_once, cpu_probe);
    return cpu_has_bmi2;
}

uint32_t jit_rand(jit_ctx *J)
{
    uint64_t x = J->rnd; /* xorshift64* */
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    J->rnd = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* ---- buffers and fixups ------------------------------------------------------------- */

static bool reserve(jit_ctx *J, jit_buf *b, uint8_t **cur, size_t need)
{
    b->len = (size_t)(*cur - b->base);
    if (b->cap - b->len >= need)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < need)
        cap *= 2;
    uint8_t *nb = realloc(b->base, cap);
    if (!nb) {
        J->nomem = true;
        return false;
    }
    b->base = nb;
    b->cap = cap;
    *cur = nb + b->len;
    return true;
}

void jit_fixup(jit_ctx *J, uint8_t kind, uint32_t pos, uint32_t target, uint8_t size)
{
    if (J->nfix == J->capfix) {
        size_t cap = J->capfix ? J->capfix * 2 : 256;
        jit_fix *nf = realloc(J->fix, cap * sizeof *nf);
        if (!nf) {
            J->nomem = true;
            J->nfix = 0; /* keep going; the compile fails at the end */
            return;
        }
        J->fix = nf;
        J->capfix = cap;
    }
    J->fix[J->nfix++] = (jit_fix){ .pos = pos, .target = target, .kind = kind, .size = size };
}

void jit_jump_slot(jit_ctx *J, int cc, uint32_t t)
{
    uint32_t here = jit_body_pos(J);
    if (t <= J->cur) { /* backward: the distance is known */
        const uint8_t *target = J->body.base + J->offs[t];
        int64_t rel8 = target - (J->bp + 2);
        if (x_fits8(rel8)) {
            if (cc < 0)
                x_jmp8(&J->bp, (int8_t)rel8);
            else
                x_jcc8(&J->bp, cc, (int8_t)rel8);
        } else if (cc < 0) {
            x_jmp32(&J->bp, (int32_t)(target - (J->bp + 5)));
        } else {
            x_jcc32(&J->bp, cc, (int32_t)(target - (J->bp + 6)));
        }
        return;
    }
    /* Forward: short if even the largest code in between fits. */
    int64_t worst = (int64_t)J->bound[t] - J->bound[J->cur] - (int64_t)(here + 2 - J->offs[J->cur]);
    if (!J->all_long && worst <= 127) {
        if (cc < 0)
            x_jmp8(&J->bp, 0);
        else
            x_jcc8(&J->bp, cc, 0);
        jit_fixup(J, JX_SLOT, jit_body_pos(J) - 1, t, 1);
    } else {
        if (cc < 0)
            x_jmp32(&J->bp, 0);
        else
            x_jcc32(&J->bp, cc, 0);
        jit_fixup(J, JX_SLOT, jit_body_pos(J) - 4, t, 4);
    }
}

void jit_jump_cold(jit_ctx *J, int cc, uint32_t cold_off)
{
    if (cc < 0)
        x_jmp32(&J->bp, 0);
    else
        x_jcc32(&J->bp, cc, 0);
    jit_fixup(J, JX_B2C, jit_body_pos(J) - 4, cold_off, 4);
}

void jit_cold_jump_body(jit_ctx *J, int cc, uint32_t body_off)
{
    if (cc < 0)
        x_jmp32(&J->cp, 0);
    else
        x_jcc32(&J->cp, cc, 0);
    jit_fixup(J, JX_C2B, jit_cold_pos(J) - 4, body_off, 4);
}

void jit_cold_jump_label(jit_ctx *J, uint8_t op, int label)
{
    x_b(&J->cp, op); /* 0xe9 jmp, 0xe8 call */
    x_d(&J->cp, 0);
    x_patch32(J->cp - 4, J->cold.base + J->label[label]);
}

uint32_t jit_cold_fault(jit_ctx *J, uint32_t code)
{
    uint32_t at = jit_cold_pos(J);
    x_mov_imm64_keepflags(&J->cp, R9, code);
    jit_cold_jump_label(J, 0xe9, JL_FAULT);
    return at;
}

/* ---- the out-of-line header: entries, exits, shared slow paths ----------------------- */

/* Called by the generated code when an access is outside the stack and the memory
 * block: the regions, then the fault record. code = insn << 5 | write << 4 | size. */
static int jit_mem_slow(jit_state *st, uint64_t addr, uint32_t code)
{
    unsigned size = code & 15;
    bool write = (code >> 4) & 1;
    if (run_mem_ok(st->call, addr, size, write))
        return 1;
    st->fault = JF_CODE(JF_MEM, code >> 5);
    st->fault_aux = code & 31;
    st->fault_val = addr;
    return 0;
}

static const struct jit_code *code_for(const bpfvm_prog *p, bool unlimited);

/* A group's union check failed: its loads one by one, in program order, as the
 * interpreter would run them; the first that is not allowed faults. */
static int jit_group_slow(jit_state *st, uint64_t base, const jit_group *g)
{
    for (unsigned k = 0; k < g->n; k++) {
        uint64_t addr = base + (uint64_t)(int64_t)g->off[k];
        if (!run_mem_ok(st->call, addr, g->msize[k], false)) {
            st->fault = JF_CODE(JF_MEM, g->insn[k]);
            st->fault_aux = g->msize[k];
            st->fault_val = addr;
            return 0;
        }
    }
    return 1;
}

/* A helper left c->pending set: a failure (fault record, NULL) or a tail call (the
 * address to continue at: the target's first instruction, registers kept). */
static const uint8_t *jit_pending(jit_state *st, uint32_t insn, uint64_t r10)
{
    struct bpfvm_call *c = st->call;
    if (c->pending & PENDING_FAIL) {
        st->fault = JF_CODE(JF_HELPER, insn);
        return NULL;
    }
    if (r10 != st->stack_hi) { /* not at depth 0 */
        st->fault = JF_CODE(JF_TAILDEPTH, insn);
        return NULL;
    }
    bpfvm_prog *t = (bpfvm_prog *)(uintptr_t)c->tail_prog;
    bpfvm_error e;
    if (bpfvm_prog_jit(t, &e)) {
        snprintf(c->fail_msg, sizeof c->fail_msg, "tail call: %.200s", e.msg);
        st->fault = JF_CODE(JF_HELPER, insn);
        return NULL;
    }
    c->pending = 0;
    c->prog = t;
    st->vm = t->vm;
    const struct jit_code *tc = code_for(t, st->unlimited);
    return tc->code + tc->offs[0];
}

static void emit_header(jit_ctx *J, bool uses_rbp)
{
    uint8_t **c = &J->cp;
    bool all = J->has_helpers; /* (they may tail-call or be called back) */
    if (all) {
        uses_rbp = true;
        J->used |= 0x3c0; /* r6..r9: saved and zeroed */
    }
    uint8_t saved[6];
    int ns = 0;
    if (uses_rbp)
        saved[ns++] = RBP;
    if (J->used & (1u << 6))
        saved[ns++] = RBX;
    saved[ns++] = R12;
    if (J->used & (1u << 7))
        saved[ns++] = R13;
    if (J->used & (1u << 8))
        saved[ns++] = R14;
    if (J->used & (1u << 9))
        saved[ns++] = R15;
    bool pad = ns & 1; /* entry rsp ≡ 8; before the call of the body it must be ≡ 8 again */

    /* int entry(jit_state *st, const uint64_t args[5]) */
    J->label[JL_ENTRY] = jit_cold_pos(J);
    x_b(c, 0x48); /* lea rcx, [rip + slot 0] */
    x_b(c, 0x8d);
    x_b(c, 0x0d);
    x_d(c, 0);
    jit_fixup(J, JX_C2SLOT, jit_cold_pos(J) - 4, 0, 4);
    if (uses_rbp)
        x_load(c, XW, RDX, RDI, ST_OFF(stack_hi));
    /* int cb_entry(jit_state *st, const uint64_t args[5], uint64_t r10, const void *code) */
    J->label[JL_CB_ENTRY] = jit_cold_pos(J);
    for (int k = 0; k < ns; k++)
        x_push(c, saved[k]);
    if (pad)
        x_alu_ri(c, XW, XA_SUB, RSP, 8);
    x_mov_rr(c, XW, RSTATE, RDI);
    x_mov_rr(c, XW, R9, RCX);
    if (uses_rbp)
        x_mov_rr(c, XW, RBP, RDX);
    x_mov_rr(c, XW, R11, RSI);
    static const uint8_t args[5] = { RDI, RSI, RDX, RCX, R8 };
    for (int k = 0; k < 5; k++) /* all five: helpers see them even when the program does not */
        x_load(c, XW, args[k], R11, 8 * k);
    x_load(c, XW, RBUDGET, RSTATE, ST_OFF(budget));
    x_alu_rr(c, 0, XA_XOR, RAX, RAX);
    static const uint8_t r69[4] = { RBX, R13, R14, R15 };
    for (int k = 0; k < 4; k++)
        if (J->used & (1u << (6 + k)))
            x_alu_rr(c, 0, XA_XOR, r69[k], r69[k]);
    x_store(c, XW, RSP, RSTATE, ST_OFF(rsp0));
    x_rr(c, 0, 0xff, 2, R9); /* call r9 */

    J->label[JL_NORMAL_EXIT] = jit_cold_pos(J);
    x_store(c, XW, RAX, RSTATE, ST_OFF(r0));
    x_store(c, XW, RBUDGET, RSTATE, ST_OFF(budget));
    x_alu_rr(c, 0, XA_XOR, RAX, RAX);
    J->label[JL_EPILOGUE] = jit_cold_pos(J);
    if (pad)
        x_alu_ri(c, XW, XA_ADD, RSP, 8);
    for (int k = ns - 1; k >= 0; k--)
        x_pop(c, saved[k]);
    x_b(c, 0xc3);

    /* r9d = kind << 24 | insn, r11 = address or id. */
    J->label[JL_FAULT] = jit_cold_pos(J);
    x_store(c, 0, R9, RSTATE, ST_OFF(fault));
    x_store(c, XW, R11, RSTATE, ST_OFF(fault_val));
    J->label[JL_FAULT_RECORDED] = jit_cold_pos(J);
    x_store(c, XW, RBUDGET, RSTATE, ST_OFF(budget));
    J->label[JL_UNWIND] = jit_cold_pos(J);
    x_load(c, XW, RSP, RSTATE, ST_OFF(rsp0));
    x_mov_imm64_keepflags(c, RAX, 1);
    x_rm(c, 0, 0xff, 4, RSTATE, ST_OFF(epilogue)); /* jmp [r12 + epilogue] */

    /* Linux semantics: an out-of-bounds legacy packet load ends the program, r0 = 0. */
    if (J->has_ldabs) {
        J->label[JL_PKT_ABORT] = jit_cold_pos(J);
        x_load(c, XW, RSP, RSTATE, ST_OFF(rsp0));
        x_alu_rr(c, 0, XA_XOR, RAX, RAX);
        x_store(c, XW, RAX, RSTATE, ST_OFF(r0));
        x_store(c, XW, RBUDGET, RSTATE, ST_OFF(budget));
        x_rm(c, 0, 0xff, 4, RSTATE, ST_OFF(epilogue));
    }

    /* Called with r11 = address, r9d = code (or r11 = base, r9 = group); returns
     * only when the access is allowed. */
    static const uint8_t keep[7] = { RAX, RCX, RDX, RSI, RDI, R8, R10 };
    for (int t = 0; t < 2; t++) {
        if (!(t ? J->ngroups : J->has_checks))
            continue;
        J->label[t ? JL_GROUP_SLOW : JL_MEM_SLOW] = jit_cold_pos(J);
        for (int k = 0; k < 7; k++)
            x_push(c, keep[k]);
        x_store(c, XW, RBUDGET, RSTATE, ST_OFF(budget));
        x_mov_rr(c, XW, RDI, RSTATE);
        x_mov_rr(c, XW, RSI, R11);
        x_mov_rr(c, t ? XW : 0, RDX, R9);
        x_mov_imm64(c, RAX, t ? (uint64_t)(uintptr_t)jit_group_slow : (uint64_t)(uintptr_t)jit_mem_slow);
        x_rr(c, 0, 0xff, 2, RAX);
        x_rr(c, 0, 0x85, RAX, RAX);
        x_jcc32(c, CC_E, (int32_t)(J->cold.base + J->label[JL_UNWIND] - (J->cp + 6)));
        for (int k = 6; k >= 0; k--)
            x_pop(c, keep[k]);
        x_b(c, 0xc3);
    }
    if (!all)
        return;

    /* Jumped to with r9d = insn after a helper set c->pending. */
    J->label[JL_PENDING] = jit_cold_pos(J);

    for (int k = 0; k < 7; k++)
        x_push(c, keep[k]);
    x_alu_ri(c, XW, XA_SUB, RSP, 8);
    x_mov_rr(c, XW, RDI, RSTATE);
    x_mov_rr(c, 0, RSI, R9);
    x_mov_rr(c, XW, RDX, RBP);
    x_mov_imm64(c, RAX, (uint64_t)(uintptr_t)jit_pending);
    x_rr(c, 0, 0xff, 2, RAX);
    x_alu_ri(c, XW, XA_ADD, RSP, 8);
    x_mov_rr(c, XW, R11, RAX);
    for (int k = 6; k >= 0; k--)
        x_pop(c, keep[k]);
    x_rr(c, XW, 0x85, R11, R11);
    x_jcc32(c, CC_E, (int32_t)(J->cold.base + J->label[JL_FAULT_RECORDED] - (J->cp + 6)));
    x_rr(c, 0, 0xff, 4, R11); /* jmp r11: the tail-called program */
}

/* ---- analysis before emitting -------------------------------------------------------- */

static void scan(jit_ctx *J, bool *uses_rbp)
{
    const bpfvm_prog *p = J->p;
    uint16_t used = 1, written = 1; /* r0 */
    bool rbp = false;
    for (uint32_t i = 0; i < p->n; i++) {
        uint16_t id = p->info.rows[i];
        if (id == ISA_LDDW_HI)
            continue;
        const isa_row *r = &isa_rows[id];
        const isa_insn *in = &p->insns[i];
        if (r->dst != D_ZERO) {
            used |= (uint16_t)(1u << in->dst);
            if (isa_writes_dst(r))
                written |= (uint16_t)(1u << in->dst);
        }
        if (r->src == S_R || r->src == S_RW) {
            used |= (uint16_t)(1u << in->src);
            if (r->src == S_RW)
                written |= (uint16_t)(1u << in->src);
        }
        if (id == ISA_CALL_LOCAL)
            rbp = true;
        if (r->shape == SH_LDABS || r->shape == SH_LDIND)
            J->has_ldabs = true;
        if (id == ISA_CALL_HELPER || id == ISA_CALLX)
            J->has_helpers = true;
    }
    if (used & (1u << 10))
        rbp = true;
    J->used = used;
    J->written = written;
    *uses_rbp = rbp;
}

/* Guess after slot i which registers point into the memory block (r1 at entry, its
 * copies and offsets, and what goes through an 8-byte spill slot of the frame); it
 * only picks which region a check tries first, so a wrong guess costs a detour. */
static void track_kind(jit_ctx *J, const isa_insn *in, uint16_t id)
{
    const isa_row *r = &isa_rows[id];
    switch (id) {
    case ISA_MOV64_X:
        J->kind[in->dst] = J->kind[in->src];
        return;
    case ISA_ADD64_X:
        J->kind[in->dst] |= J->kind[in->src];
        return;
    case ISA_ADD64_K:
    case ISA_SUB64_K:
        return;
    case ISA_STXDW:
        if (in->dst == 10 && in->off < 0 && in->off >= -(int)BPFVM_STACK_SIZE && !(in->off & 7))
            J->spill_kind[(-in->off) / 8 - 1] = J->kind[in->src];
        return;
    case ISA_LDXDW:
        if (in->src == 10 && in->off < 0 && in->off >= -(int)BPFVM_STACK_SIZE && !(in->off & 7)) {
            J->kind[in->dst] = J->spill_kind[(-in->off) / 8 - 1];
            return;
        }
        break;
    default:
        break;
    }
    if (isa_writes_dst(r))
        J->kind[in->dst] = 0;
    if (r->src == S_RW)
        J->kind[in->src] = 0;
    if (r->shape == SH_LDABS || r->shape == SH_LDIND || r->shape == SH_CALL || r->shape == SH_CALLX ||
        id == ISA_ACMPXCHG32 || id == ISA_ACMPXCHG64)
        J->kind[0] = 0;
}

/* ---- compile --------------------------------------------------------------------------- */

static bool is_mem_row(uint16_t id)
{
    uint8_t sh = isa_rows[id].shape;
    return sh == SH_LDX || sh == SH_ST || sh == SH_STX || sh == SH_ATOMIC || sh == SH_LDACQ || sh == SH_STREL;
}

enum { C_OK, C_RETRY_SHORT, C_RETRY_SPACE, C_NOMEM };

#define HEADER_BOUND 640u

/* One pass: the header into the cold buffer, every slot into the body (which is
 * the final mapping: no copy), then the body's own forward jumps. */
static int emit_all(jit_ctx *J, bool uses_rbp)
{
    const bpfvm_prog *p = J->p;
    J->bp = J->body.base;
    J->cp = J->cold.base;
    J->nfix = 0;
    J->next_group = 0;
    J->fused = UINT32_MAX;
    if (!reserve(J, &J->cold, &J->cp, HEADER_BOUND))
        return C_NOMEM;
    emit_header(J, uses_rbp);
    memset(J->kind, 0, sizeof J->kind);
    memset(J->spill_kind, 0, sizeof J->spill_kind);
    J->kind[1] = 1;
    uint8_t *body_end = J->body.base + J->body.cap - JIT_INSN_SLACK;
    for (uint32_t i = 0; i < p->n; i++) {
        if (J->bp > body_end)
            return C_RETRY_SPACE; /* only after a bound miss */
        if (!reserve(J, &J->cold, &J->cp, JIT_INSN_SLACK))
            return C_NOMEM;
        uint16_t id = p->info.rows[i];
        J->cur = i;
        J->offs[i] = jit_body_pos(J);
        jit_emitters[id].fn(J, i, &p->insns[i], &isa_rows[id], jit_emitters[id].arg);
        if (jit_body_pos(J) - J->offs[i] > J->bound[i + 1] - J->bound[i])
            J->bound_miss = true;
        if (id != ISA_LDDW_HI)
            track_kind(J, &p->insns[i], id);
    }
    J->offs[p->n] = jit_body_pos(J);
    if (J->nomem)
        return C_NOMEM;
    /* Body-internal forward references. */
    for (size_t k = 0; k < J->nfix; k++) {
        jit_fix *f = &J->fix[k];
        if (f->kind != JX_SLOT)
            continue;
        int64_t rel = (int64_t)J->offs[f->target] - (int64_t)(f->pos + f->size);
        if (f->size == 1) {
            if (!x_fits8(rel))
                return C_RETRY_SHORT;
            J->body.base[f->pos] = (uint8_t)(int8_t)rel;
        } else {
            int32_t r32 = (int32_t)rel;
            memcpy(J->body.base + f->pos, &r32, 4);
        }
    }
    return C_OK;
}

/* Layout of the mapping: [unused | cold | body | unused]. The body is emitted in
 * place at cold_room; the cold code, emitted apart, is copied right before it. */
typedef struct jit_map {
    uint8_t *mem;
    size_t map_size, cold_room, body_room;
} jit_map;

static bool map_new(jit_map *m, size_t cold_room, size_t body_room)
{
    m->cold_room = (cold_room + 63) & ~(size_t)63;
    m->body_room = body_room;
    m->mem = jit_mem_alloc(m->cold_room + body_room, &m->map_size);
    return m->mem != NULL;
}

/* Compiles p with options o into a new jit_code (p->jit is not touched). */
static int compile_code(bpfvm_prog *p, const jit_opts *o, struct jit_code **out, bpfvm_error *err)
{
    static const jit_opts defaults;
    if (!o)
        o = &defaults;
    uint64_t t0 = now_ns();
    struct jit_code *jc = calloc(1, sizeof *jc);
    uint32_t *offs = malloc((p->n + 1) * sizeof *offs);
    uint32_t *bound = malloc((p->n + 1) * sizeof *bound);
    jit_ctx J;
    memset(&J, 0, sizeof J);
    jit_map m = { 0 };
    if (!jc || !offs || !bound)
        goto nomem;
    uint64_t seed = 0;
    if (p->jit_blind && getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = now_ns() ^ (uint64_t)(uintptr_t)jc;
    J.p = p;
    J.offs = offs;
    J.bound = bound;
    J.bmi2 = !o->no_bmi2 && cpu_bmi2();
    J.blind = p->jit_blind;
    J.all_long = o->long_jumps;
    J.no_budget = o->no_budget;
    J.no_fuse = o->no_fuse;
    bool uses_rbp;
    scan(&J, &uses_rbp);
    if (jit_prove(&J))
        goto nomem;
    size_t cold_bound = HEADER_BOUND;
    bound[0] = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        bound[i + 1] = bound[i] + jit_bound(&J, i);
        uint32_t cb = jit_cold_bound(&J, i);
        cold_bound += cb;
        if (cb && !(J.loc[i] & LOC_LEAD) && is_mem_row(p->info.rows[i]))
            J.has_checks = true; /* some access needs the check in C */
    }
    size_t extra = JIT_INSN_SLACK;
    if (!map_new(&m, cold_bound, bound[p->n] + extra))
        goto nomem;
    int rc = C_RETRY_SHORT;
    for (unsigned attempt = 1; attempt <= 4; attempt++) {
        J.body.base = m.mem + m.cold_room;
        J.body.cap = m.body_room;
        J.rnd = seed | 1; /* the same keys on every attempt */
        rc = emit_all(&J, uses_rbp);
        jc->stats.attempts = attempt;
        jc->stats.bound_miss |= J.bound_miss;
        if (rc == C_OK && jit_cold_pos(&J) > m.cold_room)
            rc = C_RETRY_SPACE;
        if (rc == C_RETRY_SHORT)
            J.all_long = true;
        else if (rc == C_RETRY_SPACE) { /* a bound was wrong: room for the worst */
            jit_mem_free(m.mem, m.map_size);
            extra += bound[p->n] + JIT_INSN_SLACK;
            if (!map_new(&m, jit_cold_pos(&J) + cold_bound, bound[p->n] + extra))
                goto nomem;
        } else {
            break;
        }
    }
    if (rc != C_OK)
        goto nomem;
    size_t cold = jit_cold_pos(&J), body = jit_body_pos(&J);
    uint8_t *code = m.mem + m.cold_room - cold;
    memcpy(code, J.cold.base, cold);
    for (size_t k = 0; k < J.nfix; k++) {
        const jit_fix *f = &J.fix[k];
        uint8_t *field;
        const uint8_t *target;
        switch (f->kind) {
        case JX_B2C: field = code + cold + f->pos; target = code + f->target; break;
        case JX_C2B: field = code + f->pos; target = code + cold + f->target; break;
        case JX_C2SLOT: field = code + f->pos; target = code + cold + offs[f->target]; break;
        default: continue;
        }
        x_patch32(field, target);
    }
    for (uint32_t i = 0; i <= p->n; i++)
        offs[i] += (uint32_t)cold;
    jc->stats.out_of_line = cold;
    jc->stats.body = body;
    free(J.cold.base);
    free(J.fix);
    free(J.loc);
    free(bound);
    int e = jit_mem_seal(m.mem, m.map_size, code - m.mem, cold + body);
    if (e) {
        jit_mem_free(m.mem, m.map_size);
        free(offs);
        free(jc);
        return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "cannot make the JIT code executable (mprotect: error %d)", -e);
    }
    jc->mem = m.mem;
    jc->map_size = m.map_size;
    jc->code = code;
    jc->size = cold + body;
    jc->offs = offs;
    jc->groups = J.groups; /* the code points into it */
    jc->opts = *o;
    jc->entry = J.label[JL_ENTRY];
    jc->cb_entry = J.label[JL_CB_ENTRY];
    jc->epilogue = J.label[JL_EPILOGUE];
    jc->compile_ns = now_ns() - t0;
    *out = jc;
    return 0;
nomem:
    jit_mem_free(m.mem, m.map_size);
    free(J.cold.base);
    free(J.fix);
    free(J.loc);
    free(J.groups);
    free(bound);
    free(offs);
    free(jc);
    return bpfvm_fail(err, BPFVM_E_NOMEM, -1, "out of memory compiling with the JIT");
}

int jit_compile_opts(bpfvm_prog *p, const jit_opts *o, bpfvm_error *err)
{
    struct jit_code *jc;
    int rc = compile_code(p, o, &jc, err);
    if (rc == 0)
        p->jit = jc;
    return rc;
}

int jit_compile(bpfvm_prog *p, bpfvm_error *err)
{
    return jit_compile_opts(p, NULL, err);
}

void jit_free(struct jit_code *jc)
{
    if (!jc)
        return;
    jit_free(jc->unbudgeted);
    jit_mem_free(jc->mem, jc->map_size);
    free(jc->offs);
    free(jc->groups);
    free(jc);
}

/* The code a run uses: without budget charges when the run has no budget (they
 * could never fire), compiled on the first such run. NULL when that compile fails
 * (the budgeted code is then used: same results, a little slower). */
static const struct jit_code *code_for(const bpfvm_prog *p, bool unlimited)
{
    struct jit_code *jc = p->jit;
    if (!unlimited || jc->opts.no_budget)
        return jc;
    struct jit_code *u = __atomic_load_n(&jc->unbudgeted, __ATOMIC_ACQUIRE);
    if (u)
        return u;
    bpfvm_prog *mp = (bpfvm_prog *)(uintptr_t)p; /* the lazily built cache, under its lock */
    pthread_mutex_lock(&mp->lock);
    u = jc->unbudgeted;
    if (!u) {
        jit_opts o = jc->opts;
        o.no_budget = true;
        if (compile_code(mp, &o, &u, NULL) == 0)
            __atomic_store_n(&jc->unbudgeted, u, __ATOMIC_RELEASE);
        else
            u = NULL;
    }
    pthread_mutex_unlock(&mp->lock);
    return u ? u : jc;
}

void jit_code_info(const struct jit_code *jc, const uint8_t **code, size_t *size,
                   const uint32_t **insn_offsets, uint64_t *compile_ns)
{
    *code = jc->code;
    *size = jc->size;
    *insn_offsets = jc->offs;
    *compile_ns = jc->compile_ns;
}

void jit_get_stats(const struct jit_code *jc, jit_stats *st)
{
    *st = jc->stats;
}

/* ---- run --------------------------------------------------------------------------------- */

/* jit_run's frame: the state next to the stack, so a callback (which only gets
 * the bpfvm_call) finds the state from c->stack_lo. */
typedef struct jit_frame {
    jit_state st;
    /* 64-aligned, as the interpreter's: a program that looks at the low bits of r10
     * sees the same ones in both engines */
    _Alignas(64) uint64_t stack[BPFVM_MAX_FRAMES * BPFVM_STACK_SIZE / 8];
} jit_frame;

static jit_state *state_of(struct bpfvm_call *c)
{
    return (jit_state *)(uintptr_t)(c->stack_lo - offsetof(jit_frame, stack));
}

typedef int (*jit_entry_fn)(jit_state *st, const uint64_t args[5]);
typedef int (*jit_cb_entry_fn)(jit_state *st, const uint64_t args[5], uint64_t r10, const void *code);

/* The interpreter's error for the fault the generated code recorded. */
static int fault_error(const jit_state *st, struct bpfvm_call *c, bpfvm_error *err)
{
    const bpfvm_prog *p = c->prog;
    long insn = (long)(st->fault & 0xffffff);
    switch (st->fault >> 24) {
    case JF_MEM:
        c->budget = st->budget;
        return exec_fault_mem(c, err, insn, st->fault_val, st->fault_aux & 15, (st->fault_aux >> 4) & 1);
    case JF_MISALIGNED:
        return exec_fault_misaligned(err, insn, st->fault_val, isa_rows[p->info.rows[insn]].size);
    case JF_BUDGET: /* the interpreter names c->budget as it stands: stored at each helper call */
        return exec_fault_budget(err, insn, c->budget);
    case JF_DEPTH:
        return exec_fault_depth(err, insn);
    case JF_HELPER:
        return exec_fault_helper(c, err, insn);
    case JF_CALLX:
        return exec_fault_callx(err, insn, p->insns[insn].dst, st->fault_val);
    case JF_KFUNC:
        return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, insn, "kfunc calls are not supported");
    case JF_TAILDEPTH:
        return exec_fault_tailcall_depth(err, insn);
    default:
        return bpfvm_fail(err, BPFVM_E_INVALID, insn, "JIT: unknown fault record %#x", st->fault);
    }
}

/* bpf_loop & co.: run the function at slot one frame below the caller's, on the
 * same state (budget, may_goto count), as interp_call_fn does. */
static int jit_call_fn(struct bpfvm_call *c, uint32_t slot, const uint64_t args[5], uint64_t *ret)
{
    jit_state *st = state_of(c);
    const struct jit_code *jc = code_for(c->prog, st->unlimited);
    unsigned depth = c->depth + 1;
    if (depth >= BPFVM_MAX_FRAMES)
        return exec_fault_depth(c->err, -1);
    uint64_t saved_r10 = c->r10, saved_rsp0 = st->rsp0;
    const uint8_t *saved_epi = st->epilogue;
    st->budget = c->budget;
    st->epilogue = jc->code + jc->epilogue;
    jit_cb_entry_fn entry = (jit_cb_entry_fn)(void *)(jc->code + jc->cb_entry);
    int rc = entry(st, args, c->r10 - BPFVM_STACK_SIZE, jc->code + jc->offs[slot]);
    st->rsp0 = saved_rsp0;
    st->epilogue = saved_epi;
    c->depth = depth - 1;
    c->r10 = saved_r10;
    if (rc == 0) {
        c->budget = st->budget;
        *ret = st->r0;
        return 0;
    }
    return fault_error(st, c, c->err);
}

int jit_run(const bpfvm_prog *p, struct bpfvm_call *c, const uint64_t args[5], uint64_t *r0,
            bpfvm_error *err)
{
    jit_frame f;
    jit_state *st = &f.st;
    c->stack_lo = (uint64_t)(uintptr_t)f.stack;
    c->stack_hi = c->stack_lo + sizeof f.stack;
    if (p->zero_stack) /* verified code may read stack it never wrote: no host data there */
        memset((uint8_t *)f.stack + sizeof f.stack - p->zero_stack, 0, p->zero_stack);
    c->prog = p;
    c->call_fn = jit_call_fn;
    c->err = err;
    st->stack_lo = c->stack_lo;
    st->stack_hi = c->stack_hi;
    st->mem_lo = c->mem_lo;
    st->stk2mem = c->stack_lo - c->mem_lo;
    for (unsigned k = 0; k < 4; k++) {
        uint64_t s = 1u << k;
        st->mem_lim[k] = c->mem_len >= s ? c->mem_len - s + 1 : 0;
    }
    st->depth_lim = c->stack_hi - (BPFVM_MAX_FRAMES - 1) * BPFVM_STACK_SIZE;
    st->call = c;
    st->may_goto_left = c->may_goto_left;
    st->budget = c->budget;
    st->r0 = 0;
    st->pkt = c->ldabs_pkt;
    st->pkt_len = c->ldabs_len;
    st->vm = p->vm;
    st->fault = 0;
    st->fault_aux = 0;
    st->fault_val = 0;
    st->rsp0 = 0;
    const struct jit_code *jc = code_for(p, c->budget == INT64_MAX);
    st->unlimited = jc->opts.no_budget;
    st->epilogue = jc->code + jc->epilogue;
    jit_entry_fn entry = (jit_entry_fn)(void *)(jc->code + jc->entry);
    int rc = entry(st, args);
    c->may_goto_left = st->may_goto_left;
    if (rc == 0) {
        c->budget = st->budget;
        *r0 = st->r0;
        return 0;
    }
    return fault_error(st, c, err);
}

#else /* not x86-64 Linux: no JIT */

bool jit_available(void) { return false; }

int jit_compile_opts(bpfvm_prog *p, const jit_opts *o, bpfvm_error *err)
{
    (void)p, (void)o;
    return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, -1, "the JIT engine needs x86-64 Linux");
}

int jit_compile(bpfvm_prog *p, bpfvm_error *err) { return jit_compile_opts(p, NULL, err); }

void jit_free(struct jit_code *jc) { (void)jc; }

int jit_run(const bpfvm_prog *p, struct bpfvm_call *c, const uint64_t args[5], uint64_t *r0,
            bpfvm_error *err)
{
    (void)p, (void)c, (void)args, (void)r0;
    return bpfvm_fail(err, BPFVM_E_UNSUPPORTED, -1, "the JIT engine needs x86-64 Linux");
}

void jit_code_info(const struct jit_code *jc, const uint8_t **code, size_t *size,
                   const uint32_t **insn_offsets, uint64_t *compile_ns)
{
    (void)jc;
    *code = NULL;
    *size = 0;
    *insn_offsets = NULL;
    *compile_ns = 0;
}

void jit_get_stats(const struct jit_code *jc, jit_stats *st)
{
    (void)jc;
    memset(st, 0, sizeof *st);
}

#endif

int jit_prog_compile(bpfvm_prog *p, const jit_opts *o, bpfvm_error *err)
{
    /* compiled already: no lock (every run of a JIT program asks) */
    if (__atomic_load_n(&p->jit_status, __ATOMIC_ACQUIRE) == 1)
        return 0;
    pthread_mutex_lock(&p->lock);
    if (p->jit_status == 0) {
        int st = jit_compile_opts(p, o, &p->jit_err);
        __atomic_store_n(&p->jit_status, st == 0 ? 1 : st, __ATOMIC_RELEASE);
    }
    int rc = p->jit_status < 0 ? p->jit_status : 0;
    if (rc && err)
        *err = p->jit_err;
    pthread_mutex_unlock(&p->lock);
    return rc;
}
