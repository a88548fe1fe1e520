/* jit_emit.c — the x86-64 code of every row of the ISA table, one emitter per row,
 * selected through a table generated from isa.def: a row without a JIT_<row>
 * definition below does not compile.
 *
 * Each emitter reproduces the interpreter's semantics exactly (interp_loop.h):
 * guarded div/idiv, masked shifts, 32-bit results zero-extended, fetch atomics
 * writing back to src, cmpxchg's r0 zero-extended for 32-bit, r1–r5 preserved
 * across helper calls, the budget charged on taken backward jumps (by the
 * distance) and on local calls (by the callee's length).
 * Checked mode: every load, store and atomic is tested against the stack and the
 * memory block inline (the region the base register most likely points to
 * first), then out of line against the other one and the caller's regions.
 * Accesses through r10 inside the current frame, and those the verifier marked
 * FACT_MEM_SAFE, are emitted without a test.
 */
#include "exec/jit_int.h"
#include "exec/exec.h"
#include "exec/interp.h"

#include <pthread.h>

#define P (&J->bp)
#define C (&J->cp)
#define RG(r) ((int)jit_reg[r])

/* ---- small shared pieces ---------------------------------------------------------- */

/* Body: a short forward jcc/jmp whose target is set later with patch8(). */
static uint8_t *jshort(jit_ctx *J, int cc)
{
    if (cc < 0)
        x_jmp8(P, 0);
    else
        x_jcc8(P, cc, 0);
    return J->bp - 1;
}
static void patch8(jit_ctx *J, uint8_t *field) { x_patch8(field, J->bp); }

/* reg = (s64)imm (w) or (u32)imm, blinded when asked: the immediate never appears
 * in the code as such. */
static void load_imm(jit_ctx *J, int reg, int32_t imm, bool w)
{
    if (!J->blind) {
        x_mov_imm64(P, reg, w ? (uint64_t)(int64_t)imm : (uint32_t)imm);
        return;
    }
    int32_t key = (int32_t)jit_rand(J);
    x_rr(P, w ? XW : 0, 0xc7, 0, reg);
    x_d(P, (uint32_t)(imm ^ key));
    x_rr(P, w ? XW : 0, 0x81, XA_XOR, reg);
    x_d(P, (uint32_t)key);
}

/* Body: fault stub in the cold section, reached by jcc cc. */
static void fault_if(jit_ctx *J, int cc, int kind, uint32_t i)
{
    uint32_t stub = jit_cold_fault(J, JF_CODE(kind, i));
    jit_jump_cold(J, cc, stub);
}

/* Body: inline budget fault (after a `jns target` that was not taken). */
static void budget_fault_inline(jit_ctx *J, uint32_t i)
{
    x_mov_imm64_keepflags(P, R9, JF_CODE(JF_BUDGET, i));
    jit_jump_cold(J, -1, J->label[JL_FAULT]);
}

/* Body: goto slot t from slot i; taken backward jumps charge the budget. */
static void e_goto_slot(jit_ctx *J, uint32_t i, uint32_t t)
{
    if (t > i || J->no_budget) {
        jit_jump_slot(J, -1, t);
        return;
    }
    x_alu_ri(P, XW, XA_SUB, RBUDGET, (int32_t)(i - t + 1));
    jit_jump_slot(J, CC_NS, t);
    budget_fault_inline(J, i);
}

/* ---- ALU -------------------------------------------------------------------------- */

enum { A_ADD, A_SUB, A_MUL, A_DIV, A_SDIV, A_OR, A_AND, A_LSH, A_RSH, A_ARSH, A_MOD, A_SMOD, A_XOR, A_MOV };

static void e_divmod(jit_ctx *J, const isa_insn *in, const isa_row *r, int op)
{
    bool w = r->size == 8;
    unsigned fl = w ? XW : 0;
    bool sgn = op == A_SDIV || op == A_SMOD, mod = op == A_MOD || op == A_SMOD;
    int d = RG(in->dst);
    uint8_t *jz = NULL, *jm1 = NULL;
    if (r->shape == SH_ALU_K) {
        uint64_t kv = w ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm;
        if (kv == 0) { /* division by zero: 0; modulo: dst (zero-extended for 32-bit) */
            if (!mod)
                x_alu_rr(P, 0, XA_XOR, d, d);
            else if (!w)
                x_mov_rr(P, 0, d, d);
            return;
        }
        if (sgn && kv == (w ? UINT64_MAX : UINT32_MAX)) { /* x s/ -1 = -x (wraps); x s% -1 = 0 */
            if (!mod)
                x_rr(P, fl, 0xf7, 3, d);
            else
                x_alu_rr(P, 0, XA_XOR, d, d);
            return;
        }
        load_imm(J, R11, in->imm, w);
    } else {
        int s = RG(in->src);
        x_rr(P, fl, 0x85, s, s); /* test: the zero test uses the operand width only */
        jz = jshort(J, CC_E);
        if (sgn) {
            x_alu_ri(P, fl, XA_CMP, s, -1);
            jm1 = jshort(J, CC_E);
        }
        x_mov_rr(P, XW, R11, s);
    }
    if (d != RAX)
        x_mov_rr(P, XW, R9, RAX);
    if (d != RDX)
        x_push(P, RDX);
    if (d != RAX)
        x_mov_rr(P, fl, RAX, d);
    if (sgn) {
        if (w)
            x_b(P, 0x48);
        x_b(P, 0x99); /* cqo / cdq */
    } else {
        x_alu_rr(P, 0, XA_XOR, RDX, RDX);
    }
    x_rr(P, fl, 0xf7, sgn ? 7 : 6, R11); /* idiv / div r11 */
    int res = mod ? RDX : RAX;
    if (d != res)
        x_mov_rr(P, XW, d, res);
    if (d != RDX)
        x_pop(P, RDX);
    if (d != RAX)
        x_mov_rr(P, XW, RAX, R9);
    if (!jz)
        return;
    uint8_t *done1 = jshort(J, -1), *done2 = NULL;
    patch8(J, jz);
    if (!mod)
        x_alu_rr(P, 0, XA_XOR, d, d);
    else if (!w)
        x_mov_rr(P, 0, d, d);
    if (jm1) {
        done2 = jshort(J, -1);
        patch8(J, jm1);
        if (!mod)
            x_rr(P, fl, 0xf7, 3, d);
        else
            x_alu_rr(P, 0, XA_XOR, d, d);
    }
    patch8(J, done1);
    if (done2)
        patch8(J, done2);
}

