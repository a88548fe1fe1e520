/* gen.c — the random program generator (see gen.h). Programs are built as
 * structured code — straight instructions, if/else, counted loops, calls — from
 * rows picked in the ISA table by shape, so each new row is covered without
 * touching this file. Jumps go to labels resolved at the end.
 * Kernel flavour invariant: a register is read only when it holds a scalar the
 * verifier knows is initialized (ty[] == T_SCALAR), memory is touched only through
 * r10 or a fresh copy of the memory block's pointer with constant in-bounds offsets,
 * and every loop counts down a reserved register from a small constant.
 */
#include "gen.h"

#include "isa/validate.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ALL_EXT ((1u << ISA_NGROUPS) - 1u)
#define MAX_FUNCS 4
#define MAX_DEPTH 3
#define WIN_LO (-72) /* kernel flavour: the initialized stack window [r10-72, r10-8) */
#define WIN_HI (-8)  /* r10-8 holds the memory block's pointer */
#define WILD_WIN_LO (-128) /* wild flavour: the window every function initializes */

enum { T_NONE, T_SCALAR };
enum { FX_OFF, FX_IMM };

typedef struct fix {
    size_t at;
    int label;
    int kind;
} fix;

typedef struct gb {
    const gen_opts *o;
    uint64_t s;
    isa_insn *code;
    size_t n, cap;
    fix *fx;
    size_t nfx, capfx;
    long *lab;
    int nlab, caplab;
    uint8_t ty[11];
    uint16_t reserved;
    int depth;
    int nfuncs, cur;
    int func_label[MAX_FUNCS];
    bool oom;
} gb;

/* ---- randomness -------------------------------------------------------------- */

static uint64_t rnext(gb *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t rbelow(gb *g, uint32_t n) { return n ? (uint32_t)(rnext(g) % n) : 0; }
static bool chance(gb *g, unsigned pct) { return rbelow(g, 100) < pct; }

void gen_fill(uint64_t seed, void *buf, size_t len)
{
    gb g = { .s = seed };
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)rnext(&g);
}

static int32_t gen_imm(gb *g)
{
    static const int32_t special[] = { 0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100,
                                       0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, INT32_MIN, -2, -8,
                                       0x12345678, (int32_t)0xedb88320 };
    switch (rbelow(g, 4)) {
    case 0: return special[rbelow(g, ARRAY_LEN(special))];
    case 1: return (int32_t)rbelow(g, 600) - 300;
    default: return (int32_t)(uint32_t)rnext(g);
    }
}

static uint64_t gen_imm64(gb *g)
{
    static const uint64_t special[] = { 0, 1, UINT64_MAX, 0x8000000000000000ull, 0x7fffffffffffffffull,
                                        0xffffffff, 0x100000000ull, 0xffffffff80000000ull };
    return chance(g, 30) ? special[rbelow(g, ARRAY_LEN(special))] : rnext(g);
}

/* ---- emitting -------------------------------------------------------------------- */

static void emit(gb *g, isa_insn in)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 256;
        isa_insn *nc = realloc(g->code, cap * sizeof *nc);
        if (!nc) {
            g->oom = true;
            return;
        }
        g->code = nc;
        g->cap = cap;
    }
    g->code[g->n++] = in;
    if (g->o->coverage) {
        isa_id id = isa_find(&in, ALL_EXT);
        if (id != ISA_NONE)
            g->o->coverage[id]++;
    }
}

static void emit_row(gb *g, isa_id id, int dst, int src, int16_t off, int32_t imm)
{
    emit(g, isa_make(id, dst, src, off, imm));
}

static int new_label(gb *g)
{
    if (g->nlab == g->caplab) {
        int cap = g->caplab ? 2 * g->caplab : 64;
        long *nl = realloc(g->lab, (size_t)cap * sizeof *nl);
        if (!nl) {
            g->oom = true;
            return 0;
        }
        g->lab = nl;
        g->caplab = cap;
    }
    g->lab[g->nlab] = -1;
    return g->nlab++;
}

static void place(gb *g, int label)
{
    if (!g->oom)
        g->lab[label] = (long)g->n;
}

static void refer(gb *g, int label, int kind)
{
    if (g->nfx == g->capfx) {
        size_t cap = g->capfx ? 2 * g->capfx : 64;
        fix *nf = realloc(g->fx, cap * sizeof *nf);
        if (!nf) {
            g->oom = true;
            return;
        }
        g->fx = nf;
        g->capfx = cap;
    }
    g->fx[g->nfx++] = (fix){ .at = g->n, .label = label, .kind = kind };
}

/* A jump row (cond, ja, ja32, may_goto) to a label. */
static void emit_jump(gb *g, isa_id id, int dst, int src, int32_t imm, int label)
{
    const isa_row *r = &isa_rows[id];
    refer(g, label, r->imm == I_JMP ? FX_IMM : FX_OFF);
    emit_row(g, id, dst, src, 0, r->imm == I_JMP ? 0 : imm);
}

