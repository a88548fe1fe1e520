/* test_domain.c — precision of the verifier's scalar domain (src/verify/tnum.c,
 * scalar.c): exact expected results for the patterns compilers emit and Linux's
 * verifier selftests rely on (bounds from comparisons of every kind, masks, shifts,
 * 32-bit subregisters, sign extension, truncation), for the defined corner cases of
 * RFC 9669 (division by zero, INT_MIN / -1, masked shift counts), and the log format.
 * Soundness is test_domain_sound.c's job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "verify/domain.h"

#define U64MAX UINT64_MAX

/* ---- helpers ------------------------------------------------------------------------- */

static scalar urange(uint64_t lo, uint64_t hi)
{
    scalar s = scalar_unknown();
    s.umin = lo;
    s.umax = hi;
    assert_true(scalar_sync(&s));
    return s;
}

static scalar srange(int64_t lo, int64_t hi)
{
    scalar s = scalar_unknown();
    s.smin = lo;
    s.smax = hi;
    assert_true(scalar_sync(&s));
    return s;
}

static scalar tn(uint64_t value, uint64_t mask)
{
    scalar s = scalar_unknown();
    s.var = (tnum){ value, mask };
    assert_true(scalar_sync(&s));
    return s;
}

static scalar k(uint64_t v) { return scalar_const(v); }

static scalar alu(scalar_op op, scalar a, scalar b) { return scalar_alu(op, &a, &b, false); }
static scalar alu32(scalar_op op, scalar a, scalar b) { return scalar_alu(op, &a, &b, true); }

static const char *str(const scalar *s)
{
    static char buf[4][300];
    static int i;
    i = (i + 1) % 4;
    scalar_str(s, buf[i], sizeof buf[i]);
    return buf[i];
}

/* Checks all eight bounds and the tnum. */
#define EXPECT(s, umin_, umax_, smin_, smax_, u32min_, u32max_, s32min_, s32max_, tv_, tm_)                    \
    do {                                                                                                     \
        const scalar *e_ = &(s);                                                                             \
        if (e_->umin != (uint64_t)(umin_) || e_->umax != (uint64_t)(umax_) || e_->smin != (int64_t)(smin_) || \
            e_->smax != (int64_t)(smax_) || e_->u32_min != (uint32_t)(u32min_) ||                            \
            e_->u32_max != (uint32_t)(u32max_) || e_->s32_min != (int32_t)(s32min_) ||                       \
            e_->s32_max != (int32_t)(s32max_) || e_->var.value != (uint64_t)(tv_) ||                         \
            e_->var.mask != (uint64_t)(tm_))                                                                 \
            fail_msg("line %d: got %s", __LINE__, str(e_));                                                  \
    } while (0)

#define EXPECT_U(s, lo, hi)                                                                                  \
    do {                                                                                                     \
        if ((s).umin != (uint64_t)(lo) || (s).umax != (uint64_t)(hi))                                        \
            fail_msg("line %d: u64 [%#llx, %#llx] wanted, got %s", __LINE__, (unsigned long long)(lo),       \
                     (unsigned long long)(hi), str(&(s)));                                                   \
    } while (0)
#define EXPECT_S(s, lo, hi)                                                                                  \
    do {                                                                                                     \
        if ((s).smin != (int64_t)(lo) || (s).smax != (int64_t)(hi))                                          \
            fail_msg("line %d: s64 [%lld, %lld] wanted, got %s", __LINE__, (long long)(lo), (long long)(hi), \
                     str(&(s)));                                                                             \
    } while (0)
#define EXPECT_U32(s, lo, hi)                                                                                \
    do {                                                                                                     \
        if ((s).u32_min != (uint32_t)(lo) || (s).u32_max != (uint32_t)(hi))                                  \
            fail_msg("line %d: u32 [%#x, %#x] wanted, got %s", __LINE__, (unsigned)(lo), (unsigned)(hi),     \
                     str(&(s)));                                                                             \
    } while (0)
#define EXPECT_S32(s, lo, hi)                                                                                \
    do {                                                                                                     \
        if ((s).s32_min != (int32_t)(lo) || (s).s32_max != (int32_t)(hi))                                    \
            fail_msg("line %d: s32 [%d, %d] wanted, got %s", __LINE__, (int)(lo), (int)(hi), str(&(s)));     \
    } while (0)
#define EXPECT_VAR(s, v, m)                                                                                  \
    do {                                                                                                     \
        if ((s).var.value != (uint64_t)(v) || (s).var.mask != (uint64_t)(m))                                 \
            fail_msg("line %d: var (%#llx; %#llx) wanted, got %s", __LINE__, (unsigned long long)(v),        \
                     (unsigned long long)(m), str(&(s)));                                                    \
    } while (0)
#define EXPECT_CONST(s, v)                                                                                   \
    do {                                                                                                     \
        if (!scalar_is_const(&(s)) || scalar_const_value(&(s)) != (uint64_t)(v))                             \
            fail_msg("line %d: constant %#llx wanted, got %s", __LINE__, (unsigned long long)(v), str(&(s))); \
    } while (0)

/* Refines copies for both outcomes; both must be possible. */
static void branch(scalar_cond op, bool is32, scalar a, scalar b, scalar *ta, scalar *tb, scalar *fa, scalar *fb)
{
    *ta = a, *tb = b, *fa = a, *fb = b;
    assert_int_equal(scalar_branch_taken(op, &a, &b, is32), -1);
    assert_true(scalar_refine(op, true, ta, tb, is32));
    assert_true(scalar_refine(op, false, fa, fb, is32));
}