static void e_shift(jit_ctx *J, const isa_insn *in, const isa_row *r, int op)
{
    bool w = r->size == 8;
    unsigned fl = w ? XW : 0;
    int d = RG(in->dst);
    int ext = op == A_LSH ? 4 : op == A_RSH ? 5 : 7;
    if (r->shape == SH_ALU_K) {
        uint8_t n = (uint8_t)(in->imm & (w ? 63 : 31));
        if (n)
            x_shift_ri(P, fl, ext, d, n);
        else if (!w)
            x_mov_rr(P, 0, d, d);
        return;
    }
    int s = RG(in->src);
    if (J->bmi2) {
        x_shiftx(P, w, op == A_LSH ? 1 : op == A_ARSH ? 2 : 3, d, d, s);
        return;
    }
    /* Without BMI2 the count must be in cl (r4's rcx): borrow it. */
    if (s == RCX) {
        x_rr(P, fl, 0xd3, ext, d);
        if (!w)
            x_mov_rr(P, 0, d, d);
        return;
    }
    x_mov_rr(P, XW, R11, RCX);
    x_mov_rr(P, 0, RCX, s);
    int t = d == RCX ? R11 : d;
    x_rr(P, fl, 0xd3, ext, t);
    if (!w)
        x_mov_rr(P, 0, t, t);
    x_mov_rr(P, XW, RCX, R11);
}

static void e_alu(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int op)
{
    if (op == A_DIV || op == A_SDIV || op == A_MOD || op == A_SMOD) {
        e_divmod(J, in, r, op);
        return;
    }
    if (op == A_LSH || op == A_RSH || op == A_ARSH) {
        e_shift(J, in, r, op);
        return;
    }
    bool w = r->size == 8;
    unsigned fl = w ? XW : 0;
    int d = RG(in->dst);
    bool k = r->shape == SH_ALU_K;
    int s = k ? -1 : RG(in->src);
    int32_t imm = in->imm;
    if (k && J->blind) {
        if (op == A_MOV) {
            load_imm(J, d, imm, w);
            return;
        }
        load_imm(J, R11, imm, w);
        s = R11;
        k = false;
    }
    static const int8_t xa[] = { [A_ADD] = XA_ADD, [A_SUB] = XA_SUB, [A_OR] = XA_OR, [A_AND] = XA_AND, [A_XOR] = XA_XOR };
    switch (op) {
    case A_ADD: case A_SUB: case A_OR: case A_AND: case A_XOR:
        if (k)
            x_alu_ri(P, fl, xa[op], d, imm);
        else
            x_alu_rr(P, fl, xa[op], d, s);
        break;
    case A_MOV:
        if (k)
            x_mov_imm64(P, d, w ? (uint64_t)(int64_t)imm : (uint32_t)imm);
        else if (!(w && d == s))
            x_mov_rr(P, fl, d, s);
        break;
    case A_MUL:
        /* by a value known to be 0 or 1 (jit_prove): a mask, x * b = x & -b */
        if (!k && d == s && (J->loc[i] & (LOC_DST01 | LOC_SRC01))) {
            break; /* b * b = b, already zero-extended */
        } else if (!k && (J->loc[i] & LOC_SRC01)) {
            x_mov_rr(P, fl, R11, s);
            x_rr(P, fl, 0xf7, 3, R11); /* neg */
            x_alu_rr(P, fl, XA_AND, d, R11);
            break;
        } else if (J->loc[i] & LOC_DST01) {
            x_rr(P, fl, 0xf7, 3, d);
            if (k)
                x_alu_ri(P, fl, XA_AND, d, imm);
            else
                x_alu_rr(P, fl, XA_AND, d, s);
            break;
        }
        if (!k) {
            x_rr(P, fl, 0x0faf, d, s);
        } else if (imm == 0) {
            x_alu_rr(P, 0, XA_XOR, d, d);
        } else if (imm == 1) {
            if (!w)
                x_mov_rr(P, 0, d, d);
        } else if (imm == 2 || imm == 4 || imm == 8) {
            x_shift_ri(P, fl, 4, d, (uint8_t)(imm == 2 ? 1 : imm == 4 ? 2 : 3));
        } else if (imm == 3 || imm == 5 || imm == 9) { /* lea: 1 cycle instead of imul's 3 */
            x_lea_sib(P, fl, d, d, d, imm == 3 ? 1 : imm == 5 ? 2 : 3);
        } else if (x_fits8(imm)) {
            x_rr(P, fl, 0x6b, d, d);
            x_b(P, (uint8_t)(int8_t)imm);
        } else {
            x_rr(P, fl, 0x69, d, d);
            x_d(P, (uint32_t)imm);
        }
        break;
    }
}

static void e_neg(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)i, (void)arg;
    x_rr(P, r->size == 8 ? XW : 0, 0xf7, 3, RG(in->dst));
}

static void e_movsx(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int bits)
{
    (void)i;
    unsigned fl = r->size == 8 ? XW : 0;
    int d = RG(in->dst), s = RG(in->src);
    if (bits == 8)
        x_rr(P, fl | XBM, 0x0fbe, d, s);
    else if (bits == 16)
        x_rr(P, fl, 0x0fbf, d, s);
    else
        x_rr(P, XW, 0x63, d, s);
}

enum { END_ZX16, END_ZX32, END_NOP, END_SWAP16, END_SWAP32, END_SWAP64 };

static void e_end(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int how)
{
    (void)i, (void)r;
    int d = RG(in->dst);
    switch (how) {
    case END_ZX16:
        x_rr(P, 0, 0x0fb7, d, d);
        break;
    case END_ZX32:
        x_mov_rr(P, 0, d, d);
        break;
    case END_NOP:
        break;
    case END_SWAP16:
        x_rr(P, X66, 0xc1, 0, d); /* rol d16, 8 */
        x_b(P, 8);
        x_rr(P, 0, 0x0fb7, d, d);
        break;
    case END_SWAP32:
    case END_SWAP64:
        x_pre(P, how == END_SWAP64 ? XW : 0, 0, d, true);
        x_b(P, 0x0f);
        x_b(P, (uint8_t)(0xc8 + (d & 7)));
        break;
    }
}

