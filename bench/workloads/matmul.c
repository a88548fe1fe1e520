/* matmul.c — 16x16 by 16x16 matrix product of 16-bit matrices read straight from
 * the block (A at 0, B at 512), each result element folded into a position-
 * weighted sum instead of being stored. 4096 multiply-adds, two byte-pair loads
 * each: ALU and load heavy, no data-dependent branches. */
#include "bench.h"

#define M 16

BENCH_ENTRY(unsigned char *mem, unsigned long len)
{
    if (len < 4 * M * M)
        return -1;
    const u8 *A = mem, *B = mem + 2 * M * M;
    u64 acc = 0;
    for (u32 i = 0; i < M; i++) {
        for (u32 j = 0; j < M; j++) {
            u32 c = 0;
            for (u32 k = 0; k < M; k++)
                c += ld16(A + 2 * (i * M + k)) * ld16(B + 2 * (k * M + j));
            acc += (u64)c * (i * M + j + 1);
        }
    }
    return (long)acc;
}