/* ---- tnum ---------------------------------------------------------------------------- */

static void test_tnum(void **state)
{
    (void)state;
    tnum r = tnum_range(0, 255);
    assert_true(r.value == 0 && r.mask == 0xff);
    r = tnum_range(0x10, 0x1f);
    assert_true(r.value == 0x10 && r.mask == 0xf);
    r = tnum_range(5, 5);
    assert_true(tnum_is_const(r) && r.value == 5);
    assert_true(tnum_is_unknown(tnum_range(0, U64MAX)));
    assert_true(tnum_is_unknown(tnum_range(1, 0x8000000000000000ull)));
    r = tnum_add((tnum){ 0, 3 }, tnum_const(4));
    assert_true(r.value == 4 && r.mask == 3);
    r = tnum_add((tnum){ 0, 3 }, tnum_const(1)); /* 1..4: carries may reach bit 2 */
    assert_true(r.value == 0 && r.mask == 7);
    r = tnum_mul(tnum_const(3), tnum_const(7));
    assert_true(tnum_is_const(r) && r.value == 21);
    r = tnum_mul((tnum){ 0, 0xf0 }, tnum_const(4)); /* known trailing zeros add up */
    assert_true(r.value == 0 && r.mask == 0x3c0);
    r = tnum_and((tnum){ 0, ~0ull }, tnum_const(0xff));
    assert_true(r.value == 0 && r.mask == 0xff);
    r = tnum_or((tnum){ 0, 0xf }, tnum_const(0x10));
    assert_true(r.value == 0x10 && r.mask == 0xf);
    r = tnum_xor((tnum){ 1, 0xe }, tnum_const(1));
    assert_true(r.value == 0 && r.mask == 0xe);
    r = tnum_arshift((tnum){ 0x80000000, 0x0f }, 4, 32);
    assert_true(r.value == 0xf8000000 && r.mask == 0);
    r = tnum_arshift((tnum){ 0x8000000000000000ull, 0xff }, 60, 64);
    assert_true(r.value == ~7ull && r.mask == 0);
    r = tnum_arshift((tnum){ 0, 0x8000000000000000ull }, 62, 64); /* unknown sign: unknown copies */
    assert_true(r.value == 0 && r.mask == ~1ull);
    r = tnum_union(tnum_const(4), tnum_const(6));
    assert_true(r.value == 4 && r.mask == 2);
    r = tnum_intersect((tnum){ 0, 0xff }, (tnum){ 0x10, 0xf });
    assert_true(r.value == 0x10 && r.mask == 0xf);
    assert_true(tnum_in((tnum){ 0, 0xff }, (tnum){ 0x10, 0xf }));
    assert_false(tnum_in((tnum){ 0x10, 0xf }, (tnum){ 0, 0xff }));
    assert_false(tnum_overlap(tnum_const(1), (tnum){ 2, 4 }));
    r = tnum_bswap((tnum){ 0x12, 0x0f00 }, 16);
    assert_true(r.value == 0x1200 && r.mask == 0x0f);
    r = tnum_with_subreg(tnum_const(0x1111111122222222ull), tnum_const(0x33333333));
    assert_true(r.value == 0x1111111133333333ull && r.mask == 0);
    uint64_t m;
    assert_true(tnum_min_ge((tnum){ 0, 0xf0 }, 1, &m) && m == 0x10);
    assert_true(tnum_max_le((tnum){ 0, 0xf0 }, 0xef, &m) && m == 0xe0);
    assert_false(tnum_min_ge((tnum){ 0, 0xf0 }, 0xf1, &m));
    char buf[64];
    tnum_str((tnum){ 0, 0xff }, buf, sizeof buf);
    assert_string_equal(buf, "(0x0; 0xff)");
    tnum_str(tnum_const(0x10), buf, sizeof buf);
    assert_string_equal(buf, "0x10");
}

/* ---- sync: the deductions of Linux's reg_bounds_sync, and the extra ones ------------- */

