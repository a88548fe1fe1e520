/* linux_bounds.c — a model of how the Linux verifier (kernel/bpf/verifier.c, as of
 * Linux 6.15–6.19) tracks scalar bounds, re-expressed from reading it: the deductions
 * of reg_bounds_sync (__update_reg_bounds, __reg32/64_deduce_bounds including the
 * 2025 sign-crossing case, __reg_deduce_mixed_bounds, __reg_bound_offset), the ALU
 * (scalar{32,}_min_max_{add,sub,mul,and,or,xor,lsh,rsh,arsh}, the wrapping add/sub
 * and signed mul of 6.12+, NEG as 0 - x, division and modulo by a non-zero constant),
 * regs_refine_cond_op and is_scalar_branch_taken. Test code only: the precision
 * baseline of test_domain_sound.c. Operations Linux does not track (variable shifts,
 * smod, variable divisors) report false.
 */
#include "linux_bounds.h"

#include <stdint.h>

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void mark_unbounded64(scalar *r)
{
    r->smin = INT64_MIN;
    r->smax = INT64_MAX;
    r->umin = 0;
    r->umax = UINT64_MAX;
}

static void mark_unbounded32(scalar *r)
{
    r->s32_min = INT32_MIN;
    r->s32_max = INT32_MAX;
    r->u32_min = 0;
    r->u32_max = UINT32_MAX;
}

static void update_bounds(scalar *r)
{
    tnum v = tnum_subreg(r->var);
    r->s32_min = MAX(r->s32_min, (int32_t)(uint32_t)(v.value | (v.mask & 0x80000000u)));
    r->s32_max = MIN(r->s32_max, (int32_t)(uint32_t)(v.value | (v.mask & 0x7fffffffu)));
    r->u32_min = MAX(r->u32_min, (uint32_t)v.value);
    r->u32_max = MIN(r->u32_max, (uint32_t)(v.value | v.mask));
    r->smin = MAX(r->smin, (int64_t)(r->var.value | (r->var.mask & (1ull << 63))));
    r->smax = MIN(r->smax, (int64_t)(r->var.value | (r->var.mask & ~(1ull << 63))));
    r->umin = MAX(r->umin, r->var.value);
    r->umax = MIN(r->umax, r->var.value | r->var.mask);
}

static void deduce32(scalar *r)
{
    if ((r->umin >> 32) == (r->umax >> 32)) {
        r->u32_min = MAX(r->u32_min, (uint32_t)r->umin);
        r->u32_max = MIN(r->u32_max, (uint32_t)r->umax);
        if ((int32_t)r->umin <= (int32_t)r->umax) {
            r->s32_min = MAX(r->s32_min, (int32_t)r->umin);
            r->s32_max = MIN(r->s32_max, (int32_t)r->umax);
        }
    }
    if ((r->smin >> 32) == (r->smax >> 32)) {
        if ((uint32_t)r->smin <= (uint32_t)r->smax) {
            r->u32_min = MAX(r->u32_min, (uint32_t)r->smin);
            r->u32_max = MIN(r->u32_max, (uint32_t)r->smax);
        }
        if ((int32_t)r->smin <= (int32_t)r->smax) {
            r->s32_min = MAX(r->s32_min, (int32_t)r->smin);
            r->s32_max = MIN(r->s32_max, (int32_t)r->smax);
        }
    }
    if ((uint32_t)(r->umin >> 32) + 1 == (uint32_t)(r->umax >> 32) && (int32_t)r->umin < 0 &&
        (int32_t)r->umax >= 0) {
        r->s32_min = MAX(r->s32_min, (int32_t)r->umin);
        r->s32_max = MIN(r->s32_max, (int32_t)r->umax);
    }
    if ((uint32_t)((uint64_t)r->smin >> 32) + 1 == (uint32_t)((uint64_t)r->smax >> 32) && (int32_t)r->smin < 0 &&
        (int32_t)r->smax >= 0) {
        r->s32_min = MAX(r->s32_min, (int32_t)r->smin);
        r->s32_max = MIN(r->s32_max, (int32_t)r->smax);
    }
    if ((int32_t)r->u32_min <= (int32_t)r->u32_max) {
        r->s32_min = MAX(r->s32_min, (int32_t)r->u32_min);
        r->s32_max = MIN(r->s32_max, (int32_t)r->u32_max);
    }
    if ((uint32_t)r->s32_min <= (uint32_t)r->s32_max) {
        r->u32_min = MAX(r->u32_min, (uint32_t)r->s32_min);
        r->u32_max = MIN(r->u32_max, (uint32_t)r->s32_max);
    }
}