/* ---- the table, by shape --------------------------------------------------------- */

static bool row_allowed(const gen_opts *o, const isa_row *r)
{
    if (isa_is_ext(r) && (o->kernel || !(o->ext & (1u << r->group))))
        return false;
    if (r->group == G_PACKET && (o->kernel || !o->packet))
        return false;
    return true;
}

bool gen_row_possible(const gen_opts *o, isa_id id)
{
    const isa_row *r = &isa_rows[id];
    if (!row_allowed(o, r))
        return false;
    switch (id) {
    case ISA_LDDW_MAP_FD: case ISA_LDDW_MAP_VAL: case ISA_LDDW_VAR: case ISA_LDDW_MAP_IDX:
    case ISA_LDDW_MAP_IDX_VAL: case ISA_CALL_KFUNC: case ISA_LDDW_HI:
        return false;
    case ISA_CALL_HELPER: case ISA_LDDW_CODE:
        return !o->kernel && o->helpers;
    case ISA_CALLX:
        return !o->kernel;
    default:
        return true;
    }
}

/* A random allowed row whose shape is one of `shapes` (bit per isa_shape). */
static isa_id pick_row(gb *g, uint32_t shapes)
{
    isa_id cand[ISA_NROWS];
    int nc = 0;
    for (int id = 0; id < ISA_NROWS; id++) {
        const isa_row *r = &isa_rows[id];
        if ((shapes >> r->shape & 1) && gen_row_possible(g->o, (isa_id)id))
            cand[nc++] = (isa_id)id;
    }
    return nc ? cand[rbelow(g, (uint32_t)nc)] : ISA_NONE;
}

#define SHAPE(s) (1u << (s))

/* ---- registers ------------------------------------------------------------------- */

static bool kern(const gb *g) { return g->o->kernel; }

/* A register that may be overwritten: r0..r9, not a loop counter. */
static int pick_writable(gb *g)
{
    for (int tries = 0; tries < 64; tries++) {
        int r = (int)rbelow(g, 10);
        if (!(g->reserved & (1u << r)))
            return r;
    }
    return 0;
}

/* A register that may be read: one holding a "scalar" (kernel flavour: an
 * initialized scalar; wild flavour: a value that does not depend on where the stack
 * is, so results compare across engines). The wild flavour reads r10 itself now
 * and then (allow_r10), and the differential harness discounts what that leaks. */
static int pick_readable(gb *g, bool allow_r10)
{
    if (!kern(g) && allow_r10 && chance(g, 1))
        return 10;
    int c[11], nc = 0;
    for (int r = 0; r < 10; r++)
        if (g->ty[r] == T_SCALAR)
            c[nc++] = r;
    if (nc)
        return c[rbelow(g, (uint32_t)nc)];
    int r = pick_writable(g);
    emit_row(g, ISA_MOV64_K, r, 0, 0, gen_imm(g));
    g->ty[r] = T_SCALAR;
    return r;
}

/* A register to read and write (D_RW rows): kernel flavour an unreserved scalar. */
static int pick_rw(gb *g)
{
    if (!kern(g) && chance(g, 10))
        return pick_writable(g); /* (wild: now and then whatever it holds) */
    int c[11], nc = 0;
    for (int r = 0; r < 10; r++)
        if (g->ty[r] == T_SCALAR && !(g->reserved & (1u << r)))
            c[nc++] = r;
    if (nc)
        return c[rbelow(g, (uint32_t)nc)];
    int r = pick_writable(g);
    emit_row(g, ISA_MOV64_K, r, 0, 0, gen_imm(g));
    g->ty[r] = T_SCALAR;
    return r;
}

static void merge(uint8_t *ty, const uint8_t *other)
{
    for (int r = 0; r < 11; r++)
        if (ty[r] != other[r])
            ty[r] = T_NONE;
}

/* Before a back edge: what was a scalar at the loop head is again (the kernel
 * needs it initialized; the wild flavour needs it free of stack addresses). */
static void restore_scalars(gb *g, const uint8_t *head)
{
    for (int r = 0; r < 10; r++)
        if (head[r] == T_SCALAR && g->ty[r] != T_SCALAR && !(g->reserved & (1u << r))) {
            emit_row(g, ISA_MOV64_K, r, 0, 0, gen_imm(g));
            g->ty[r] = T_SCALAR;
        }
}

/* ---- pieces of code ------------------------------------------------------------- */

static void block(gb *g, uint32_t size);

