// SPDX-License-Identifier: GPL-2.0
/* an XDP program calling a socket-buffer helper */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int p(struct xdp_md *ctx)
{
    char buf[4];
    return bpf_skb_load_bytes(ctx, 0, buf, 4) ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
