/* scalar.c — the scalar part of the verifier's abstract domain (domain.h). A scalar is
 * one set of 64-bit values: those that are members of the tnum and lie in all four
 * intervals (u64, s64, and, for the low 32 bits, u32 and s32). scalar_sync reduces
 * the five against each other (Linux's reg_bounds_sync, done with exact interval
 * sets instead of case rules); every operation builds its result from sound facts
 * about each component and then syncs.
 * Invariants: a synced scalar has no inverted interval, its constants have every
 * field equal, and each interval end is a value the other components allow (as far
 * as a few rounds of the reduction see). No C arithmetic here overflows: exact
 * results live in 128-bit words and are wrapped to 32 or 64 bits explicitly.
 */
#include "verify/domain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- small helpers for width w (32 or 64; m for other bit counts) ------------------- */

static uint64_t wmask(unsigned w) { return w >= 64 ? ~0ull : (1ull << w) - 1; }
static int64_t smin_w(unsigned w) { return w >= 64 ? INT64_MIN : -(int64_t)(1ull << (w - 1)); }
static int64_t smax_w(unsigned w) { return (int64_t)(wmask(w) >> 1); }

/* The w-bit value x read as signed. */
static int64_t sext(uint64_t x, unsigned w)
{
    if (w >= 64)
        return (int64_t)x;
    uint64_t top = 1ull << (w - 1);
    x &= wmask(w);
    return (int64_t)((x ^ top) - top);
}

static tnum tnum_trunc(tnum t, unsigned m) { return (tnum){ t.value & wmask(m), t.mask & wmask(m) }; }

/* The low m bits sign-extended: the top bit's knowledge is copied upward. */
static tnum tnum_sext(tnum t, unsigned m)
{
    uint64_t top = 1ull << (m - 1);
    t = tnum_trunc(t, m);
    if (t.mask & top)
        t.mask |= ~wmask(m);
    else if (t.value & top)
        t.value |= ~wmask(m);
    return t;
}

static uint64_t asr(uint64_t x, unsigned k) { return (x >> 63) ? ~(~x >> k) : x >> k; }
static uint64_t umin64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t umax64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static int64_t smin64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t smax64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- exact integers: 128-bit two's complement, wrapping only at 2^128 ------------------ */

typedef struct w128 {
    uint64_t hi, lo;
} w128;

static w128 w_u(uint64_t v) { return (w128){ 0, v }; }
static w128 w_s(int64_t v) { return (w128){ v < 0 ? ~0ull : 0, (uint64_t)v }; }

static w128 w_add(w128 a, w128 b)
{
    w128 r = { a.hi + b.hi, a.lo + b.lo };
    r.hi += r.lo < a.lo;
    return r;
}

static w128 w_neg(w128 a) { return w_add((w128){ ~a.hi, ~a.lo }, w_u(1)); }
static w128 w_sub(w128 a, w128 b) { return w_add(a, w_neg(b)); }

static int w_cmp(w128 a, w128 b) /* signed */
{
    if (a.hi != b.hi)
        return (int64_t)a.hi < (int64_t)b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static w128 w_umul(uint64_t a, uint64_t b)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    return (w128){ p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32), (mid << 32) | (uint32_t)p00 };
}

/* Signed product from the unsigned one: a negative factor was read as itself + 2^64. */
static w128 w_smul(int64_t a, int64_t b)
{
    w128 r = w_umul((uint64_t)a, (uint64_t)b);
    if (a < 0)
        r.hi -= (uint64_t)b;
    if (b < 0)
        r.hi -= (uint64_t)a;
    return r;
}

/* ---- spans: a set of m-bit values as sorted disjoint intervals -------------------------- */

#define SPANS_MAX 8 /* lowset needs at most 5 */

typedef struct span {
    uint64_t lo, hi;
} span;

typedef struct spans {
    int n;
    span p[SPANS_MAX];
} spans;

/* r ∩= x. Both are sorted and disjoint, so the pairwise intersections come out in
 * order; the count is at most r.n + x.n - 1 (a full array merges into its last span,
 * which only over-approximates). */
static void sp_isect(spans *r, const spans *x)
{
    spans out;
    out.n = 0;
    for (int i = 0; i < r->n; i++)
        for (int j = 0; j < x->n; j++) {
            uint64_t lo = umax64(r->p[i].lo, x->p[j].lo), hi = umin64(r->p[i].hi, x->p[j].hi);
            if (lo > hi)
                continue;
            if (out.n == SPANS_MAX)
                out.p[out.n - 1].hi = hi;
            else
                out.p[out.n++] = (span){ lo, hi };
        }
    *r = out;
}

/* The low m bits of a, a+1, ..., b (a circular interval of n-bit values): a circular
 * interval of m-bit values unless it is long enough to cover them all. */
static void sp_proj(spans *s, uint64_t a, uint64_t b, unsigned n, unsigned m)
{
    uint64_t mm = wmask(m);
    if (((b - a) & wmask(n)) >= mm) {
        s->n = 1;
        s->p[0] = (span){ 0, mm };
        return;
    }
    a &= mm;
    b &= mm;
    if (a <= b) {
        s->n = 1;
        s->p[0] = (span){ a, b };
    } else {
        s->n = 2;
        s->p[0] = (span){ 0, b };
        s->p[1] = (span){ a, mm };
    }
}

/* The least value >= y whose low 32 bits lie in l (false: none below 2^64). */
static bool sp_next32(const spans *l, uint64_t y, uint64_t *out)
{
    uint64_t low = (uint32_t)y, high = y & ~0xffffffffull;
    for (int i = 0; i < l->n; i++)
        if (l->p[i].hi >= low) {
            *out = l->p[i].lo > low ? high | l->p[i].lo : y;
            return true;
        }
    if ((y >> 32) == 0xffffffffull)
        return false;
    *out = (high + (1ull << 32)) | l->p[0].lo;
    return true;
}

static bool sp_prev32(const spans *l, uint64_t y, uint64_t *out)
{
    uint64_t low = (uint32_t)y, high = y & ~0xffffffffull;
    for (int i = l->n - 1; i >= 0; i--)
        if (l->p[i].lo <= low) {
            *out = l->p[i].hi < low ? high | l->p[i].hi : y;
            return true;
        }
    if (!high)
        return false;
    *out = (high - (1ull << 32)) | l->p[l->n - 1].hi;
    return true;
}

