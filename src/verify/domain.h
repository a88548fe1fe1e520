/* domain.h — the verifier's abstract domain for scalars: a tnum (known bits) and
 * signed/unsigned bounds in 64 and 32 bits, kept mutually consistent. Every
 * operation over-approximates the concrete one: for all concrete values a ∈ γ(A),
 * b ∈ γ(B), op(a, b) ∈ γ(op#(A, B)). Nothing here knows about pointers, registers
 * or instructions; the checks (verify/check.c) call into it.
 * The arithmetic is RFC 9669's: wrapping, shifts masked by the caller, division by
 * zero gives 0 and modulo by zero leaves the dividend, 32-bit results zero-extended.
 */
#ifndef BPFVM_DOMAIN_H
#define BPFVM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- tnum: value has the known bits, mask the unknown ones (value & mask == 0) ---- */
typedef struct tnum {
    uint64_t value, mask;
} tnum;

tnum tnum_const(uint64_t v);
tnum tnum_unknown(void);
tnum tnum_range(uint64_t min, uint64_t max);   /* smallest tnum containing [min, max] */
bool tnum_is_const(tnum a);
bool tnum_is_unknown(tnum a);
bool tnum_in(tnum a, tnum b);                  /* γ(b) ⊆ γ(a) */
bool tnum_contains(tnum a, uint64_t v);
tnum tnum_add(tnum a, tnum b);
tnum tnum_sub(tnum a, tnum b);
tnum tnum_neg(tnum a);
tnum tnum_and(tnum a, tnum b);
tnum tnum_or(tnum a, tnum b);
tnum tnum_xor(tnum a, tnum b);
tnum tnum_mul(tnum a, tnum b);
tnum tnum_lshift(tnum a, uint8_t shift);
tnum tnum_rshift(tnum a, uint8_t shift);
tnum tnum_arshift(tnum a, uint8_t shift, uint8_t bits);  /* bits: 32 or 64 */
tnum tnum_intersect(tnum a, tnum b);           /* γ(a) ∩ γ(b) (meet) */
tnum tnum_union(tnum a, tnum b);               /* smallest tnum ⊇ γ(a) ∪ γ(b) (join) */
tnum tnum_cast(tnum a, uint8_t size);          /* truncate to size bytes (zero-extended) */
tnum tnum_subreg(tnum a);                      /* low 32 bits */
tnum tnum_clear_subreg(tnum a);                /* high 32 bits only */
tnum tnum_with_subreg(tnum reg, tnum subreg);  /* high 32 of reg, low 32 of subreg */
size_t tnum_str(tnum a, char *buf, size_t size); /* "(0x0; 0xff)" or a constant */
/* Added with the implementation (tnum.c): */
bool tnum_overlap(tnum a, tnum b);             /* γ(a) ∩ γ(b) is not empty */
bool tnum_min_ge(tnum a, uint64_t x, uint64_t *out); /* least member >= x; false: none */
bool tnum_max_le(tnum a, uint64_t x, uint64_t *out); /* greatest member <= x; false: none */
tnum tnum_bswap(tnum a, uint8_t bits);         /* byte reversal of the low bits (16/32/64), rest 0 */

/* ---- scalars ------------------------------------------------------------------- */
typedef struct scalar {
    tnum var;
    int64_t smin, smax;
    uint64_t umin, umax;
    int32_t s32_min, s32_max;
    uint32_t u32_min, u32_max;
} scalar;

scalar scalar_const(uint64_t v);
scalar scalar_unknown(void);
/* Tightens every component from the others (Linux's reg_bounds_sync). Returns
 * false when the components contradict each other (the value set is empty). */
bool scalar_sync(scalar *s);
bool scalar_is_const(const scalar *s);
uint64_t scalar_const_value(const scalar *s);  /* valid when scalar_is_const */
bool scalar_contains(const scalar *s, uint64_t v);
/* γ(new) ⊆ γ(old): used for state pruning. */
bool scalar_within(const scalar *old_, const scalar *new_);
/* Join (least upper bound within the domain). */
scalar scalar_join(const scalar *a, const scalar *b);
/* Keeps only the low 32 bits (zero-extends), as every 32-bit ALU result. */
void scalar_zext32(scalar *s);

/* Operands of everything below are expected synced, as everything here returns them
 * (unsynced operands give sound but less precise results). */

/* ALU operations, as the RFC defines them on width 32 or 64 (is32). For shifts the
 * caller passes the count already known to be a constant or an unknown scalar;
 * the count is masked like the ISA does. Results are synced. */
typedef enum {
    SOP_ADD, SOP_SUB, SOP_MUL, SOP_DIV, SOP_SDIV, SOP_MOD, SOP_SMOD,
    SOP_OR, SOP_AND, SOP_XOR, SOP_LSH, SOP_RSH, SOP_ARSH, SOP_NEG, SOP_MOV,
} scalar_op;
scalar scalar_alu(scalar_op op, const scalar *dst, const scalar *src, bool is32);
/* Sign extension of the low `bits` (8, 16, 32) to 64 bits, or to 32 bits and then
 * zero-extended (is32), as MOVSX. */
scalar scalar_movsx(const scalar *src, uint8_t bits, bool is32);
/* Byte swaps: END to little/big endian of width bits (16/32/64), and bswap. */
scalar scalar_bswap(const scalar *src, uint8_t bits, bool swap);
/* Zero-extending load of size bytes (1, 2, 4, 8) of an unknown value. */
scalar scalar_unknown_size(uint8_t size);
/* Sign-extending load of size bytes (1, 2, 4) of an unknown value. */
scalar scalar_unknown_signed(uint8_t size);
/* Truncation to size bytes (narrow loads of a known spilled value, etc.). */
scalar scalar_cast(const scalar *s, uint8_t size);

/* ---- conditions ---------------------------------------------------------------- */
typedef enum {
    SC_EQ, SC_NE, SC_GT, SC_GE, SC_LT, SC_LE, SC_SGT, SC_SGE, SC_SLT, SC_SLE, SC_SET,
} scalar_cond;
/* 1: a OP b holds for every pair of values; 0: for none; -1: depends. */
int scalar_branch_taken(scalar_cond op, const scalar *a, const scalar *b, bool is32);
/* Refines a and b assuming a OP b (taken) or !(a OP b). Returns false when that
 * is impossible (the branch is dead). On success *a and *b are synced. */
bool scalar_refine(scalar_cond op, bool taken, scalar *a, scalar *b, bool is32);

/* "smin=..,smax=..,umin=..,..,var=(v; m)"-style description; constants print as the
 * value. Returns the length. */
size_t scalar_str(const scalar *s, char *buf, size_t size);

#endif
