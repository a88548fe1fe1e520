/* test_domain_sound.c — soundness of the verifier's scalar domain (src/verify/tnum.c,
 * scalar.c), checked by enumeration: abstract values are built so that their members
 * can be listed (tnums whose unknown bits sit in a few chosen positions — low bits and
 * bits 31, 32, 63 for the sign and 32-bit boundaries —, small ranges around the
 * boundaries, and both narrowed by interval constraints); every operation is applied
 * to every listed member with a reference implementation of RFC 9669 written here,
 * and each concrete result must be a member of the abstract result.
 * Sweep size: BPFVM_DOMAIN_SWEEP=small|normal|full (default normal; small under
 * sanitizers). Precision counters are printed, not asserted (test_domain.c does that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "linux_bounds.h"
#include "verify/domain.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* ---- the reference: RFC 9669 semantics, written to be defined C ---------------------- */

static uint64_t ref_alu(scalar_op op, uint64_t a, uint64_t b, bool is32)
{
    if (is32) {
        uint32_t x = (uint32_t)a, y = (uint32_t)b;
        int32_t sx = (int32_t)x, sy = (int32_t)y;
        switch (op) {
        case SOP_ADD: return (uint32_t)(x + y);
        case SOP_SUB: return (uint32_t)(x - y);
        case SOP_MUL: return (uint32_t)((uint64_t)x * y);
        case SOP_DIV: return y ? x / y : 0;
        case SOP_SDIV:
            if (!y)
                return 0;
            if (sx == INT32_MIN && sy == -1)
                return x;
            return (uint32_t)(sx / sy);
        case SOP_MOD: return y ? x % y : x;
        case SOP_SMOD:
            if (!y)
                return x;
            if (sy == -1)
                return 0;
            return (uint32_t)(sx % sy);
        case SOP_OR: return x | y;
        case SOP_AND: return x & y;
        case SOP_XOR: return x ^ y;
        case SOP_LSH: return (uint32_t)(x << (y & 31));
        case SOP_RSH: return x >> (y & 31);
        case SOP_ARSH: {
            unsigned k = y & 31;
            return (uint32_t)(sx < 0 ? ~(~x >> k) : x >> k);
        }
        case SOP_NEG: return (uint32_t)(0u - x);
        case SOP_MOV: return y;
        }
        return 0;
    }
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    switch (op) {
    case SOP_ADD: return a + b;
    case SOP_SUB: return a - b;
    case SOP_MUL: return a * b;
    case SOP_DIV: return b ? a / b : 0;
    case SOP_SDIV:
        if (!b)
            return 0;
        if (sa == INT64_MIN && sb == -1)
            return a;
        return (uint64_t)(sa / sb);
    case SOP_MOD: return b ? a % b : a;
    case SOP_SMOD:
        if (!b)
            return a;
        if (sb == -1)
            return 0;
        return (uint64_t)(sa % sb);
    case SOP_OR: return a | b;
    case SOP_AND: return a & b;
    case SOP_XOR: return a ^ b;
    case SOP_LSH: return a << (b & 63);
    case SOP_RSH: return a >> (b & 63);
    case SOP_ARSH: {
        unsigned k = b & 63;
        return sa < 0 ? ~(~a >> k) : a >> k;
    }
    case SOP_NEG: return 0 - a;
    case SOP_MOV: return b;
    }
    return 0;
}

static bool ref_cond(scalar_cond op, uint64_t a, uint64_t b, bool is32)
{
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    if (is32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
        sa = (int32_t)(uint32_t)a;
        sb = (int32_t)(uint32_t)b;
    }
    switch (op) {
    case SC_EQ: return a == b;
    case SC_NE: return a != b;
    case SC_GT: return a > b;
    case SC_GE: return a >= b;
    case SC_LT: return a < b;
    case SC_LE: return a <= b;
    case SC_SGT: return sa > sb;
    case SC_SGE: return sa >= sb;
    case SC_SLT: return sa < sb;
    case SC_SLE: return sa <= sb;
    case SC_SET: return (a & b) != 0;
    }
    return false;
}

static uint64_t sext_bits(uint64_t v, unsigned bits)
{
    if (bits >= 64)
        return v;
    uint64_t top = 1ull << (bits - 1), m = (top << 1) - 1;
    v &= m;
    return (v ^ top) - top;
}

static uint64_t bswap_bits(uint64_t x, unsigned bits)
{
    uint64_t r = 0;
    for (unsigned k = 0; k < bits / 8; k++)
        r |= ((x >> (8 * k)) & 0xff) << (bits - 8 - 8 * k);
    return r;
}

static uint64_t trunc_bytes(uint64_t v, unsigned size) { return size >= 8 ? v : v & ((1ull << (8 * size)) - 1); }

/* ---- samples: an abstract value with the list of its members --------------------------- */

#define MAXV 64

typedef struct sample {
    scalar s;
    int n;
    uint64_t v[MAXV];
} sample;

typedef struct pool {
    sample *s;
    int n, cap;
} pool;

static struct {
    long sync_calls, sync_empty_found, sync_empty_missed;
    long alu_cases, alu_exact_u, alu_exact_s;
    long refine_cases, refine_dead_found, refine_dead_missed;
    long taken_cases, taken_decided, taken_missed;
    long join_cases, join_not_within;
    long concrete;
} st;

static char fail_buf[4096];

static void oops(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fail_buf, sizeof fail_buf, fmt, ap);
    va_end(ap);
    print_error("%s\n", fail_buf);
    fail();
}

static const char *S(const scalar *s, char *buf)
{
    char t[200];
    tnum_str(s->var, t, sizeof t);
    snprintf(buf, 400, "{u=[%#llx,%#llx] s=[%lld,%lld] u32=[%#x,%#x] s32=[%d,%d] var=%s}",
             (unsigned long long)s->umin, (unsigned long long)s->umax, (long long)s->smin, (long long)s->smax,
             s->u32_min, s->u32_max, s->s32_min, s->s32_max, t);
    return buf;
}