/* ---- jumps -------------------------------------------------------------------------- */

#define JTEST 0x100 /* jset: test instead of cmp */

static void e_ja(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)arg;
    if (J->fused == i) /* emitted by the conditional jump before it */
        return;
    e_goto_slot(J, i, (uint32_t)isa_target(in, r, i));
}

static void e_jcond(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    bool w = r->size == 8;
    unsigned fl = w ? XW : 0;
    int cc = arg & 0xf;
    bool test = arg & JTEST;
    int d = RG(in->dst);
    if (r->shape == SH_JCOND_K) {
        int32_t imm = in->imm;
        if (imm == 0 && !test) {
            x_rr(P, fl, 0x85, d, d);
        } else if (J->blind) {
            load_imm(J, R11, imm, w);
            if (test)
                x_rr(P, fl, 0x85, R11, d);
            else
                x_alu_rr(P, fl, XA_CMP, d, R11);
        } else if (test) {
            x_rr(P, fl, 0xf7, 0, d);
            x_d(P, (uint32_t)imm);
        } else {
            x_alu_ri(P, fl, XA_CMP, d, imm);
        }
    } else {
        int s = RG(in->src);
        if (test)
            x_rr(P, fl, 0x85, s, d);
        else
            x_alu_rr(P, fl, XA_CMP, d, s);
    }
    uint32_t t = (uint32_t)isa_target(in, r, i);
    /* `if c goto +1; goto L` as one `if !c goto L` (jit_prove picks where). Only
     * without budget charges: with them the goto's charge sits on its taken path,
     * which the two jumps already give. */
    if (J->no_budget && !J->no_fuse && (J->loc[i] & LOC_FUSE)) {
        uint16_t nid = J->p->info.rows[i + 1];
        const isa_insn *g = &J->p->insns[i + 1];
        jit_jump_slot(J, cc ^ 1, (uint32_t)isa_target(g, &isa_rows[nid], i + 1));
        J->fused = i + 1;
        return;
    }
    if (t > i || J->no_budget) {
        jit_jump_slot(J, cc, t);
        return;
    }
    /* Taken backward: charge the budget; the not-taken path skips the charge. */
    uint8_t *skip = jshort(J, cc ^ 1);
    x_alu_ri(P, XW, XA_SUB, RBUDGET, (int32_t)(i - t + 1));
    jit_jump_slot(J, CC_NS, t);
    budget_fault_inline(J, i);
    patch8(J, skip);
}

static void e_may_goto(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)arg;
    x_alu_mi(P, XW, XA_CMP, RSTATE, ST_OFF(may_goto_left), 0);
    uint8_t *dec = jshort(J, CC_NE);
    e_goto_slot(J, i, (uint32_t)isa_target(in, r, i));
    patch8(J, dec);
    x_rm(P, XW, 0xff, 1, RSTATE, ST_OFF(may_goto_left)); /* dec qword */
}

/* ---- calls ---------------------------------------------------------------------------- */

/* Calls the helper (fn != 0: that address; else the one in r11) with r1..r5 in
 * place and the bpfvm_call in r9, as the interpreter's HELPER_CALL does: the call
 * first gets the budget, depth and r10 (for callbacks), and the budget comes back
 * from it; r1..r5 survive; a pending failure or tail call goes out of line. */
static void helper_call(jit_ctx *J, uint32_t i, uint64_t fn)
{
    _Static_assert(BPFVM_STACK_SIZE == 512, "depth = (stack_hi - r10) >> 9");
    static const uint8_t saved[6] = { RDI, RSI, RDX, RCX, R8, R10 };
    if (!fn)
        x_push(P, R11);
    x_load(P, XW, R11, RSTATE, ST_OFF(call));
    x_store(P, XW, RBUDGET, R11, (int32_t)offsetof(struct bpfvm_call, budget));
    x_store(P, XW, RBP, R11, (int32_t)offsetof(struct bpfvm_call, r10));
    x_load(P, XW, R9, RSTATE, ST_OFF(stack_hi));
    x_alu_rr(P, XW, XA_SUB, R9, RBP);
    x_shift_ri(P, XW, 5, R9, 9);
    x_store(P, 0, R9, R11, (int32_t)offsetof(struct bpfvm_call, depth));
    x_mov_rr(P, XW, R9, R11);
    if (!fn)
        x_pop(P, R11);
    for (int k = 0; k < 6; k++)
        x_push(P, saved[k]);
    if (fn) {
        x_mov_imm64(P, RAX, fn);
        x_rr(P, 0, 0xff, 2, RAX);
    } else {
        x_rr(P, 0, 0xff, 2, R11);
    }
    for (int k = 5; k >= 0; k--)
        x_pop(P, saved[k]);
    x_load(P, XW, R11, RSTATE, ST_OFF(call));
    x_load(P, XW, RBUDGET, R11, (int32_t)offsetof(struct bpfvm_call, budget));
    x_rm(P, 0, 0x80, XA_CMP, R11, (int32_t)offsetof(struct bpfvm_call, pending));
    x_b(P, 0);
    uint32_t stub = jit_cold_pos(J);
    x_mov_imm64_keepflags(C, R9, i);
    jit_cold_jump_label(J, 0xe9, JL_PENDING);
    jit_jump_cold(J, CC_NE, stub);
}

static void e_call_helper(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)in, (void)r, (void)arg;
    helper_call(J, i, interp_imm(J->p, i));
}

