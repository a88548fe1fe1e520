/* crc32.c — bitwise CRC-32 (IEEE, reflected polynomial 0xEDB88320) of the first
 * 1024 bytes of the block, branch-free inner step: eight shift/and/multiply/xor
 * rounds per byte. Pure 32-bit ALU work, one load per byte. The mask is a multiply,
 * not the usual -(crc & 1): the kernel verifier (6.18 here) splits a register
 * holding 0 or -1 into two states, which doubles per bit and exhausts it. */
#include "bench.h"

BENCH_ENTRY(unsigned char *mem, unsigned long len)
{
    u32 n = len < 1024 ? (u32)len : 1024;
    u32 crc = 0xffffffffu;
    for (u32 i = 0; i < n; i++) {
        crc ^= mem[i];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xedb88320u * (crc & 1));
    }
    return (long)(crc ^ 0xffffffffu);
}