/* A synced scalar: no inverted bounds, valid tnum, constants consistent in every field. */
static void check_wf(const scalar *s, const char *what)
{
    char b[400];
    bool ok = s->umin <= s->umax && s->smin <= s->smax && s->u32_min <= s->u32_max && s->s32_min <= s->s32_max &&
              !(s->var.value & s->var.mask);
    if (ok && tnum_is_const(s->var)) {
        uint64_t v = s->var.value;
        ok = s->umin == v && s->umax == v && s->smin == (int64_t)v && s->smax == (int64_t)v &&
             s->u32_min == (uint32_t)v && s->u32_max == (uint32_t)v && s->s32_min == (int32_t)(uint32_t)v &&
             s->s32_max == (int32_t)(uint32_t)v;
    }
    if (ok && s->umin == s->umax)
        ok = tnum_is_const(s->var);
    if (ok && !(s->var.mask & 0xffffffffull)) {
        uint32_t v = (uint32_t)s->var.value;
        ok = s->u32_min == v && s->u32_max == v && s->s32_min == (int32_t)v && s->s32_max == (int32_t)v;
    }
    if (!ok)
        oops("%s: ill-formed result %s", what, S(s, b));
}

/* Adds s, whose members are among cand[], after checking that scalar_sync keeps them
 * all (and only narrows), or that an empty s is what sync reports empty. */
static void pool_add(pool *p, scalar s, const uint64_t *cand, int nc)
{
    uint64_t mem[MAXV];
    int n = 0;
    char b1[400], b2[400];
    for (int i = 0; i < nc; i++)
        if (scalar_contains(&s, cand[i])) {
            bool dup = false;
            for (int j = 0; j < n; j++)
                dup |= mem[j] == cand[i];
            if (!dup && n < MAXV)
                mem[n++] = cand[i];
        }
    scalar t = s;
    st.sync_calls++;
    bool ok = scalar_sync(&t);
    if (!ok) {
        if (n)
            oops("sync: %s reported empty, but has %#llx", S(&s, b1), (unsigned long long)mem[0]);
        st.sync_empty_found++;
        return;
    }
    check_wf(&t, "sync");
    if (!scalar_within(&s, &t))
        oops("sync widened %s to %s", S(&s, b1), S(&t, b2));
    for (int i = 0; i < n; i++)
        if (!scalar_contains(&t, mem[i]))
            oops("sync dropped %#llx: %s -> %s", (unsigned long long)mem[i], S(&s, b1), S(&t, b2));
    if (!n) {
        st.sync_empty_missed++;
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->s = realloc(p->s, (size_t)p->cap * sizeof *p->s);
        assert_non_null(p->s);
    }
    sample *x = &p->s[p->n++];
    x->s = t;
    x->n = n;
    memcpy(x->v, mem, (size_t)n * sizeof *mem);
}