static void e_callx(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)r, (void)arg;
    int d = RG(in->dst);
    x_load(P, XW, R11, RSTATE, ST_OFF(vm));
    x_load(P, 0, R9, R11, (int32_t)offsetof(bpfvm_vm, nhelpers));
    x_alu_rr(P, XW, XA_CMP, d, R9);
    /* Cold stub: the id goes to fault_val through r11. */
    uint32_t stub = jit_cold_pos(J);
    x_mov_rr(C, XW, R11, d);
    x_mov_imm64_keepflags(C, R9, JF_CODE(JF_CALLX, i));
    jit_cold_jump_label(J, 0xe9, JL_FAULT);
    jit_jump_cold(J, CC_AE, stub);
    x_load(P, XW, R11, R11, (int32_t)offsetof(bpfvm_vm, helpers));
    x_rr(P, XW, 0x69, R9, d); /* r9 = id * sizeof(helper_entry) */
    x_d(P, (uint32_t)sizeof(helper_entry));
    x_alu_rr(P, XW, XA_ADD, R11, R9);
    x_load(P, XW, R11, R11, (int32_t)offsetof(helper_entry, fn));
    x_rr(P, XW, 0x85, R11, R11);
    jit_jump_cold(J, CC_E, stub);
    helper_call(J, i, 0);
}

static void e_kfunc(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)in, (void)r, (void)arg;
    uint32_t stub = jit_cold_fault(J, JF_CODE(JF_KFUNC, i));
    jit_jump_cold(J, -1, stub);
}

/* Callee-saved x86 registers of r6..r9 the program writes: what a local call saves. */
static int call_saves(const jit_ctx *J, uint8_t out[4])
{
    static const uint8_t r69[4] = { RBX, R13, R14, R15 };
    int n = 0;
    for (int k = 0; k < 4; k++)
        if (J->written & (1u << (6 + k)))
            out[n++] = r69[k];
    return n;
}

static void e_call_local(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)arg;
    const bpfvm_prog *p = J->p;
    uint32_t t = (uint32_t)isa_target(in, r, i);
    uint32_t f = isa_func_of(&p->info, t);
    uint32_t end = f + 1 < p->info.nfuncs ? p->info.func_start[f + 1] : p->n;
    /* Same order as the interpreter: depth first, then the budget. */
    x_alu_rm(P, XW, XA_CMP, RBP, RSTATE, ST_OFF(depth_lim));
    fault_if(J, CC_BE, JF_DEPTH, i);
    if (!J->no_budget) {
        x_alu_ri(P, XW, XA_SUB, RBUDGET, (int32_t)(end - t));
        fault_if(J, CC_S, JF_BUDGET, i);
    }
    uint8_t sv[4];
    int ns = call_saves(J, sv);
    for (int k = 0; k < ns; k++)
        x_push(P, sv[k]);
    if (!(ns & 1)) /* keep rsp ≡ 0 (mod 16) in the callee: saves + return address even */
        x_alu_ri(P, XW, XA_SUB, RSP, 8);
    x_alu_ri(P, XW, XA_SUB, RBP, (int32_t)BPFVM_STACK_SIZE);
    if (t <= i) {
        x_call32(P, 0);
        x_patch32(J->bp - 4, J->body.base + J->offs[t]);
    } else {
        x_call32(P, 0);
        jit_fixup(J, JX_SLOT, jit_body_pos(J) - 4, t, 4);
    }
    x_alu_ri(P, XW, XA_ADD, RBP, (int32_t)BPFVM_STACK_SIZE);
    if (!(ns & 1))
        x_alu_ri(P, XW, XA_ADD, RSP, 8);
    for (int k = ns - 1; k >= 0; k--)
        x_pop(P, sv[k]);
}

static void e_exit(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)i, (void)in, (void)r, (void)arg;
    x_b(P, 0xc3);
}

/* ---- 64-bit immediates and the legacy packet loads ------------------------------------ */

static void e_lddw(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)r, (void)arg;
    int d = RG(in->dst);
    uint64_t v = interp_imm(J->p, i); /* the interpreter's resolved value */
    if (!J->blind) {
        x_mov_imm64(P, d, v);
        return;
    }
    uint64_t key = (uint64_t)jit_rand(J) << 32 | jit_rand(J);
    x_pre(P, XW, 0, d, true);
    x_b(P, (uint8_t)(0xb8 + (d & 7)));
    x_q(P, v ^ key);
    x_pre(P, XW, 0, R11, true);
    x_b(P, (uint8_t)(0xb8 + (R11 & 7)));
    x_q(P, key);
    x_alu_rr(P, XW, XA_XOR, d, R11);
}

static void e_nop(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)J, (void)i, (void)in, (void)r, (void)arg;
}

/* r0 = big-endian load of `size` bytes at pkt + r11 (r11 already checked). */
static void pkt_load(jit_ctx *J, unsigned size, int base, int32_t disp)
{
    if (size == 4) {
        x_load(P, 0, RAX, base, disp);
        x_b(P, 0x0f);
        x_b(P, 0xc8); /* bswap eax */
    } else if (size == 2) {
        x_rm(P, 0, 0x0fb7, RAX, base, disp);
        x_rr(P, X66, 0xc1, 0, RAX);
        x_b(P, 8);
    } else {
        x_rm(P, 0, 0x0fb6, RAX, base, disp);
    }
}

static void e_ldabs(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)i, (void)arg;
    int64_t o = in->imm;
    if (o < 0) {
        jit_jump_cold(J, -1, J->label[JL_PKT_ABORT]);
        return;
    }
    int64_t end = o + r->size;
    x_load(P, XW, R11, RSTATE, ST_OFF(pkt_len));
    if (x_fits32(end)) {
        x_alu_ri(P, XW, XA_CMP, R11, (int32_t)end);
    } else {
        x_mov_imm64(P, R9, (uint64_t)end);
        x_alu_rr(P, XW, XA_CMP, R11, R9);
    }
    jit_jump_cold(J, CC_B, J->label[JL_PKT_ABORT]);
    x_load(P, XW, R11, RSTATE, ST_OFF(pkt));
    pkt_load(J, r->size, R11, (int32_t)o);
}

static void e_ldind(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)i, (void)arg;
    x_mov_rr(P, 0, R11, RG(in->src));
    x_alu_ri(P, 0, XA_ADD, R11, in->imm); /* (int32)(src + imm): negative ends the program */
    jit_jump_cold(J, CC_S, J->label[JL_PKT_ABORT]);
    x_lea(P, R9, R11, (int32_t)r->size);
    x_alu_rm(P, XW, XA_CMP, R9, RSTATE, ST_OFF(pkt_len));
    jit_jump_cold(J, CC_A, J->label[JL_PKT_ABORT]);
    x_alu_rm(P, XW, XA_ADD, R11, RSTATE, ST_OFF(pkt));
    pkt_load(J, r->size, R11, 0);
}