/* Moves the ends of s inward to values that are members of t and (when lo32 is given)
 * have their low 32 bits in lo32. Each step skips only non-members, so stopping after
 * a few rounds leaves sound (if not tight) ends. false: s holds no such value. */
static bool sp_tighten(span *s, tnum t, const spans *lo32)
{
    uint64_t x = s->lo, y;
    for (int k = 0; k < 8; k++) {
        if (!tnum_min_ge(t, x, &y) || y > s->hi)
            return false;
        if (lo32 && (!sp_next32(lo32, y, &y) || y > s->hi))
            return false;
        if (y == x)
            break;
        x = y;
    }
    s->lo = x;
    x = s->hi;
    for (int k = 0; k < 8; k++) {
        if (!tnum_max_le(t, x, &y) || y < s->lo)
            return false;
        if (lo32 && (!sp_prev32(lo32, y, &y) || y < s->lo))
            return false;
        if (y == x)
            break;
        x = y;
    }
    s->hi = x;
    return true;
}

/* Signed hull of m-bit spans. Spans never straddle the sign boundary (see lowset), so
 * the negative ones are the last ones. */
static void sp_shull(const spans *s, unsigned m, int64_t *lo, int64_t *hi)
{
    uint64_t half = wmask(m) >> 1;
    int k = 0;
    while (k < s->n && s->p[k].hi <= half)
        k++;
    *lo = sext(k < s->n ? s->p[k].lo : s->p[0].lo, m);
    *hi = sext(k > 0 ? s->p[k - 1].hi : s->p[s->n - 1].hi, m);
}

static tnum sp_tnum(const spans *s)
{
    tnum t = tnum_range(s->p[0].lo, s->p[0].hi);
    for (int i = 1; i < s->n; i++)
        t = tnum_union(t, tnum_range(s->p[i].lo, s->p[i].hi));
    return t;
}

/* The possible values of the low m bits of s (1 <= m <= 64) as spans: the projection
 * of each interval, cut at the m-bit sign boundary, with ends moved to members of the
 * tnum and, for m > 32, to values whose low 32 bits are possible (lo32; computed when
 * NULL). false: s is empty. */
static bool lowset(const scalar *s, unsigned m, const spans *lo32, spans *out)
{
    uint64_t mm = wmask(m), half = mm >> 1;
    spans x, own;
    out->n = 2;
    out->p[0] = (span){ 0, half };
    out->p[1] = (span){ half + 1, mm };
    sp_proj(&x, s->umin, s->umax, 64, m);
    sp_isect(out, &x);
    sp_proj(&x, (uint64_t)s->smin, (uint64_t)s->smax, 64, m);
    sp_isect(out, &x);
    if (m <= 32) {
        sp_proj(&x, s->u32_min, s->u32_max, 32, m);
        sp_isect(out, &x);
        sp_proj(&x, (uint32_t)s->s32_min, (uint32_t)s->s32_max, 32, m);
        sp_isect(out, &x);
        lo32 = NULL;
    } else if (!lo32) {
        if (!lowset(s, 32, NULL, &own))
            return false;
        lo32 = &own;
    }
    tnum t = tnum_trunc(s->var, m);
    int n = 0;
    for (int i = 0; i < out->n; i++) {
        span p = out->p[i];
        if (sp_tighten(&p, t, lo32))
            out->p[n++] = p;
    }
    out->n = n;
    return n > 0;
}

/* ---- constructors and the reduction ---------------------------------------------------- */

scalar scalar_const(uint64_t v)
{
    return (scalar){ .var = tnum_const(v), .smin = (int64_t)v, .smax = (int64_t)v, .umin = v, .umax = v,
                     .s32_min = (int32_t)(uint32_t)v, .s32_max = (int32_t)(uint32_t)v,
                     .u32_min = (uint32_t)v, .u32_max = (uint32_t)v };
}

scalar scalar_unknown(void)
{
    return (scalar){ .var = tnum_unknown(), .smin = INT64_MIN, .smax = INT64_MAX, .umin = 0, .umax = UINT64_MAX,
                     .s32_min = INT32_MIN, .s32_max = INT32_MAX, .u32_min = 0, .u32_max = UINT32_MAX };
}

static bool scalar_same(const scalar *a, const scalar *b)
{
    return a->var.value == b->var.value && a->var.mask == b->var.mask && a->umin == b->umin &&
           a->umax == b->umax && a->smin == b->smin && a->smax == b->smax && a->u32_min == b->u32_min &&
           a->u32_max == b->u32_max && a->s32_min == b->s32_min && a->s32_max == b->s32_max;
}

/* Each round: the possible low halves (all constraints projected to 32 bits, as
 * spans) give the u32/s32 hulls; the possible 64-bit values (u64 ∩ s64, cut at the
 * sign, ends moved to tnum members with a possible low half) give the u64/s64 hulls;
 * both span sets give known bits. This covers what Linux's __update_reg_bounds,
 * __reg32/64_deduce_bounds, __reg_deduce_mixed_bounds and __reg_bound_offset deduce,
 * and a bit more (interval ends land on members, sign-crossing ranges intersect
 * exactly). A round that changes nothing ends the loop. */
static bool sync_rounds(scalar *s);

/* The reduction is a pure function of the scalar, and a program's walk asks for the
 * same few thousand values again and again (a loop's counter and the values it
 * indexes): a small per-thread cache of results saves most of the work. */
#define SYNC_CACHE 512

typedef struct sync_memo {
    scalar in, out;
    bool used, ok;
} sync_memo;

static _Thread_local sync_memo sync_cache[SYNC_CACHE];