static int cmp_u(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t smin_of(const uint64_t *v, int n)
{
    int64_t m = (int64_t)v[0];
    for (int i = 1; i < n; i++)
        m = (int64_t)v[i] < m ? (int64_t)v[i] : m;
    return m == INT64_MAX ? m - 1 : m;
}

/* Every tnum whose unknown bits lie in pos[] (each position 0, 1 or unknown), other
 * bits from base; and each narrowed by interval constraints cut from its members. */
static void add_tnums(pool *p, const int *pos, int npos, uint64_t base, bool variants)
{
    uint64_t pm = 0;
    for (int i = 0; i < npos; i++)
        pm |= 1ull << pos[i];
    int total = 1;
    for (int i = 0; i < npos; i++)
        total *= 3;
    for (int code = 0; code < total; code++) {
        tnum t = { base & ~pm, 0 };
        int c = code;
        for (int i = 0; i < npos; i++, c /= 3) {
            if (c % 3 == 1)
                t.value |= 1ull << pos[i];
            else if (c % 3 == 2)
                t.mask |= 1ull << pos[i];
        }
        uint64_t mem[MAXV];
        int n = 0;
        for (uint64_t sub = t.mask;; sub = (sub - 1) & t.mask) { /* every subset of the mask */
            if (n < MAXV)
                mem[n++] = t.value | sub;
            if (!sub)
                break;
        }
        scalar s = scalar_unknown();
        s.var = t;
        pool_add(p, s, mem, n);
        if (!variants || n < 3)
            continue;
        /* interval constraints: trim the extreme members in each order */
        uint64_t srt[MAXV];
        memcpy(srt, mem, (size_t)n * sizeof *mem);
        qsort(srt, (size_t)n, sizeof *srt, cmp_u);
        scalar v = s;
        v.umin = srt[1];
        v.umax = srt[n - 2];
        pool_add(p, v, mem, n);
        for (int i = 0; i < n; i++)
            srt[i] = mem[i] ^ (1ull << 63);
        qsort(srt, (size_t)n, sizeof *srt, cmp_u);
        v = s;
        v.smin = (int64_t)(srt[1] ^ (1ull << 63));
        v.smax = (int64_t)(srt[n - 2] ^ (1ull << 63));
        pool_add(p, v, mem, n);
        for (int i = 0; i < n; i++)
            srt[i] = (uint32_t)mem[i];
        qsort(srt, (size_t)n, sizeof *srt, cmp_u);
        v = s;
        v.u32_min = (uint32_t)srt[n / 3];
        v.u32_max = (uint32_t)srt[n - 1 - n / 3];
        pool_add(p, v, mem, n);
        for (int i = 0; i < n; i++)
            srt[i] = (uint32_t)mem[i] ^ 0x80000000u;
        qsort(srt, (size_t)n, sizeof *srt, cmp_u);
        v = s;
        v.s32_min = (int32_t)(uint32_t)(srt[1] ^ 0x80000000u);
        v.s32_max = (int32_t)(uint32_t)(srt[n - 2] ^ 0x80000000u);
        pool_add(p, v, mem, n);
        /* a mixed one: 64-bit unsigned from one side, 32-bit signed from the other */
        v.umin = mem[n / 2] < mem[0] ? mem[n / 2] : mem[0];
        pool_add(p, v, mem, n);
        /* loose ends, between members: sync has to move them onto members */
        v = s;
        v.umin = (mem[1] < mem[2] ? mem[1] : mem[2]) + 1;
        v.umax = (mem[1] < mem[2] ? mem[2] : mem[1]) - 1;
        pool_add(p, v, mem, n);
        v = s;
        v.smin = smin_of(mem, n) + 1;
        v.u32_max = (uint32_t)mem[n - 1] - 1;
        pool_add(p, v, mem, n);
        v = s;
        v.s32_max = (int32_t)(uint32_t)mem[n / 2];
        v.s32_max -= v.s32_max > INT32_MIN;
        v.u32_min = (uint32_t)mem[1] + 1;
        pool_add(p, v, mem, n);
    }
}

/* Intervals of consecutive values: [lo, lo + len) read in the unsigned or the signed
 * order (the latter may cross 0), and in the low 32 bits below a known upper half. */
static void add_range(pool *p, uint64_t lo, int len, int kind)
{
    uint64_t mem[MAXV];
    int n = len < MAXV ? len : MAXV;
    scalar s = scalar_unknown();
    for (int i = 0; i < n; i++)
        mem[i] = lo + (uint64_t)i;
    uint64_t hi = lo + (uint64_t)(n - 1);
    switch (kind) {
    case 0: /* unsigned */
        if (hi < lo)
            return;
        s.umin = lo;
        s.umax = hi;
        break;
    case 1: /* signed */
        if ((int64_t)hi < (int64_t)lo)
            return;
        s.smin = (int64_t)lo;
        s.smax = (int64_t)hi;
        break;
    case 2: /* u32 under the upper half of lo */
    case 3: /* s32 under the upper half of lo */
        for (int i = 0; i < n; i++)
            mem[i] = (lo & ~0xffffffffull) | (uint32_t)(lo + (uint64_t)i);
        s.var = (tnum){ lo & ~0xffffffffull, 0xffffffffull };
        if (kind == 2) {
            if ((uint32_t)hi < (uint32_t)lo)
                return;
            s.u32_min = (uint32_t)lo;
            s.u32_max = (uint32_t)hi;
        } else {
            if ((int32_t)(uint32_t)hi < (int32_t)(uint32_t)lo)
                return;
            s.s32_min = (int32_t)(uint32_t)lo;
            s.s32_max = (int32_t)(uint32_t)hi;
        }
        break;
    }
    pool_add(p, s, mem, n);
}

static const uint64_t centers[] = {
    0, 0x7fffffffull, 0x80000000ull, 0xffffffffull, 0x100000000ull, 0x17fffffffull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffff7fffffffull, 0xffffffff80000000ull,
    0xffffffffffffffffull, 0x800000007fffffffull,
};

static void add_ranges(pool *p, int maxlen)
{
    for (size_t c = 0; c < sizeof centers / sizeof *centers; c++)
        for (int kind = 0; kind < 4; kind++)
            for (int off = -3; off <= 1; off += 2)
                for (int len = 1; len <= maxlen; len *= 2)
                    add_range(p, centers[c] + (uint64_t)(int64_t)off, len, kind);
}

static void add_consts(pool *p, const uint64_t *v, int n)
{
    for (int i = 0; i < n; i++) {
        scalar s = scalar_const(v[i]);
        pool_add(p, s, &v[i], 1);
    }
}

static const uint64_t special[] = {
    0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 65, 255, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
    0x100000001, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
    0xfffffffffffffffeull, 0xffffffff80000000ull, 0xffffffff7fffffffull,
};

/* ---- sweep sizes ----------------------------------------------------------------------- */

static int sweep; /* 0 small, 1 normal, 2 full */

static void init_sweep(void)
{
    const char *e = getenv("BPFVM_DOMAIN_SWEEP");
    sweep = SANITIZED ? 0 : 1;
    if (e && !strcmp(e, "small"))
        sweep = 0;
    else if (e && !strcmp(e, "normal"))
        sweep = 1;
    else if (e && !strcmp(e, "full"))
        sweep = 2;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The big pool (unary operations, sync) and the pair pool (binary operations). */
static pool big, pairs;

static void build_pools(void)
{
    static const int pos6[] = { 0, 1, 2, 31, 32, 63 };
    static const int pos5[] = { 0, 1, 31, 32, 63 };
    static const int pos4[] = { 0, 31, 32, 63 };
    static const int low4[] = { 0, 1, 2, 3 };
    static const int mid4[] = { 30, 31, 32, 33 };
    static const int blk4[] = { 0, 1, 32, 33 };
    if (big.n)
        return;
    add_tnums(&big, pos6, 6, 0, sweep > 0);
    add_tnums(&big, pos6, 6, ~0ull, sweep > 0);
    add_tnums(&big, mid4, 4, 0x5a5a5a5a5a5a5a5aull, true);
    add_tnums(&big, low4, 4, 0x8000000080000000ull, true);
    add_tnums(&big, blk4, 4, 0x2, true);
    add_tnums(&big, blk4, 4, 0xfffffff0fffffffdull, true);
    add_ranges(&big, 32);
    add_consts(&big, special, (int)(sizeof special / sizeof *special));

    add_tnums(&pairs, sweep > 0 ? pos5 : pos4, sweep > 0 ? 5 : 4, 0, sweep > 0);
    add_tnums(&pairs, low4, 3, ~0ull, true);
    add_tnums(&pairs, mid4, 4, 0, false);
    add_ranges(&pairs, 8);
    add_consts(&pairs, special, (int)(sizeof special / sizeof *special));
}

static long pair_budget(long normal)
{
    return sweep == 0 ? normal / 20 : sweep == 1 ? normal : normal * 10;
}

/* Calls f on every pair of the pair pool when that is within the budget, otherwise on
 * that many random pairs (always including the pool's first and last samples). */
static void for_pairs(long budget, void (*f)(const sample *, const sample *, void *), void *arg)
{
    long all = (long)pairs.n * pairs.n;
    if (all <= budget) {
        for (int i = 0; i < pairs.n; i++)
            for (int j = 0; j < pairs.n; j++)
                f(&pairs.s[i], &pairs.s[j], arg);
        return;
    }
    for (long k = 0; k < budget; k++) {
        int i = (int)(rnd() % (uint64_t)pairs.n), j = (int)(rnd() % (uint64_t)pairs.n);
        f(&pairs.s[i], &pairs.s[j], arg);
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- tnum operations, directly ---------------------------------------------------------- */

static void test_tnum_ops(void **state)
{
    (void)state;
    static const int pos[] = { 0, 1, 31, 32, 63 };
    tnum ts[243];
    int nt = 0;
    for (int code = 0; code < 243; code++) {
        tnum t = { 0, 0 };
        int c = code;
        for (int i = 0; i < 5; i++, c /= 3) {
            if (c % 3 == 1)
                t.value |= 1ull << pos[i];
            else if (c % 3 == 2)
                t.mask |= 1ull << pos[i];
        }
        ts[nt++] = t;
    }
    int step = sweep == 0 ? 3 : 1;
    for (int i = 0; i < nt; i += step)
        for (int j = 0; j < nt; j += step) {
            tnum a = ts[i], b = ts[j];
            tnum r[8] = { tnum_add(a, b), tnum_sub(a, b), tnum_mul(a, b), tnum_and(a, b),
                          tnum_or(a, b),  tnum_xor(a, b), tnum_union(a, b), tnum_intersect(a, b) };
            bool in_both_possible = tnum_overlap(a, b);
            bool any_common = false;
            for (uint64_t sa = a.mask;; sa = (sa - 1) & a.mask) {
                uint64_t x = a.value | sa;
                for (uint64_t sb = b.mask;; sb = (sb - 1) & b.mask) {
                    uint64_t y = b.value | sb;
                    uint64_t want[6] = { x + y, x - y, x * y, x & y, x | y, x ^ y };
                    for (int k = 0; k < 6; k++)
                        if (!tnum_contains(r[k], want[k]))
                            oops("tnum op %d: (%#llx;%#llx) (%#llx;%#llx): %#llx not in (%#llx;%#llx)", k,
                                     (unsigned long long)a.value, (unsigned long long)a.mask,
                                     (unsigned long long)b.value, (unsigned long long)b.mask,
                                     (unsigned long long)want[k], (unsigned long long)r[k].value,
                                     (unsigned long long)r[k].mask);
                    if (!tnum_contains(r[6], x) || !tnum_contains(r[6], y))
                        oops("tnum_union");
                    if (x == y) {
                        any_common = true;
                        if (!tnum_contains(r[7], x))
                            oops("tnum_intersect");
                    }
                    if (!sb)
                        break;
                }
                if (!sa)
                    break;
            }
            if (any_common != in_both_possible)
                oops("tnum_overlap");
            /* tnum_in: exactly γ(b) ⊆ γ(a) */
            bool sub = true;
            for (uint64_t sb = b.mask;; sb = (sb - 1) & b.mask) {
                sub &= tnum_contains(a, b.value | sb);
                if (!sb)
                    break;
            }
            if (sub != tnum_in(a, b))
                oops("tnum_in");
        }
    /* unary: shifts, casts, swaps, neg, least/greatest member around probes */
    static const uint64_t probes[] = { 0, 1, 2, 3, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0x100000000,
                                       0x100000003, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                       0x8000000100000002ull, ~0ull };
    for (int i = 0; i < nt; i++) {
        tnum a = ts[i];
        tnum ng = tnum_neg(a);
        for (uint64_t sa = a.mask;; sa = (sa - 1) & a.mask) {
            uint64_t x = a.value | sa;
            if (!tnum_contains(ng, 0 - x))
                oops("tnum_neg");
            for (unsigned k = 0; k < 64; k++) {
                if (!tnum_contains(tnum_lshift(a, (uint8_t)k), x << k) ||
                    !tnum_contains(tnum_rshift(a, (uint8_t)k), x >> k) ||
                    !tnum_contains(tnum_arshift(a, (uint8_t)k, 64), ref_alu(SOP_ARSH, x, k, false)))
                    oops("tnum shift %u of %#llx", k, (unsigned long long)x);
                if (k < 32 && !tnum_contains(tnum_arshift(a, (uint8_t)k, 32), ref_alu(SOP_ARSH, x, k, true)))
                    oops("tnum arshift32 %u of %#llx", k, (unsigned long long)x);
            }
            for (unsigned size = 1; size <= 8; size *= 2)
                if (!tnum_contains(tnum_cast(a, (uint8_t)size), trunc_bytes(x, size)))
                    oops("tnum_cast");
            for (unsigned bits = 16; bits <= 64; bits *= 2)
                if (!tnum_contains(tnum_bswap(a, (uint8_t)bits), bswap_bits(x, bits)))
                    oops("tnum_bswap");
            if (!tnum_contains(tnum_subreg(a), (uint32_t)x) || !tnum_contains(tnum_clear_subreg(a), x & ~0xffffffffull))
                oops("tnum_subreg");
            for (int j = 0; j < nt; j += 7) {
                tnum w = tnum_with_subreg(a, ts[j]);
                for (uint64_t sb = ts[j].mask;; sb = (sb - 1) & ts[j].mask) {
                    uint64_t y = ts[j].value | sb;
                    if (!tnum_contains(w, (x & ~0xffffffffull) | (uint32_t)y))
                        oops("tnum_with_subreg");
                    if (!sb)
                        break;
                }
            }
            if (!sa)
                break;
        }
        for (size_t p = 0; p < sizeof probes / sizeof *probes; p++) {
            uint64_t best_ge = 0, best_le = 0, got;
            bool has_ge = false, has_le = false;
            for (uint64_t sa = a.mask;; sa = (sa - 1) & a.mask) {
                uint64_t x = a.value | sa;
                if (x >= probes[p] && (!has_ge || x < best_ge))
                    best_ge = x, has_ge = true;
                if (x <= probes[p] && (!has_le || x > best_le))
                    best_le = x, has_le = true;
                if (!sa)
                    break;
            }
            bool r = tnum_min_ge(a, probes[p], &got);
            if (r != has_ge || (r && got != best_ge))
                oops("tnum_min_ge");
            r = tnum_max_le(a, probes[p], &got);
            if (r != has_le || (r && got != best_le))
                oops("tnum_max_le");
        }
    }
    /* tnum_range: contains its range (sampled ends) */
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
        for (size_t j = i; j < sizeof probes / sizeof *probes; j++) {
            uint64_t lo = probes[i] < probes[j] ? probes[i] : probes[j], hi = probes[i] ^ probes[j] ^ lo;
            tnum t = tnum_range(lo, hi);
            for (uint64_t k = 0; k <= 40 && k <= hi - lo; k++)
                if (!tnum_contains(t, lo + k) || !tnum_contains(t, hi - k))
                    oops("tnum_range [%#llx, %#llx]", (unsigned long long)lo, (unsigned long long)hi);
        }
}

/* ---- sync, on the pools being built, and on random (possibly empty) combinations ------- */

static void test_sync(void **state)
{
    (void)state;
    build_pools();
    /* random intersections of two samples' constraints: often empty, which sync must
     * either report or keep consistent */
    long n = pair_budget(60000);
    pool tmp = { 0 };
    for (long k = 0; k < n; k++) {
        const sample *a = &big.s[rnd() % (uint64_t)big.n], *b = &big.s[rnd() % (uint64_t)big.n];
        scalar s = a->s;
        switch (rnd() % 5) {
        case 0: s.umin = b->s.umin > s.umin ? b->s.umin : s.umin; s.umax = b->s.umax < s.umax ? b->s.umax : s.umax; break;
        case 1: s.smin = b->s.smin > s.smin ? b->s.smin : s.smin; s.smax = b->s.smax < s.smax ? b->s.smax : s.smax; break;
        case 2: s.u32_min = b->s.u32_min; s.u32_max = b->s.u32_max; break;
        case 3: s.s32_min = b->s.s32_min; s.s32_max = b->s.s32_max; break;
        case 4: s.var = tnum_intersect(s.var, b->s.var); break;
        }
        pool_add(&tmp, s, a->v, a->n);
        tmp.n = 0;
    }
    free(tmp.s);
    /* synced samples are fixpoints of sync */
    for (int i = 0; i < big.n; i++) {
        scalar t = big.s[i].s;
        char b1[400], b2[400];
        assert_true(scalar_sync(&t));
        if (memcmp(&t, &big.s[i].s, sizeof t))
            oops("sync is not idempotent: %s -> %s", S(&big.s[i].s, b1), S(&t, b2));
    }
    print_message("sync: %ld calls, %ld empty sets found, %ld empty sets not detected; pools: %d + %d samples\n",
                  st.sync_calls, st.sync_empty_found, st.sync_empty_missed, big.n, pairs.n);
}

/* ---- unary operations over the big pool ------------------------------------------------ */

static void expect_in(const scalar *r, uint64_t want, const char *what, const scalar *in, uint64_t x)
{
    char b1[400], b2[400];
    st.concrete++;
    if (!scalar_contains(r, want))
        oops("%s of %#llx (in %s) = %#llx, not in %s", what, (unsigned long long)x, S(in, b1),
                 (unsigned long long)want, S(r, b2));
}

static void test_unary(void **state)
{
    (void)state;
    build_pools();
    char what[64];
    for (int i = 0; i < big.n; i++) {
        const sample *a = &big.s[i];
        for (int is32 = 0; is32 < 2; is32++) {
            scalar r = scalar_alu(SOP_NEG, &a->s, &a->s, is32);
            check_wf(&r, "neg");
            for (int k = 0; k < a->n; k++)
                expect_in(&r, ref_alu(SOP_NEG, a->v[k], 0, is32), is32 ? "neg32" : "neg", &a->s, a->v[k]);
            r = scalar_alu(SOP_MOV, &a->s, &a->s, is32);
            check_wf(&r, "mov");
            for (int k = 0; k < a->n; k++)
                expect_in(&r, ref_alu(SOP_MOV, 0, a->v[k], is32), "mov", &a->s, a->v[k]);
            for (unsigned bits = 8; bits <= 32; bits *= 2) {
                if (is32 && bits == 32)
                    continue;
                r = scalar_movsx(&a->s, (uint8_t)bits, is32);
                check_wf(&r, "movsx");
                snprintf(what, sizeof what, "movsx%s %u", is32 ? "32" : "", bits);
                for (int k = 0; k < a->n; k++) {
                    uint64_t want = sext_bits(a->v[k], bits);
                    expect_in(&r, is32 ? (uint32_t)want : want, what, &a->s, a->v[k]);
                }
            }
        }
        for (unsigned size = 1; size <= 8; size *= 2) {
            scalar r = scalar_cast(&a->s, (uint8_t)size);
            check_wf(&r, "cast");
            snprintf(what, sizeof what, "cast %u", size);
            for (int k = 0; k < a->n; k++)
                expect_in(&r, trunc_bytes(a->v[k], size), what, &a->s, a->v[k]);
        }
        scalar z = a->s;
        scalar_zext32(&z);
        check_wf(&z, "zext32");
        for (int k = 0; k < a->n; k++)
            expect_in(&z, (uint32_t)a->v[k], "zext32", &a->s, a->v[k]);
        for (unsigned bits = 16; bits <= 64; bits *= 2)
            for (int swap = 0; swap < 2; swap++) {
                scalar r = scalar_bswap(&a->s, (uint8_t)bits, swap);
                check_wf(&r, "bswap");
                snprintf(what, sizeof what, "%s%u", swap ? "bswap" : "le", bits);
                for (int k = 0; k < a->n; k++)
                    expect_in(&r, swap ? bswap_bits(a->v[k], bits) : trunc_bytes(a->v[k], bits / 8), what, &a->s,
                              a->v[k]);
            }
    }
    /* loads of unknown values */
    for (unsigned size = 1; size <= 8; size *= 2) {
        scalar u = scalar_unknown_size((uint8_t)size), sg = scalar_unknown_signed((uint8_t)size);
        check_wf(&u, "unknown_size");
        check_wf(&sg, "unknown_signed");
        for (int i = 0; i < big.n; i++)
            for (int k = 0; k < big.s[i].n; k++) {
                uint64_t x = big.s[i].v[k];
                expect_in(&u, trunc_bytes(x, size), "unknown_size", &u, x);
                if (size < 8)
                    expect_in(&sg, sext_bits(x, size * 8), "unknown_signed", &sg, x);
            }
    }
}

/* ---- binary ALU operations -------------------------------------------------------------- */

static const scalar_op binops[] = { SOP_ADD, SOP_SUB, SOP_MUL, SOP_DIV, SOP_SDIV, SOP_MOD, SOP_SMOD,
                                    SOP_OR,  SOP_AND, SOP_XOR, SOP_LSH, SOP_RSH, SOP_ARSH };
static const char *const opname[] = { "add", "sub", "mul", "div", "sdiv", "mod", "smod", "or",
                                      "and", "xor", "lsh", "rsh", "arsh", "neg", "mov" };

static void alu_pair(const sample *a, const sample *b, scalar_op op, bool is32)
{
    char b1[400], b2[400], b3[400];
    scalar r = scalar_alu(op, &a->s, &b->s, is32);
    check_wf(&r, opname[op]);
    uint64_t umin = ~0ull, umax = 0;
    int64_t smin = INT64_MAX, smax = INT64_MIN;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++) {
            uint64_t c = ref_alu(op, a->v[i], b->v[j], is32);
            st.concrete++;
            if (!scalar_contains(&r, c))
                oops("%s%s: %#llx op %#llx = %#llx not in %s\n  dst %s\n  src %s", opname[op], is32 ? "32" : "",
                         (unsigned long long)a->v[i], (unsigned long long)b->v[j], (unsigned long long)c, S(&r, b1),
                         S(&a->s, b2), S(&b->s, b3));
            umin = c < umin ? c : umin;
            umax = c > umax ? c : umax;
            smin = (int64_t)c < smin ? (int64_t)c : smin;
            smax = (int64_t)c > smax ? (int64_t)c : smax;
        }
    st.alu_cases++;
    st.alu_exact_u += r.umin == umin && r.umax == umax;
    st.alu_exact_s += r.smin == smin && r.smax == smax;
}

static void alu_all(const sample *a, const sample *b, void *arg)
{
    (void)arg;
    for (size_t k = 0; k < sizeof binops / sizeof *binops; k++) {
        if (binops[k] == SOP_LSH || binops[k] == SOP_RSH || binops[k] == SOP_ARSH)
            continue;
        alu_pair(a, b, binops[k], false);
        alu_pair(a, b, binops[k], true);
    }
}

static void test_alu(void **state)
{
    (void)state;
    build_pools();
    double t0 = now();
    for_pairs(pair_budget(120000), alu_all, NULL);
    print_message("alu: %ld cases (%ld concrete), exact unsigned hull %.1f%%, exact signed hull %.1f%%, %.2f s\n",
                  st.alu_cases, st.concrete, 100.0 * st.alu_exact_u / st.alu_cases,
                  100.0 * st.alu_exact_s / st.alu_cases, now() - t0);
}

/* Shifts: every sample of the big pool by counts that are constants (in and out of
 * range: they are masked), small ranges, and pool samples. */
static void test_shift(void **state)
{
    (void)state;
    build_pools();
    double t0 = now();
    pool counts = { 0 };
    for (uint64_t k = 0; k <= 66; k++)
        add_consts(&counts, &k, 1);
    add_consts(&counts, special, (int)(sizeof special / sizeof *special));
    static const int low3[] = { 0, 1, 5 };
    add_tnums(&counts, low3, 3, 0, true);
    add_tnums(&counts, low3, 3, 0x1e, false);
    for (uint64_t lo = 0; lo < 64; lo += 15)
        add_range(&counts, lo, 4, 0);
    add_range(&counts, 30, 4, 0);
    add_range(&counts, 62, 4, 0);
    long cases = 0;
    int stride = sweep == 0 ? 7 : sweep == 1 ? 2 : 1;
    for (int i = 0; i < big.n; i += stride)
        for (int j = 0; j < counts.n; j++) {
            if (counts.s[j].n > 1 && (i + j) % 5)
                continue; /* variable counts are slow: a fifth of them */
            for (int op = SOP_LSH; op <= SOP_ARSH; op++)
                for (int is32 = 0; is32 < 2; is32++) {
                    alu_pair(&big.s[i], &counts.s[j], (scalar_op)op, is32);
                    cases++;
                }
        }
    free(counts.s);
    print_message("shift: %ld cases, %.2f s\n", cases, now() - t0);
}

/* ---- conditions ------------------------------------------------------------------------ */

static void refine_pair(const sample *a, const sample *b, void *arg)
{
    (void)arg;
    char b1[400], b2[400], b3[400], b4[400];
    for (int op = SC_EQ; op <= SC_SET; op++)
        for (int is32 = 0; is32 < 2; is32++) {
            int all = 0, none = 0;
            for (int i = 0; i < a->n; i++)
                for (int j = 0; j < b->n; j++) {
                    if (ref_cond((scalar_cond)op, a->v[i], b->v[j], is32))
                        all++;
                    else
                        none++;
                }
            int bt = scalar_branch_taken((scalar_cond)op, &a->s, &b->s, is32);
            st.taken_cases++;
            if ((bt == 1 && none) || (bt == 0 && all))
                oops("branch_taken(%d%s) = %d wrongly: %s vs %s", op, is32 ? "/32" : "", bt, S(&a->s, b1),
                         S(&b->s, b2));
            if (bt >= 0)
                st.taken_decided++;
            else if (!all || !none)
                st.taken_missed++;
            for (int taken = 0; taken < 2; taken++) {
                scalar x = a->s, y = b->s;
                bool ok = scalar_refine((scalar_cond)op, taken, &x, &y, is32);
                int sat = taken ? all : none;
                st.refine_cases++;
                if (!ok) {
                    if (sat)
                        oops("refine(%d%s, %s) says dead, but %d pairs hold: %s vs %s", op, is32 ? "/32" : "",
                                 taken ? "taken" : "not taken", sat, S(&a->s, b1), S(&b->s, b2));
                    st.refine_dead_found++;
                    continue;
                }
                if (!sat)
                    st.refine_dead_missed++;
                check_wf(&x, "refine");
                check_wf(&y, "refine");
                if (!scalar_within(&a->s, &x) || !scalar_within(&b->s, &y))
                    oops("refine widened");
                for (int i = 0; i < a->n; i++)
                    for (int j = 0; j < b->n; j++) {
                        if (ref_cond((scalar_cond)op, a->v[i], b->v[j], is32) != (bool)taken)
                            continue;
                        st.concrete++;
                        if (!scalar_contains(&x, a->v[i]) || !scalar_contains(&y, b->v[j]))
                            oops("refine(%d%s, %s) dropped (%#llx, %#llx):\n  a %s -> %s\n  b %s -> %s", op,
                                     is32 ? "/32" : "", taken ? "taken" : "not taken", (unsigned long long)a->v[i],
                                     (unsigned long long)b->v[j], S(&a->s, b1), S(&x, b2), S(&b->s, b3), S(&y, b4));
                    }
            }
        }
}

static void test_refine(void **state)
{
    (void)state;
    build_pools();
    double t0 = now();
    for_pairs(pair_budget(80000), refine_pair, NULL);
    print_message("refine: %ld cases, %ld dead branches found, %ld dead not seen; branch_taken: %ld cases, "
                  "%ld decided, %ld decidable left open; %.2f s\n",
                  st.refine_cases, st.refine_dead_found, st.refine_dead_missed, st.taken_cases, st.taken_decided,
                  st.taken_missed, now() - t0);
}

/* ---- join and within --------------------------------------------------------------------- */

static void join_pair(const sample *a, const sample *b, void *arg)
{
    (void)arg;
    char b1[400], b2[400], b3[400];
    scalar j = scalar_join(&a->s, &b->s);
    check_wf(&j, "join");
    st.join_cases++;
    for (int i = 0; i < a->n; i++)
        if (!scalar_contains(&j, a->v[i]))
            oops("join lost %#llx of %s: %s", (unsigned long long)a->v[i], S(&a->s, b1), S(&j, b2));
    for (int i = 0; i < b->n; i++)
        if (!scalar_contains(&j, b->v[i]))
            oops("join lost %#llx of %s: %s", (unsigned long long)b->v[i], S(&b->s, b1), S(&j, b2));
    if (!scalar_within(&j, &a->s) || !scalar_within(&j, &b->s))
        st.join_not_within++;
    if (scalar_within(&a->s, &b->s))
        for (int i = 0; i < b->n; i++)
            if (!scalar_contains(&a->s, b->v[i]))
                oops("within(%s, %s) but %#llx is outside", S(&a->s, b1), S(&b->s, b2),
                         (unsigned long long)b->v[i]);
    (void)b3;
}

static void test_join_within(void **state)
{
    (void)state;
    build_pools();
    for_pairs(pair_budget(200000), join_pair, NULL);
    print_message("join: %ld cases, %ld where an operand is not componentwise within the join\n", st.join_cases,
                  st.join_not_within);
}

/* ---- precision against a model of Linux's bounds tracking (linux_bounds.c) ----------------- */

/* The components in which m knows less than l: a bit per component. */
static unsigned weaker(const scalar *m, const scalar *l)
{
    return (unsigned)!tnum_in(l->var, m->var) | (m->umin < l->umin) << 1 | (m->umax > l->umax) << 2 |
           (m->smin < l->smin) << 3 | (m->smax > l->smax) << 4 | (m->u32_min < l->u32_min) << 5 |
           (m->u32_max > l->u32_max) << 6 | (m->s32_min < l->s32_min) << 7 | (m->s32_max > l->s32_max) << 8;
}

static bool lx_wf(const scalar *s)
{
    return s->umin <= s->umax && s->smin <= s->smax && s->u32_min <= s->u32_max && s->s32_min <= s->s32_max;
}

static struct {
    long alu, alu_weaker, alu_stricter, model_unsound;
    long refine, refine_weaker, refine_stricter, taken_linux, taken_weaker, taken_stricter;
} lx;

static void lx_report(const char *what, const scalar *m, const scalar *l, const scalar *a, const scalar *b)
{
    char b1[400], b2[400], b3[400], b4[400];
    print_error("less precise than Linux (%s):\n  bpfvm %s\n  linux %s\n  a %s\n  b %s\n", what, S(m, b1), S(l, b2),
                S(a, b3), S(b, b4));
}

static void lx_alu_pair(const sample *a, const sample *b, scalar_op op, bool is32)
{
    scalar l = a->s;
    if (!lx_alu(op, &l, &b->s, is32) || !lx_wf(&l))
        return;
    scalar m = scalar_alu(op, &a->s, &b->s, is32);
    lx.alu++;
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++)
            if (!scalar_contains(&l, ref_alu(op, a->v[i], b->v[j], is32)))
                lx.model_unsound++;
    if (weaker(&m, &l)) {
        if (!lx.alu_weaker++)
            lx_report(opname[op], &m, &l, &a->s, &b->s);
    } else if (weaker(&l, &m)) {
        lx.alu_stricter++;
    }
}

static void lx_alu_all(const sample *a, const sample *b, void *arg)
{
    (void)arg;
    for (size_t k = 0; k < sizeof binops / sizeof *binops; k++)
        for (int is32 = 0; is32 < 2; is32++)
            lx_alu_pair(a, b, binops[k], is32);
    lx_alu_pair(a, a, SOP_NEG, false);
    lx_alu_pair(a, a, SOP_NEG, true);
}

static void lx_refine_pair(const sample *a, const sample *b, void *arg)
{
    (void)arg;
    for (int op = SC_EQ; op <= SC_SET; op++)
        for (int is32 = 0; is32 < 2; is32++) {
            int lt = lx_branch_taken((scalar_cond)op, &a->s, &b->s, is32);
            int mt = scalar_branch_taken((scalar_cond)op, &a->s, &b->s, is32);
            if (lt >= 0) {
                lx.taken_linux++;
                if (mt != lt && !lx.taken_weaker++) {
                    char b1[400], b2[400];
                    print_error("branch_taken(%d%s): Linux %d, bpfvm %d\n  a %s\n  b %s\n", op, is32 ? "/32" : "",
                                lt, mt, S(&a->s, b1), S(&b->s, b2));
                }
                continue;
            }
            if (mt >= 0) {
                lx.taken_stricter++;
                continue;
            }
            for (int taken = 0; taken < 2; taken++) {
                scalar la = a->s, lb = b->s, ma = a->s, mb = b->s;
                lx_refine((scalar_cond)op, taken, &la, &lb, is32);
                if (!lx_wf(&la) || !lx_wf(&lb))
                    continue;
                if (!scalar_refine((scalar_cond)op, taken, &ma, &mb, is32)) {
                    lx.refine_stricter++;
                    continue;
                }
                lx.refine++;
                if (weaker(&ma, &la) || weaker(&mb, &lb)) {
                    if (!lx.refine_weaker++) {
                        char what[64];
                        snprintf(what, sizeof what, "refine %d%s %s", op, is32 ? "/32" : "", taken ? "taken" : "not");
                        lx_report(what, weaker(&ma, &la) ? &ma : &mb, weaker(&ma, &la) ? &la : &lb, &a->s, &b->s);
                    }
                } else if (weaker(&la, &ma) || weaker(&lb, &mb)) {
                    lx.refine_stricter++;
                }
            }
        }
}

static void test_vs_linux(void **state)
{
    (void)state;
    build_pools();
    double t0 = now();
    for_pairs(pair_budget(60000), lx_alu_all, NULL);
    /* shifts by every constant count, which is what Linux tracks */
    int stride = sweep == 0 ? 9 : 3;
    for (int i = 0; i < big.n; i += stride)
        for (uint64_t k = 0; k < 64; k++) {
            sample c = { .s = scalar_const(k), .n = 1, .v = { k } };
            for (int op = SOP_LSH; op <= SOP_ARSH; op++)
                for (int is32 = 0; is32 < 2; is32++)
                    if (!is32 || k < 32)
                        lx_alu_pair(&big.s[i], &c, (scalar_op)op, is32);
        }
    for_pairs(pair_budget(40000), lx_refine_pair, NULL);
    print_message("vs Linux: alu %ld cases: %ld less precise, %ld strictly more precise (model unsound on %ld "
                  "values); refine %ld cases: %ld less precise, %ld more precise or dead; branch_taken: Linux "
                  "decided %ld, bpfvm disagreed on %ld, decided %ld more; %.2f s\n",
                  lx.alu, lx.alu_weaker, lx.alu_stricter, lx.model_unsound, lx.refine, lx.refine_weaker,
                  lx.refine_stricter, lx.taken_linux, lx.taken_weaker, lx.taken_stricter, now() - t0);
    assert_int_equal(lx.alu_weaker, 0);
    assert_int_equal(lx.refine_weaker, 0);
    assert_int_equal(lx.taken_weaker, 0);
}

int main(void)
{
    init_sweep();
    double t0 = now();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tnum_ops), cmocka_unit_test(test_sync),   cmocka_unit_test(test_unary),
        cmocka_unit_test(test_alu),      cmocka_unit_test(test_shift),  cmocka_unit_test(test_refine),
        cmocka_unit_test(test_join_within), cmocka_unit_test(test_vs_linux),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    print_message("sweep %s: %.2f s\n", sweep == 0 ? "small" : sweep == 1 ? "normal" : "full", now() - t0);
    free(big.s);
    free(pairs.s);
    return rc;
}