static void g_alu(gb *g)
{
    isa_id id = pick_row(g, SHAPE(SH_ALU_K) | SHAPE(SH_ALU_X) | SHAPE(SH_NEG) | SHAPE(SH_MOVSX) | SHAPE(SH_END));
    const isa_row *r = &isa_rows[id];
    int src = r->src == S_R ? pick_readable(g, true) : 0;
    int dst = r->dst == D_W ? pick_writable(g) : pick_rw(g);
    int32_t imm = r->imm == I_ANY ? gen_imm(g) : 0;
    if (kern(g) && r->shape == SH_ALU_K) { /* the verifier rejects constant shifts out of range and / 0 */
        const char *n = r->name;
        if (strstr(n, "SH"))
            imm &= r->size * 8 - 1;
        if ((strstr(n, "DIV") || strstr(n, "MOD")) && imm == 0)
            imm = 3;
    }
    emit_row(g, id, dst, src, 0, imm);
    bool scalar = (r->dst == D_W || g->ty[dst] == T_SCALAR) && (r->src != S_R || g->ty[src] == T_SCALAR);
    g->ty[dst] = scalar ? T_SCALAR : T_NONE;
}

static void g_lddw(gb *g)
{
    int dst = pick_writable(g);
    uint64_t v = gen_imm64(g);
    emit_row(g, ISA_LDDW, dst, 0, 0, (int32_t)(uint32_t)v);
    emit_row(g, ISA_LDDW_HI, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
    g->ty[dst] = T_SCALAR;
}

/* A register for a pointer: not r0 in the kernel flavour (cmpxchg compares r0). */
static int pick_ptr(gb *g)
{
    int p = pick_writable(g);
    return kern(g) && p == 0 ? (g->reserved & 2u ? 2 : 1) : p;
}

/* Memory: chooses a base and offset for `size` bytes, emitting the pointer setup.
 * Loads only ever read initialized memory (the frame's window, the block) or fault
 * for sure: uninitialized stack would differ between engines. */
static void mem_target(gb *g, unsigned size, bool aligned, bool store, int *base, int32_t *off)
{
    uint32_t mem_len = g->o->mem_len;
    int32_t wlo = kern(g) ? WIN_LO : WILD_WIN_LO, whi = WIN_HI;
    uint32_t nslots = (uint32_t)(whi - wlo) / size;
    unsigned pick = rbelow(g, 100);
    bool has_block = !kern(g) || g->cur < 0;
    bool unaligned = !aligned && chance(g, 30); /* (the kernel allows it in the block only) */
    if (pick < 40 || (pick >= 60 && !has_block)) { /* r10 directly, inside the window */
        *base = 10;
        *off = wlo + (int32_t)(rbelow(g, nslots) * size);
        if (unaligned && !kern(g) && *off + (int32_t)(2 * size) <= whi)
            *off += (int32_t)rbelow(g, size);
    } else if (pick < 60) { /* a copy of r10 moved by a constant */
        int p = pick_ptr(g);
        int32_t total = wlo + (int32_t)(rbelow(g, nslots) * size);
        int32_t k = -(int32_t)(8 * rbelow(g, 4));
        emit_row(g, ISA_MOV64_X, p, 10, 0, 0);
        if (k)
            emit_row(g, ISA_ADD64_K, p, 0, 0, k);
        g->ty[p] = T_NONE;
        *base = p;
        *off = total - k;
    } else if (pick < 93 || kern(g)) { /* the memory block, its pointer reloaded from r10-8 */
        int p = pick_ptr(g);
        emit_row(g, ISA_LDXDW, p, 10, -8, 0);
        g->ty[p] = kern(g) ? T_NONE : T_SCALAR;
        *base = p;
        *off = (int32_t)(rbelow(g, (mem_len - size) / size + 1) * size);
        if (unaligned && *off + (int32_t)(2 * size) <= (int32_t)mem_len)
            *off += (int32_t)rbelow(g, size);
        if (!kern(g) && chance(g, 6)) /* across the end of the block */
            *off = (int32_t)(mem_len - size) + 1 + (int32_t)rbelow(g, size + 8);
    } else if (store) { /* whatever a register holds */
        *base = chance(g, 20) ? 10 : (int)rbelow(g, 10);
        *off = (int32_t)rbelow(g, 128) - 64;
        if (*base == 10 && *off > -16)
            *off = 8;
    } else { /* certainly outside the stack */
        *base = 10;
        *off = chance(g, 50) ? 4096 + (int32_t)rbelow(g, 64) : -4097 - (int32_t)rbelow(g, 64);
    }
    if (aligned && !kern(g) && chance(g, 8)) /* a misaligned atomic */
        *off += 1 + (int32_t)rbelow(g, size - 1 ? size - 1 : 1);
}

static void g_mem(gb *g)
{
    isa_id id = pick_row(g, SHAPE(SH_LDX) | SHAPE(SH_ST) | SHAPE(SH_STX) | SHAPE(SH_ATOMIC) | SHAPE(SH_LDACQ) |
                                SHAPE(SH_STREL));
    const isa_row *r = &isa_rows[id];
    bool aligned = r->shape == SH_ATOMIC || r->shape == SH_LDACQ || r->shape == SH_STREL;
    bool cmpxchg = id == ISA_ACMPXCHG32 || id == ISA_ACMPXCHG64;
    if (cmpxchg && (g->reserved & 1u))
        return; /* it writes r0, a loop counter here */
    if (cmpxchg && kern(g) && g->ty[0] != T_SCALAR) {
        emit_row(g, ISA_MOV64_K, 0, 0, 0, gen_imm(g));
        g->ty[0] = T_SCALAR;
    }
    bool store = r->shape == SH_ST || r->shape == SH_STX || r->shape == SH_STREL;
    int base;
    int32_t off;
    mem_target(g, r->size, aligned, store, &base, &off);
    switch (r->shape) {
    case SH_LDX:
    case SH_LDACQ: {
        int dst = pick_writable(g);
        emit_row(g, id, dst, base, (int16_t)off, 0);
        g->ty[dst] = T_SCALAR;
        break;
    }
    case SH_ST:
        emit_row(g, id, base, 0, (int16_t)off, gen_imm(g));
        break;
    case SH_STX:
    case SH_STREL:
        emit_row(g, id, base, pick_readable(g, !kern(g)), (int16_t)off, 0);
        break;
    default: { /* atomics: a fetch writes its source; what it adds goes to memory */
        int src = r->src == S_RW ? pick_rw(g) : pick_readable(g, false);
        if (!kern(g) && g->ty[src] != T_SCALAR)
            return;
        if (src == 10 || (kern(g) && src == base))
            return;
        emit_row(g, id, base, src, (int16_t)off, 0);
        if (cmpxchg)
            g->ty[0] = T_SCALAR;
        break;
    }
    }
}

/* Several loads from one pointer a few bytes apart (which the JIT checks together),
 * sometimes running over the end of the block; ALU between them now and then. */
static void g_load_group(gb *g)
{
    int base;
    int32_t off;
    mem_target(g, 1, false, false, &base, &off);
    unsigned n = 2 + rbelow(g, 3);
    for (unsigned k = 0; k < n; k++) {
        static const isa_id loads[] = { ISA_LDXB, ISA_LDXH, ISA_LDXW, ISA_LDXDW };
        isa_id id = loads[rbelow(g, 4)];
        int32_t o = off + (int32_t)rbelow(g, 6) - 2;
        if (kern(g) || base == 10 || g->ty[base] == T_NONE) { /* the stack: stay on initialized bytes */
            o = off;
            id = ISA_LDXB;
        }
        int dst = pick_writable(g);
        if (dst == base && k + 1 < n)
            dst = base == 0 ? 1 : 0;
        if (g->reserved & (1u << dst))
            return;
        emit_row(g, id, dst, base, (int16_t)o, 0);
        g->ty[dst] = T_SCALAR;
        if (chance(g, 30))
            g_alu(g);
    }
}

/* A stack access at r10 - K + (x & mask) (which the JIT proves in the frame when it
 * stays there). */
static void g_stack_index(gb *g)
{
    int x = pick_writable(g), p = pick_ptr(g);
    if (x == p || (g->reserved & (1u << x)) || (g->reserved & (1u << p)))
        return;
    int32_t lo = kern(g) ? WIN_LO : WILD_WIN_LO;
    uint32_t span = (uint32_t)(WIN_HI - lo) - 8; /* room for an 8-byte access */
    uint32_t mask = span >= 64 ? 56 : 24;
    if (!kern(g) && g->cur < 0 && chance(g, 20))
        mask = 0xff8; /* may leave the stack (main's frame is the top): checked, may fault */
    emit_row(g, ISA_LDXB, x, 10, (int16_t)lo, 0); /* an initialized byte: any value */
    emit_row(g, ISA_AND64_K, x, 0, 0, (int32_t)mask);
    emit_row(g, ISA_MOV64_X, p, 10, 0, 0);
    emit_row(g, ISA_ADD64_K, p, 0, 0, lo);
    emit_row(g, ISA_ADD64_X, p, x, 0, 0);
    g->ty[x] = T_SCALAR;
    g->ty[p] = T_NONE;
    if (chance(g, 50)) {
        int d = pick_writable(g);
        if (d != p) {
            emit_row(g, ISA_LDXDW, d, p, 0, 0);
            g->ty[d] = T_SCALAR;
        }
    } else {
        emit_row(g, ISA_STXDW, p, pick_readable(g, false), 0, 0);
    }
}

/* if (cond) { A } [else { B }] */
static void g_if(gb *g, uint32_t size)
{
    isa_id id = pick_row(g, SHAPE(SH_JCOND_K) | SHAPE(SH_JCOND_X));
    const isa_row *r = &isa_rows[id];
    int dst = pick_readable(g, true);
    int src = r->src == S_R ? pick_readable(g, true) : 0;
    int32_t imm = r->imm == I_ANY ? gen_imm(g) : 0;
    uint8_t before[11];
    int l1 = new_label(g);
    emit_jump(g, id, dst, src, imm, l1);
    memcpy(before, g->ty, sizeof before);
    block(g, 1 + rbelow(g, size));
    if (chance(g, 40)) {
        int l2 = new_label(g);
        emit_jump(g, chance(g, 50) ? ISA_JA : ISA_JA32, 0, 0, 0, l2);
        uint8_t then_ty[11];
        memcpy(then_ty, g->ty, sizeof then_ty);
        memcpy(g->ty, before, sizeof before);
        place(g, l1);
        block(g, 1 + rbelow(g, size));
        merge(g->ty, then_ty);
        place(g, l2);
    } else {
        merge(g->ty, before);
        place(g, l1);
    }
}

/* may_goto over a block (extension). */
static void g_may_goto(gb *g, uint32_t size)
{
    uint8_t before[11];
    int l = new_label(g);
    emit_jump(g, ISA_MAY_GOTO, 0, 0, 0, l);
    memcpy(before, g->ty, sizeof before);
    block(g, 1 + rbelow(g, size));
    merge(g->ty, before);
    place(g, l);
}

/* A counted loop: C = N; do { body } while (--C). Counters live in r6..r9 (which
 * calls preserve) in the kernel flavour, mostly there in the wild one. */
static void g_loop(gb *g, uint32_t size)
{
    int c = kern(g) || chance(g, 80) ? 6 + (int)rbelow(g, 4) : pick_writable(g);
    if (g->reserved & (1u << c))
        return;
    uint32_t n = 1 + rbelow(g, 4);
    bool w = chance(g, 40);
    emit_row(g, w ? ISA_MOV32_K : ISA_MOV64_K, c, 0, 0, (int32_t)n);
    g->ty[c] = T_SCALAR;
    g->reserved |= (uint16_t)(1u << c);
    uint8_t head[11];
    memcpy(head, g->ty, sizeof head);
    int top = new_label(g);
    place(g, top);
    block(g, 1 + rbelow(g, size));
    restore_scalars(g, head); /* the next iteration starts with the types the body assumed */
    switch (rbelow(g, 4)) {
    case 0:
        emit_row(g, w ? ISA_SUB32_K : ISA_SUB64_K, c, 0, 0, 1);
        emit_jump(g, w ? ISA_JNE32_K : ISA_JNE_K, c, 0, 0, top);
        break;
    case 1:
        emit_row(g, w ? ISA_ADD32_K : ISA_ADD64_K, c, 0, 0, -1);
        emit_jump(g, w ? ISA_JSGT32_K : ISA_JSGT_K, c, 0, 0, top);
        break;
    case 2: { /* the exit test first, then an unconditional back edge */
        int out = new_label(g);
        emit_row(g, ISA_SUB64_K, c, 0, 0, 1);
        emit_jump(g, ISA_JEQ_K, c, 0, 0, out);
        emit_jump(g, chance(g, 50) ? ISA_JA : ISA_JA32, 0, 0, 0, top);
        place(g, out);
        break;
    }
    default:
        emit_row(g, ISA_SUB64_K, c, 0, 0, 1);
        emit_jump(g, w ? ISA_JGT32_K : ISA_JGT_K, c, 0, 0, top);
        break;
    }
    g->reserved &= (uint16_t)~(1u << c);
}

/* A function index to call: new or existing; kernel flavour only later ones. */
static int pick_func(gb *g)
{
    if (g->nfuncs < MAX_FUNCS && (g->nfuncs == 0 || chance(g, 50))) {
        g->func_label[g->nfuncs] = new_label(g);
        return g->nfuncs++;
    }
    if (kern(g)) {
        int lo = g->cur + 1;
        return lo < g->nfuncs ? lo + (int)rbelow(g, (uint32_t)(g->nfuncs - lo)) : -1;
    }
    if (g->cur >= 0 && !chance(g, 10)) { /* mostly no recursion */
        int lo = g->cur + 1;
        return lo < g->nfuncs ? lo + (int)rbelow(g, (uint32_t)(g->nfuncs - lo)) : -1;
    }
    return (int)rbelow(g, (uint32_t)g->nfuncs);
}

static void g_call(gb *g)
{
    int f = pick_func(g);
    if (f < 0)
        return;
    refer(g, g->func_label[f], FX_IMM);
    emit_row(g, ISA_CALL_LOCAL, 0, 0, 0, 0);
    /* r1..r5 are the callee's now; its r0 is a scalar in the kernel flavour (and may
     * hold a stack address in the wild one) */
    g->ty[0] = kern(g) ? T_SCALAR : T_NONE;
    for (int r = 1; r <= 5; r++)
        g->ty[r] = T_NONE;
}

/* Wild flavour: a helper call, callx, or bpf_loop with a callback. */
static void g_helper(gb *g, bool callx_only)
{
    if (g->reserved & 0x3f) /* the setup writes r0..r5 */
        return;
    unsigned k = callx_only ? 5 : rbelow(g, 10);
    if (k < 3) {
        if (chance(g, 50))
            emit_row(g, ISA_MOV64_K, 1, 0, 0, chance(g, 20) ? 0x2a : gen_imm(g));
        emit_row(g, ISA_CALL_HELPER, 0, 1, 0, chance(g, 50) ? GEN_H_MIX : GEN_H_FAIL);
        bool clean = true;
        for (int r = 1; r <= 5; r++)
            clean &= g->ty[r] == T_SCALAR;
        g->ty[0] = clean ? T_SCALAR : T_NONE;
    } else if (k < 5) {
        if (chance(g, 60)) { /* inside or across the end of the block */
            emit_row(g, ISA_LDXDW, 1, 10, -8, 0);
            emit_row(g, ISA_ADD64_K, 1, 0, 0, (int32_t)rbelow(g, g->o->mem_len));
        } else { /* the window */
            emit_row(g, ISA_MOV64_X, 1, 10, 0, 0);
            emit_row(g, ISA_ADD64_K, 1, 0, 0, WILD_WIN_LO + (int32_t)rbelow(g, 64));
        }
        emit_row(g, ISA_MOV64_K, 2, 0, 0, (int32_t)rbelow(g, 40));
        emit_row(g, ISA_CALL_HELPER, 0, 1, 0, chance(g, 50) ? GEN_H_MEMSUM : GEN_H_STORE);
        g->ty[0] = g->ty[2] = T_SCALAR;
        g->ty[1] = T_NONE;
    } else if (k < 7 && (g->o->ext & BPFVM_EXT_CALLX)) {
        if (!g->o->helpers && chance(g, 50))
            return;
        static const int32_t ids[] = { GEN_H_MIX, GEN_H_FAIL, GEN_H_MEMSUM, 0, 99999 };
        int r = pick_writable(g);
        emit_row(g, ISA_MOV64_K, r, 0, 0, ids[rbelow(g, ARRAY_LEN(ids))]);
        emit_row(g, ISA_CALLX, r, 0, 0, 0);
        g->ty[r] = T_SCALAR;
        g->ty[0] = T_NONE;
    } else {
        int f = pick_func(g);
        if (f < 0)
            return;
        emit_row(g, ISA_MOV64_K, 1, 0, 0, (int32_t)rbelow(g, 4));
        refer(g, g->func_label[f], FX_IMM);
        emit_row(g, ISA_LDDW_CODE, 2, 0, 0, 0);
        emit_row(g, ISA_LDDW_HI, 0, 0, 0, 0);
        emit_row(g, ISA_MOV64_K, 3, 0, 0, gen_imm(g));
        emit_row(g, ISA_MOV64_K, 4, 0, 0, chance(g, 5) ? 1 : 0);
        emit_row(g, ISA_CALL_HELPER, 0, 1, 0, GEN_H_LOOP);
        g->ty[0] = g->ty[1] = g->ty[3] = g->ty[4] = T_SCALAR;
        g->ty[2] = T_NONE; /* a code address: differs between programs, not between engines */
    }
}

static void g_packet(gb *g)
{
    if (g->reserved & 1u) /* it writes r0 */
        return;
    isa_id id = pick_row(g, SHAPE(SH_LDABS) | SHAPE(SH_LDIND));
    const isa_row *r = &isa_rows[id];
    int32_t imm = (int32_t)rbelow(g, g->o->mem_len + 4) - 2;
    int src = r->src == S_R ? (int)rbelow(g, 10) : 0;
    if (src && chance(g, 70)) {
        emit_row(g, ISA_MOV64_K, src, 0, 0, (int32_t)rbelow(g, g->o->mem_len));
        g->ty[src] = T_SCALAR;
        imm = (int32_t)rbelow(g, 8) - 2;
    }
    emit_row(g, id, 0, src, 0, imm);
    g->ty[0] = T_SCALAR;
}

static void block(gb *g, uint32_t size)
{
    g->depth++;
    size_t end = g->n + size;
    while (g->n < end && !g->oom) {
        unsigned k = rbelow(g, 100);
        bool nest = g->depth <= MAX_DEPTH;
        if (k < 42)
            g_alu(g);
        else if (k < 62)
            g_mem(g);
        else if (k < 65)
            g_load_group(g);
        else if (k < 67)
            g_stack_index(g);
        else if (k < 77 && nest)
            g_if(g, 6);
        else if (k < 82 && nest)
            g_loop(g, 8);
        else if (k < 86)
            g_call(g);
        else if (k < 89)
            g_lddw(g);
        else if (k < 93 && !kern(g) && g->o->helpers)
            g_helper(g, false);
        else if (k < 95 && !kern(g) && (g->o->ext & BPFVM_EXT_CALLX))
            g_helper(g, !g->o->helpers);
        else if (k < 97 && !kern(g) && g->o->packet)
            g_packet(g);
        else if (k < 98 && nest && !kern(g) && (g->o->ext & BPFVM_EXT_MAY_GOTO))
            g_may_goto(g, 4);
        else if (k < 99 && !kern(g) && chance(g, 10)) { /* a runaway loop: the budget stops it */
            int top = new_label(g);
            place(g, top);
            g_alu(g);
            emit_jump(g, chance(g, 50) ? ISA_JA : ISA_JA32, 0, 0, 0, top);
        } else
            g_alu(g);
    }
    g->depth--;
}

/* Registers and (kernel flavour) the stack window get values; r1 is saved at r10-8. */
static void prologue(gb *g, bool main_fn)
{
    memset(g->ty, T_NONE, sizeof g->ty);
    if (main_fn) {
        emit_row(g, ISA_STXDW, 10, 1, -8, 0);
        g->ty[2] = T_SCALAR;
    }
    for (int r = 0; r < 10; r++) {
        if (main_fn && (r == 1 || r == 2))
            continue;
        if (!main_fn && r >= 1 && r <= 5)
            continue;
        if (kern(g) || chance(g, 60)) {
            if (chance(g, 15)) {
                uint64_t v = gen_imm64(g);
                emit_row(g, ISA_LDDW, r, 0, 0, (int32_t)(uint32_t)v);
                emit_row(g, ISA_LDDW_HI, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
            } else {
                emit_row(g, chance(g, 30) ? ISA_MOV32_K : ISA_MOV64_K, r, 0, 0, gen_imm(g));
            }
            g->ty[r] = T_SCALAR;
        }
    }
    if (!main_fn && !kern(g))
        emit_row(g, ISA_STXDW, 10, 1, -8, 0);
    for (int32_t off = kern(g) ? WIN_LO : WILD_WIN_LO; off < WIN_HI; off += 8)
        emit_row(g, ISA_STDW, 10, 0, (int16_t)off, gen_imm(g));
    if (!kern(g) && main_fn) /* zeros, the block's address and length */
        for (int r = 0; r < 10; r++)
            g->ty[r] = T_SCALAR;
}

static void epilogue(gb *g, bool main_fn)
{
    if (main_fn) { /* fold every register into r0 so a wrong one shows */
        for (int r = 1; r < 10; r++)
            if (g->ty[r] == T_SCALAR && chance(g, 70)) {
                if (g->ty[0] != T_SCALAR) {
                    emit_row(g, ISA_MOV64_X, 0, r, 0, 0);
                    g->ty[0] = T_SCALAR;
                } else {
                    emit_row(g, chance(g, 50) ? ISA_XOR64_X : ISA_ADD64_X, 0, r, 0, 0);
                }
            }
    }
    if (g->ty[0] != T_SCALAR && (kern(g) || chance(g, 95)))
        emit_row(g, ISA_MOV64_K, 0, 0, 0, gen_imm(g));
    emit_row(g, ISA_EXIT, 0, 0, 0, 0);
}

int gen_program(const gen_opts *o, uint64_t seed, isa_insn **out, size_t *n)
{
    gen_opts oo = *o;
    if (!oo.size)
        oo.size = 40;
    if (oo.mem_len < 16)
        oo.mem_len = oo.mem_len ? 16 : 64;
    gb g;
    memset(&g, 0, sizeof g);
    g.o = &oo;
    g.s = seed * 0x2545f4914f6cdd1dull + 1;
    g.cur = -1;
    prologue(&g, true);
    block(&g, oo.size);
    epilogue(&g, true);
    for (int f = 0; f < g.nfuncs && !g.oom; f++) {
        g.cur = f;
        place(&g, g.func_label[f]);
        prologue(&g, false);
        block(&g, oo.size / 4 + 1);
        epilogue(&g, false);
    }
    for (size_t k = 0; k < g.nfx && !g.oom; k++) {
        const fix *f = &g.fx[k];
        long rel = g.lab[f->label] - (long)(f->at + 1);
        if (f->kind == FX_IMM)
            g.code[f->at].imm = (int32_t)rel;
        else
            g.code[f->at].off = (int16_t)rel;
    }
    free(g.fx);
    free(g.lab);
    if (g.oom) {
        free(g.code);
        return -BPFVM_E_NOMEM;
    }
    *out = g.code;
    *n = g.n;
    return 0;
}

/* ---- helpers --------------------------------------------------------------------- */

static uint64_t h_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)call;
    uint64_t x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) ^ (c << 7) ^ (d >> 3) ^ (e * 31);
    return x ^ (x >> 29);
}