static void test_sync(void **state)
{
    (void)state;
    /* bounds from the tnum */
    scalar s = tn(0, 0xff);
    EXPECT(s, 0, 255, 0, 255, 0, 255, 0, 255, 0, 0xff);
    /* tnum from bounds */
    s = urange(0, 9);
    EXPECT_VAR(s, 0, 0xf);
    /* unsigned -> signed when the range stays on one side of the sign */
    s = urange(0x8000000000000005ull, 0x8000000000000010ull);
    EXPECT_S(s, (int64_t)0x8000000000000005ull, (int64_t)0x8000000000000010ull);
    /* signed -> unsigned, negative side: -3..-1 is 0xff..fd..0xff..ff */
    s = srange(-3, -1);
    EXPECT(s, -3ull, -1ull, -3, -1, 0xfffffffd, 0xffffffff, -3, -1, ~3ull, 3);
    /* a signed range crossing 0 leaves u64 unknown, but the low half is a valid s32 range */
    s = srange(-16, 16);
    EXPECT_U(s, 0, U64MAX);
    EXPECT_S32(s, -16, 16);
    EXPECT_U32(s, 0, UINT32_MAX);
    /* same upper half: the low half is the range's low half */
    s = urange(0x10000000aull, 0x10000000full);
    EXPECT_U32(s, 0xa, 0xf);
    EXPECT_S32(s, 0xa, 0xf);
    /* Linux's example for __reg_deduce_mixed_bounds: u64 [0x1'00000000, 0x3'80000000]
     * with s32 in [1, S32_MAX] gives [0x1'00000001, 0x3'7fffffff] */
    s = urange(0x100000000ull, 0x380000000ull);
    s.s32_min = 1;
    assert_true(scalar_sync(&s));
    EXPECT_U(s, 0x100000001ull, 0x37fffffffull);
    /* sign-extension special case: s64 within s32 range and s32 non-negative */
    s = srange(INT32_MIN, INT32_MAX);
    s.s32_min = 0;
    assert_true(scalar_sync(&s));
    EXPECT(s, 0, INT32_MAX, 0, INT32_MAX, 0, INT32_MAX, 0, INT32_MAX, 0, 0x7fffffff);
    /* crossing-sign s64 with a u64 range overlapping only its positive end (Linux 6.15+) */
    s = srange(-5, 5);
    s.umax = 100;
    assert_true(scalar_sync(&s));
    EXPECT(s, 0, 5, 0, 5, 0, 5, 0, 5, 0, 7);
    s = srange(-5, 5);
    s.umin = 3;
    assert_true(scalar_sync(&s));
    EXPECT_S(s, -5, 5);
    EXPECT_U(s, 3, -1ull);
    /* beyond Linux: interval ends move onto tnum members */
    s = tn(0, 0xf0);
    s.umin = 1;
    s.umax = 0xef;
    assert_true(scalar_sync(&s));
    EXPECT_U(s, 0x10, 0xe0);
    /* and onto possible low halves, across 2^32 blocks */
    s = urange(0x100000005ull, 0x300000003ull);
    s.u32_max = 3;
    assert_true(scalar_sync(&s));
    EXPECT_U(s, 0x200000000ull, 0x300000003ull);
    /* contradictions are empty */
    s = tn(0x10, 0xf);
    s.umax = 0xf;
    assert_false(scalar_sync(&s));
    s = scalar_unknown();
    s.u32_min = 5;
    s.u32_max = 4;
    assert_false(scalar_sync(&s));
    s = tn(1, 0xfffffffe);
    s.u32_min = s.u32_max = 2; /* odd low half, but 2 */
    assert_false(scalar_sync(&s));
    /* constants: every field */
    s = scalar_const(0xffffffff80000000ull);
    EXPECT(s, 0xffffffff80000000ull, 0xffffffff80000000ull, (int64_t)0xffffffff80000000ull,
           (int64_t)0xffffffff80000000ull, 0x80000000u, 0x80000000u, INT32_MIN, INT32_MIN, 0xffffffff80000000ull, 0);
    s = urange(7, 7);
    EXPECT_CONST(s, 7);
    assert_true(tnum_is_const(s.var));
}

/* ---- ALU ------------------------------------------------------------------------------ */

static void test_alu_add_sub(void **state)
{
    (void)state;
    scalar r = alu(SOP_ADD, urange(0, 10), urange(5, 6));
    EXPECT(r, 5, 16, 5, 16, 5, 16, 5, 16, 0, 0x1f);
    /* both ends overflow alike: still a range (Linux 6.12+ handles this for u64) */
    r = alu(SOP_ADD, urange(U64MAX - 1, U64MAX), k(2));
    EXPECT_U(r, 0, 1);
    /* signed overflow on both ends alike */
    r = alu(SOP_ADD, srange(INT64_MAX - 1, INT64_MAX), k(2));
    EXPECT_S(r, INT64_MIN, INT64_MIN + 1);
    /* a sign-crossing result is a circular interval: unsigned unknown, signed exact */
    r = alu(SOP_ADD, urange(0, 255), k(-128ull));
    EXPECT_S(r, -128, 127);
    EXPECT_U(r, 0, U64MAX);
    EXPECT_S32(r, -128, 127);
    r = alu(SOP_SUB, urange(10, 20), urange(0, 5));
    EXPECT_U(r, 5, 20);
    r = alu(SOP_SUB, urange(0, 5), k(10));
    EXPECT_S(r, -10, -5);
    EXPECT_U(r, -10ull, -5ull);
    /* 32-bit wraps within the subregister and zero-extends */
    r = alu32(SOP_ADD, k(0xffffffff), k(2));
    EXPECT_CONST(r, 1);
    r = alu32(SOP_SUB, urange(0, 3), k(1));
    EXPECT_U32(r, 0, UINT32_MAX);
    EXPECT_S32(r, -1, 2);
    EXPECT_U(r, 0, 0xffffffff);
    /* 64-bit ops keep 32-bit bounds of their own */
    r = alu(SOP_ADD, urange(0x100000000ull, 0x1000000ffull), k(1));
    EXPECT_U32(r, 1, 0x100);
    r = alu(SOP_NEG, urange(1, 10), k(0));
    EXPECT_S(r, -10, -1);
    r = alu32(SOP_NEG, k(0x80000000), k(0));
    EXPECT_CONST(r, 0x80000000);
    r = alu(SOP_NEG, srange(-3, 4), k(0));
    EXPECT_S(r, -4, 3);
    /* Linux selftest "bounds check after truncation of non-boundary-crossing range" */
    r = alu(SOP_ADD, urange(0, 255), k(1ull << 32));
    r = alu(SOP_ADD, r, k(0x7fffffff));
    EXPECT_U(r, 0x17fffffffull, 0x1800000feull);
    scalar_zext32(&r);
    EXPECT_U(r, 0x7fffffff, 0x800000fe);
    r = alu32(SOP_SUB, r, k(0x7fffffff));
    EXPECT_U(r, 0, 0xff);
    r = alu(SOP_RSH, r, k(8));
    EXPECT_CONST(r, 0);
}