static void deduce64(scalar *r)
{
    if ((int64_t)r->umin <= (int64_t)r->umax) {
        r->smin = MAX(r->smin, (int64_t)r->umin);
        r->smax = MIN(r->smax, (int64_t)r->umax);
    }
    if ((uint64_t)r->smin <= (uint64_t)r->smax) {
        r->umin = MAX(r->umin, (uint64_t)r->smin);
        r->umax = MIN(r->umax, (uint64_t)r->smax);
    } else if (r->umax < (uint64_t)r->smin) {
        r->smin = (int64_t)r->umin;
        r->umax = MIN(r->umax, (uint64_t)r->smax);
    } else if ((uint64_t)r->smax < r->umin) {
        r->smax = (int64_t)r->umax;
        r->umin = MAX(r->umin, (uint64_t)r->smin);
    }
}

static void deduce_mixed(scalar *r)
{
    uint64_t nu;
    int64_t ns;
    nu = (r->umin & ~0xffffffffull) | r->u32_min;
    r->umin = MAX(r->umin, nu);
    nu = (r->umax & ~0xffffffffull) | r->u32_max;
    r->umax = MIN(r->umax, nu);
    ns = (int64_t)(((uint64_t)r->smin & ~0xffffffffull) | r->u32_min);
    r->smin = MAX(r->smin, ns);
    ns = (int64_t)(((uint64_t)r->smax & ~0xffffffffull) | r->u32_max);
    r->smax = MIN(r->smax, ns);
    if ((uint32_t)r->s32_min <= (uint32_t)r->s32_max) {
        nu = (r->umin & ~0xffffffffull) | (uint32_t)r->s32_min;
        r->umin = MAX(r->umin, nu);
        nu = (r->umax & ~0xffffffffull) | (uint32_t)r->s32_max;
        r->umax = MIN(r->umax, nu);
        ns = (int64_t)(((uint64_t)r->smin & ~0xffffffffull) | (uint32_t)r->s32_min);
        r->smin = MAX(r->smin, ns);
        ns = (int64_t)(((uint64_t)r->smax & ~0xffffffffull) | (uint32_t)r->s32_max);
        r->smax = MIN(r->smax, ns);
    }
    if (r->s32_min >= 0 && r->smin >= INT32_MIN && r->smax <= INT32_MAX) {
        r->smin = r->s32_min;
        r->smax = r->s32_max;
        r->umin = (uint64_t)r->s32_min;
        r->umax = (uint64_t)r->s32_max;
        r->var = tnum_intersect(r->var, tnum_range((uint64_t)r->smin, (uint64_t)r->smax));
    }
}

static void deduce(scalar *r)
{
    deduce32(r);
    deduce64(r);
    deduce_mixed(r);
}

static void bound_offset(scalar *r)
{
    tnum v64 = tnum_intersect(r->var, tnum_range(r->umin, r->umax));
    tnum v32 = tnum_intersect(tnum_subreg(v64), tnum_range(r->u32_min, r->u32_max));
    r->var = tnum_or(tnum_clear_subreg(v64), v32);
}

void lx_sync(scalar *r)
{
    update_bounds(r);
    deduce(r);
    deduce(r);
    bound_offset(r);
    update_bounds(r);
}