static uint64_t h_fail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)b, (void)c, (void)d, (void)e;
    if ((a & 0xff) == 0x2a)
        bpfvm_call_fail(call, "gen_fail: refused r1 = %#" PRIx64, a);
    return a + 1;
}

static uint64_t h_memsum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)c, (void)d, (void)e;
    uint64_t len = b & 63;
    if (!bpfvm_call_mem_ok(call, a, len, false))
        return UINT64_MAX;
    uint64_t s = 0;
    for (uint64_t i = 0; i < len; i++)
        s = s * 131 + ((const uint8_t *)(uintptr_t)a)[i];
    return s;
}

static uint64_t h_store(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, bpfvm_call *call)
{
    (void)c, (void)d, (void)e;
    if (!bpfvm_call_mem_ok(call, a, 8, true))
        return 0;
    memcpy((void *)(uintptr_t)a, &b, 8);
    return 1;
}

int gen_register_helpers(bpfvm_vm *vm)
{
    int rc = bpfvm_register_helper(vm, GEN_H_MIX, "gen_mix", h_mix, NULL);
    if (!rc)
        rc = bpfvm_register_helper(vm, GEN_H_FAIL, "gen_fail", h_fail, NULL);
    if (!rc)
        rc = bpfvm_register_helper(vm, GEN_H_MEMSUM, "gen_memsum", h_memsum, NULL);
    if (!rc)
        rc = bpfvm_register_helper(vm, GEN_H_STORE, "gen_store", h_store, NULL);
    return rc;
}