/* ---- memory ------------------------------------------------------------------------------ */

static int log2sz(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3; }

static void addr_r11(uint8_t **pp, int b, int32_t off)
{
    if (off)
        x_lea(pp, R11, b, off);
    else
        x_mov_rr(pp, XW, R11, b);
}

bool jit_mem_proven(const jit_ctx *J, uint32_t i, int breg, int32_t off, unsigned size)
{
    if (breg == 10 && off >= -(int32_t)BPFVM_STACK_SIZE && off <= -(int32_t)size)
        return true; /* inside the current frame at any depth */
    if (J->loc && (J->loc[i] & (LOC_SAFE | LOC_MEMBER)))
        return true; /* jit_prove: a frame access, or a load its group's lead checked */
    return J->p->facts && (J->p->facts[i] & FACT_MEM_SAFE);
}

/* Checked-mode test of [breg + off, + size) (see the file comment), then, for
 * atomics, the alignment test. Leaves no register changed but r9/r11. */
static void mem_check(jit_ctx *J, uint32_t i, int breg, int32_t off, unsigned size, bool write, bool aligned)
{
    const int32_t orig_off = off;
    const unsigned orig_size = size;
    int b = RG(breg);
    if (!jit_mem_proven(J, i, breg, off, size)) {
        const jit_group *g = NULL;
        int32_t aoff = off;
        unsigned asize = size;
        if (J->loc && (J->loc[i] & LOC_LEAD) && J->next_group < J->ngroups) {
            g = &J->groups[J->next_group++]; /* check the whole group's union */
            aoff = g->lo;
            asize = g->size;
        }
        bool memfirst = J->kind[breg] != 0;
        /* the limit of the next power of two: stricter, so sound (the slow path decides) */
        int32_t lim = ST_OFF(mem_lim) + 8 * log2sz(asize <= 1 ? 1 : asize <= 2 ? 2 : asize <= 4 ? 4 : 8);
        off = aoff;
        size = asize;
        addr_r11(P, b, off);
        if (memfirst) {
            x_alu_rm(P, XW, XA_SUB, R11, RSTATE, ST_OFF(mem_lo));
            x_alu_rm(P, XW, XA_CMP, R11, RSTATE, lim);
        } else {
            x_alu_rm(P, XW, XA_SUB, R11, RSTATE, ST_OFF(stack_lo));
            x_alu_ri(P, XW, XA_CMP, R11, (int32_t)(BPFVM_MAX_FRAMES * BPFVM_STACK_SIZE + 1 - size));
        }
        uint32_t stub = jit_cold_pos(J);
        jit_jump_cold(J, CC_AE, stub);
        uint32_t ok = jit_body_pos(J);
        /* Out of line: the other region, then the full check in C (regions). */
        if (memfirst) {
            x_alu_rm(C, XW, XA_SUB, R11, RSTATE, ST_OFF(stk2mem));
            x_alu_ri(C, XW, XA_CMP, R11, (int32_t)(BPFVM_MAX_FRAMES * BPFVM_STACK_SIZE + 1 - size));
        } else {
            x_alu_rm(C, XW, XA_ADD, R11, RSTATE, ST_OFF(stk2mem));
            x_alu_rm(C, XW, XA_CMP, R11, RSTATE, lim);
        }
        jit_cold_jump_body(J, CC_B, ok);
        if (g) { /* each load in order, exactly as the interpreter would */
            x_mov_rr(C, XW, R11, b);
            x_mov_imm64(C, R9, (uint64_t)(uintptr_t)g);
            jit_cold_jump_label(J, 0xe8, JL_GROUP_SLOW);
        } else {
            addr_r11(C, b, off);
            x_mov_imm64_keepflags(C, R9, i << 5 | (unsigned)write << 4 | size);
            jit_cold_jump_label(J, 0xe8, JL_MEM_SLOW);
        }
        jit_cold_jump_body(J, -1, ok);
        off = orig_off;
        size = orig_size;
    }
    if (!aligned || size == 1)
        return;
    if (J->p->facts && (J->p->facts[i] & FACT_MEM_SAFE))
        return; /* the verifier proved it in bounds and aligned (the interpreter checks neither) */
    bool known = breg == 10; /* r10 is 8-aligned at every depth: known now */
    if (known && !(off & (int32_t)(size - 1)))
        return;
    uint32_t stub = jit_cold_pos(J);
    addr_r11(C, b, off);
    x_mov_imm64_keepflags(C, R9, JF_CODE(JF_MISALIGNED, i));
    jit_cold_jump_label(J, 0xe9, JL_FAULT);
    if (known) {
        jit_jump_cold(J, -1, stub);
        return;
    }
    addr_r11(P, b, off);
    x_rr(P, 0, 0xf6, 0, R11); /* test r11b, size - 1 */
    x_b(P, (uint8_t)(size - 1));
    jit_jump_cold(J, CC_NE, stub);
}

/* dst = zero- or sign-extended load of `size` bytes at [b + off]. */
static void load_ext(jit_ctx *J, int d, int b, int32_t off, unsigned size, bool sx)
{
    switch (size) {
    case 1: x_rm(P, sx ? XW : 0, sx ? 0x0fbe : 0x0fb6, d, b, off); break;
    case 2: x_rm(P, sx ? XW : 0, sx ? 0x0fbf : 0x0fb7, d, b, off); break;
    case 4:
        if (sx)
            x_rm(P, XW, 0x63, d, b, off);
        else
            x_load(P, 0, d, b, off);
        break;
    default: x_load(P, XW, d, b, off); break;
    }
}

static void store_reg(jit_ctx *J, int s, int b, int32_t off, unsigned size)
{
    switch (size) {
    case 1: x_rm(P, XBR, 0x88, s, b, off); break;
    case 2: x_rm(P, X66, 0x89, s, b, off); break;
    case 4: x_store(P, 0, s, b, off); break;
    default: x_store(P, XW, s, b, off); break;
    }
}

static void e_ldx(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int sx)
{
    mem_check(J, i, in->src, in->off, r->size, false, false);
    load_ext(J, RG(in->dst), RG(in->src), in->off, r->size, sx);
}