/* ---- ALU ---------------------------------------------------------------------------- */

static void mark_known(scalar *r, uint64_t v) { *r = scalar_const(v); }

static void mark_known32(scalar *r, uint32_t v)
{
    r->var = tnum_with_subreg(r->var, tnum_const(v));
    r->u32_min = r->u32_max = v;
    r->s32_min = r->s32_max = (int32_t)v;
}

static void add32(scalar *d, const scalar *s)
{
    int32_t a, b;
    if (__builtin_add_overflow(d->s32_min, s->s32_min, &a) || __builtin_add_overflow(d->s32_max, s->s32_max, &b))
        d->s32_min = INT32_MIN, d->s32_max = INT32_MAX;
    else
        d->s32_min = a, d->s32_max = b;
    uint32_t lo, hi;
    bool olo = __builtin_add_overflow(d->u32_min, s->u32_min, &lo), ohi = __builtin_add_overflow(d->u32_max, s->u32_max, &hi);
    d->u32_min = lo, d->u32_max = hi;
    if (!olo && ohi)
        d->u32_min = 0, d->u32_max = UINT32_MAX;
}

static void add64(scalar *d, const scalar *s)
{
    int64_t a, b;
    if (__builtin_add_overflow(d->smin, s->smin, &a) || __builtin_add_overflow(d->smax, s->smax, &b))
        d->smin = INT64_MIN, d->smax = INT64_MAX;
    else
        d->smin = a, d->smax = b;
    uint64_t lo, hi;
    bool olo = __builtin_add_overflow(d->umin, s->umin, &lo), ohi = __builtin_add_overflow(d->umax, s->umax, &hi);
    d->umin = lo, d->umax = hi;
    if (!olo && ohi)
        d->umin = 0, d->umax = UINT64_MAX;
}

static void sub32(scalar *d, const scalar *s)
{
    int32_t a, b;
    if (__builtin_sub_overflow(d->s32_min, s->s32_max, &a) || __builtin_sub_overflow(d->s32_max, s->s32_min, &b))
        d->s32_min = INT32_MIN, d->s32_max = INT32_MAX;
    else
        d->s32_min = a, d->s32_max = b;
    uint32_t lo, hi;
    bool ulo = __builtin_sub_overflow(d->u32_min, s->u32_max, &lo), uhi = __builtin_sub_overflow(d->u32_max, s->u32_min, &hi);
    d->u32_min = lo, d->u32_max = hi;
    if (ulo && !uhi)
        d->u32_min = 0, d->u32_max = UINT32_MAX;
}

static void sub64(scalar *d, const scalar *s)
{
    int64_t a, b;
    if (__builtin_sub_overflow(d->smin, s->smax, &a) || __builtin_sub_overflow(d->smax, s->smin, &b))
        d->smin = INT64_MIN, d->smax = INT64_MAX;
    else
        d->smin = a, d->smax = b;
    uint64_t lo, hi;
    bool ulo = __builtin_sub_overflow(d->umin, s->umax, &lo), uhi = __builtin_sub_overflow(d->umax, s->umin, &hi);
    d->umin = lo, d->umax = hi;
    if (ulo && !uhi)
        d->umin = 0, d->umax = UINT64_MAX;
}

static void mul32(scalar *d, const scalar *s)
{
    uint32_t a, b;
    if (__builtin_mul_overflow(d->u32_max, s->u32_max, &b) || __builtin_mul_overflow(d->u32_min, s->u32_min, &a))
        d->u32_min = 0, d->u32_max = UINT32_MAX;
    else
        d->u32_min = a, d->u32_max = b;
    int32_t p[4];
    if (__builtin_mul_overflow(d->s32_min, s->s32_min, &p[0]) || __builtin_mul_overflow(d->s32_min, s->s32_max, &p[1]) ||
        __builtin_mul_overflow(d->s32_max, s->s32_min, &p[2]) || __builtin_mul_overflow(d->s32_max, s->s32_max, &p[3])) {
        d->s32_min = INT32_MIN, d->s32_max = INT32_MAX;
    } else {
        d->s32_min = MIN(MIN(p[0], p[1]), MIN(p[2], p[3]));
        d->s32_max = MAX(MAX(p[0], p[1]), MAX(p[2], p[3]));
    }
}