static void test_alu_mul_div(void **state)
{
    (void)state;
    scalar r = alu(SOP_MUL, urange(0, 10), urange(0, 10));
    EXPECT_U(r, 0, 100);
    r = alu(SOP_MUL, srange(-3, 2), k(4));
    EXPECT_S(r, -12, 8);
    EXPECT_VAR(r, 0, ~3ull);
    r = alu(SOP_MUL, srange(-3, 2), srange(-5, -1));
    EXPECT_S(r, -10, 15);
    r = alu32(SOP_MUL, urange(0, 0xffff), urange(0, 0xffff));
    EXPECT_U(r, 0, 0xfffe0001);
    /* overflowing products: no range */
    r = alu(SOP_MUL, urange(0, 1ull << 40), urange(0, 1ull << 40));
    EXPECT_U(r, 0, U64MAX);
    /* division (Linux leaves the result unknown) */
    r = alu(SOP_DIV, urange(0, 100), k(10));
    EXPECT_U(r, 0, 10);
    r = alu(SOP_DIV, urange(50, 100), urange(2, 5));
    EXPECT_U(r, 10, 50);
    r = alu(SOP_DIV, tn(0, 0xff0), k(16)); /* by a power of two: a shift */
    EXPECT_VAR(r, 0, 0xff);
    r = alu(SOP_DIV, urange(50, 100), urange(0, 5)); /* maybe by zero: 0 */
    EXPECT_U(r, 0, 100);
    r = alu(SOP_DIV, urange(50, 100), k(0));
    EXPECT_CONST(r, 0);
    r = alu32(SOP_DIV, k(8), k(0x100000004ull)); /* the 32-bit divisor is 4 */
    EXPECT_CONST(r, 2);
    r = alu(SOP_MOD, scalar_unknown(), k(8));
    EXPECT(r, 0, 7, 0, 7, 0, 7, 0, 7, 0, 7);
    r = alu(SOP_MOD, urange(0, 5), urange(8, 20)); /* smaller than every divisor: itself */
    EXPECT_U(r, 0, 5);
    r = alu(SOP_MOD, urange(3, 50), k(0)); /* modulo by zero leaves the dividend */
    EXPECT_U(r, 3, 50);
    r = alu32(SOP_MOD, k(0x1234567800000005ull), k(0));
    EXPECT_CONST(r, 5);
    r = alu(SOP_MOD, urange(0, 1000), urange(1, 10));
    EXPECT_U(r, 0, 9);
    /* signed division: INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0 */
    r = alu(SOP_SDIV, k(0x8000000000000000ull), k(-1ull));
    EXPECT_CONST(r, 0x8000000000000000ull);
    r = alu(SOP_SMOD, k(0x8000000000000000ull), k(-1ull));
    EXPECT_CONST(r, 0);
    r = alu32(SOP_SDIV, k(0x80000000), k(0xffffffff));
    EXPECT_CONST(r, 0x80000000);
    r = alu32(SOP_SMOD, k(0x80000000), k(0xffffffff));
    EXPECT_CONST(r, 0);
    r = alu(SOP_SDIV, srange(-100, 50), urange(2, 10));
    EXPECT_S(r, -50, 25);
    r = alu(SOP_SDIV, srange(-100, 50), srange(-10, -2));
    EXPECT_S(r, -25, 50);
    r = alu(SOP_SDIV, srange(-100, 50), srange(-2, 2));
    EXPECT_S(r, -100, 100);
    r = alu(SOP_SDIV, k(-7ull), k(2)); /* truncation toward zero */
    EXPECT_CONST(r, -3ull);
    r = alu(SOP_SMOD, k(-13ull), k(3));
    EXPECT_CONST(r, -1ull);
    r = alu(SOP_SMOD, srange(-100, 50), k(8));
    EXPECT_S(r, -7, 7);
    r = alu(SOP_SMOD, srange(0, 50), srange(-8, 8));
    EXPECT_S(r, 0, 50); /* divisor may be 0: the dividend itself */
    r = alu(SOP_SMOD, srange(0, 50), srange(1, 8));
    EXPECT_S(r, 0, 7);
    r = alu(SOP_SMOD, srange(-3, 3), srange(4, 8));
    EXPECT_S(r, -3, 3);
}

