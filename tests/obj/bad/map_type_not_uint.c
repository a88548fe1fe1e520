// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
/* the map type written as a plain int */
struct {
    int type;
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} m SEC(".maps");

SEC("xdp")
int p(struct xdp_md *ctx)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&m, &k) ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
