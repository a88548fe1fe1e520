/* fnv1a.c — 64-bit FNV-1a hash of the whole memory block (up to 4096 bytes),
 * computed twice in one pass: forwards, and backwards with another offset basis.
 * Per byte and hash one load, an xor and a 64-bit multiply that depends on the
 * previous one: a multiply-latency-bound loop over a sequential load stream. */
#include "bench.h"

BENCH_ENTRY(unsigned char *mem, unsigned long len)
{
    u64 n = len < 4096 ? len : 4096;
    u64 h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
    for (u64 i = 0; i < n; i++) {
        h1 = (h1 ^ mem[i]) * 0x100000001b3ull;
        h2 = (h2 ^ mem[n - 1 - i]) * 0x100000001b3ull;
    }
    return (long)(h1 ^ (h2 >> 1));
}