static void mul64(scalar *d, const scalar *s)
{
    uint64_t a, b;
    if (__builtin_mul_overflow(d->umax, s->umax, &b) || __builtin_mul_overflow(d->umin, s->umin, &a))
        d->umin = 0, d->umax = UINT64_MAX;
    else
        d->umin = a, d->umax = b;
    int64_t p[4];
    if (__builtin_mul_overflow(d->smin, s->smin, &p[0]) || __builtin_mul_overflow(d->smin, s->smax, &p[1]) ||
        __builtin_mul_overflow(d->smax, s->smin, &p[2]) || __builtin_mul_overflow(d->smax, s->smax, &p[3])) {
        d->smin = INT64_MIN, d->smax = INT64_MAX;
    } else {
        d->smin = MIN(MIN(p[0], p[1]), MIN(p[2], p[3]));
        d->smax = MAX(MAX(p[0], p[1]), MAX(p[2], p[3]));
    }
}

/* and/or/xor: the 32-bit and 64-bit halves share a shape */
static void s32_from_u32(scalar *d)
{
    if ((int32_t)d->u32_min <= (int32_t)d->u32_max)
        d->s32_min = (int32_t)d->u32_min, d->s32_max = (int32_t)d->u32_max;
    else
        d->s32_min = INT32_MIN, d->s32_max = INT32_MAX;
}

static void s64_from_u64(scalar *d)
{
    if ((int64_t)d->umin <= (int64_t)d->umax)
        d->smin = (int64_t)d->umin, d->smax = (int64_t)d->umax;
    else
        d->smin = INT64_MIN, d->smax = INT64_MAX;
}

static bool subreg_const(const scalar *r) { return !(r->var.mask & 0xffffffffull); }

static void bit32(scalar_op op, scalar *d, const scalar *s)
{
    tnum v = tnum_subreg(d->var);
    if (subreg_const(s) && subreg_const(d)) {
        mark_known32(d, (uint32_t)v.value);
        return;
    }
    if (op == SOP_AND) {
        d->u32_min = (uint32_t)v.value;
        d->u32_max = MIN(d->u32_max, s->u32_max);
    } else if (op == SOP_OR) {
        d->u32_min = MAX(d->u32_min, s->u32_min);
        d->u32_max = (uint32_t)(v.value | v.mask);
    } else {
        d->u32_min = (uint32_t)v.value;
        d->u32_max = (uint32_t)(v.value | v.mask);
    }
    s32_from_u32(d);
}

static void bit64(scalar_op op, scalar *d, const scalar *s)
{
    if (tnum_is_const(s->var) && tnum_is_const(d->var)) {
        mark_known(d, d->var.value);
        return;
    }
    if (op == SOP_AND) {
        d->umin = d->var.value;
        d->umax = MIN(d->umax, s->umax);
    } else if (op == SOP_OR) {
        d->umin = MAX(d->umin, s->umin);
        d->umax = d->var.value | d->var.mask;
    } else {
        d->umin = d->var.value;
        d->umax = d->var.value | d->var.mask;
    }
    s64_from_u64(d);
    update_bounds(d);
}

static void lsh32(scalar *d, uint64_t k)
{
    d->s32_min = INT32_MIN, d->s32_max = INT32_MAX;
    if (k > 31 || d->u32_max > (1ull << (31 - k)))
        d->u32_min = 0, d->u32_max = UINT32_MAX;
    else
        d->u32_min <<= k, d->u32_max <<= k;
}