bool scalar_sync(scalar *s)
{
    if (s->umin > s->umax || s->smin > s->smax || s->u32_min > s->u32_max || s->s32_min > s->s32_max)
        return false;
    if (tnum_is_const(s->var)) { /* the common case: one candidate */
        if (!scalar_contains(s, s->var.value))
            return false;
        *s = scalar_const(s->var.value);
        return true;
    }
    uint64_t h = s->var.value * 0x9e3779b97f4a7c15ull ^ s->var.mask * 0xc2b2ae3d27d4eb4full ^
                 s->umin * 0x165667b19e3779f9ull ^ s->umax * 0x27d4eb2f165667c5ull ^ (uint64_t)s->smin * 0x94d049bb133111ebull ^
                 (uint64_t)s->smax * 0xbf58476d1ce4e5b9ull ^ ((uint64_t)s->u32_min << 32 | s->u32_max) * 0x9e3779b97f4a7c15ull ^
                 ((uint64_t)(uint32_t)s->s32_min << 32 | (uint32_t)s->s32_max) * 0xd6e8feb86659fd93ull;
    sync_memo *c = &sync_cache[(h >> 40) % SYNC_CACHE];
    if (c->used && !memcmp(&c->in, s, sizeof *s)) {
        *s = c->out;
        return c->ok;
    }
    c->in = *s;
    c->ok = sync_rounds(s);
    c->out = *s;
    c->used = true;
    return c->ok;
}

static bool sync_rounds(scalar *s)
{
    for (int round = 0; round < 6; round++) {
        scalar before = *s;
        spans lo, all;
        int64_t a, b;
        if (!lowset(s, 32, NULL, &lo))
            return false;
        s->u32_min = (uint32_t)lo.p[0].lo;
        s->u32_max = (uint32_t)lo.p[lo.n - 1].hi;
        sp_shull(&lo, 32, &a, &b);
        s->s32_min = (int32_t)a;
        s->s32_max = (int32_t)b;
        if (!lowset(s, 64, &lo, &all))
            return false;
        s->umin = all.p[0].lo;
        s->umax = all.p[all.n - 1].hi;
        sp_shull(&all, 64, &s->smin, &s->smax);
        tnum t64 = sp_tnum(&all), t32 = sp_tnum(&lo);
        t32.mask |= ~0xffffffffull;
        if (!tnum_overlap(s->var, t64) || !tnum_overlap(s->var, t32))
            return false;
        s->var = tnum_intersect(tnum_intersect(s->var, t64), t32);
        if (scalar_same(&before, s))
            break;
    }
    return true;
}

bool scalar_is_const(const scalar *s) { return tnum_is_const(s->var) || s->umin == s->umax; }

uint64_t scalar_const_value(const scalar *s) { return tnum_is_const(s->var) ? s->var.value : s->umin; }

bool scalar_contains(const scalar *s, uint64_t v)
{
    return tnum_contains(s->var, v) && v >= s->umin && v <= s->umax && (int64_t)v >= s->smin &&
           (int64_t)v <= s->smax && (uint32_t)v >= s->u32_min && (uint32_t)v <= s->u32_max &&
           (int32_t)(uint32_t)v >= s->s32_min && (int32_t)(uint32_t)v <= s->s32_max;
}

/* Component by component: each constraint of new_ is at least as strict as old's, so
 * the set new_ describes satisfies every constraint of old_. */
bool scalar_within(const scalar *old_, const scalar *new_)
{
    return tnum_in(old_->var, new_->var) && new_->umin >= old_->umin && new_->umax <= old_->umax &&
           new_->smin >= old_->smin && new_->smax <= old_->smax && new_->u32_min >= old_->u32_min &&
           new_->u32_max <= old_->u32_max && new_->s32_min >= old_->s32_min && new_->s32_max <= old_->s32_max;
}

static scalar join_raw(const scalar *a, const scalar *b)
{
    scalar r;
    r.var = tnum_union(a->var, b->var);
    r.umin = umin64(a->umin, b->umin);
    r.umax = umax64(a->umax, b->umax);
    r.smin = smin64(a->smin, b->smin);
    r.smax = smax64(a->smax, b->smax);
    r.u32_min = a->u32_min < b->u32_min ? a->u32_min : b->u32_min;
    r.u32_max = a->u32_max > b->u32_max ? a->u32_max : b->u32_max;
    r.s32_min = a->s32_min < b->s32_min ? a->s32_min : b->s32_min;
    r.s32_max = a->s32_max > b->s32_max ? a->s32_max : b->s32_max;
    return r;
}

/* The hull of each component, then reduced. (The domain has no exact least upper
 * bound in general; this one contains both and is the least per component.) */
scalar scalar_join(const scalar *a, const scalar *b)
{
    scalar r = join_raw(a, b), t = r;
    return scalar_sync(&t) ? t : r;
}

/* ---- views: one width of a scalar (w = 64: tnum, u64, s64; w = 32: the low halves) ---- */

typedef struct view {
    tnum t;              /* only the low w bits */
    uint64_t umin, umax; /* in [0, 2^w) */
    int64_t smin, smax;  /* in [-2^(w-1), 2^(w-1)) */
} view;

static view view_full(unsigned w)
{
    return (view){ tnum_trunc(tnum_unknown(), w), 0, wmask(w), smin_w(w), smax_w(w) };
}

static view view_const(uint64_t v, unsigned w)
{
    v &= wmask(w);
    return (view){ tnum_const(v), v, v, sext(v, w), sext(v, w) };
}

static view view_of(const scalar *s, unsigned w)
{
    if (w == 64)
        return (view){ s->var, s->umin, s->umax, s->smin, s->smax };
    return (view){ tnum_subreg(s->var), s->u32_min, s->u32_max, s->s32_min, s->s32_max };
}

static bool view_ok(const view *v) { return v->umin <= v->umax && v->smin <= v->smax; }
static bool view_is_const(const view *v) { return v->umin == v->umax; }

/* Writes v back as width w of s, keeping what s knows of the other bits. */
static void view_put(scalar *s, const view *v, unsigned w)
{
    if (w == 64) {
        s->var = v->t;
        s->umin = v->umin;
        s->umax = v->umax;
        s->smin = v->smin;
        s->smax = v->smax;
    } else {
        s->var = tnum_with_subreg(s->var, v->t);
        s->u32_min = (uint32_t)v->umin;
        s->u32_max = (uint32_t)v->umax;
        s->s32_min = (int32_t)v->smin;
        s->s32_max = (int32_t)v->smax;
    }
}

static view view_join(const view *a, const view *b)
{
    return (view){ tnum_union(a->t, b->t), umin64(a->umin, b->umin), umax64(a->umax, b->umax),
                   smin64(a->smin, b->smin), smax64(a->smax, b->smax) };
}

