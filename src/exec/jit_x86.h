/* jit_x86.h — a small x86-64 instruction encoder for the JIT: REX/VEX prefixes,
 * ModRM/SIB/displacement forms and the handful of instruction shapes the JIT
 * emits, in the spirit of the Linux JIT's EMIT/add_2reg helpers.
 * Every function appends to *pp and never checks space: the caller guarantees
 * at least JIT_INSN_SLACK free bytes before emitting one BPF instruction.
 * Invariant: no function here knows about BPF; register numbers are x86's.
 */
#ifndef BPFVM_JIT_X86_H
#define BPFVM_JIT_X86_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* Condition codes (low nibble of Jcc/SETcc/CMOVcc). */
enum {
    CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
    CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G
};

/* Flags of an encoding. */
#define XW    0x01u /* REX.W: 64-bit operand */
#define X66   0x02u /* operand-size prefix: 16-bit operand */
#define XLOCK 0x04u /* LOCK prefix */
#define XBR   0x08u /* the reg field is a byte register: spl..dil need a REX */
#define XBM   0x10u /* the r/m field is a byte register (register form only) */

static inline void x_b(uint8_t **pp, uint8_t b) { *(*pp)++ = b; }
static inline void x_d(uint8_t **pp, uint32_t v) { memcpy(*pp, &v, 4); *pp += 4; }
static inline void x_q(uint8_t **pp, uint64_t v) { memcpy(*pp, &v, 8); *pp += 8; }
static inline bool x_fits8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool x_fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* Prefixes and REX for an instruction whose ModRM has `reg` and `rm` (base). */
static inline void x_pre(uint8_t **pp, unsigned fl, int reg, int rm, bool rm_is_reg)
{
    if (fl & XLOCK)
        x_b(pp, 0xf0);
    if (fl & X66)
        x_b(pp, 0x66);
    uint8_t rex = (uint8_t)(0x40 | ((fl & XW) ? 8 : 0) | ((reg & 8) >> 1) | ((rm & 8) >> 3));
    bool byte_reg = ((fl & XBR) && reg >= 4 && reg <= 7) || ((fl & XBM) && rm_is_reg && rm >= 4 && rm <= 7);
    if (rex != 0x40 || byte_reg)
        x_b(pp, rex);
}

/* Opcode of 1 or 2 bytes (0x0fXX). */
static inline void x_op(uint8_t **pp, unsigned op)
{
    if (op > 0xff)
        x_b(pp, (uint8_t)(op >> 8));
    x_b(pp, (uint8_t)op);
}

