// SPDX-License-Identifier: GPL-2.0
/* c_calls.c — BPF-to-BPF calls from C (static __noinline functions): arguments
 * that are pointers into the caller's stack, map values and packets, return
 * values, stack depth across the call chain. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64[8]);
} vals SEC(".maps");

static __noinline __u64 sum8(__u64 *v)
{
    __u64 s = 0;
    for (int i = 0; i < 8; i++)
        s += v[i];
    return s;
}

//@ case sum_map_value_ok
//@ expect accept
SEC("socket") int sum_map_value_ok(struct __sk_buff *skb)
{
    __u32 k = skb->len & 3;
    __u64 *v = bpf_map_lookup_elem(&vals, &k);
    return v ? sum8(v) : 0;
}

//@ case sum_stack_array_ok
//@ expect accept
SEC("socket") int sum_stack_array_ok(struct __sk_buff *skb)
{
    __u64 a[8] = { skb->len, skb->hash, 1, 2, 3, 4, 5, 6 };
    return sum8(a);
}

//@ case sum_short_stack_array
// a[4] is too short for sum8's 8 reads: they run past the caller's stack frame
//@ expect reject 12: R1 pointer to stack: read of 8 bytes at fp+24 is outside the 512-byte stack frame
SEC("socket") int sum_short_stack_array(struct __sk_buff *skb)
{
    __u64 a[4] = { skb->len, skb->hash, 1, 2 };
    return sum8(a);
}

//@ case sum_unchecked_map_value
//@ expect reject 11: R1 may be NULL: check the result of bpf_map_lookup_elem against NULL before the read
SEC("socket") int sum_unchecked_map_value(struct __sk_buff *skb)
{
    __u32 k = skb->len & 3;
    return sum8(bpf_map_lookup_elem(&vals, &k));
}

static __noinline int fill(__u8 *buf, int n)
{
    for (int i = 0; i < n && i < 64; i++)
        buf[i] = i;
    return n;
}

//@ case fill_ok
//@ expect accept
SEC("socket") int fill_ok(struct __sk_buff *skb)
{
    __u8 buf[64];
    fill(buf, 64);
    return buf[63];
}

//@ case fill_too_small
//@ expect reject 8: R3 pointer to stack: write of 1 byte at fp+0 is outside the 512-byte stack frame
SEC("socket") int fill_too_small(struct __sk_buff *skb)
{
    __u8 buf[16];
    fill(buf, 64);
    return buf[15];
}

static __noinline int big_frame(int x)
{
    volatile char scratch[400];
    scratch[0] = x;
    scratch[399] = x;
    return scratch[x & 255];
}

//@ case big_frame_ok
//@ expect accept
SEC("socket") int big_frame_ok(struct __sk_buff *skb)
{
    return big_frame(skb->len);
}

//@ case frames_over_512
//@ expect reject 14: this call makes the stacks of the chain of functions at 0 (208 bytes) -> 16 (400 bytes) take 608 bytes together (each rounded up to 16), more than the 512 allowed
SEC("socket") int frames_over_512(struct __sk_buff *skb)
{
    volatile char mine[200];
    mine[skb->len & 127] = 1;
    return big_frame(mine[skb->hash & 127]);
}

static __noinline int depth3(int x) { return x * 3; }
static __noinline int depth2(int x) { return depth3(x) + 2; }
static __noinline int depth1(int x) { return depth2(x) + 1; }

//@ case call_chain_ok
//@ expect accept
SEC("socket") int call_chain_ok(struct __sk_buff *skb)
{
    return depth1(skb->len);
}

static __noinline __u64 *pick(__u64 *a, __u64 *b, int which)
{
    return which ? a : b;
}

//@ case returned_pointer_ok
// pick returns a pointer into its caller's frame, which outlives the call
//@ kernel reject: Linux refuses any stack pointer as a function's return value; bpfvm only one into the returning function's own frame
//@ expect accept
SEC("socket") int returned_pointer_ok(struct __sk_buff *skb)
{
    __u64 x = 1, y = 2;
    __u64 *p = pick(&x, &y, skb->len & 1);
    return *p;
}

static __noinline int packet_byte(struct __sk_buff *skb, __u32 off)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    __u8 *p = data + (off & 127);
    if ((void *)(p + 1) > end)
        return -1;
    return *p;
}

//@ case tc_packet_helper_function_ok
//@ expect accept
SEC("tc") int tc_packet_helper_function_ok(struct __sk_buff *skb)
{
    return packet_byte(skb, 12) == 8 ? 0 : 2;
}

static __noinline int bad_packet_byte(struct __sk_buff *skb, __u32 off)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    __u8 *p = data + (off & 127);
    if ((void *)p > end)
        return -1;
    return *p;
}

//@ case tc_packet_helper_function_off_by_one
//@ expect reject 12: R2 pointer to packet: read of 1 byte at offset 12 goes past the 12 bytes proven by comparing with data_end
SEC("tc") int tc_packet_helper_function_off_by_one(struct __sk_buff *skb)
{
    return bad_packet_byte(skb, 12) == 8 ? 0 : 2;
}

char LICENSE[] SEC("license") = "GPL";
