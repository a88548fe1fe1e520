// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
/* a ring buffer whose size is not a power of 2 */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 5000);
} m SEC(".maps");

SEC("xdp")
int p(struct xdp_md *ctx)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&m, &k) ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