static void clamp_u(view *v, uint64_t lo, uint64_t hi)
{
    v->umin = umax64(v->umin, lo);
    v->umax = umin64(v->umax, hi);
}

static void clamp_s(view *v, int64_t lo, int64_t hi)
{
    v->smin = smax64(v->smin, lo);
    v->smax = smin64(v->smax, hi);
}

/* v ∩ the w-bit values start, start+1, ..., end (mod 2^w): an interval in the
 * unsigned order unless it passes 0, in the signed order unless it passes the sign
 * boundary (then the end reads smaller than the start). */
static void clamp_circ(view *v, uint64_t start, uint64_t end, unsigned w)
{
    if (start <= end)
        clamp_u(v, start, end);
    if (sext(start, w) <= sext(end, w))
        clamp_s(v, sext(start, w), sext(end, w));
}

/* v ∩ the w-bit wraps of the integers lo..hi (exact values, lo <= hi). Fewer than
 * 2^w consecutive integers wrap to a circular interval. */
static void clamp_exact(view *v, w128 lo, w128 hi, unsigned w)
{
    w128 len = w_sub(hi, lo);
    if (len.hi || len.lo >= wmask(w))
        return;
    clamp_circ(v, lo.lo & wmask(w), hi.lo & wmask(w), w);
}

/* A scalar from the views of a result: of width 64 (with, when known, the view of its
 * low 32 bits), or of width 32, zero-extended. Not yet synced. */
static scalar from_views(const view *r, const view *r32, unsigned w)
{
    scalar s = scalar_unknown();
    if (w == 32) {
        s.var = tnum_trunc(r->t, 32);
        s.umin = r->umin;
        s.umax = r->umax;
        s.smin = (int64_t)r->umin;
        s.smax = (int64_t)r->umax;
        view_put(&s, r, 32);
        return s;
    }
    view_put(&s, r, 64);
    if (r32) {
        view v = *r32;
        v.t = tnum_intersect(tnum_subreg(s.var), v.t);
        view_put(&s, &v, 32);
    }
    return s;
}

/* An empty input (only from a dead path) gives an empty result: any value will do. */
static scalar finish(scalar s, unsigned w)
{
    scalar t = s;
    if (scalar_sync(&t))
        return t;
    return w == 32 ? scalar_unknown_size(4) : scalar_unknown();
}

/* ---- arithmetic on views -------------------------------------------------------------- */

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

/* Truncated signed quotient, exact: only S_MIN / -1 leaves the w-bit range. */
static w128 squot(int64_t x, int64_t y) { return y == -1 ? w_neg(w_s(x)) : w_s(x / y); }

/* Quotients of a by divisors in [y1, y2] (all of one sign): for a fixed divisor the
 * quotient is monotone in the dividend, and for a fixed dividend monotone in the
 * divisor, so the four corners bound it. */
static view sdiv_part(const view *a, int64_t y1, int64_t y2, unsigned w)
{
    w128 q[4] = { squot(a->smin, y1), squot(a->smin, y2), squot(a->smax, y1), squot(a->smax, y2) };
    w128 lo = q[0], hi = q[0];
    for (int k = 1; k < 4; k++) {
        if (w_cmp(q[k], lo) < 0)
            lo = q[k];
        if (w_cmp(q[k], hi) > 0)
            hi = q[k];
    }
    view r = view_full(w);
    clamp_exact(&r, lo, hi, w);
    return r;
}

static uint64_t magnitude(int64_t x) { return x < 0 ? -(uint64_t)x : (uint64_t)x; }

/* x % y is x itself when every |x| is below every non-zero |y| (or y is always 0). */
static bool mod_is_identity(scalar_op op, const view *a, const view *b, unsigned w)
{
    if (op == SOP_MOD)
        return b->umax == 0 || b->umin > a->umax;
    if (op != SOP_SMOD)
        return false;
    if (b->smin == 0 && b->smax == 0)
        return true;
    uint64_t mn;
    if (b->smin > 0)
        mn = (uint64_t)b->smin;
    else if (b->smax < 0)
        mn = magnitude(b->smax);
    else
        mn = 1;
    (void)w;
    return magnitude(a->smin) < mn && magnitude(a->smax) < mn;
}

/* op(a, b) on w-bit views: the tnum from tnum.c, and each interval from the exact
 * (unwrapped) interval of results, wrapped to w bits by clamp_exact. */
