// SPDX-License-Identifier: GPL-2.0
/* xdp_maps.c — an XDP program that exercises hash, array, LRU hash, per-CPU array,
 * per-CPU hash, queue and stack maps on every packet, deterministically, so that
 * the kernel and bpfvm must end a capture with the same map contents.
 * Returns XDP_DROP for frames shorter than an Ethernet header, else XDP_PASS.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u16); /* ethertype */
    __type(value, __u64);
} by_proto SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64); /* packets per length bucket of 256 bytes (7 = more) */
} len_hist SEC(".maps");

struct mac_key {
    __u8 mac[6];
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 32);
    __type(key, struct mac_key);
    __type(value, __u32);
} by_src SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} pcpu_count SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} pcpu_bytes SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 8);
    __type(value, __u32);
} lens_q SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_STACK);
    __uint(max_entries, 4);
    __type(value, __u32);
} lens_s SEC(".maps");

/* Results of the operations whose return codes matter: errors of update with
 * BPF_NOEXIST/BPF_EXIST, delete of a missing key, pops of an empty stack. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __s64);
} rcs SEC(".maps");

static __always_inline void add_rc(__u32 slot, long rc)
{
    __s64 *v = bpf_map_lookup_elem(&rcs, &slot);
    if (v)
        *v += rc;
}

SEC("xdp")
int xdp_maps(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u32 len = (__u32)(end - data);
    __u8 *p = data;
    if (p + 14 > (__u8 *)end)
        return XDP_DROP;

    /* hash: count per ethertype, creating with NOEXIST the first time */
    __u16 proto = ((__u16)p[12] << 8) | p[13];
    __u64 *n = bpf_map_lookup_elem(&by_proto, &proto);
    if (n) {
        __sync_fetch_and_add(n, 1);
        __u64 one = 1;
        add_rc(0, bpf_map_update_elem(&by_proto, &proto, &one, BPF_NOEXIST)); /* -EEXIST */
    } else {
        __u64 one = 1;
        add_rc(1, bpf_map_update_elem(&by_proto, &proto, &one, BPF_NOEXIST));
        __u16 missing = 0xffff;
        add_rc(2, bpf_map_update_elem(&by_proto, &missing, &one, BPF_EXIST)); /* -ENOENT */
        add_rc(3, bpf_map_delete_elem(&by_proto, &missing));                  /* -ENOENT */
    }
    /* ARP entries are deleted again: the key must be gone at the end */
    if (proto == 0x0806)
        add_rc(4, bpf_map_delete_elem(&by_proto, &proto));

    /* array */
    __u32 bucket = len / 256;
    if (bucket > 7)
        bucket = 7;
    n = bpf_map_lookup_elem(&len_hist, &bucket);
    if (n)
        *n += 1;
    __u32 out_of_range = 8;
    add_rc(5, bpf_map_lookup_elem(&len_hist, &out_of_range) ? 1 : 0);
    add_rc(6, bpf_map_delete_elem(&len_hist, &bucket)); /* -EINVAL: arrays do not delete */

    /* LRU hash (below capacity: eviction order is not part of the contract) */
    struct mac_key mk;
    __builtin_memcpy(mk.mac, p + 6, 6);
    __u32 *c = bpf_map_lookup_elem(&by_src, &mk);
    if (c) {
        *c += 1;
    } else {
        __u32 one = 1;
        bpf_map_update_elem(&by_src, &mk, &one, BPF_ANY);
    }

    /* per-CPU array and hash */
    __u32 k0 = 0;
    n = bpf_map_lookup_elem(&pcpu_count, &k0);
    if (n)
        *n += 1;
    __u32 pk = proto & 0xf;
    n = bpf_map_lookup_elem(&pcpu_bytes, &pk);
    if (n) {
        *n += len;
    } else {
        __u64 l = len;
        bpf_map_update_elem(&pcpu_bytes, &pk, &l, BPF_NOEXIST);
    }

    /* queue: keeps the last 8 lengths (BPF_EXIST pushes out the oldest) */
    add_rc(7, bpf_map_push_elem(&lens_q, &len, BPF_EXIST));
    __u32 head = 0;
    add_rc(8, bpf_map_peek_elem(&lens_q, &head));
    add_rc(9, head);
    /* stack: push; every third packet pops twice (the second pop of an empty
     * stack gives -ENOENT) */
    long rc = bpf_map_push_elem(&lens_s, &len, 0); /* -E2BIG when full */
    add_rc(10, rc);
    if (len % 3 == 0) {
        __u32 v = 0;
        add_rc(11, bpf_map_pop_elem(&lens_s, &v));
        add_rc(12, v);
        add_rc(13, bpf_map_pop_elem(&lens_s, &v));
    }
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
