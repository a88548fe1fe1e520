// SPDX-License-Identifier: GPL-2.0
/* retval.c — return values beyond 32 bits: Linux programs return u32 (the
 * kernel's bpf_prog_run), so an XDP program returning 1 << 32 | XDP_PASS passes
 * and a socket filter returning -1 keeps the whole packet.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile __u64 hi = 1ull << 32;

SEC("xdp")
long xdp_wide(struct xdp_md *ctx)
{
    (void)ctx;
    return hi | XDP_PASS;
}

SEC("socket")
long socket_minus1(struct __sk_buff *skb)
{
    (void)skb;
    return -1;
}

SEC("socket")
long socket_wide_zero(struct __sk_buff *skb)
{
    (void)skb;
    return hi; /* low 32 bits 0: drop */
}

SEC("tc")
long tc_unspec(struct __sk_buff *skb)
{
    (void)skb;
    return -1; /* TC_ACT_UNSPEC */
}

char LICENSE[] SEC("license") = "GPL";