static view v_arith(scalar_op op, const view *a, const view *b, unsigned w)
{
    view r = view_full(w);
    switch (op) {
    case SOP_ADD:
        r.t = tnum_add(a->t, b->t);
        clamp_exact(&r, w_add(w_u(a->umin), w_u(b->umin)), w_add(w_u(a->umax), w_u(b->umax)), w);
        clamp_exact(&r, w_add(w_s(a->smin), w_s(b->smin)), w_add(w_s(a->smax), w_s(b->smax)), w);
        break;
    case SOP_SUB:
        r.t = tnum_sub(a->t, b->t);
        clamp_exact(&r, w_sub(w_u(a->umin), w_u(b->umax)), w_sub(w_u(a->umax), w_u(b->umin)), w);
        clamp_exact(&r, w_sub(w_s(a->smin), w_s(b->smax)), w_sub(w_s(a->smax), w_s(b->smin)), w);
        break;
    case SOP_NEG:
        r.t = tnum_neg(a->t);
        clamp_exact(&r, w_neg(w_u(a->umax)), w_neg(w_u(a->umin)), w);
        clamp_exact(&r, w_neg(w_s(a->smax)), w_neg(w_s(a->smin)), w);
        break;
    case SOP_MUL: {
        r.t = tnum_mul(a->t, b->t);
        clamp_exact(&r, w_umul(a->umin, b->umin), w_umul(a->umax, b->umax), w);
        w128 q[4] = { w_smul(a->smin, b->smin), w_smul(a->smin, b->smax), w_smul(a->smax, b->smin),
                      w_smul(a->smax, b->smax) };
        w128 lo = q[0], hi = q[0];
        for (int k = 1; k < 4; k++) {
            if (w_cmp(q[k], lo) < 0)
                lo = q[k];
            if (w_cmp(q[k], hi) > 0)
                hi = q[k];
        }
        clamp_exact(&r, lo, hi, w);
        break;
    }
    case SOP_AND:
        /* x & y <= x and <= y unsigned. Signed: non-negative when either is (and then
         * at most that one); when both are negative, at most the smaller maximum; in
         * any case at most the larger maximum. */
        r.t = tnum_and(a->t, b->t);
        clamp_u(&r, 0, umin64(a->umax, b->umax));
        if (a->smin >= 0 && b->smin >= 0)
            clamp_s(&r, 0, smin64(a->smax, b->smax));
        else if (a->smin >= 0)
            clamp_s(&r, 0, a->smax);
        else if (b->smin >= 0)
            clamp_s(&r, 0, b->smax);
        else if (a->smax < 0 && b->smax < 0)
            clamp_s(&r, smin_w(w), smin64(a->smax, b->smax));
        else
            clamp_s(&r, smin_w(w), smax64(a->smax, b->smax));
        break;
    case SOP_OR:
        /* x | y >= x and >= y unsigned. Signed: negative when either is (and then at
         * least that one), at least the larger minimum when both are non-negative, at
         * least the smaller minimum in any case. */
        r.t = tnum_or(a->t, b->t);
        clamp_u(&r, umax64(a->umin, b->umin), wmask(w));
        if (a->smax < 0 && b->smax < 0)
            clamp_s(&r, smax64(a->smin, b->smin), -1);
        else if (a->smax < 0)
            clamp_s(&r, a->smin, -1);
        else if (b->smax < 0)
            clamp_s(&r, b->smin, -1);
        else if (a->smin >= 0 && b->smin >= 0)
            clamp_s(&r, smax64(a->smin, b->smin), smax_w(w));
        else
            clamp_s(&r, smin64(a->smin, b->smin), smax_w(w));
        break;
    case SOP_XOR:
        /* the sign is the xor of the signs */
        r.t = tnum_xor(a->t, b->t);
        if ((a->smin >= 0 && b->smin >= 0) || (a->smax < 0 && b->smax < 0))
            clamp_s(&r, 0, smax_w(w));
        else if ((a->smin >= 0 && b->smax < 0) || (a->smax < 0 && b->smin >= 0))
            clamp_s(&r, smin_w(w), -1);
        break;
    case SOP_DIV:
        /* x / 0 = 0; otherwise between umin / dmax and umax / (least non-zero d) */
        if (b->umax == 0)
            return view_const(0, w);
        clamp_u(&r, b->umin ? a->umin / b->umax : 0, a->umax / (b->umin ? b->umin : 1));
        if (tnum_is_const(b->t) && is_pow2(b->t.value))
            r.t = tnum_rshift(a->t, (uint8_t)__builtin_ctzll(b->t.value));
        break;
    case SOP_MOD:
        /* x % 0 = x; x % d < d and <= x */
        if (mod_is_identity(op, a, b, w))
            return *a;
        clamp_u(&r, 0, b->umin == 0 ? a->umax : umin64(a->umax, b->umax - 1));
        if (tnum_is_const(b->t) && is_pow2(b->t.value))
            r.t = tnum_and(a->t, tnum_const(b->t.value - 1));
        break;
    case SOP_SDIV: {
        /* x s/ 0 = 0; positive and negative divisors separately (corners) */
        bool any = false;
        if (b->smin <= 0 && b->smax >= 0) {
            r = view_const(0, w);
            any = true;
        }
        if (b->smax >= 1) {
            view p = sdiv_part(a, smax64(b->smin, 1), b->smax, w);
            r = any ? view_join(&r, &p) : p;
            any = true;
        }
        if (b->smin <= -1) {
            view p = sdiv_part(a, b->smin, smin64(b->smax, -1), w);
            r = any ? view_join(&r, &p) : p;
        }
        break;
    }
    case SOP_SMOD: {
        /* x s% 0 = x; otherwise the sign of x, |result| < |y| and <= |x| */
        if (mod_is_identity(op, a, b, w))
            return *a;
        uint64_t mx = umax64(b->smin < 0 ? magnitude(b->smin) : 0, b->smax > 0 ? (uint64_t)b->smax : 0);
        int64_t lo = a->smin >= 0 ? 0 : -(int64_t)umin64(magnitude(a->smin), mx - 1);
        int64_t hi = a->smax <= 0 ? 0 : (int64_t)umin64((uint64_t)a->smax, mx - 1);
        clamp_s(&r, lo, hi);
        if (b->smin <= 0 && b->smax >= 0)
            r = view_join(&r, a);
        break;
    }
    default:
        break;
    }
    r.t = tnum_trunc(r.t, w);
    return r;
}

/* ---- shifts --------------------------------------------------------------------------- */

/* o ∩ (the low m bits of a) * 2^k, for a shift left by k of a value of m + k bits. */
static void lsh_bounds(view *o, const scalar *a, unsigned m, unsigned k)
{
    spans p;
    int64_t lo, hi;
    if (!lowset(a, m, NULL, &p))
        return;
    clamp_u(o, p.p[0].lo << k, p.p[p.n - 1].hi << k);
    sp_shull(&p, m, &lo, &hi);
    clamp_s(o, (int64_t)((uint64_t)lo << k), (int64_t)((uint64_t)hi << k));
}

/* a OP k for one count k < w, unsynced. x << k keeps the low m = w - k bits of x,
 * so its intervals are those of the low m bits (lowset) times 2^k. x >> k is
 * monotone in x; so is x s>> k in signed order. For 64-bit results with 0 < k < 32
 * the low 32 bits of the result are bits k..k+31 of x: from lowset(x, 32 + k). */
