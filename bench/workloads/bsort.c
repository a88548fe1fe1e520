/* bsort.c — bubble sort of 56 keys (32-bit, from the block) in a stack array of
 * 64-bit slots (the block itself is never written), then an order-sensitive
 * checksum of the result. Two stack loads, a data-dependent compare-and-swap
 * branch and a fixed-trip inner loop: about half the compares swap.
 * The slots are 64-bit on purpose: with 32-bit elements two keys share one 8-byte
 * stack slot and the kernel verifier, which tracks a spilled register per slot,
 * sees a different state for every order of the halves' writes and gives up. */
#include "bench.h"

#define N 56

BENCH_ENTRY(unsigned char *mem, unsigned long len)
{
    u64 a[N];
    if (len < 4 * N)
        return -1;
    for (int i = 0; i < N; i++)
        a[i] = ld32(mem + 4 * i);
    for (int i = 0; i < N - 1; i++) {
        for (int j = 0; j < N - 1 - i; j++) {
            u64 x = a[j], y = a[j + 1];
            if (x > y) {
                a[j] = y;
                a[j + 1] = x;
            }
        }
    }
    u64 h = 0;
    for (int i = 0; i < N; i++)
        h = h * 31 + a[i];
    return (long)h;
}