static void e_st(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)arg;
    mem_check(J, i, in->dst, in->off, r->size, true, false);
    int b = RG(in->dst);
    if (J->blind) {
        load_imm(J, R11, in->imm, true);
        store_reg(J, R11, b, in->off, r->size);
        return;
    }
    switch (r->size) {
    case 1:
        x_rm(P, 0, 0xc6, 0, b, in->off);
        x_b(P, (uint8_t)in->imm);
        break;
    case 2:
        x_rm(P, X66, 0xc7, 0, b, in->off);
        x_b(P, (uint8_t)in->imm);
        x_b(P, (uint8_t)(in->imm >> 8));
        break;
    default:
        x_rm(P, r->size == 8 ? XW : 0, 0xc7, 0, b, in->off);
        x_d(P, (uint32_t)in->imm);
        break;
    }
}

static void e_stx(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)arg;
    mem_check(J, i, in->dst, in->off, r->size, true, false);
    store_reg(J, RG(in->src), RG(in->dst), in->off, r->size);
}

enum { AT_ADD, AT_OR, AT_AND, AT_XOR, AT_FADD, AT_FOR, AT_FAND, AT_FXOR, AT_XCHG, AT_CMPXCHG };

static void e_atomic(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int op)
{
    mem_check(J, i, in->dst, in->off, r->size, true, true);
    unsigned fl = r->size == 8 ? XW : 0;
    int b = RG(in->dst), s = RG(in->src);
    int32_t off = in->off;
    static const int8_t xa[] = { [AT_ADD] = XA_ADD, [AT_OR] = XA_OR, [AT_AND] = XA_AND, [AT_XOR] = XA_XOR,
                                 [AT_FOR] = XA_OR, [AT_FAND] = XA_AND, [AT_FXOR] = XA_XOR };
    switch (op) {
    case AT_ADD: case AT_OR: case AT_AND: case AT_XOR:
        x_rm(P, fl | XLOCK, (unsigned)(xa[op] << 3 | 1), s, b, off);
        break;
    case AT_FADD:
        x_rm(P, fl | XLOCK, 0x0fc1, s, b, off); /* lock xadd: src = old (zero-extended for 32-bit) */
        break;
    case AT_XCHG:
        x_rm(P, fl, 0x87, s, b, off);
        break;
    case AT_CMPXCHG:
        x_rm(P, fl | XLOCK, 0x0fb1, s, b, off); /* rax = old value either way */
        if (!fl)
            x_mov_rr(P, 0, RAX, RAX); /* a 32-bit success leaves rax's upper half alone */
        break;
    default: { /* fetch or/and/xor: a cmpxchg loop, which needs rax (r0): keep it in r9 */
        x_mov_rr(P, XW, R9, RAX);
        int bb = b == RAX ? R9 : b, ss = s == RAX ? R9 : s;
        x_load(P, fl, RAX, bb, off);
        uint8_t *loop = J->bp;
        x_mov_rr(P, XW, R11, RAX);
        x_alu_rr(P, fl, xa[op], R11, ss);
        x_rm(P, fl | XLOCK, 0x0fb1, R11, bb, off);
        x_jcc8(P, CC_NE, (int8_t)(loop - (J->bp + 2)));
        x_mov_rr(P, fl, s, RAX);
        if (s != RAX)
            x_mov_rr(P, XW, RAX, R9);
        break;
    }
    }
}

static void e_ldacq(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)arg;
    mem_check(J, i, in->src, in->off, r->size, false, true);
    load_ext(J, RG(in->dst), RG(in->src), in->off, r->size, false); /* x86 loads are acquire */
}

static void e_strel(jit_ctx *J, uint32_t i, const isa_insn *in, const isa_row *r, int arg)
{
    (void)arg;
    mem_check(J, i, in->dst, in->off, r->size, true, true);
    store_reg(J, RG(in->src), RG(in->dst), in->off, r->size); /* x86 stores are release */
}

/* ---- the table ------------------------------------------------------------------------------ */

#define JIT_ADD32_K     e_alu, A_ADD
#define JIT_ADD32_X     e_alu, A_ADD
#define JIT_SUB32_K     e_alu, A_SUB
#define JIT_SUB32_X     e_alu, A_SUB
#define JIT_MUL32_K     e_alu, A_MUL
#define JIT_MUL32_X     e_alu, A_MUL
#define JIT_DIV32_K     e_alu, A_DIV
#define JIT_SDIV32_K    e_alu, A_SDIV
#define JIT_DIV32_X     e_alu, A_DIV
#define JIT_SDIV32_X    e_alu, A_SDIV
#define JIT_OR32_K      e_alu, A_OR
#define JIT_OR32_X      e_alu, A_OR
#define JIT_AND32_K     e_alu, A_AND
#define JIT_AND32_X     e_alu, A_AND
#define JIT_LSH32_K     e_alu, A_LSH
#define JIT_LSH32_X     e_alu, A_LSH
#define JIT_RSH32_K     e_alu, A_RSH
#define JIT_RSH32_X     e_alu, A_RSH
#define JIT_NEG32       e_neg, 0
#define JIT_MOD32_K     e_alu, A_MOD
#define JIT_SMOD32_K    e_alu, A_SMOD
#define JIT_MOD32_X     e_alu, A_MOD
#define JIT_SMOD32_X    e_alu, A_SMOD
#define JIT_XOR32_K     e_alu, A_XOR
#define JIT_XOR32_X     e_alu, A_XOR
#define JIT_MOV32_K     e_alu, A_MOV
#define JIT_MOV32_X     e_alu, A_MOV
#define JIT_MOVSX8_32   e_movsx, 8
#define JIT_MOVSX16_32  e_movsx, 16
#define JIT_ARSH32_K    e_alu, A_ARSH
#define JIT_ARSH32_X    e_alu, A_ARSH
#define JIT_LE16        e_end, END_ZX16
#define JIT_LE32        e_end, END_ZX32
#define JIT_LE64        e_end, END_NOP
#define JIT_BE16        e_end, END_SWAP16
#define JIT_BE32        e_end, END_SWAP32
#define JIT_BE64        e_end, END_SWAP64

