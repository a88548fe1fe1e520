/* tnum.c — tristate numbers: the bits of a 64-bit value that are known (in value)
 * and those that are not (in mask). γ(t) = { x : x & ~t.mask == t.value }.
 * Invariant: value & mask == 0. Every operation returns a tnum whose γ contains the
 * concrete result for every pair of members; the comment on each says why.
 * The arithmetic is modulo 2^64; 32-bit users truncate with tnum_subreg/tnum_cast.
 */
#include "verify/domain.h"

#include <inttypes.h>
#include <stdio.h>

#define TNUM(v, m) ((tnum){ .value = (v), .mask = (m) })

tnum tnum_const(uint64_t v) { return TNUM(v, 0); }
tnum tnum_unknown(void) { return TNUM(0, ~0ull); }
bool tnum_is_const(tnum a) { return !a.mask; }
bool tnum_is_unknown(tnum a) { return !~a.mask; }

/* The values min..max share the bits above the highest bit where min and max
 * differ; everything from that bit down is unknown. */
tnum tnum_range(uint64_t min, uint64_t max)
{
    uint64_t chi = min ^ max;
    if (min > max)
        return tnum_unknown();
    if (!chi)
        return tnum_const(min);
    uint64_t delta = ~0ull >> __builtin_clzll(chi);
    return TNUM(min & ~delta, delta);
}

/* γ(b) ⊆ γ(a): b knows at least what a knows, and agrees on it. */
bool tnum_in(tnum a, tnum b)
{
    if (b.mask & ~a.mask)
        return false;
    return (b.value & ~a.mask) == a.value;
}

bool tnum_contains(tnum a, uint64_t v) { return (v & ~a.mask) == a.value; }

/* Two tnums share a member unless some bit is known in both and differs. */
bool tnum_overlap(tnum a, tnum b) { return !((a.value ^ b.value) & ~a.mask & ~b.mask); }

/* Adding the smallest members (sv) and the largest (sv + sm) brackets every sum;
 * the bits where those two sums differ (chi) are where a carry may or may not
 * reach, and an unknown input bit is unknown in the output too. */
tnum tnum_add(tnum a, tnum b)
{
    uint64_t sm = a.mask + b.mask, sv = a.value + b.value;
    uint64_t chi = (sv + sm) ^ sv;
    uint64_t mu = chi | a.mask | b.mask;
    return TNUM(sv & ~mu, mu);
}

/* The same for differences: the largest (dv + a.mask) and smallest (dv - b.mask)
 * differences differ exactly where a borrow may or may not propagate. */
tnum tnum_sub(tnum a, tnum b)
{
    uint64_t dv = a.value - b.value;
    uint64_t chi = (dv + a.mask) ^ (dv - b.mask);
    uint64_t mu = chi | a.mask | b.mask;
    return TNUM(dv & ~mu, mu);
}

tnum tnum_neg(tnum a) { return tnum_sub(tnum_const(0), a); }

/* A result bit is a known 1 when both are known 1s, a known 0 when either is a
 * known 0, unknown otherwise. */
tnum tnum_and(tnum a, tnum b)
{
    uint64_t alpha = a.value | a.mask, beta = b.value | b.mask;
    uint64_t v = a.value & b.value;
    return TNUM(v, alpha & beta & ~v);
}

/* A known 1 on either side wins; otherwise unknown if either is unknown. */
tnum tnum_or(tnum a, tnum b)
{
    uint64_t v = a.value | b.value, mu = a.mask | b.mask;
    return TNUM(v, mu & ~v);
}

/* Bitwise: known where both are known. */
tnum tnum_xor(tnum a, tnum b)
{
    uint64_t v = a.value ^ b.value, mu = a.mask | b.mask;
    return TNUM(v & ~mu, mu);
}

/* Schoolbook multiplication, one bit of a at a time. Write a = av + am' and
 * b = bv + bm' with am', bm' made of unknown bits. Then a*b = av*bv + av*bm' +
 * am'*b: the first term is exact; for a known 1 at bit i, av*bm' contributes
 * something within (0; b.mask << i); for an unknown bit i, am'*b contributes 0 or
 * b << i, within (0; (b.value | b.mask) << i). Summing those with tnum_add is sound. */
tnum tnum_mul(tnum a, tnum b)
{
    uint64_t exact = a.value * b.value;
    tnum acc = tnum_const(0);
    while (a.value | a.mask) {
        if (a.value & 1)
            acc = tnum_add(acc, TNUM(0, b.mask));
        else if (a.mask & 1)
            acc = tnum_add(acc, TNUM(0, b.value | b.mask));
        a = tnum_rshift(a, 1);
        b = tnum_lshift(b, 1);
    }
    return tnum_add(tnum_const(exact), acc);
}

/* Shifts move known and unknown bits alike; shifted-in bits are known 0. */
tnum tnum_lshift(tnum a, uint8_t shift)
{
    if (shift > 63)
        return tnum_const(0);
    return TNUM(a.value << shift, a.mask << shift);
}

