/* histo.c — 32-bin histogram of the block's bytes (bin = byte >> 3) in a stack
 * array, then the sum of squared bin counts and the fullest bin. One load and one
 * variable-offset stack read-modify-write per byte.
 * Bins are 64-bit and the fullest bin is tracked by value, both for the kernel
 * verifier: two 32-bit counters in one 8-byte stack slot, or a "best index" that
 * later indexes the array, multiply the states it must explore past its limit. */
#include "bench.h"

#define BINS 32

BENCH_ENTRY(unsigned char *mem, unsigned long len)
{
    u64 h[BINS];
    u64 n = len < 4096 ? len : 4096;
    for (int i = 0; i < BINS; i++)
        h[i] = 0;
    for (u64 i = 0; i < n; i++)
        h[mem[i] >> 3]++;
    u64 sq = 0, best = 0, bestv = 0;
    for (u32 i = 0; i < BINS; i++) {
        sq += h[i] * h[i];
        if (h[i] > bestv) {
            bestv = h[i];
            best = i;
        }
    }
    return (long)(sq << 8 | best);
}