static void test_alu_bitwise(void **state)
{
    (void)state;
    /* w1 &= 0xff gives [0, 255] */
    scalar r = alu32(SOP_AND, scalar_unknown(), k(0xff));
    EXPECT(r, 0, 255, 0, 255, 0, 255, 0, 255, 0, 0xff);
    r = alu(SOP_AND, scalar_unknown(), k(0xff));
    EXPECT(r, 0, 255, 0, 255, 0, 255, 0, 255, 0, 0xff);
    r = alu(SOP_AND, scalar_unknown(), urange(0, 100));
    EXPECT_U(r, 0, 100);
    r = alu(SOP_AND, srange(-10, -1), srange(-20, -3));
    EXPECT_S(r, -32, -3); /* the tnums: (~0xf; 0xf) & (~0x1f; 0x1f) */
    EXPECT_VAR(r, ~0x1full, 0x1f);
    r = alu(SOP_AND, srange(-10, 10), urange(0, 6));
    EXPECT_S(r, 0, 6);
    r = alu(SOP_OR, urange(8, 15), urange(0, 3));
    EXPECT_U(r, 8, 15);
    r = alu(SOP_OR, srange(-4, -1), urange(0, 100));
    EXPECT_S(r, -4, -1);
    r = alu(SOP_OR, urange(16, 20), urange(1, 3));
    EXPECT_U(r, 16, 23); /* as Linux: max of the minima (17 is the true minimum) */
    r = alu(SOP_XOR, urange(0, 255), k(0xff));
    EXPECT_U(r, 0, 255);
    r = alu(SOP_XOR, srange(-4, -1), urange(0, 3));
    EXPECT_S(r, -4, -1);
    r = alu(SOP_XOR, k(0x5a), k(0xff));
    EXPECT_CONST(r, 0xa5);
    r = alu32(SOP_OR, k(0xffffffff00000000ull), k(1)); /* zero-extended */
    EXPECT_CONST(r, 1);
}

static void test_alu_shifts(void **state)
{
    (void)state;
    scalar r = alu(SOP_LSH, urange(0, 255), k(8));
    EXPECT(r, 0, 0xff00, 0, 0xff00, 0, 0xff00, 0, 0xff00, 0, 0xff00);
    r = alu(SOP_RSH, urange(0, 255), k(4));
    EXPECT_U(r, 0, 15);
    r = alu(SOP_RSH, scalar_unknown(), k(60));
    EXPECT_U(r, 0, 15);
    r = alu(SOP_ARSH, srange(-16, 15), k(2));
    EXPECT_S(r, -4, 3);
    r = alu(SOP_ARSH, scalar_unknown(), k(63));
    EXPECT_S(r, -1, 0);
    r = alu32(SOP_ARSH, k(0x80000000), k(31));
    EXPECT_CONST(r, 0xffffffff);
    /* counts are masked: lsh32 by 60 is by 28, lsh by 64 is by 0 */
    r = alu32(SOP_LSH, k(0x11), k(60));
    EXPECT_CONST(r, 0x10000000);
    r = alu(SOP_LSH, k(3), k(64));
    EXPECT_CONST(r, 3);
    /* the <<32 s>>32 idiom sign-extends the subregister */
    r = alu(SOP_LSH, scalar_unknown_size(4), k(32));
    r = alu(SOP_ARSH, r, k(32));
    EXPECT_S(r, INT32_MIN, INT32_MAX);
    r = alu(SOP_LSH, urange(0, 100), k(32));
    EXPECT_S(r, 0, 100ll << 32);
    r = alu(SOP_ARSH, r, k(32));
    EXPECT(r, 0, 100, 0, 100, 0, 100, 0, 100, 0, 0x7f);
    /* w2 = w1 << 31 of a subregister in [0, 1]; and <<32 of a negative s32 range */
    r = alu32(SOP_LSH, urange(0, 1), k(31));
    EXPECT_U(r, 0, 0x80000000);
    scalar t = srange(-2, 1);
    r = alu(SOP_LSH, t, k(32));
    EXPECT_S(r, -2 * (1ll << 32), 1ll << 32);
    /* Linux selftest "bounds check after 32-bit right shift with 64-bit input" */
    r = alu(SOP_LSH, k(2), k(31));
    r = alu32(SOP_RSH, r, k(31));
    EXPECT_CONST(r, 0);
    /* a 64-bit right shift keeps bounds on the low half when the bits are known */
    r = alu(SOP_RSH, urange(0x100000000ull, 0x1ffffffffull), k(4));
    EXPECT_U(r, 0x10000000, 0x1fffffff);
    /* variable counts: every possible count (Linux marks these unknown) */
    r = alu(SOP_LSH, k(1), urange(0, 3));
    EXPECT_U(r, 1, 8);
    EXPECT_VAR(r, 0, 0xf);
    r = alu(SOP_RSH, urange(0, 0xff), scalar_unknown());
    EXPECT_U(r, 0, 0xff);
    r = alu32(SOP_LSH, k(1), tn(32, 1)); /* counts 32, 33 mask to 0, 1 */
    EXPECT_U(r, 1, 2);
}