static scalar shift_const(scalar_op op, const scalar *a, unsigned k, unsigned w)
{
    view v = view_of(a, w), r = view_full(w), r32 = view_full(32);
    bool have32 = false;
    spans p;
    switch (op) {
    case SOP_LSH:
        r.t = tnum_trunc(tnum_lshift(v.t, (uint8_t)k), w);
        lsh_bounds(&r, a, w - k, k);
        if (w == 64 && k < 32) {
            have32 = true;
            r32.t = tnum_trunc(r.t, 32);
            lsh_bounds(&r32, a, 32 - k, k);
        }
        break;
    case SOP_RSH:
    case SOP_ARSH:
        if (op == SOP_RSH) {
            r.t = tnum_rshift(v.t, (uint8_t)k);
            clamp_u(&r, v.umin >> k, v.umax >> k);
            if (k)
                clamp_s(&r, (int64_t)(v.umin >> k), (int64_t)(v.umax >> k));
            else
                clamp_s(&r, v.smin, v.smax);
        } else {
            r.t = tnum_arshift(v.t, (uint8_t)k, (uint8_t)w);
            clamp_s(&r, sext(asr((uint64_t)v.smin, k), w), sext(asr((uint64_t)v.smax, k), w));
            if (!k)
                clamp_u(&r, v.umin, v.umax);
        }
        if (w == 64 && k < 32) {
            have32 = true;
            r32.t = tnum_trunc(r.t, 32);
            if (k == 0) {
                r32 = view_of(a, 32);
            } else if (lowset(a, 32 + k, NULL, &p)) {
                clamp_u(&r32, p.p[0].lo >> k, p.p[p.n - 1].hi >> k);
            }
        }
        break;
    default:
        break;
    }
    return from_views(&r, have32 ? &r32 : NULL, w);
}

/* The count is masked to w - 1 like the ISA does; every count the source allows is
 * tried and the results joined (a constant count is the common case). */
static scalar alu_shift(scalar_op op, const scalar *a, const scalar *b, unsigned w)
{
    unsigned bits = w == 64 ? 6 : 5;
    tnum kt = tnum_trunc(b->var, bits);
    spans ks;
    scalar acc = scalar_unknown();
    bool any = false;
    if (!lowset(b, bits, NULL, &ks))
        return acc;
    for (int i = 0; i < ks.n; i++)
        for (uint64_t k = ks.p[i].lo; k <= ks.p[i].hi; k++) {
            if (!tnum_contains(kt, k))
                continue;
            scalar r = shift_const(op, a, (unsigned)k, w);
            if (!scalar_sync(&r))
                continue;
            acc = any ? join_raw(&acc, &r) : r;
            any = true;
        }
    return acc;
}

/* ---- the ALU ------------------------------------------------------------------------- */

/* One operation on w-bit constants, as RFC 9669 defines it (the result is w bits). */
static uint64_t eval(scalar_op op, uint64_t x, uint64_t y, unsigned w)
{
    uint64_t mm = wmask(w);
    int64_t sx = sext(x, w), sy = sext(y, w);
    x &= mm;
    y &= mm;
    switch (op) {
    case SOP_ADD: return (x + y) & mm;
    case SOP_SUB: return (x - y) & mm;
    case SOP_MUL: return (x * y) & mm;
    case SOP_DIV: return y ? x / y : 0;
    case SOP_MOD: return y ? x % y : x;
    case SOP_SDIV: /* S_MIN / -1 wraps to S_MIN */
        if (!y)
            return 0;
        return sy == -1 ? (0 - x) & mm : (uint64_t)(sx / sy) & mm;
    case SOP_SMOD:
        if (!y)
            return x;
        return sy == -1 ? 0 : (uint64_t)(sx % sy) & mm;
    case SOP_OR: return x | y;
    case SOP_AND: return x & y;
    case SOP_XOR: return x ^ y;
    case SOP_LSH: return (x << (y & (w - 1))) & mm;
    case SOP_RSH: return x >> (y & (w - 1));
    case SOP_ARSH: return asr((uint64_t)sx, (unsigned)(y & (w - 1))) & mm;
    case SOP_NEG: return (0 - x) & mm;
    case SOP_MOV: return y;
    }
    return 0;
}

scalar scalar_alu(scalar_op op, const scalar *dst, const scalar *src, bool is32)
{
    unsigned w = is32 ? 32 : 64;
    scalar a = *dst, b = *src, r;
    view ca = view_of(&a, w), cb = view_of(&b, w);
    if (view_is_const(&ca) && (op == SOP_NEG || view_is_const(&cb)))
        return scalar_const(eval(op, ca.umin, cb.umin, w));
    switch (op) {
    case SOP_MOV:
        return is32 ? scalar_cast(&b, 4) : b;
    case SOP_LSH:
    case SOP_RSH:
    case SOP_ARSH:
        r = alu_shift(op, &a, &b, w);
        break;
    default: {
        view va = view_of(&a, w), vb = view_of(&b, w);
        if (mod_is_identity(op, &va, &vb, w))
            return is32 ? scalar_cast(&a, 4) : a;
        view ra = v_arith(op, &va, &vb, w);
        /* these ops' low 32 bits depend only on the operands' low 32 bits */
        bool low = !is32 && (op == SOP_ADD || op == SOP_SUB || op == SOP_MUL || op == SOP_AND ||
                             op == SOP_OR || op == SOP_XOR || op == SOP_NEG);
        view a32 = view_of(&a, 32), b32 = view_of(&b, 32);
        view r32 = low ? v_arith(op, &a32, &b32, 32) : ra;
        r = from_views(&ra, low ? &r32 : NULL, w);
        break;
    }
    }
    return finish(r, w);
}

/* ---- widths: truncation, sign extension, byte swaps, loads ------------------------------ */

/* The zero-extended low m bits (m <= 32) of s as a scalar. */
static scalar low_bits(const scalar *s, unsigned m)
{
    spans p;
    if (!lowset(s, m, NULL, &p))
        return scalar_unknown_size((uint8_t)(m / 8));
    view v = { tnum_trunc(s->var, m), p.p[0].lo, p.p[p.n - 1].hi, 0, 0 };
    if (m == 32)
        sp_shull(&p, 32, &v.smin, &v.smax);
    else
        v.smin = (int64_t)v.umin, v.smax = (int64_t)v.umax;
    return finish(from_views(&v, NULL, 32), 32);
}

scalar scalar_cast(const scalar *s, uint8_t size)
{
    scalar a = *s;
    if (size >= 8)
        return a;
    return low_bits(&a, size * 8u);
}

void scalar_zext32(scalar *s) { *s = scalar_cast(s, 4); }

/* The low `bits` bits read as signed: their signed hull, and the tnum with the top
 * bit's knowledge copied upward. */