/* ---- shrinking and printing -------------------------------------------------------- */

static bool is_nop(const isa_insn *in) { return in->op == 0x05 && !in->dst && !in->src && !in->off && !in->imm; }

/* Removes the no-op slots, re-aiming jumps and calls (a target that was removed
 * becomes the next kept slot). Returns the new length, or 0 if an offset no longer
 * fits (the caller keeps the old program). */
static size_t compact(const isa_insn *p, size_t n, isa_insn *out)
{
    long *pos = malloc((n + 1) * sizeof *pos);
    if (!pos)
        return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        pos[i] = (long)m;
        if (!is_nop(&p[i]))
            m++;
    }
    pos[n] = (long)m;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_nop(&p[i]))
            continue;
        isa_insn in = p[i];
        isa_id id = isa_find(&in, ALL_EXT);
        if (id != ISA_NONE) {
            int64_t t = isa_target(&in, &isa_rows[id], (uint32_t)i);
            if (t >= 0 && t <= (int64_t)n) {
                long rel = pos[t] - (long)(k + 1);
                if (isa_rows[id].off == O_JMP) {
                    if (rel < INT16_MIN || rel > INT16_MAX) {
                        free(pos);
                        return 0;
                    }
                    in.off = (int16_t)rel;
                } else {
                    in.imm = (int32_t)rel;
                }
            }
        }
        out[k++] = in;
        if (id != ISA_NONE && isa_is_wide(&isa_rows[id]) && i + 1 < n)
            out[k++] = p[++i];
    }
    free(pos);
    return k;
}