static void lsh64(scalar *d, uint64_t k)
{
    if (k == 32 && d->s32_max >= 0)
        d->smax = (int64_t)((uint64_t)(int64_t)d->s32_max << 32);
    else
        d->smax = INT64_MAX;
    if (k == 32 && d->s32_min >= 0)
        d->smin = (int64_t)((uint64_t)(int64_t)d->s32_min << 32);
    else
        d->smin = INT64_MIN;
    if (d->umax > (1ull << (63 - k)))
        d->umin = 0, d->umax = UINT64_MAX;
    else
        d->umin <<= k, d->umax <<= k;
}

static void update32(scalar *r)
{
    scalar t = *r;
    update_bounds(&t);
    r->u32_min = t.u32_min, r->u32_max = t.u32_max, r->s32_min = t.s32_min, r->s32_max = t.s32_max;
}

static uint64_t asr(uint64_t x, unsigned k) { return (x >> 63) ? ~(~x >> k) : x >> k; }

bool lx_alu(scalar_op op, scalar *d, const scalar *sp, bool is32)
{
    scalar s = *sp;
    unsigned bits = is32 ? 32 : 64;
    bool src_const = is32 ? subreg_const(&s) && s.s32_min == s.s32_max && s.u32_min == s.u32_max
                          : tnum_is_const(s.var) && s.smin == s.smax && s.umin == s.umax;
    switch (op) {
    case SOP_LSH:
    case SOP_RSH:
    case SOP_ARSH:
        if (!src_const || s.umax >= bits)
            return false;
        break;
    case SOP_DIV:
    case SOP_MOD:
    case SOP_SDIV:
        if (!src_const || (is32 ? s.u32_min == 0 : s.umin == 0))
            return false;
        break;
    case SOP_SMOD:
    case SOP_MOV:
        return false;
    default:
        break;
    }
    switch (op) {
    case SOP_ADD:
        add32(d, &s);
        add64(d, &s);
        d->var = tnum_add(d->var, s.var);
        break;
    case SOP_SUB:
        sub32(d, &s);
        sub64(d, &s);
        d->var = tnum_sub(d->var, s.var);
        break;
    case SOP_NEG: {
        scalar old = *d;
        mark_known(d, 0);
        sub32(d, &old);
        sub64(d, &old);
        d->var = tnum_neg(old.var);
        break;
    }
    case SOP_MUL:
        d->var = tnum_mul(d->var, s.var);
        mul32(d, &s);
        mul64(d, &s);
        break;
    case SOP_AND:
    case SOP_OR:
    case SOP_XOR:
        d->var = op == SOP_AND ? tnum_and(d->var, s.var) : op == SOP_OR ? tnum_or(d->var, s.var) : tnum_xor(d->var, s.var);
        bit32(op, d, &s);
        bit64(op, d, &s);
        break;
    case SOP_LSH:
        if (is32) {
            tnum sub = tnum_subreg(d->var);
            lsh32(d, s.u32_min);
            d->var = tnum_subreg(tnum_lshift(sub, (uint8_t)s.u32_min));
            mark_unbounded64(d);
            update32(d);
        } else {
            lsh64(d, s.umin);
            lsh32(d, s.umin);
            d->var = tnum_lshift(d->var, (uint8_t)s.umin);
            update_bounds(d);
        }
        break;
    case SOP_RSH:
        if (is32) {
            tnum sub = tnum_subreg(d->var);
            d->s32_min = INT32_MIN, d->s32_max = INT32_MAX;
            d->var = tnum_rshift(sub, (uint8_t)s.u32_min);
            d->u32_min >>= s.u32_max;
            d->u32_max >>= s.u32_min;
            mark_unbounded64(d);
            update32(d);
        } else {
            d->smin = INT64_MIN, d->smax = INT64_MAX;
            d->var = tnum_rshift(d->var, (uint8_t)s.umin);
            d->umin >>= s.umax;
            d->umax >>= s.umin;
            mark_unbounded32(d);
            update_bounds(d);
        }
        break;
    case SOP_ARSH:
        if (is32) {
            unsigned k = s.u32_min;
            d->s32_min = (int32_t)(uint32_t)asr((uint64_t)(int64_t)d->s32_min, k);
            d->s32_max = (int32_t)(uint32_t)asr((uint64_t)(int64_t)d->s32_max, k);
            d->var = tnum_arshift(tnum_subreg(d->var), (uint8_t)k, 32);
            d->u32_min = 0, d->u32_max = UINT32_MAX;
            mark_unbounded64(d);
            update32(d);
        } else {
            unsigned k = (unsigned)s.umin;
            d->smin = (int64_t)asr((uint64_t)d->smin, k);
            d->smax = (int64_t)asr((uint64_t)d->smax, k);
            d->var = tnum_arshift(d->var, (uint8_t)k, 64);
            d->umin = 0, d->umax = UINT64_MAX;
            mark_unbounded32(d);
            update_bounds(d);
        }
        break;
    case SOP_DIV:
    case SOP_MOD:
    case SOP_SDIV: {
        /* division by a non-zero constant: one interval, the rest reset */
        scalar r = scalar_unknown();
        bool keep = false; /* x % c with x < c: unchanged */
        if (is32) {
            uint32_t c = s.u32_min;
            int32_t sc = (int32_t)c;
            if (op == SOP_DIV) {
                r.u32_min = d->u32_min / c, r.u32_max = d->u32_max / c;
            } else if (op == SOP_MOD) {
                keep = d->u32_max <= c - 1;
                r.u32_min = 0, r.u32_max = MIN(d->u32_max, c - 1);
            } else if (d->s32_min == INT32_MIN && sc == -1) {
                if (d->s32_max != INT32_MIN)
                    r.s32_min = INT32_MIN, r.s32_max = INT32_MAX;
                else
                    r.s32_min = r.s32_max = INT32_MIN;
            } else {
                int32_t a = d->s32_min / sc, b = d->s32_max / sc;
                r.s32_min = MIN(a, b), r.s32_max = MAX(a, b);
            }
        } else {
            uint64_t c = s.umin;
            int64_t sc = (int64_t)c;
            if (op == SOP_DIV) {
                r.umin = d->umin / c, r.umax = d->umax / c;
            } else if (op == SOP_MOD) {
                keep = d->umax <= c - 1;
                r.umin = 0, r.umax = MIN(d->umax, c - 1);
            } else if (d->smin == INT64_MIN && sc == -1) {
                if (d->smax != INT64_MIN)
                    r.smin = INT64_MIN, r.smax = INT64_MAX;
                else
                    r.smin = r.smax = INT64_MIN;
            } else {
                int64_t a = d->smin / sc, b = d->smax / sc;
                r.smin = MIN(a, b), r.smax = MAX(a, b);
            }
        }
        if (!keep)
            *d = r;
        break;
    }
    default:
        return false;
    }
    if (is32) { /* zext_32_to_64 */
        d->var = tnum_subreg(d->var);
        d->umin = d->u32_min;
        d->umax = d->u32_max;
        if (d->s32_min >= 0 && d->s32_max >= 0)
            d->smin = d->s32_min, d->smax = d->s32_max;
        else
            d->smin = 0, d->smax = UINT32_MAX;
    }
    lx_sync(d);
    return true;
}

