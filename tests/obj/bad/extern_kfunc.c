// SPDX-License-Identifier: GPL-2.0
/* a call to a kernel function (kfunc): an extern bpfvm cannot resolve */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash, int *type) __ksym;

SEC("xdp")
int p(struct xdp_md *ctx)
{
    __u32 h;
    int t;
    return bpf_xdp_metadata_rx_hash(ctx, &h, &t) ? XDP_DROP : XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