size_t gen_shrink(isa_insn *p, size_t n, gen_pred still_fails, void *user)
{
    const isa_insn nop = isa_make(ISA_JA, 0, 0, 0, 0);
    for (int pass = 0; pass < 4; pass++) {
        bool progress = false;
        for (size_t i = n; i-- > 0;) {
            isa_id id = isa_find(&p[i], ALL_EXT);
            if (id == ISA_NONE || id == ISA_EXIT || is_nop(&p[i]))
                continue;
            /* keep the stack's initialization: without it a reduced program reads
             * uninitialized memory and "fails" for another reason */
            if ((id == ISA_STDW || id == ISA_STXDW) && p[i].dst == 10)
                continue;
            size_t w = isa_is_wide(&isa_rows[id]) && i + 1 < n ? 2 : 1;
            isa_insn save[2] = { p[i], w == 2 ? p[i + 1] : nop };
            for (size_t k = 0; k < w; k++)
                p[i + k] = nop;
            if (still_fails(p, n, user)) {
                progress = true;
            } else {
                p[i] = save[0];
                if (w == 2)
                    p[i + 1] = save[1];
            }
        }
        if (!progress)
            break;
    }
    isa_insn *c = malloc(n * sizeof *c);
    if (c) {
        size_t m = compact(p, n, c);
        if (m && m < n && still_fails(c, m, user)) {
            memcpy(p, c, m * sizeof *c);
            n = m;
        }
        free(c);
    }
    return n;
}

void gen_print(FILE *f, const isa_insn *p, size_t n, unsigned ext)
{
    char *text = bpfvm_disasm(p, n, BPFVM_SYNTAX_LLVM, ext | BPFVM_EXT_ALL);
    if (text) {
        const char *line = text;
        for (size_t i = 0; *line; i++) {
            const char *nl = strchr(line, '\n');
            int len = nl ? (int)(nl - line) : (int)strlen(line);
            fprintf(f, "    %.*s\n", len, line);
            line += len + (nl ? 1 : 0);
        }
        free(text);
    }
    fprintf(f, "  hex:");
    const uint8_t *b = (const uint8_t *)p;
    for (size_t i = 0; i < 8 * n; i++)
        fprintf(f, " %02x", b[i]);
    fprintf(f, "\n");
}