/* ---- conditions -------------------------------------------------------------------------- */

static bool reg_const(const scalar *r, bool is32) { return is32 ? subreg_const(r) : tnum_is_const(r->var); }
static uint64_t const_val(const scalar *r, bool is32) { return is32 ? (uint32_t)r->var.value : r->var.value; }

int lx_branch_taken(scalar_cond op, const scalar *r1, const scalar *r2, bool is32)
{
    tnum t1 = is32 ? tnum_subreg(r1->var) : r1->var, t2 = is32 ? tnum_subreg(r2->var) : r2->var;
    uint64_t umin1 = is32 ? r1->u32_min : r1->umin, umax1 = is32 ? r1->u32_max : r1->umax;
    int64_t smin1 = is32 ? r1->s32_min : r1->smin, smax1 = is32 ? r1->s32_max : r1->smax;
    uint64_t umin2 = is32 ? r2->u32_min : r2->umin, umax2 = is32 ? r2->u32_max : r2->umax;
    int64_t smin2 = is32 ? r2->s32_min : r2->smin, smax2 = is32 ? r2->s32_max : r2->smax;
    switch (op) {
    case SC_EQ:
    case SC_NE: {
        int eq = op == SC_EQ;
        if (tnum_is_const(t1) && tnum_is_const(t2))
            return (t1.value == t2.value) == eq;
        if (umin1 > umax2 || umax1 < umin2 || smin1 > smax2 || smax1 < smin2)
            return !eq;
        if (!is32 && (r1->u32_min > r2->u32_max || r1->u32_max < r2->u32_min || r1->s32_min > r2->s32_max ||
                      r1->s32_max < r2->s32_min))
            return !eq;
        return -1;
    }
    case SC_SET:
        if (!reg_const(r2, is32)) {
            tnum t = t1;
            t1 = t2, t2 = t;
            const scalar *x = r1;
            r1 = r2, r2 = x;
        }
        if (!reg_const(r2, is32))
            return -1;
        if ((~t1.mask & t1.value) & t2.value)
            return 1;
        if (!((t1.mask | t1.value) & t2.value))
            return 0;
        return -1;
    case SC_GT: return umin1 > umax2 ? 1 : umax1 <= umin2 ? 0 : -1;
    case SC_SGT: return smin1 > smax2 ? 1 : smax1 <= smin2 ? 0 : -1;
    case SC_LT: return umax1 < umin2 ? 1 : umin1 >= umax2 ? 0 : -1;
    case SC_SLT: return smax1 < smin2 ? 1 : smin1 >= smax2 ? 0 : -1;
    case SC_GE: return umin1 >= umax2 ? 1 : umax1 < umin2 ? 0 : -1;
    case SC_SGE: return smin1 >= smax2 ? 1 : smax1 < smin2 ? 0 : -1;
    case SC_LE: return umax1 <= umin2 ? 1 : umin1 > umax2 ? 0 : -1;
    case SC_SLE: return smax1 <= smin2 ? 1 : smin1 > smax2 ? 0 : -1;
    }
    return -1;
}