scalar scalar_movsx(const scalar *src, uint8_t bits, bool is32)
{
    scalar a = *src, r = scalar_unknown();
    spans p;
    if (bits >= 64)
        return is32 ? scalar_cast(&a, 4) : a;
    if (lowset(&a, bits, NULL, &p))
        sp_shull(&p, bits, &r.smin, &r.smax);
    r.var = tnum_sext(a.var, bits);
    r = finish(r, 64);
    return is32 ? scalar_cast(&r, 4) : r;
}

/* A byte swap permutes bits: the tnum follows exactly; intervals come from it. */
scalar scalar_bswap(const scalar *src, uint8_t bits, bool swap)
{
    if (!swap)
        return scalar_cast(src, bits / 8);
    scalar a = *src, r = scalar_unknown();
    r.var = tnum_bswap(a.var, bits);
    return finish(r, 64);
}

scalar scalar_unknown_size(uint8_t size)
{
    scalar r = scalar_unknown();
    if (size < 8)
        r.var = tnum_trunc(r.var, size * 8u);
    return finish(r, 64);
}

scalar scalar_unknown_signed(uint8_t size)
{
    scalar r = scalar_unknown();
    if (size < 8) {
        r.smin = smin_w(size * 8u);
        r.smax = smax_w(size * 8u);
    }
    return finish(r, 64);
}

/* ---- conditions ---------------------------------------------------------------------- */

/* Conditions after normalization: x OP y with OP one of these (> and >= swap sides). */
typedef enum { RC_EQ, RC_NE, RC_LT, RC_LE, RC_SLT, RC_SLE, RC_SET, RC_NSET } rcond;

/* x != c: an interval end equal to c moves in by one; a constant c is impossible. */
static bool ne_const(view *x, uint64_t c, unsigned w)
{
    int64_t sc = sext(c, w);
    if ((x->umin == c && x->umax == c) || (x->smin == sc && x->smax == sc))
        return false;
    if (x->umin == c)
        x->umin++;
    else if (x->umax == c)
        x->umax--;
    if (x->smin == sc)
        x->smin++;
    else if (x->smax == sc)
        x->smax--;
    return true;
}

/* Narrows the w-bit views x and y to the pairs that satisfy x OP y (per component, like
 * Linux's regs_refine_cond_op). false: no pair does. */
static bool refine_views(rcond c, view *x, view *y, unsigned w)
{
    switch (c) {
    case RC_EQ: {
        if (!tnum_overlap(x->t, y->t))
            return false;
        view m = *x;
        m.t = tnum_intersect(x->t, y->t);
        clamp_u(&m, y->umin, y->umax);
        clamp_s(&m, y->smin, y->smax);
        *x = *y = m;
        break;
    }
    case RC_NE:
        if (view_is_const(y) && !ne_const(x, y->umin, w))
            return false;
        if (view_is_const(x) && !ne_const(y, x->umin, w))
            return false;
        break;
    case RC_LT:
        if (y->umax == 0 || x->umin == wmask(w))
            return false;
        x->umax = umin64(x->umax, y->umax - 1);
        y->umin = umax64(y->umin, x->umin + 1);
        break;
    case RC_LE:
        x->umax = umin64(x->umax, y->umax);
        y->umin = umax64(y->umin, x->umin);
        break;
    case RC_SLT:
        if (y->smax == smin_w(w) || x->smin == smax_w(w))
            return false;
        x->smax = smin64(x->smax, y->smax - 1);
        y->smin = smax64(y->smin, x->smin + 1);
        break;
    case RC_SLE:
        x->smax = smin64(x->smax, y->smax);
        y->smin = smax64(y->smin, x->smin);
        break;
    case RC_SET: {
        /* x & y != 0: they share a bit that both may have. With one candidate bit,
         * both have it; in any case each is at least the lowest candidate bit, and
         * neither is 0. */
        uint64_t cand = (x->t.value | x->t.mask) & (y->t.value | y->t.mask);
        if (!cand)
            return false;
        if (is_pow2(cand)) {
            x->t = tnum_or(x->t, tnum_const(cand));
            y->t = tnum_or(y->t, tnum_const(cand));
        }
        clamp_u(x, cand & -cand, wmask(w));
        clamp_u(y, cand & -cand, wmask(w));
        if (!view_ok(x) || !view_ok(y) || !ne_const(x, 0, w) || !ne_const(y, 0, w))
            return false;
        break;
    }
    case RC_NSET:
        /* x & y == 0: a known 1 of either is a 0 of the other */
        if (x->t.value & y->t.value)
            return false;
        x->t = tnum_and(x->t, tnum_const(~y->t.value));
        y->t = tnum_and(y->t, tnum_const(~x->t.value));
        break;
    }
    return view_ok(x) && view_ok(y);
}

bool scalar_refine(scalar_cond op, bool taken, scalar *a, scalar *b, bool is32)
{
    static const struct {
        rcond c;
        bool swap;
    } yes[] = {
        [SC_EQ] = { RC_EQ, false },   [SC_NE] = { RC_NE, false },   [SC_GT] = { RC_LT, true },
        [SC_GE] = { RC_LE, true },    [SC_LT] = { RC_LT, false },   [SC_LE] = { RC_LE, false },
        [SC_SGT] = { RC_SLT, true },  [SC_SGE] = { RC_SLE, true },  [SC_SLT] = { RC_SLT, false },
        [SC_SLE] = { RC_SLE, false }, [SC_SET] = { RC_SET, false },
    }, no[] = { /* the negations: !(a > b) is a <= b, ... */
        [SC_EQ] = { RC_NE, false },   [SC_NE] = { RC_EQ, false },   [SC_GT] = { RC_LE, false },
        [SC_GE] = { RC_LT, false },   [SC_LT] = { RC_LE, true },    [SC_LE] = { RC_LT, true },
        [SC_SGT] = { RC_SLE, false }, [SC_SGE] = { RC_SLT, false }, [SC_SLT] = { RC_SLE, true },
        [SC_SLE] = { RC_SLT, true },  [SC_SET] = { RC_NSET, false },
    };
    if ((unsigned)op > SC_SET)
        return true;
    unsigned w = is32 ? 32 : 64;
    rcond c = taken ? yes[op].c : no[op].c;
    bool swap = taken ? yes[op].swap : no[op].swap;
    scalar x = *a, y = *b;
    scalar *p = swap ? &y : &x, *q = swap ? &x : &y;
    view vp = view_of(p, w), vq = view_of(q, w);
    if (!refine_views(c, &vp, &vq, w))
        return false;
    view_put(p, &vp, w);
    view_put(q, &vq, w);
    if (c == RC_EQ && w == 64) { /* equal registers have equal low halves */
        view p32 = view_of(p, 32), q32 = view_of(q, 32);
        if (!refine_views(RC_EQ, &p32, &q32, 32))
            return false;
        view_put(p, &p32, 32);
        view_put(q, &q32, 32);
    }
    if (!scalar_sync(&x) || !scalar_sync(&y))
        return false;
    *a = x;
    *b = y;
    return true;
}

