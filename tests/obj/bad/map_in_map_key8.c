// SPDX-License-Identifier: GPL-2.0
/* a hash of maps with 8-byte keys initialised in the object: the slot index is an
 * int key (libbpf), so this is refused */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} in SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u64);
    __array(values, struct inner);
} m SEC(".maps") = { .values = { [0] = &in } };

SEC("xdp")
int p(struct xdp_md *ctx)
{
    __u64 k = 0;
    (void)ctx;
    return bpf_map_lookup_elem(&m, &k) ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