enum { NSET = 100 };

void lx_refine(scalar_cond op, bool taken, scalar *r1, scalar *r2, bool is32)
{
    static const int rev[] = { [SC_EQ] = SC_NE, [SC_NE] = SC_EQ, [SC_GT] = SC_LE,   [SC_GE] = SC_LT,
                               [SC_LT] = SC_GE, [SC_LE] = SC_GT, [SC_SGT] = SC_SLE, [SC_SGE] = SC_SLT,
                               [SC_SLT] = SC_SGE, [SC_SLE] = SC_SGT, [SC_SET] = NSET };
    int c = taken ? (int)op : rev[op];
    scalar *a = r1, *b = r2, *x;
    uint64_t val;
    switch (c) { /* GE/GT/SGE/SGT: swap to LE/LT/SLE/SLT */
    case SC_GE: c = SC_LE; x = a, a = b, b = x; break;
    case SC_GT: c = SC_LT; x = a, a = b, b = x; break;
    case SC_SGE: c = SC_SLE; x = a, a = b, b = x; break;
    case SC_SGT: c = SC_SLT; x = a, a = b, b = x; break;
    default: break;
    }
    switch (c) {
    case SC_EQ:
        if (is32) {
            a->u32_min = MAX(a->u32_min, b->u32_min);
            a->u32_max = MIN(a->u32_max, b->u32_max);
            a->s32_min = MAX(a->s32_min, b->s32_min);
            a->s32_max = MIN(a->s32_max, b->s32_max);
            b->u32_min = a->u32_min, b->u32_max = a->u32_max, b->s32_min = a->s32_min, b->s32_max = a->s32_max;
            tnum t = tnum_intersect(tnum_subreg(a->var), tnum_subreg(b->var));
            a->var = tnum_with_subreg(a->var, t);
            b->var = tnum_with_subreg(b->var, t);
        } else {
            a->umin = MAX(a->umin, b->umin);
            a->umax = MIN(a->umax, b->umax);
            a->smin = MAX(a->smin, b->smin);
            a->smax = MIN(a->smax, b->smax);
            b->umin = a->umin, b->umax = a->umax, b->smin = a->smin, b->smax = a->smax;
            a->var = tnum_intersect(a->var, b->var);
            b->var = a->var;
        }
        break;
    case SC_NE:
        if (!reg_const(b, is32))
            x = a, a = b, b = x;
        if (!reg_const(b, is32))
            break;
        val = const_val(b, is32);
        if (is32) {
            if (a->u32_min == (uint32_t)val) a->u32_min++;
            if (a->u32_max == (uint32_t)val) a->u32_max--;
            if (a->s32_min == (int32_t)(uint32_t)val) a->s32_min++;
            if (a->s32_max == (int32_t)(uint32_t)val) a->s32_max--;
        } else {
            if (a->umin == val) a->umin++;
            if (a->umax == val) a->umax--;
            if (a->smin == (int64_t)val) a->smin++;
            if (a->smax == (int64_t)val) a->smax--;
        }
        break;
    case SC_SET:
    case NSET:
        if (!reg_const(b, is32))
            x = a, a = b, b = x;
        if (!reg_const(b, is32))
            break;
        val = const_val(b, is32);
        if (c == SC_SET && (!val || (val & (val - 1))))
            break;
        if (is32) {
            tnum t = c == SC_SET ? tnum_or(tnum_subreg(a->var), tnum_const(val))
                                 : tnum_and(tnum_subreg(a->var), tnum_const(~val));
            a->var = tnum_with_subreg(a->var, t);
        } else {
            a->var = c == SC_SET ? tnum_or(a->var, tnum_const(val)) : tnum_and(a->var, tnum_const(~val));
        }
        break;
    case SC_LE:
        if (is32) {
            a->u32_max = MIN(a->u32_max, b->u32_max);
            b->u32_min = MAX(a->u32_min, b->u32_min);
        } else {
            a->umax = MIN(a->umax, b->umax);
            b->umin = MAX(a->umin, b->umin);
        }
        break;
    case SC_LT:
        if (is32) {
            a->u32_max = MIN(a->u32_max, b->u32_max - 1);
            b->u32_min = MAX(a->u32_min + 1, b->u32_min);
        } else {
            a->umax = MIN(a->umax, b->umax - 1);
            b->umin = MAX(a->umin + 1, b->umin);
        }
        break;
    case SC_SLE:
        if (is32) {
            a->s32_max = MIN(a->s32_max, b->s32_max);
            b->s32_min = MAX(a->s32_min, b->s32_min);
        } else {
            a->smax = MIN(a->smax, b->smax);
            b->smin = MAX(a->smin, b->smin);
        }
        break;
    case SC_SLT:
        if (is32) {
            a->s32_max = MIN(a->s32_max, b->s32_max - 1);
            b->s32_min = MAX(a->s32_min + 1, b->s32_min);
        } else {
            a->smax = MIN(a->smax, b->smax - 1);
            b->smin = MAX(a->smin + 1, b->smin);
        }
        break;
    }
    lx_sync(r1);
    lx_sync(r2);
}
