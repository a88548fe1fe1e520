// SPDX-License-Identifier: GPL-2.0
/* map_in_map.c — array-of-maps and hash-of-maps initialised in the object: the
 * program picks an inner map by the packet's ethertype and counts in it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner_arr {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
};

struct inner_arr inner_v4 SEC(".maps"), inner_other SEC(".maps");

struct inner_hash {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
};

struct inner_hash inner_h SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, struct inner_arr);
} outer_arr SEC(".maps") = {
    .values = { [0] = &inner_v4, [1] = &inner_other },
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, struct inner_hash);
} outer_hash SEC(".maps") = {
    .values = { [3] = &inner_h },
};

__s64 missing_outer, missing_inner;

SEC("xdp")
int map_in_map(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (d + 14 > end)
        return XDP_DROP;
    __u32 which = (d[12] == 0x08 && d[13] == 0x00) ? 0 : 1;
    void *inner = bpf_map_lookup_elem(&outer_arr, &which);
    if (!inner)
        return XDP_ABORTED;
    __u32 k = (__u32)(end - d) % 4;
    __u64 *v = bpf_map_lookup_elem(inner, &k);
    if (v)
        *v += 1;
    __u32 none = 2;
    if (!bpf_map_lookup_elem(&outer_arr, &none))
        missing_outer++;

    __u32 hk = 3;
    inner = bpf_map_lookup_elem(&outer_hash, &hk);
    if (inner) {
        __u32 key = d[13];
        v = bpf_map_lookup_elem(inner, &key);
        if (v) {
            *v += 1;
        } else {
            __u64 one = 1;
            bpf_map_update_elem(inner, &key, &one, BPF_NOEXIST);
            missing_inner++;
        }
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
