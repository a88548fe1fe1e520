// SPDX-License-Identifier: GPL-2.0
/* c_maps.c — maps from C: lookups checked against NULL, updates and deletes,
 * per-CPU and LRU hashes, array indexes that must be bounded, values used as
 * keys, queues and stacks, map-in-map. Socket filters (any type may use maps). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow {
    __u32 saddr, daddr;
    __u16 sport, dport;
    __u32 pad;
};

struct stats {
    __u64 packets;
    __u64 bytes;
    __u64 hist[16];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct flow);
    __type(value, struct stats);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, struct stats);
} slots SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u64);
} percpu SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 64);
    __type(key, __u64);
    __type(value, __u64);
} lru SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 16);
    __type(value, __u64);
} fifo SEC(".maps");

struct inner {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} inner0 SEC(".maps"), inner1 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner);
} outer SEC(".maps") = { .values = { &inner0, &inner1 } };

//@ case flow_update_ok
//@ expect accept
SEC("socket") int flow_update_ok(struct __sk_buff *skb)
{
    struct flow f = { .saddr = skb->hash, .sport = (__u16)skb->len };
    struct stats *s = bpf_map_lookup_elem(&flows, &f);
    if (!s) {
        struct stats zero = {};
        bpf_map_update_elem(&flows, &f, &zero, BPF_NOEXIST);
        return 0;
    }
    __sync_fetch_and_add(&s->packets, 1);
    __sync_fetch_and_add(&s->bytes, skb->len);
    return 0;
}

//@ case flow_lookup_unchecked
//@ expect reject 12: R0 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
SEC("socket") int flow_lookup_unchecked(struct __sk_buff *skb)
{
    struct flow f = { .sport = (__u16)skb->len };
    struct stats *s = bpf_map_lookup_elem(&flows, &f);
    return s->packets > 10;
}

//@ case hist_bounded_index_ok
//@ expect accept
SEC("socket") int hist_bounded_index_ok(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct stats *s = bpf_map_lookup_elem(&slots, &k);
    if (!s)
        return 0;
    __u32 bucket = skb->len >> 7;
    if (bucket > 15)
        bucket = 15;
    s->hist[bucket]++;
    return 0;
}

//@ case hist_unbounded_index
//@ expect reject 13: R0 pointer to map value of 'slots': read of 8 bytes at offsets 16..268435464 may fall outside the 144-byte value
SEC("socket") int hist_unbounded_index(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct stats *s = bpf_map_lookup_elem(&slots, &k);
    if (!s)
        return 0;
    s->hist[skb->len >> 7]++;
    return 0;
}

//@ case hist_index_off_by_one
//@ expect reject 14: R0 pointer to map value of 'slots': read of 8 bytes at offsets 16..144 may fall outside the 144-byte value
SEC("socket") int hist_index_off_by_one(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct stats *s = bpf_map_lookup_elem(&slots, &k);
    if (!s)
        return 0;
    __u32 bucket = skb->len >> 7;
    if (bucket > 16)
        return 0;
    s->hist[bucket]++;
    return 0;
}

//@ case array_key_from_packet_ok
//@ expect accept
SEC("socket") int array_key_from_packet_ok(struct __sk_buff *skb)
{
    __u32 k = skb->protocol & 7;
    struct stats *s = bpf_map_lookup_elem(&slots, &k);
    if (s)
        s->packets++;
    return 0;
}

//@ case array_const_key_no_check_ok
// a constant key below max_entries: the lookup cannot fail (Linux 6.14+)
//@ kernel reject: Linux knows the key only when it is zero or spilled at an 8-byte aligned slot; bpfvm also tracks the 4-byte store of the constant 3 at fp-4
//@ expect accept
SEC("socket") int array_const_key_no_check_ok(struct __sk_buff *skb)
{
    __u32 k = 3;
    struct stats *s = bpf_map_lookup_elem(&slots, &k);
    return s->packets & 1;
}

//@ case percpu_counter_ok
//@ expect accept
SEC("socket") int percpu_counter_ok(struct __sk_buff *skb)
{
    __u32 k = skb->ifindex;
    __u64 one = 1, *v = bpf_map_lookup_elem(&percpu, &k);
    if (v)
        *v += 1;
    else
        bpf_map_update_elem(&percpu, &k, &one, BPF_ANY);
    return 0;
}

//@ case lru_delete_ok
//@ expect accept
SEC("socket") int lru_delete_ok(struct __sk_buff *skb)
{
    __u64 k = skb->hash;
    if (skb->len < 64)
        bpf_map_delete_elem(&lru, &k);
    else
        bpf_map_update_elem(&lru, &k, &k, BPF_ANY);
    return 0;
}

//@ case value_as_key_ok
//@ expect accept
SEC("socket") int value_as_key_ok(struct __sk_buff *skb)
{
    __u64 k = skb->hash;
    __u64 *v = bpf_map_lookup_elem(&lru, &k);
    if (!v)
        return 0;
    __u64 *w = bpf_map_lookup_elem(&lru, v);
    return w ? 1 : 0;
}

//@ case queue_push_pop_ok
//@ expect accept
SEC("socket") int queue_push_pop_ok(struct __sk_buff *skb)
{
    __u64 v = skb->len;
    bpf_map_push_elem(&fifo, &v, BPF_ANY);
    __u64 out;
    if (bpf_map_pop_elem(&fifo, &out))
        return 0;
    return out & 1;
}

//@ case map_in_map_ok
//@ expect accept
SEC("socket") int map_in_map_ok(struct __sk_buff *skb)
{
    __u32 k = skb->len & 1, j = 0;
    void *in = bpf_map_lookup_elem(&outer, &k);
    if (!in)
        return 0;
    __u64 *v = bpf_map_lookup_elem(in, &j);
    if (v)
        __sync_fetch_and_add(v, 1);
    return 0;
}

//@ case map_in_map_inner_unchecked
//@ expect reject 13: R1 may be NULL (a map from a map-in-map lookup): check it against NULL before passing it to bpf_map_lookup_elem
SEC("socket") int map_in_map_inner_unchecked(struct __sk_buff *skb)
{
    __u32 k = skb->len & 1, j = 0;
    void *in = bpf_map_lookup_elem(&outer, &k);
    __u64 *v = bpf_map_lookup_elem(in, &j);
    if (v)
        __sync_fetch_and_add(v, 1);
    return 0;
}

//@ case stats_pointer_past_value
// stats has 18 counters: index 18 is past the value
//@ expect reject 8: R0 pointer to map value of 'slots': read of 8 bytes at offset 144 is outside the 144-byte value
SEC("socket") int stats_pointer_past_value(struct __sk_buff *skb)
{
    __u32 k = 0;
    __u64 *s = bpf_map_lookup_elem(&slots, &k);
    if (!s)
        return 0;
    return s[18] & 1;
}

char LICENSE[] SEC("license") = "GPL";