#define JIT_ADD64_K     e_alu, A_ADD
#define JIT_ADD64_X     e_alu, A_ADD
#define JIT_SUB64_K     e_alu, A_SUB
#define JIT_SUB64_X     e_alu, A_SUB
#define JIT_MUL64_K     e_alu, A_MUL
#define JIT_MUL64_X     e_alu, A_MUL
#define JIT_DIV64_K     e_alu, A_DIV
#define JIT_SDIV64_K    e_alu, A_SDIV
#define JIT_DIV64_X     e_alu, A_DIV
#define JIT_SDIV64_X    e_alu, A_SDIV
#define JIT_OR64_K      e_alu, A_OR
#define JIT_OR64_X      e_alu, A_OR
#define JIT_AND64_K     e_alu, A_AND
#define JIT_AND64_X     e_alu, A_AND
#define JIT_LSH64_K     e_alu, A_LSH
#define JIT_LSH64_X     e_alu, A_LSH
#define JIT_RSH64_K     e_alu, A_RSH
#define JIT_RSH64_X     e_alu, A_RSH
#define JIT_NEG64       e_neg, 0
#define JIT_MOD64_K     e_alu, A_MOD
#define JIT_SMOD64_K    e_alu, A_SMOD
#define JIT_MOD64_X     e_alu, A_MOD
#define JIT_SMOD64_X    e_alu, A_SMOD
#define JIT_XOR64_K     e_alu, A_XOR
#define JIT_XOR64_X     e_alu, A_XOR
#define JIT_MOV64_K     e_alu, A_MOV
#define JIT_MOV64_X     e_alu, A_MOV
#define JIT_MOVSX8_64   e_movsx, 8
#define JIT_MOVSX16_64  e_movsx, 16
#define JIT_MOVSX32_64  e_movsx, 32
#define JIT_ARSH64_K    e_alu, A_ARSH
#define JIT_ARSH64_X    e_alu, A_ARSH
#define JIT_BSWAP16     e_end, END_SWAP16
#define JIT_BSWAP32     e_end, END_SWAP32
#define JIT_BSWAP64     e_end, END_SWAP64

#define JIT_JA          e_ja, 0
#define JIT_JEQ_K       e_jcond, CC_E
#define JIT_JEQ_X       e_jcond, CC_E
#define JIT_JGT_K       e_jcond, CC_A
#define JIT_JGT_X       e_jcond, CC_A
#define JIT_JGE_K       e_jcond, CC_AE
#define JIT_JGE_X       e_jcond, CC_AE
#define JIT_JSET_K      e_jcond, CC_NE | JTEST
#define JIT_JSET_X      e_jcond, CC_NE | JTEST
#define JIT_JNE_K       e_jcond, CC_NE
#define JIT_JNE_X       e_jcond, CC_NE
#define JIT_JSGT_K      e_jcond, CC_G
#define JIT_JSGT_X      e_jcond, CC_G
#define JIT_JSGE_K      e_jcond, CC_GE
#define JIT_JSGE_X      e_jcond, CC_GE
#define JIT_JLT_K       e_jcond, CC_B
#define JIT_JLT_X       e_jcond, CC_B
#define JIT_JLE_K       e_jcond, CC_BE
#define JIT_JLE_X       e_jcond, CC_BE
#define JIT_JSLT_K      e_jcond, CC_L
#define JIT_JSLT_X      e_jcond, CC_L
#define JIT_JSLE_K      e_jcond, CC_LE
#define JIT_JSLE_X      e_jcond, CC_LE
#define JIT_CALL_HELPER e_call_helper, 0
#define JIT_CALL_LOCAL  e_call_local, 0
#define JIT_CALL_KFUNC  e_kfunc, 0
#define JIT_EXIT        e_exit, 0

#define JIT_JA32        e_ja, 0
#define JIT_JEQ32_K     e_jcond, CC_E
#define JIT_JEQ32_X     e_jcond, CC_E
#define JIT_JGT32_K     e_jcond, CC_A
#define JIT_JGT32_X     e_jcond, CC_A
#define JIT_JGE32_K     e_jcond, CC_AE
#define JIT_JGE32_X     e_jcond, CC_AE
#define JIT_JSET32_K    e_jcond, CC_NE | JTEST
#define JIT_JSET32_X    e_jcond, CC_NE | JTEST
#define JIT_JNE32_K     e_jcond, CC_NE
#define JIT_JNE32_X     e_jcond, CC_NE
#define JIT_JSGT32_K    e_jcond, CC_G
#define JIT_JSGT32_X    e_jcond, CC_G
#define JIT_JSGE32_K    e_jcond, CC_GE
#define JIT_JSGE32_X    e_jcond, CC_GE
#define JIT_JLT32_K     e_jcond, CC_B
#define JIT_JLT32_X     e_jcond, CC_B
#define JIT_JLE32_K     e_jcond, CC_BE
#define JIT_JLE32_X     e_jcond, CC_BE
#define JIT_JSLT32_K    e_jcond, CC_L
#define JIT_JSLT32_X    e_jcond, CC_L
#define JIT_JSLE32_K    e_jcond, CC_LE
#define JIT_JSLE32_X    e_jcond, CC_LE

#define JIT_LDDW             e_lddw, 0
#define JIT_LDDW_MAP_FD      e_lddw, 0
#define JIT_LDDW_MAP_VAL     e_lddw, 0
#define JIT_LDDW_VAR         e_lddw, 0
#define JIT_LDDW_CODE        e_lddw, 0
#define JIT_LDDW_MAP_IDX     e_lddw, 0
#define JIT_LDDW_MAP_IDX_VAL e_lddw, 0
#define JIT_LDDW_HI          e_nop, 0
#define JIT_LDABSW      e_ldabs, 0
#define JIT_LDABSH      e_ldabs, 0
#define JIT_LDABSB      e_ldabs, 0
#define JIT_LDINDW      e_ldind, 0
#define JIT_LDINDH      e_ldind, 0
#define JIT_LDINDB      e_ldind, 0