/* The common cases from the 64-bit intervals alone: decided when they do not
 * overlap (as Linux's is_scalar_branch_taken), open when both outcomes have a witness
 * (interval ends that are members). 2: not known here. */
static int taken_fast(scalar_cond op, const scalar *a, const scalar *b)
{
    const scalar *x = a, *y = b;
    switch (op) {
    case SC_GT:
    case SC_GE:
    case SC_SGT:
    case SC_SGE:
        x = b, y = a; /* a > b is b < a */
        op = op == SC_GT ? SC_LT : op == SC_GE ? SC_LE : op == SC_SGT ? SC_SLT : SC_SLE;
        break;
    default:
        break;
    }
    switch (op) {
    case SC_LT:
    case SC_LE: {
        bool le = op == SC_LE;
        if (le ? x->umax <= y->umin : x->umax < y->umin)
            return 1;
        if (le ? x->umin > y->umax : x->umin >= y->umax)
            return 0;
        bool open = scalar_contains(x, x->umin) && scalar_contains(x, x->umax) && scalar_contains(y, y->umin) &&
                    scalar_contains(y, y->umax);
        return open ? -1 : 2;
    }
    case SC_SLT:
    case SC_SLE: {
        bool le = op == SC_SLE;
        if (le ? x->smax <= y->smin : x->smax < y->smin)
            return 1;
        if (le ? x->smin > y->smax : x->smin >= y->smax)
            return 0;
        bool open = scalar_contains(x, (uint64_t)x->smin) && scalar_contains(x, (uint64_t)x->smax) &&
                    scalar_contains(y, (uint64_t)y->smin) && scalar_contains(y, (uint64_t)y->smax);
        return open ? -1 : 2;
    }
    case SC_EQ:
    case SC_NE:
        if (x->umax < y->umin || x->umin > y->umax || x->smax < y->smin || x->smin > y->smax ||
            !tnum_overlap(x->var, y->var))
            return op == SC_NE;
        return 2;
    case SC_SET:
        if (x->var.value & y->var.value)
            return 1;
        if (!((x->var.value | x->var.mask) & (y->var.value | y->var.mask)))
            return 0;
        return 2;
    default:
        return 2;
    }
}

/* Otherwise decided when refining to one outcome finds no possible pair: this sees
 * everything the refinement sees (tnums, all four intervals, the sync between them). */
int scalar_branch_taken(scalar_cond op, const scalar *a, const scalar *b, bool is32)
{
    int fast = is32 ? 2 : taken_fast(op, a, b);
    if (fast != 2)
        return fast;
    scalar ta = *a, tb = *b, fa = *a, fb = *b;
    bool t = scalar_refine(op, true, &ta, &tb, is32);
    bool f = scalar_refine(op, false, &fa, &fb, is32);
    if (t && !f)
        return 1;
    if (f && !t)
        return 0;
    return -1;
}

/* ---- printing ------------------------------------------------------------------------ */

static int num_str(char *buf, size_t size, uint64_t v, bool is_signed)
{
    if (is_signed && (int64_t)v >= -65536 && (int64_t)v <= 65536)
        return snprintf(buf, size, "%" PRId64, (int64_t)v);
    if (!is_signed && v <= 65536)
        return snprintf(buf, size, "%" PRIu64, v);
    return snprintf(buf, size, "%#" PRIx64, v);
}

/* Like Linux's log: constants as their value; otherwise the bounds that say something,
 * names sharing a value printed together ("smax=umax=255"), then the known bits. */
size_t scalar_str(const scalar *s, char *buf, size_t size)
{
    size_t n = 0;
#define OUT(...)                                                                          \
    do {                                                                                  \
        int k_ = snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, __VA_ARGS__); \
        n += k_ > 0 ? (size_t)k_ : 0;                                                     \
    } while (0)
    if (size)
        buf[0] = 0;
    if (scalar_is_const(s)) {
        char v[32];
        num_str(v, sizeof v, scalar_const_value(s), true);
        OUT("%s", v);
        return n;
    }
    struct {
        const char *name;
        uint64_t v;
        bool is_signed, show;
    } e[] = {
        { "smin", (uint64_t)s->smin, true, s->smin != INT64_MIN },
        { "smax", (uint64_t)s->smax, true, s->smax != INT64_MAX },
        { "umin", s->umin, false, s->umin != 0 },
        { "umax", s->umax, false, s->umax != UINT64_MAX },
        { "smin32", (uint64_t)(int64_t)s->s32_min, true, s->s32_min != INT32_MIN },
        { "smax32", (uint64_t)(int64_t)s->s32_max, true, s->s32_max != INT32_MAX },
        { "umin32", s->u32_min, false, s->u32_min != 0 },
        { "umax32", s->u32_max, false, s->u32_max != UINT32_MAX },
    };
    const int ne = (int)(sizeof e / sizeof *e);
    bool any = false;
    for (int i = 0; i < ne; i++) {
        if (!e[i].show)
            continue;
        OUT("%s%s", any ? "," : "", e[i].name);
        for (int j = i + 1; j < ne; j++)
            if (e[j].show && e[j].v == e[i].v) {
                OUT("=%s", e[j].name);
                e[j].show = false;
            }
        char v[32];
        num_str(v, sizeof v, e[i].v, e[i].is_signed);
        OUT("=%s", v);
        any = true;
    }
    if (!tnum_is_unknown(s->var)) {
        char t[64];
        tnum_str(s->var, t, sizeof t);
        OUT("%svar_off=%s", any ? "," : "", t);
        any = true;
    }
    if (!any)
        OUT("unknown");
    return n;
#undef OUT
}
