/* collatz.c — Collatz sequences of 32 16-bit seeds taken from the block, 160 steps
 * each: the steps taken before first reaching 1 are counted and every value is
 * folded into a multiplicative hash. Entirely branch-free in the loop body (the
 * odd/even choice is a multiply by n & 1, "still running" a mask), so it is a
 * latency-bound chain of 64-bit ALU operations.
 * Why no early `if (n == 1) break`: with it, the kernel verifier explores every
 * exit step of every seed and runs out of its 1M-instruction budget. */
#include "bench.h"

#define SEEDS 32
#define STEPS 160

BENCH_ENTRY(unsigned char *mem, unsigned long len)
{
    if (len < 2 * SEEDS)
        return -1;
    u64 total = 0, mix = 0;
    for (u32 s = 0; s < SEEDS; s++) {
        u64 n = ld16(mem + 2 * s) | 1;
        u64 alive = 1;
        for (u32 k = 0; k < STEPS; k++) {
            u64 d = n ^ 1;
            alive &= (d | (0 - d)) >> 63; /* stays 1 until n == 1 */
            total += alive;
            u64 odd = n & 1;
            n = (n >> 1) + odd * (3 * n + 1 - (n >> 1)); /* odd ? 3n+1 : n/2 */
            mix = (mix ^ n) * 0x9e3779b1u;
        }
    }
    return (long)(total << 32 ^ mix);
}