static void test_alu_widths(void **state)
{
    (void)state;
    /* MOVSX */
    scalar r = scalar_movsx((scalar[]){ scalar_unknown_size(1) }, 8, false);
    EXPECT_S(r, -128, 127);
    EXPECT_S32(r, -128, 127);
    r = scalar_movsx((scalar[]){ urange(0, 100) }, 8, false);
    EXPECT(r, 0, 100, 0, 100, 0, 100, 0, 100, 0, 0x7f);
    r = scalar_movsx((scalar[]){ k(0x80) }, 8, false);
    EXPECT_CONST(r, -128ull);
    r = scalar_movsx((scalar[]){ k(0x80) }, 8, true);
    EXPECT_CONST(r, 0xffffff80);
    r = scalar_movsx((scalar[]){ scalar_unknown_size(4) }, 32, false);
    EXPECT_S(r, INT32_MIN, INT32_MAX);
    r = scalar_movsx((scalar[]){ urange(0x8000, 0x8001) }, 16, false);
    EXPECT_S(r, -32768, -32767);
    /* loads */
    r = scalar_unknown_size(1);
    EXPECT(r, 0, 255, 0, 255, 0, 255, 0, 255, 0, 0xff);
    r = scalar_unknown_size(4);
    EXPECT(r, 0, 0xffffffff, 0, 0xffffffff, 0, 0xffffffff, INT32_MIN, INT32_MAX, 0, 0xffffffff);
    r = scalar_unknown_signed(2);
    EXPECT_S(r, -32768, 32767);
    EXPECT_S32(r, -32768, 32767);
    r = scalar_unknown_signed(4);
    EXPECT_S(r, INT32_MIN, INT32_MAX);
    assert_true(tnum_is_unknown(r.var));
    /* truncation and zero extension */
    r = scalar_cast((scalar[]){ srange(-1, 1) }, 1);
    EXPECT_U(r, 0, 255); /* 0xff, 0, 1 */
    r = scalar_cast((scalar[]){ urange(0x1ff, 0x201) }, 1);
    EXPECT_U(r, 0, 255);
    r = scalar_cast((scalar[]){ urange(0x1f0, 0x1f5) }, 1);
    EXPECT_U(r, 0xf0, 0xf5);
    r = alu32(SOP_MOV, k(0), srange(-1, -1));
    EXPECT_CONST(r, 0xffffffff);
    /* byte swaps */
    r = scalar_bswap((scalar[]){ k(0x1234) }, 16, true);
    EXPECT_CONST(r, 0x3412);
    r = scalar_bswap((scalar[]){ k(0x1122334455667788ull) }, 32, true);
    EXPECT_CONST(r, 0x88776655);
    r = scalar_bswap((scalar[]){ k(0x1122334455667788ull) }, 64, true);
    EXPECT_CONST(r, 0x8877665544332211ull);
    r = scalar_bswap((scalar[]){ k(0x1122334455667788ull) }, 16, false);
    EXPECT_CONST(r, 0x7788);
    r = scalar_bswap((scalar[]){ urange(0, 255) }, 16, true);
    EXPECT_VAR(r, 0, 0xff00);
    EXPECT_U(r, 0, 0xff00);
}

/* ---- conditions ------------------------------------------------------------------------ */

static void test_refine_unsigned(void **state)
{
    (void)state;
    scalar ta, tb, fa, fb;
    /* if r1 < 10 on an unknown u64 */
    branch(SC_LT, false, scalar_unknown(), k(10), &ta, &tb, &fa, &fb);
    EXPECT(ta, 0, 9, 0, 9, 0, 9, 0, 9, 0, 0xf);
    EXPECT_U(fa, 10, U64MAX);
    EXPECT_CONST(tb, 10);
    branch(SC_LE, false, scalar_unknown(), k(10), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 0, 10);
    EXPECT_U(fa, 11, U64MAX);
    branch(SC_GT, false, scalar_unknown(), k(10), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 11, U64MAX);
    EXPECT_U(fa, 0, 10);
    branch(SC_GE, false, scalar_unknown(), k(10), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 10, U64MAX);
    EXPECT_U(fa, 0, 9);
    /* registers on both sides */
    branch(SC_LT, false, urange(0, 100), urange(10, 50), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 0, 49);
    EXPECT_U(tb, 10, 50);
    EXPECT_U(fa, 10, 100);
    EXPECT_U(fb, 10, 50);
    branch(SC_LT, false, urange(20, 100), urange(10, 50), &ta, &tb, &fa, &fb);
    EXPECT_U(tb, 21, 50);
    /* NE / EQ against constants shave the ends */
    branch(SC_NE, false, urange(0, 10), k(0), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 1, 10);
    EXPECT_CONST(fa, 0);
    branch(SC_NE, false, urange(0, 10), k(10), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 0, 9);
    branch(SC_EQ, false, scalar_unknown(), urange(5, 8), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 5, 8);
    EXPECT_U(tb, 5, 8);
    EXPECT_U(fa, 0, U64MAX);
    /* 64-bit equality makes the low halves equal too */
    scalar x = scalar_unknown();
    x.u32_max = 10;
    assert_true(scalar_sync(&x));
    branch(SC_EQ, false, scalar_unknown(), x, &ta, &tb, &fa, &fb);
    EXPECT_U32(ta, 0, 10);
}

static void test_refine_signed(void **state)
{
    (void)state;
    scalar ta, tb, fa, fb;
    /* if r1 s< 0 / s>= 0 on an unknown value: crossing into the unsigned bounds */
    branch(SC_SLT, false, scalar_unknown(), k(0), &ta, &tb, &fa, &fb);
    EXPECT(ta, 0x8000000000000000ull, U64MAX, INT64_MIN, -1, 0, UINT32_MAX, INT32_MIN, INT32_MAX,
           0x8000000000000000ull, 0x7fffffffffffffffull);
    EXPECT(fa, 0, INT64_MAX, 0, INT64_MAX, 0, UINT32_MAX, INT32_MIN, INT32_MAX, 0, 0x7fffffffffffffffull);
    branch(SC_SGT, false, scalar_unknown(), k(-1ull), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 0, INT64_MAX);
    EXPECT_S(fa, INT64_MIN, -1);
    /* a signed range check then an unsigned one (the classic two-sided check) */
    branch(SC_SGE, false, scalar_unknown(), k(0), &ta, &tb, &fa, &fb);
    branch(SC_SLT, false, ta, k(64), &ta, &tb, &fa, &fb);
    EXPECT(ta, 0, 63, 0, 63, 0, 63, 0, 63, 0, 0x3f);
    /* an unsigned check bounds the signed view when it stays below 2^63 */
    branch(SC_LE, false, scalar_unknown(), k(1000), &ta, &tb, &fa, &fb);
    EXPECT_S(ta, 0, 1000);
    /* signed bounds on a register crossing 0, from both sides */
    branch(SC_SLE, false, srange(-100, 100), k(-5ull), &ta, &tb, &fa, &fb);
    EXPECT_S(ta, -100, -5);
    EXPECT_U(ta, -100ull, -5ull);
    EXPECT_S(fa, -4, 100);
    branch(SC_SGT, false, srange(-100, 100), srange(-50, 50), &ta, &tb, &fa, &fb);
    EXPECT_S(ta, -49, 100);
    EXPECT_S(tb, -50, 50);
    EXPECT_S(fb, -50, 50);
    EXPECT_S(fa, -100, 50);
}