tnum tnum_rshift(tnum a, uint8_t shift)
{
    if (shift > 63)
        return tnum_const(0);
    return TNUM(a.value >> shift, a.mask >> shift);
}

/* Arithmetic shift of 64 bits; written without >> on negative values. */
static uint64_t asr64(uint64_t x, unsigned s)
{
    return (x >> 63) ? ~(~x >> s) : x >> s;
}

/* The shifted-in copies of the sign bit are what the sign bit is: a known 1, a
 * known 0, or unknown (then mask's own top bit replicates as unknown). For 32 bits,
 * shift the sign-extended low half and keep the low half of the result. */
tnum tnum_arshift(tnum a, uint8_t shift, uint8_t bits)
{
    if (bits == 32) {
        uint64_t v = (uint64_t)(int64_t)(int32_t)(uint32_t)a.value;
        uint64_t m = (uint64_t)(int64_t)(int32_t)(uint32_t)a.mask;
        shift &= 31;
        return TNUM((uint32_t)asr64(v, shift), (uint32_t)asr64(m, shift));
    }
    shift &= 63;
    return TNUM(asr64(a.value, shift), asr64(a.mask, shift));
}

/* Members of both: each bit known in either is known. Where the two disagree on a
 * known bit the intersection is empty (see tnum_overlap); the result then keeps the
 * known 1. */
tnum tnum_intersect(tnum a, tnum b)
{
    uint64_t v = a.value | b.value, mu = a.mask & b.mask;
    return TNUM(v & ~mu, mu);
}

/* Members of either: a bit stays known only when both know it and agree. */
tnum tnum_union(tnum a, tnum b)
{
    uint64_t mu = a.mask | b.mask | (a.value ^ b.value);
    return TNUM(a.value & ~mu, mu);
}

tnum tnum_cast(tnum a, uint8_t size)
{
    if (size >= 8)
        return a;
    uint64_t keep = (1ull << (size * 8)) - 1;
    return TNUM(a.value & keep, a.mask & keep);
}

tnum tnum_subreg(tnum a) { return tnum_cast(a, 4); }

tnum tnum_clear_subreg(tnum a) { return tnum_lshift(tnum_rshift(a, 32), 32); }

tnum tnum_with_subreg(tnum reg, tnum subreg) { return tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg)); }

/* The least member >= x. Let i be the highest bit where x breaks a known bit of a.
 * Every member >= x either shares x's bits above i and has a 1 at i where x has a 0
 * (possible only when a's known bit i is 1: then the least such member keeps x's
 * prefix and takes a's minimum below), or is bigger than x at some unknown bit j > i
 * where x has a 0 (the lowest such j gives the least member). */
bool tnum_min_ge(tnum a, uint64_t x, uint64_t *out)
{
    uint64_t diff = (x ^ a.value) & ~a.mask;
    if (!diff) {
        *out = x;
        return true;
    }
    unsigned i = 63u - (unsigned)__builtin_clzll(diff);
    uint64_t low = (2ull << i) - 1; /* bits i..0 (all ones when i == 63) */
    if ((a.value >> i) & 1) {
        *out = (x & ~low) | (a.value & low);
        return true;
    }
    uint64_t cand = a.mask & ~x & ~low;
    if (!cand)
        return false;
    uint64_t j = cand & -cand;
    *out = (x & ~(j | (j - 1))) | j | (a.value & (j - 1));
    return true;
}

/* The greatest member <= x: complementing every bit reverses the order, and turns
 * members of a into members of (~value & ~mask; mask). */
bool tnum_max_le(tnum a, uint64_t x, uint64_t *out)
{
    uint64_t r;
    if (!tnum_min_ge(TNUM(~a.value & ~a.mask, a.mask), ~x, &r))
        return false;
    *out = ~r;
    return true;
}

/* Byte reversal of the low `bits` bits (16, 32, 64); higher bits become 0. The
 * permutation moves value and mask bits together, so it is exact. */
static uint64_t bswap_bits(uint64_t x, unsigned bits)
{
    uint64_t r = 0;
    for (unsigned k = 0; k < bits / 8; k++)
        r |= ((x >> (8 * k)) & 0xff) << (bits - 8 - 8 * k);
    return r;
}

tnum tnum_bswap(tnum a, uint8_t bits)
{
    return TNUM(bswap_bits(a.value, bits), bswap_bits(a.mask, bits));
}

size_t tnum_str(tnum a, char *buf, size_t size)
{
    int n;
    if (tnum_is_const(a))
        n = snprintf(buf, size, "0x%" PRIx64, a.value);
    else
        n = snprintf(buf, size, "(0x%" PRIx64 "; 0x%" PRIx64 ")", a.value, a.mask);
    return n < 0 ? 0 : (size_t)n;
}
