// SPDX-License-Identifier: GPL-2.0
/* percpu_lru.c — raw-memory programs the host runs on several CPUs (per-CPU
 * array and hash, LRU per-CPU hash) and an LRU hash filled past its capacity.
 * The memory block is one u64: the key to use.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} pc_arr SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32); /* 4-byte values: per-CPU copies are 8 bytes apart */
} pc_hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} pc_lru SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} lru SEC(".maps");

SEC("mem")
int percpu(__u64 *mem)
{
    __u32 cpu = bpf_get_smp_processor_id(), k = (__u32)mem[0];
    __u64 *v = bpf_map_lookup_elem(&pc_arr, &k);
    if (v)
        *v += cpu + 1;
    __u32 *h = bpf_map_lookup_elem(&pc_hash, &k);
    if (h) {
        *h += 10 * (cpu + 1);
    } else {
        __u32 x = 10 * (cpu + 1);
        bpf_map_update_elem(&pc_hash, &k, &x, BPF_ANY);
    }
    v = bpf_map_lookup_elem(&pc_lru, &k);
    if (v) {
        *v += 100;
    } else {
        __u64 x = 100 + cpu;
        bpf_map_update_elem(&pc_lru, &k, &x, BPF_NOEXIST);
    }
    return cpu;
}

/* Inserts mem[0] into a 4-entry LRU hash; returns 1 when it was present. */
SEC("mem")
int lru_insert(__u64 *mem)
{
    __u32 k = (__u32)mem[0];
    __u64 *v = bpf_map_lookup_elem(&lru, &k);
    if (v) {
        *v += 1;
        return 1;
    }
    __u64 one = 1;
    return bpf_map_update_elem(&lru, &k, &one, BPF_ANY) ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