/* ModRM (+SIB, displacement) for [base + disp]. */
static inline void x_mem(uint8_t **pp, int reg, int base, int32_t disp)
{
    int mod = (disp == 0 && (base & 7) != RBP) ? 0 : x_fits8(disp) ? 1 : 2;
    x_b(pp, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
    if ((base & 7) == RSP)
        x_b(pp, 0x24);
    if (mod == 1)
        x_b(pp, (uint8_t)(int8_t)disp);
    else if (mod == 2)
        x_d(pp, (uint32_t)disp);
}

/* op reg, rm (both registers): ModRM mod=11. */
static inline void x_rr(uint8_t **pp, unsigned fl, unsigned op, int reg, int rm)
{
    x_pre(pp, fl, reg, rm, true);
    x_op(pp, op);
    x_b(pp, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* op reg, [base + disp]. */
static inline void x_rm(uint8_t **pp, unsigned fl, unsigned op, int reg, int base, int32_t disp)
{
    x_pre(pp, fl, reg, base, false);
    x_op(pp, op);
    x_mem(pp, reg, base, disp);
}

/* ALU operations of the 0x01..0x39 family and group 1 (0x81/0x83 /ext). */
enum { XA_ADD = 0, XA_OR = 1, XA_AND = 4, XA_SUB = 5, XA_XOR = 6, XA_CMP = 7 };

/* op dst, src (register to register). */
static inline void x_alu_rr(uint8_t **pp, unsigned fl, int a, int dst, int src)
{
    x_rr(pp, fl, (unsigned)(a << 3 | 1), src, dst);
}

/* op dst, imm (imm sign-extended to the operand width). */
static inline void x_alu_ri(uint8_t **pp, unsigned fl, int a, int dst, int32_t imm)
{
    if (x_fits8(imm)) {
        x_rr(pp, fl, 0x83, a, dst);
        x_b(pp, (uint8_t)(int8_t)imm);
    } else {
        x_rr(pp, fl, 0x81, a, dst);
        x_d(pp, (uint32_t)imm);
    }
}

/* op reg, [base + disp] (0x03 family: reg = reg op mem). */
static inline void x_alu_rm(uint8_t **pp, unsigned fl, int a, int reg, int base, int32_t disp)
{
    x_rm(pp, fl, (unsigned)(a << 3 | 3), reg, base, disp);
}

/* op qword [base + disp], imm. */
static inline void x_alu_mi(uint8_t **pp, unsigned fl, int a, int base, int32_t disp, int32_t imm)
{
    if (x_fits8(imm)) {
        x_rm(pp, fl, 0x83, a, base, disp);
        x_b(pp, (uint8_t)(int8_t)imm);
    } else {
        x_rm(pp, fl, 0x81, a, base, disp);
        x_d(pp, (uint32_t)imm);
    }
}

/* mov dst, src (64-bit with XW, else 32-bit: zero-extends). */
static inline void x_mov_rr(uint8_t **pp, unsigned fl, int dst, int src)
{
    x_rr(pp, fl, 0x89, src, dst);
}

/* mov reg, [base + disp] / mov [base + disp], reg. */
static inline void x_load(uint8_t **pp, unsigned fl, int reg, int base, int32_t disp)
{
    x_rm(pp, fl, 0x8b, reg, base, disp);
}
static inline void x_store(uint8_t **pp, unsigned fl, int reg, int base, int32_t disp)
{
    x_rm(pp, fl, 0x89, reg, base, disp);
}

/* dst = a 64-bit constant, in the shortest form. */
static inline void x_mov_imm64(uint8_t **pp, int dst, uint64_t v)
{
    if (v == 0) {
        x_alu_rr(pp, 0, XA_XOR, dst, dst);
    } else if (v <= UINT32_MAX) { /* mov r32, imm32 zero-extends */
        x_pre(pp, 0, 0, dst, true);
        x_b(pp, (uint8_t)(0xb8 + (dst & 7)));
        x_d(pp, (uint32_t)v);
    } else if (x_fits32((int64_t)v)) { /* mov r/m64, imm32 sign-extends */
        x_rr(pp, XW, 0xc7, 0, dst);
        x_d(pp, (uint32_t)v);
    } else {
        x_pre(pp, XW, 0, dst, true);
        x_b(pp, (uint8_t)(0xb8 + (dst & 7)));
        x_q(pp, v);
    }
}

/* Same without touching the flags (no xor for zero). */
static inline void x_mov_imm64_keepflags(uint8_t **pp, int dst, uint64_t v)
{
    if (v == 0) {
        x_pre(pp, 0, 0, dst, true);
        x_b(pp, (uint8_t)(0xb8 + (dst & 7)));
        x_d(pp, 0);
    } else {
        x_mov_imm64(pp, dst, v);
    }
}

/* lea dst, [base + disp] (64-bit). */
static inline void x_lea(uint8_t **pp, int dst, int base, int32_t disp)
{
    x_rm(pp, XW, 0x8d, dst, base, disp);
}

/* lea dst, [base + index * (1 << scale)] (scale 0..3; index not rsp). */
static inline void x_lea_sib(uint8_t **pp, unsigned fl, int dst, int base, int index, int scale)
{
    uint8_t rex = (uint8_t)(0x40 | ((fl & XW) ? 8 : 0) | ((dst & 8) >> 1) | ((index & 8) >> 2) | ((base & 8) >> 3));
    if (rex != 0x40)
        x_b(pp, rex);
    x_b(pp, 0x8d);
    bool disp8 = (base & 7) == RBP;
    x_b(pp, (uint8_t)((disp8 ? 0x40 : 0) | (dst & 7) << 3 | 4));
    x_b(pp, (uint8_t)(scale << 6 | (index & 7) << 3 | (base & 7)));
    if (disp8)
        x_b(pp, 0);
}

static inline void x_push(uint8_t **pp, int r)
{
    if (r & 8)
        x_b(pp, 0x41);
    x_b(pp, (uint8_t)(0x50 + (r & 7)));
}
static inline void x_pop(uint8_t **pp, int r)
{
    if (r & 8)
        x_b(pp, 0x41);
    x_b(pp, (uint8_t)(0x58 + (r & 7)));
}

/* Shift by an immediate: ext 4 = shl, 5 = shr, 7 = sar. */
static inline void x_shift_ri(uint8_t **pp, unsigned fl, int ext, int dst, uint8_t n)
{
    if (n == 1) {
        x_rr(pp, fl, 0xd1, ext, dst);
    } else {
        x_rr(pp, fl, 0xc1, ext, dst);
        x_b(pp, n);
    }
}

/* BMI2 shlx/shrx/sarx dst, src, cnt: pp 1 = shlx (66), 2 = sarx (F3), 3 = shrx (F2).
 * The count is masked to the operand width by the CPU, as BPF requires. */
static inline void x_shiftx(uint8_t **pp, bool w, int pfx, int dst, int src, int cnt)
{
    x_b(pp, 0xc4);
    x_b(pp, (uint8_t)(((~dst & 8) << 4) | 0x40 | ((~src & 8) << 2) | 0x02));
    x_b(pp, (uint8_t)((w ? 0x80 : 0) | ((~cnt & 15) << 3) | pfx));
    x_b(pp, 0xf7);
    x_b(pp, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
}

/* Jumps. rel is relative to the end of the instruction. */
static inline void x_jcc8(uint8_t **pp, int cc, int8_t rel) { x_b(pp, (uint8_t)(0x70 | cc)); x_b(pp, (uint8_t)rel); }
static inline void x_jcc32(uint8_t **pp, int cc, int32_t rel) { x_b(pp, 0x0f); x_b(pp, (uint8_t)(0x80 | cc)); x_d(pp, (uint32_t)rel); }
static inline void x_jmp8(uint8_t **pp, int8_t rel) { x_b(pp, 0xeb); x_b(pp, (uint8_t)rel); }
static inline void x_jmp32(uint8_t **pp, int32_t rel) { x_b(pp, 0xe9); x_d(pp, (uint32_t)rel); }
static inline void x_call32(uint8_t **pp, int32_t rel) { x_b(pp, 0xe8); x_d(pp, (uint32_t)rel); }

/* Patches a rel8/rel32 field at `field` so that it reaches `target` (both absolute
 * positions in one buffer; the field is the last part of its instruction). */
static inline void x_patch8(uint8_t *field, const uint8_t *target) { *field = (uint8_t)(int8_t)(target - (field + 1)); }
static inline void x_patch32(uint8_t *field, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (field + 4));
    memcpy(field, &rel, 4);
}

#endif
