/* sieve.c — sieve of Eratosthenes over the odd numbers below 6144 in a 384-byte
 * bit array on the stack, then a pass that counts the primes and sums the block's
 * bytes at prime offsets. Shifts, variable-offset stack loads and stores, and a
 * data-dependent branch per candidate. */
#include "bench.h"

#define WORDS 48              /* 48 * 64 bits = 3072 odd numbers: 1, 3, ..., 6143 */
#define NBITS (WORDS * 64)

BENCH_ENTRY(unsigned char *mem, unsigned long len)
{
    u64 bits[WORDS]; /* bit i set: 2i+1 is composite */
    for (int w = 0; w < WORDS; w++)
        bits[w] = 0;
    bits[0] = 1; /* 1 is not prime */
    for (u32 i = 1; i < 40; i++) { /* (2*39+1)^2 > 6144 */
        if (bits[i >> 6] >> (i & 63) & 1)
            continue;
        u32 p = 2 * i + 1;
        for (u32 j = (p * p) >> 1; j < NBITS; j += p)
            bits[j >> 6] |= 1ull << (j & 63);
    }
    u64 count = 1, sum = 0; /* count 2 */
    for (u32 i = 1; i < NBITS; i++) {
        if (bits[i >> 6] >> (i & 63) & 1)
            continue;
        count++;
        u32 p = 2 * i + 1;
        if (p < len)
            sum += mem[p];
    }
    return (long)(count << 32 | sum);
}