static void test_refine_32(void **state)
{
    (void)state;
    scalar ta, tb, fa, fb;
    /* w1 < 10 on an unknown register: the low half only */
    branch(SC_LT, true, scalar_unknown(), k(10), &ta, &tb, &fa, &fb);
    EXPECT_U32(ta, 0, 9);
    EXPECT_S32(ta, 0, 9);
    EXPECT_U(ta, 0, 0xffffffff00000009ull); /* the largest value with a low half <= 9 */
    EXPECT_S(ta, INT64_MIN, 0x7fffffff00000009ll);
    EXPECT_VAR(ta, 0, 0xffffffff0000000full);
    EXPECT_U32(fa, 10, UINT32_MAX);
    /* ... and the whole register when the upper half is known zero */
    branch(SC_LT, true, scalar_unknown_size(4), k(10), &ta, &tb, &fa, &fb);
    EXPECT(ta, 0, 9, 0, 9, 0, 9, 0, 9, 0, 0xf);
    EXPECT_U(fa, 10, 0xffffffff);
    /* signed 32-bit on a zero-extended value */
    branch(SC_SLT, true, scalar_unknown_size(4), k(0), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 0x80000000, 0xffffffff);
    EXPECT_U(fa, 0, 0x7fffffff);
    /* a 32-bit check with a 64-bit range: Linux's mixed-bounds example */
    branch(SC_SGT, true, urange(0x100000000ull, 0x380000000ull), k(0), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 0x100000001ull, 0x37fffffffull);
    /* the 32-bit immediate compares with the low half only */
    branch(SC_EQ, true, scalar_unknown(), k(5), &ta, &tb, &fa, &fb);
    EXPECT_U32(ta, 5, 5);
    EXPECT_VAR(ta, 5, 0xffffffff00000000ull);
    branch(SC_EQ, true, scalar_unknown_size(4), k(0xffffffff), &ta, &tb, &fa, &fb);
    EXPECT_CONST(ta, 0xffffffff);
    EXPECT_U32(fa, 0, 0xfffffffe);
    /* signed 32 with a negative bound: s32 [-5, 5] in a sign-extended register */
    branch(SC_SLE, true, scalar_unknown_signed(4), k(-6ull), &ta, &tb, &fa, &fb);
    EXPECT_S32(ta, INT32_MIN, -6);
    EXPECT_S(ta, INT32_MIN, -6);
    EXPECT_S(fa, -5, INT32_MAX);
}

static void test_refine_jset(void **state)
{
    (void)state;
    scalar ta, tb, fa, fb;
    /* a JSET on a one-bit constant mask: the bit is known either way */
    branch(SC_SET, false, scalar_unknown(), k(8), &ta, &tb, &fa, &fb);
    EXPECT_VAR(ta, 8, ~8ull);
    EXPECT_U(ta, 8, U64MAX);
    EXPECT_VAR(fa, 0, ~8ull);
    /* a wider mask: not set clears all its bits; set means non-zero, at least the low bit */
    branch(SC_SET, false, urange(0, 255), k(0xf0), &ta, &tb, &fa, &fb);
    EXPECT_U(ta, 0x10, 0xff);
    EXPECT_VAR(fa, 0, 0x0f);
    EXPECT_U(fa, 0, 15);
    /* set with only one possible common bit */
    branch(SC_SET, false, tn(0, 0x11), k(0xf0), &ta, &tb, &fa, &fb);
    EXPECT_VAR(ta, 0x10, 0x01);
    EXPECT_VAR(fa, 0, 0x01);
    /* 32-bit: only the low half */
    branch(SC_SET, true, scalar_unknown(), k(0x100000001ull), &ta, &tb, &fa, &fb);
    EXPECT_VAR(ta, 1, ~1ull);
    EXPECT_VAR(fa, 0, ~1ull);
    /* registers on both sides: a known 1 in one is a known 0 in the other when not set */
    branch(SC_SET, false, tn(4, 3), tn(0, 7), &ta, &tb, &fa, &fb);
    EXPECT_VAR(fb, 0, 3);
}

