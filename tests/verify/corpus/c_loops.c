// SPDX-License-Identifier: GPL-2.0
/* c_loops.c — loops from C: bounded for/while loops the verifier walks to the
 * end, loops over map values and the stack, loops whose bound is unknown or too
 * large, and bpf_loop with callbacks. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32[32]);
} table SEC(".maps");

//@ case sum_32_ok
//@ expect accept
SEC("socket") int sum_32_ok(struct __sk_buff *skb)
{
    __u32 k = 0, *t = bpf_map_lookup_elem(&table, &k);
    if (!t)
        return 0;
    __u32 sum = 0;
    for (int i = 0; i < 32; i++)
        sum += t[i];
    return sum;
}

//@ case sum_33_past_value
//@ expect reject 94: R0 pointer to map value of 'table': read of 4 bytes at offset 128 is outside the 128-byte value
SEC("socket") int sum_33_past_value(struct __sk_buff *skb)
{
    __u32 k = 0;
    volatile __u32 *t = bpf_map_lookup_elem(&table, &k);
    if (!t)
        return 0;
    __u32 sum = 0;
    for (int i = 0; i < 33; i++)
        sum += t[i];
    return sum;
}

//@ case while_bounded_by_len_ok
//@ expect accept
SEC("socket") int while_bounded_by_len_ok(struct __sk_buff *skb)
{
    __u32 n = skb->len & 255, acc = 0;
    while (n) {
        acc += n;
        n--;
    }
    return acc;
}

//@ case while_unbounded
// the packet length may be up to 4 GiB: too many iterations to verify
//@ expect reject 9: the program is too complex: the verifier processed 1000000 instructions over all paths without finishing (a loop that may not end, or too many paths)
SEC("socket") int while_unbounded(struct __sk_buff *skb)
{
    volatile __u32 n = skb->len;
    __u32 acc = 0;
    for (__u32 i = 0; i < n; i++)
        acc ^= i;
    return acc;
}

//@ case find_first_zero_ok
//@ expect accept
SEC("socket") int find_first_zero_ok(struct __sk_buff *skb)
{
    __u32 k = 0, *t = bpf_map_lookup_elem(&table, &k);
    if (!t)
        return 0;
    for (int i = 0; i < 32; i++)
        if (t[i] == 0)
            return i;
    return -1;
}

//@ case stack_buffer_loop_ok
//@ expect accept
SEC("socket") int stack_buffer_loop_ok(struct __sk_buff *skb)
{
    __u8 buf[64];
    if (bpf_skb_load_bytes(skb, 0, buf, sizeof buf))
        return 0;
    __u32 h = 0;
    for (int i = 0; i < 64; i++)
        h = h * 31 + buf[i];
    return h;
}

//@ case nested_loops_ok
//@ expect accept
SEC("socket") int nested_loops_ok(struct __sk_buff *skb)
{
    __u32 k = 0, *t = bpf_map_lookup_elem(&table, &k);
    if (!t)
        return 0;
    __u32 acc = 0;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            acc += t[i * 4 + j];
    return acc;
}

//@ case loop_index_from_map_ok
// an index loaded from the map, masked at each use
//@ expect accept
SEC("socket") int loop_index_from_map_ok(struct __sk_buff *skb)
{
    __u32 k = 0, *t = bpf_map_lookup_elem(&table, &k);
    if (!t)
        return 0;
    __u32 i = t[0];
    for (int n = 0; n < 10; n++)
        i = t[i & 31];
    return i;
}

//@ case linked_walk_unmasked
//@ expect reject 11: R2: the pointer to map value would get an unbounded offset: R1 has no upper bound; compare it against a limit first
SEC("socket") int linked_walk_unmasked(struct __sk_buff *skb)
{
    __u32 k = 0, *t = bpf_map_lookup_elem(&table, &k);
    if (!t)
        return 0;
    __u32 i = t[0];
    for (int n = 0; n < 10; n++)
        i = t[i];
    return i;
}

static long count_cb(__u32 index, void *ctx)
{
    __u64 *acc = ctx;
    *acc += index;
    return 0;
}

//@ case bpf_loop_ok
//@ expect accept
SEC("socket") int bpf_loop_ok(struct __sk_buff *skb)
{
    __u64 acc = 0;
    bpf_loop(1000, count_cb, &acc, 0);
    return acc & 0xff;
}

struct walk {
    __u32 *t;
    __u32 pos;
};

static long walk_cb(__u32 index, void *ctx)
{
    struct walk *w = ctx;
    w->pos = w->t[w->pos & 31];
    return w->pos == 0;
}

//@ case bpf_loop_map_walk_ok
//@ expect accept
SEC("socket") int bpf_loop_map_walk_ok(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct walk w = { .t = bpf_map_lookup_elem(&table, &k), .pos = 0 };
    if (!w.t)
        return 0;
    bpf_loop(1 << 20, walk_cb, &w, 0);
    return w.pos;
}

static long bad_cb(__u32 index, void *ctx)
{
    struct walk *w = ctx;
    w->pos = w->t[w->pos];
    return 0;
}

//@ case bpf_loop_callback_unbounded_index
//@ expect reject 23: R3: the pointer to map value would get an unbounded offset: R1 has no upper bound; compare it against a limit first
SEC("socket") int bpf_loop_callback_unbounded_index(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct walk w = { .t = bpf_map_lookup_elem(&table, &k), .pos = 0 };
    if (!w.t)
        return 0;
    bpf_loop(16, bad_cb, &w, 0);
    return w.pos;
}

static long ret2_cb(__u32 index, void *ctx)
{
    return 2;
}

//@ case bpf_loop_callback_returns_2
//@ expect reject 9: R0 is 2 at callback exit: a bpf_loop callback must return 0 or 1
SEC("socket") int bpf_loop_callback_returns_2(struct __sk_buff *skb)
{
    bpf_loop(4, ret2_cb, 0, 0);
    return 0;
}

//@ case countdown_with_break_ok
//@ expect accept
SEC("socket") int countdown_with_break_ok(struct __sk_buff *skb)
{
    __u32 x = skb->hash, steps = 0;
    for (int i = 0; i < 100; i++) {
        if (x == 1)
            break;
        x = (x & 1) ? x * 3 + 1 : x / 2;
        steps++;
    }
    return steps;
}

char LICENSE[] SEC("license") = "GPL";