#define JIT_LDXW        e_ldx, 0
#define JIT_LDXH        e_ldx, 0
#define JIT_LDXB        e_ldx, 0
#define JIT_LDXDW       e_ldx, 0
#define JIT_LDXSW       e_ldx, 1
#define JIT_LDXSH       e_ldx, 1
#define JIT_LDXSB       e_ldx, 1
#define JIT_STW         e_st, 0
#define JIT_STH         e_st, 0
#define JIT_STB         e_st, 0
#define JIT_STDW        e_st, 0
#define JIT_STXW        e_stx, 0
#define JIT_STXH        e_stx, 0
#define JIT_STXB        e_stx, 0
#define JIT_STXDW       e_stx, 0

#define JIT_AADD32      e_atomic, AT_ADD
#define JIT_AFADD32     e_atomic, AT_FADD
#define JIT_AOR32       e_atomic, AT_OR
#define JIT_AFOR32      e_atomic, AT_FOR
#define JIT_AAND32      e_atomic, AT_AND
#define JIT_AFAND32     e_atomic, AT_FAND
#define JIT_AXOR32      e_atomic, AT_XOR
#define JIT_AFXOR32     e_atomic, AT_FXOR
#define JIT_AXCHG32     e_atomic, AT_XCHG
#define JIT_ACMPXCHG32  e_atomic, AT_CMPXCHG
#define JIT_AADD64      e_atomic, AT_ADD
#define JIT_AFADD64     e_atomic, AT_FADD
#define JIT_AOR64       e_atomic, AT_OR
#define JIT_AFOR64      e_atomic, AT_FOR
#define JIT_AAND64      e_atomic, AT_AND
#define JIT_AFAND64     e_atomic, AT_FAND
#define JIT_AXOR64      e_atomic, AT_XOR
#define JIT_AFXOR64     e_atomic, AT_FXOR
#define JIT_AXCHG64     e_atomic, AT_XCHG
#define JIT_ACMPXCHG64  e_atomic, AT_CMPXCHG

#define JIT_CALLX       e_callx, 0
#define JIT_LDACQB      e_ldacq, 0
#define JIT_LDACQH      e_ldacq, 0
#define JIT_LDACQW      e_ldacq, 0
#define JIT_LDACQDW     e_ldacq, 0
#define JIT_STRELB      e_strel, 0
#define JIT_STRELH      e_strel, 0
#define JIT_STRELW      e_strel, 0
#define JIT_STRELDW     e_strel, 0
#define JIT_MAY_GOTO    e_may_goto, 0

#define JIT_ENTRY(fn, arg) { fn, arg }
#define JIT_ENTRY_(x) JIT_ENTRY(x)
const jit_emitter jit_emitters[ISA_NROWS] = {
#define ROW(id, ...) [ISA_##id] = JIT_ENTRY_(JIT_##id),
#include "isa/isa.def"
#undef ROW
};

/* ---- size bounds ------------------------------------------------------------------------------ */
/* Checked by jit.c on every instruction (a miss costs a second pass, never wrong
 * code) and by tests/jit (no miss over thousands of generated programs). */

static bool is_mem_shape(uint8_t shape)
{
    return shape == SH_LDX || shape == SH_ST || shape == SH_STX || shape == SH_ATOMIC || shape == SH_LDACQ ||
           shape == SH_STREL;
}

static bool aligned_shape(uint8_t shape) { return shape == SH_ATOMIC || shape == SH_LDACQ || shape == SH_STREL; }

/* Bound of a row that does not depend on the instruction's operands (not memory). */
static uint32_t row_bound(isa_id id, bool blind)
{
    const isa_row *r = &isa_rows[id];
    uint32_t b = blind ? 20 : 0;
    int arg = jit_emitters[id].arg;
    switch (r->shape) {
    case SH_ALU_K: case SH_ALU_X:
        if (arg == A_DIV || arg == A_SDIV || arg == A_MOD || arg == A_SMOD)
            return 52 + b;
        return 16 + b;
    case SH_NEG: case SH_MOVSX: case SH_END: return 12;
    case SH_JA: return id == ISA_MAY_GOTO ? 40 : 24;
    case SH_JCOND_K: case SH_JCOND_X: return 44 + b;
    case SH_CALL: return id == ISA_CALL_LOCAL ? 72 : 112;
    case SH_CALLX: return 160;
    case SH_EXIT: return 1;
    case SH_LDDW: return 10 + (blind ? 16 : 0);
    case SH_LDDW_HI: return 0;
    case SH_LDABS: case SH_LDIND: return 48;
    default: return 0;
    }
}

static uint8_t row_bounds[2][ISA_NROWS];
static pthread_once_t row_bounds_once = PTHREAD_ONCE_INIT;

static void row_bounds_init(void)
{
    for (int id = 0; id < ISA_NROWS; id++)
        for (int blind = 0; blind < 2; blind++)
            row_bounds[blind][id] = (uint8_t)row_bound((isa_id)id, blind);
}

uint32_t jit_bound(const jit_ctx *J, uint32_t i)
{
    pthread_once(&row_bounds_once, row_bounds_init);
    uint16_t id = J->p->info.rows[i];
    const isa_row *r = &isa_rows[id];
    if (!is_mem_shape(r->shape))
        return row_bounds[J->blind][id];
    const isa_insn *in = &J->p->insns[i];
    int breg = (r->shape == SH_LDX || r->shape == SH_LDACQ) ? in->src : in->dst;
    uint32_t access = r->shape == SH_ATOMIC ? 40 : 12;
    uint32_t check = jit_mem_proven(J, i, breg, in->off, r->size) ? 0 : 26;
    uint32_t align = aligned_shape(r->shape) ? 18 : 0;
    return check + align + access + (r->shape == SH_ST && J->blind ? 20 : 0);
}

uint32_t jit_cold_bound(const jit_ctx *J, uint32_t i)
{
    uint16_t id = J->p->info.rows[i];
    const isa_row *r = &isa_rows[id];
    switch (r->shape) {
    case SH_CALL: return id == ISA_CALL_LOCAL ? 32 : 16;
    case SH_CALLX: return 40;
    default: break;
    }
    if (!is_mem_shape(r->shape))
        return 0;
    const isa_insn *in = &J->p->insns[i];
    int breg = (r->shape == SH_LDX || r->shape == SH_LDACQ) ? in->src : in->dst;
    return (jit_mem_proven(J, i, breg, in->off, r->size) ? 0 : 56) + (aligned_shape(r->shape) ? 24 : 0);
}