static void test_branch_taken(void **state)
{
    (void)state;
    scalar a = urange(0, 10), b = k(11);
    assert_int_equal(scalar_branch_taken(SC_LT, &a, &b, false), 1);
    assert_int_equal(scalar_branch_taken(SC_GE, &a, &b, false), 0);
    assert_int_equal(scalar_branch_taken(SC_EQ, &a, &b, false), 0);
    assert_int_equal(scalar_branch_taken(SC_NE, &a, &b, false), 1);
    b = k(10);
    assert_int_equal(scalar_branch_taken(SC_LE, &a, &b, false), 1);
    assert_int_equal(scalar_branch_taken(SC_LT, &a, &b, false), -1);
    assert_int_equal(scalar_branch_taken(SC_GT, &a, &b, false), 0);
    /* signed */
    a = srange(-10, -1), b = k(0);
    assert_int_equal(scalar_branch_taken(SC_SLT, &a, &b, false), 1);
    assert_int_equal(scalar_branch_taken(SC_LT, &a, &b, false), 0); /* unsigned: huge */
    assert_int_equal(scalar_branch_taken(SC_GT, &a, &b, false), 1);
    /* 32-bit: the low half decides */
    a = k(0x100000005ull), b = k(5);
    assert_int_equal(scalar_branch_taken(SC_EQ, &a, &b, true), 1);
    assert_int_equal(scalar_branch_taken(SC_EQ, &a, &b, false), 0);
    a = k(0xffffffff);
    b = k(0);
    assert_int_equal(scalar_branch_taken(SC_SLT, &a, &b, true), 1);
    assert_int_equal(scalar_branch_taken(SC_SLT, &a, &b, false), 0);
    /* 64-bit EQ refuted by the low halves (Linux does the same) */
    a = urange(0x100000000ull, 0x500000000ull);
    a.u32_max = 3;
    assert_true(scalar_sync(&a));
    b = k(0x200000007ull);
    assert_int_equal(scalar_branch_taken(SC_EQ, &a, &b, false), 0);
    /* tnums */
    a = tn(0x10, 0xf);
    b = k(0x10);
    assert_int_equal(scalar_branch_taken(SC_SET, &a, &b, false), 1);
    b = k(0x20);
    assert_int_equal(scalar_branch_taken(SC_SET, &a, &b, false), 0);
    assert_int_equal(scalar_branch_taken(SC_EQ, &a, &b, false), 0);
    a = tn(0, 0xf0);
    b = k(0x35);
    assert_int_equal(scalar_branch_taken(SC_EQ, &a, &b, false), 0);
    /* constants */
    a = k(3), b = k(3);
    assert_int_equal(scalar_branch_taken(SC_EQ, &a, &b, false), 1);
    assert_int_equal(scalar_branch_taken(SC_SGE, &a, &b, false), 1);
    /* refine agrees: a dead branch is refused */
    a = urange(0, 10), b = k(20);
    assert_false(scalar_refine(SC_GT, true, &a, &b, false));
    a = urange(0, 10), b = k(20);
    assert_true(scalar_refine(SC_GT, false, &a, &b, false));
}

/* ---- pruning and joining ---------------------------------------------------------------- */

static void test_within_join(void **state)
{
    (void)state;
    scalar a = urange(0, 10), b = urange(2, 5), u = scalar_unknown();
    assert_true(scalar_within(&a, &b));
    assert_false(scalar_within(&b, &a));
    assert_true(scalar_within(&u, &a));
    assert_true(scalar_within(&a, &a));
    scalar c = k(7);
    assert_true(scalar_within(&a, &c));
    c = k(11);
    assert_false(scalar_within(&a, &c));
    /* the tnum counts: even values only */
    scalar even = tn(0, 0xe);
    c = k(3);
    assert_false(scalar_within(&even, &c));
    c = k(4);
    assert_true(scalar_within(&even, &c));
    scalar j = scalar_join((scalar[]){ k(4) }, (scalar[]){ k(6) });
    EXPECT(j, 4, 6, 4, 6, 4, 6, 4, 6, 4, 2);
    j = scalar_join((scalar[]){ srange(-5, -1) }, (scalar[]){ urange(0, 3) });
    EXPECT_S(j, -5, 3);
    EXPECT_U(j, 0, U64MAX);
    assert_true(scalar_within(&j, (scalar[]){ k(-3ull) }));
}

/* ---- printing -------------------------------------------------------------------------- */

static void test_str(void **state)
{
    (void)state;
    char buf[300];
    scalar s = urange(0, 255);
    scalar_str(&s, buf, sizeof buf);
    assert_string_equal(buf, "smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)");
    s = k(5);
    scalar_str(&s, buf, sizeof buf);
    assert_string_equal(buf, "5");
    s = k(-1ull);
    scalar_str(&s, buf, sizeof buf);
    assert_string_equal(buf, "-1");
    s = scalar_unknown();
    scalar_str(&s, buf, sizeof buf);
    assert_string_equal(buf, "unknown");
    s = srange(-3, 3);
    scalar_str(&s, buf, sizeof buf);
    assert_string_equal(buf, "smin=smin32=-3,smax=smax32=3");
    s = scalar_unknown_size(4);
    scalar_str(&s, buf, sizeof buf);
    assert_string_equal(buf, "smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)");
    /* truncation: the length is still reported */
    assert_true(scalar_str(&s, buf, 8) > 8);
    assert_int_equal(strlen(buf), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tnum),          cmocka_unit_test(test_sync),
        cmocka_unit_test(test_alu_add_sub),   cmocka_unit_test(test_alu_mul_div),
        cmocka_unit_test(test_alu_bitwise),   cmocka_unit_test(test_alu_shifts),
        cmocka_unit_test(test_alu_widths),    cmocka_unit_test(test_refine_unsigned),
        cmocka_unit_test(test_refine_signed), cmocka_unit_test(test_refine_32),
        cmocka_unit_test(test_refine_jset),   cmocka_unit_test(test_branch_taken),
        cmocka_unit_test(test_within_join),   cmocka_unit_test(test_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
