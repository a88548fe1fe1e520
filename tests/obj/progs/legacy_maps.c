// SPDX-License-Identifier: GPL-2.0
/* legacy_maps.c — maps declared the pre-BTF way: struct bpf_map_def in SEC("maps")
 * (libbpf 1.0 dropped them; bpfvm still loads them), used by an XDP program.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 16,
};

struct bpf_map_def SEC("maps") legacy_array = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 4,
};

SEC("xdp")
int legacy(struct xdp_md *ctx)
{
    __u32 len = (__u32)(ctx->data_end - ctx->data);
    __u32 k = len & 3;
    __u64 *v = bpf_map_lookup_elem(&legacy_array, &k);
    if (v)
        *v += 1;
    k = len > 100;
    v = bpf_map_lookup_elem(&legacy_hash, &k);
    if (v) {
        *v += len;
    } else {
        __u64 l = len;
        bpf_map_update_elem(&legacy_hash, &k, &l, BPF_ANY);
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
