// SPDX-License-Identifier: GPL-2.0
/* isa_v4.c — C that each -mcpu level compiles differently: signed division and
 * remainder (v4 sdiv/smod; emulated below v4), sign-extending loads and moves
 * (v4 ldsx/movsx), byte swaps (v4 bswap), 32-bit jumps (v2+), ALU32 (v3+),
 * atomics with fetch (v3+). The XDP program's result does not depend on the level.
 * CORPUS_CPU is the -mcpu level (the build passes -DCORPUS_CPU=N).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__s64 out[12];
__s8 s8v = -5;
__s16 s16v = -300;
__s32 s32v = -70000;
__u64 atom = 10;

static __noinline __s64 sdiv(__s64 a, __s64 b)
{
#if CORPUS_CPU >= 4
    return a / b;
#else
    __u64 ua = a < 0 ? -(__u64)a : (__u64)a, ub = b < 0 ? -(__u64)b : (__u64)b;
    __u64 q = ua / ub;
    return (a < 0) != (b < 0) ? -(__s64)q : (__s64)q;
#endif
}

static __noinline __s64 smod(__s64 a, __s64 b)
{
#if CORPUS_CPU >= 4
    return a % b;
#else
    return a - sdiv(a, b) * b;
#endif
}

SEC("xdp")
int isa_v4(struct xdp_md *ctx)
{
    __s64 len = (__s64)(ctx->data_end - ctx->data);
    out[0] = sdiv(-len, 7);
    out[1] = smod(-len, 7);
    out[2] = sdiv(len, -3);
    out[3] = s8v;       /* ldsx / shifts */
    out[4] = s16v;
    out[5] = s32v;
    out[6] = (__s64)(__s32)(__u32)(len * 0x10001);    /* movsx 32 */
    out[7] = __builtin_bswap32((__u32)len);
    out[8] = __builtin_bswap64((__u64)len);
    out[9] = __builtin_bswap16((__u16)len);
#if CORPUS_CPU >= 3
    out[10] = __sync_fetch_and_add(&atom, 1);
    out[11] = __sync_val_compare_and_swap(&atom, 11, 20);
#else
    __u64 old = atom;
    atom = old + 1;
    out[10] = old;
    old = atom;
    out[11] = old;
    if (old == 11)
        atom = 20;
#endif
    return len & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
